"""Datasets: training_dataset, a cleaned window of raw_series, versioned by its content hash."""

import dagster as dg
import pandas as pd

from forecast_assets.dataset_shards import built_dataset, read_shard, shard_files
from forecast_assets.ingestion import raw_series
from resources.artifacts import ArtifactStore
from resources.datasets import DatasetCatalog
from resources.settings import ForecastSettings
from resources.shards import shard_table
from resources.warehouse import WAREHOUSE_POOL, Warehouse


class DatasetWindow(dg.Config):
    """Which raw observations make the dataset: window_periods steps ending before end_date (default: just after the
    latest raw observation)."""

    end_date: str | None = None  # exclusive, YYYY-MM-DD or a timestamp
    window_periods: int | None = None  # steps of the data's frequency; default: settings.dataset_window_periods


def dataset_window(window: DatasetWindow, settings: ForecastSettings, warehouse: Warehouse) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The [start, end) of raw observations a dataset covers."""
    if window.end_date:
        end = pd.Timestamp(window.end_date)
    else:
        latest = warehouse.max_value("raw_series", "timestamp")
        if latest is None or pd.isna(latest):
            raise dg.Failure("training_dataset: raw_series holds no data yet; materialize raw_series partitions first")
        end = settings.steps_after(latest, 1)
    periods = window.window_periods or settings.dataset_window_periods
    return settings.steps_before(settings.first_step_at_or_after(end), periods), end


@dg.asset(group_name="datasets", kinds={"pandas", "parquet"}, deps=[raw_series], pool=WAREHOUSE_POOL)
def training_dataset(context: dg.AssetExecutionContext, config: DatasetWindow, settings: ForecastSettings,
                     warehouse: Warehouse, artifacts: ArtifactStore, dataset_catalog: DatasetCatalog) -> dg.MaterializeResult:
    """A cleaned, regular-grid window of raw_series written as Parquet shards of series; its content hash is the
    dataset version."""
    start, end = dataset_window(config, settings, warehouse)
    series = warehouse.distinct("raw_series", "series_id", time_column="timestamp", start=start, end=end)
    if series.empty:
        raise dg.Failure(f"training_dataset: raw_series has no observations in [{start}, {end})")
    policy = {"freq": settings.freq, "max_interpolate_steps": settings.max_interpolate_steps,
              "allow_negative": settings.allow_negative_values}
    # Each shard of series is read from the warehouse, cleaned and written on its own: memory follows the shard.
    shards = warehouse.read_shards("raw_series", shard_table(series, settings.shard_series), time_column="timestamp",
                                   start=start, end=end)
    with built_dataset(shards, policy) as dataset:
        digest = dataset.digest
        version = f"ds-{digest[:12]}"
        uri = dataset.publish(artifacts, version)
    report, rows, n_series, n_shards = dataset.report, dataset.rows, dataset.series, len(dataset.shards)
    record = {
        "version": version, "uri": uri, "rows": rows, "series": n_series,
        "window_start": start, "window_end": end, "hash": digest,
        "created_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
    }
    registered_elsewhere = dataset_catalog.register(record)
    context.log.info(f"dataset {version}: {rows} rows, {n_series} series in {n_shards} shards, {report.as_dict()}")
    return dg.MaterializeResult(
        data_version=dg.DataVersion(version),
        metadata={
            "dataset_version": version,
            "dataset_uri": dg.MetadataValue.path(uri),
            "window": f"[{start}, {end})",
            "dagster/row_count": rows,
            "series": n_series,
            "shards": n_shards,
            **registered_elsewhere,
            "cleaning": dg.MetadataValue.json(report.as_dict()),
            "content_hash": digest,
            "preview": dg.MetadataValue.md(dataset.preview.to_markdown(index=False)),
        },
    )


defs = dg.Definitions(assets=[training_dataset])


def load_dataset(artifacts: ArtifactStore, version: str, max_series: int | None = None) -> pd.DataFrame:
    """Read a dataset version back from the artifact store: every shard, or with max_series whole shards in shard
    order until they hold at least max_series series (a stable hash sample, bounded in memory)."""
    frames, series = [], 0
    for key in shard_files(artifacts, version):
        frames.append(read_shard(artifacts, key))
        series += frames[-1]["series_id"].nunique()
        if max_series is not None and series >= max_series:
            break
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
