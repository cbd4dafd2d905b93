"""Ingestion: raw_series, every observation of a partition's period exactly as the source delivered it, plus ingestion time."""

import dagster as dg
import pandas as pd

from forecast_assets.ingestion_checks import RAW_SERIES_CHECKS, raw_check_results
from forecast_assets.partitions import time_partitions
from forecast_assets.source_revisions import source_data, source_revision_sensor
from resources.settings import ForecastSettings
from resources.warehouse import WAREHOUSE_POOL
from resources.sources import SeriesSource


@dg.asset(
    partitions_def=time_partitions,
    pool=WAREHOUSE_POOL,
    group_name="ingestion",
    kinds={"pandas", "table"},
    check_specs=RAW_SERIES_CHECKS,
    # The IO manager replaces the partition's time window on every write: reruns never duplicate rows.
    metadata={"partition_expr": "timestamp"},
    # A backfill of many days runs as one run that fetches the whole range at once.
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[source_data],  # the source's own per-partition data versions: a revised partition shows raw_series stale
)
def raw_series(context: dg.AssetExecutionContext, source: SeriesSource, settings: ForecastSettings):
    """Observations collected for the partition's period (series_id, timestamp, value, ingested_at): nothing dropped or altered."""
    window = context.partition_time_window
    start, end = pd.Timestamp(window.start).tz_localize(None), pd.Timestamp(window.end).tz_localize(None)
    raw = source.fetch(start, end)
    raw = raw.assign(ingested_at=pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s"))
    yield dg.Output(
        raw,
        metadata={
            "dagster/row_count": len(raw),
            "series": raw["series_id"].nunique() if "series_id" in raw else 0,
            "first_timestamp": str(raw["timestamp"].min()) if len(raw) else "",
            "last_timestamp": str(raw["timestamp"].max()) if len(raw) else "",
            "preview": dg.MetadataValue.md(raw.head(10).to_markdown(index=False)),
        },
    )
    yield from raw_check_results(context, raw, settings)


defs = dg.Definitions(assets=[source_data, raw_series], sensors=[source_revision_sensor])
