"""Ingestion: raw_series, every observation of a partition's period exactly as the source delivered it, plus ingestion time."""

import dagster as dg
import pandas as pd

from forecast_assets.ingestion_checks import RAW_SERIES_CHECKS, RawChecks, raw_check_results, run_windows
from forecast_assets.partitions import time_partitions
from forecast_assets.source_revisions import source_data, source_revision_sensor
from resources.row_chunks import RowChunks
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
    ingested_at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    checks, summary = RawChecks(run_windows(context), settings), IngestSummary()

    def chunks():  # settings.shard_series series at a time: checked, summarized, written, then let go
        for chunk in source.fetch_chunks(start, end, settings.shard_series):
            chunk = chunk.assign(ingested_at=ingested_at)
            checks.add(chunk)
            summary.add(chunk)
            yield chunk

    # The IO manager consumes the chunks as this output is yielded, in the partition's one atomic replace.
    yield dg.Output(RowChunks(chunks(), describe=summary.metadata))
    yield from raw_check_results(context, checks)


class IngestSummary:
    """raw_series' metadata, gathered chunk by chunk (each chunk holds whole series, so series counts add up)."""

    def __init__(self):
        self.series, self.first, self.last, self.head = 0, None, None, None

    def add(self, chunk: pd.DataFrame) -> None:
        """Count one chunk in."""
        if chunk.empty or not {"series_id", "timestamp"} <= set(chunk.columns):
            self.head = chunk.head(10) if self.head is None else self.head
            return
        self.series += chunk["series_id"].nunique()
        low, high = chunk["timestamp"].min(), chunk["timestamp"].max()
        self.first = low if self.first is None else min(self.first, low)
        self.last = high if self.last is None else max(self.last, high)
        self.head = chunk.head(10) if self.head is None or self.head.empty else self.head

    def metadata(self) -> dict:
        """Series count, first and last timestamp and a preview of the first rows."""
        return {"series": self.series, "first_timestamp": str(self.first or ""), "last_timestamp": str(self.last or ""),
                "preview": dg.MetadataValue.md((self.head if self.head is not None else pd.DataFrame())
                                               .to_markdown(index=False))}


defs = dg.Definitions(assets=[source_data, raw_series], sensors=[source_revision_sensor])
