"""SOURCE= texts name each source kind; FORECAST_SOURCE picks the source in resources/environment.py."""

import pytest

from resources.sources.base import SourceError
from resources.sources.eia import EIASeriesSource
from resources.sources.file import FileSeriesSource
from resources.sources.spec import source_from_spec
from resources.sources.synthetic import SyntheticSeriesSource
from resources.sources.warehouse import BigQueryTableSource, DuckDBTableSource


@pytest.mark.parametrize("spec", ["data/load.parquet", "exports/*.parquet", "exports/", "gs://bucket/exports/",
                                  "https://example.org/load.csv"])  # fmt: skip
def test_paths_globs_folders_buckets_and_urls_are_file_sources(spec):
    source = source_from_spec(spec)
    assert isinstance(source, FileSeriesSource) and source.path == spec


def test_a_duckdb_table_with_a_column_mapping():
    source = source_from_spec("duckdb:/data/grid.duckdb?table=main.load&series_id=region&timestamp=hour&value=mw")
    assert isinstance(source, DuckDBTableSource)
    assert (source.database, source.table, source.series_id_column, source.timestamp_column, source.value_column) == (
        "/data/grid.duckdb", "main.load", "region", "hour", "mw")


def test_a_bigquery_table_or_a_query_in_a_project():
    table = source_from_spec("bigquery:proj.grid.load?timestamp=hour", bigquery_endpoint="http://127.0.0.1:9050")
    assert isinstance(table, BigQueryTableSource)
    assert (table.project, table.table, table.timestamp_column, table.api_endpoint) == (
        "proj", "proj.grid.load", "hour", "http://127.0.0.1:9050")
    query = source_from_spec("bigquery:proj?query=SELECT * FROM grid.load WHERE region = 'PJM'")
    assert (query.project, query.table, query.query) == ("proj", "", "SELECT * FROM grid.load WHERE region = 'PJM'")


def test_eia_takes_a_list_of_balancing_authorities():
    source = source_from_spec("eia:PJM, miso")
    assert isinstance(source, EIASeriesSource) and source.respondents == ["PJM", "MISO"]
    assert source_from_spec("eia:").respondents == []


def test_an_unknown_option_is_named_with_the_known_ones():
    with pytest.raises(SourceError, match=r"unknown option 'tabel'; use query, series_id, table, timestamp, value"):
        source_from_spec("duckdb:grid.duckdb?tabel=load")


def test_forecast_source_picks_the_source_and_synthetic_is_the_default(monkeypatch):
    from resources.environment import build_source

    monkeypatch.setenv("FORECAST_SOURCE", "duckdb:grid.duckdb?table=load")
    assert isinstance(build_source(), DuckDBTableSource)
    for default in ("", "synthetic"):
        monkeypatch.setenv("FORECAST_SOURCE", default)
        assert isinstance(build_source(), SyntheticSeriesSource)
