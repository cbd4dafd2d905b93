"""The SOURCE= / --source / FORECAST_SOURCE text: which kind of source it names, built with its settings.

    <file, glob or folder>      data/load.parquet, 'exports/*.parquet', exports/, gs://bucket/exports/
    http(s)://...               a CSV or Parquet file served over HTTP
    duckdb:<file>?table=T       a table (or &query=SELECT ...) in the user's DuckDB file
    bigquery:<project.dataset.table>   a BigQuery table (or bigquery:<project>?query=SELECT ...)
    eia:[PJM,MISO,...]          hourly demand from the EIA API v2 (key in EIA_API_KEY)

duckdb: and bigquery: take the column mapping as `series_id=`, `timestamp=` and `value=` options, e.g.
duckdb:grid.duckdb?table=main.load&series_id=region&timestamp=hour&value=mw.
"""

from typing import Optional
from urllib.parse import parse_qs

import dagster as dg

from resources.sources.base import SeriesSource, SourceError

KINDS = ("file/glob/folder", "http(s)", "duckdb:", "bigquery:", "eia:")
MAPPING_OPTIONS = {"series_id": "series_id_column", "timestamp": "timestamp_column", "value": "value_column"}


def source_from_spec(spec: str, bigquery_endpoint: str = "", timestamp_format: Optional[str] = None) -> SeriesSource:
    """The source a SOURCE text names; SourceError names the text and what is wrong with it."""
    from resources.sources.file import FileSeriesSource

    spec = spec.strip()
    kind, _, rest = spec.partition(":")
    if kind == "duckdb":
        from resources.sources.warehouse import DuckDBTableSource

        database, options = _options(spec, rest, {"table", "query"})
        return DuckDBTableSource(database=database, **options)
    if kind == "bigquery":
        from resources.sources.warehouse import BigQueryTableSource

        target, options = _options(spec, rest, {"query", "location", "timestamp_type"})
        project = target.split(".")[0]
        if not project:
            raise SourceError(f"{spec}: name a table (bigquery:project.dataset.table) or a project and a query")
        table = target if "query" not in options else ""
        return BigQueryTableSource(project=project, table=table, api_endpoint=bigquery_endpoint, **options)
    if kind == "eia":
        from resources.sources.eia import EIASeriesSource

        respondents = [code.strip().upper() for code in rest.split(",") if code.strip()]
        return EIASeriesSource(api_key=dg.EnvVar("EIA_API_KEY"), respondents=respondents)
    return FileSeriesSource(path=spec, timestamp_format=timestamp_format)


def _options(spec: str, rest: str, allowed: set[str]) -> tuple[str, dict]:
    """The part before `?` and the options after it, with the column mapping under the resource's field names."""
    target, _, query = rest.partition("?")
    options = {}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        if name not in allowed and name not in MAPPING_OPTIONS:
            known = ", ".join(sorted(allowed | set(MAPPING_OPTIONS)))
            raise SourceError(f"{spec}: unknown option {name!r}; use {known}")
        options[MAPPING_OPTIONS.get(name, name)] = values[-1]
    return target, options
