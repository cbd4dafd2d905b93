"""Datasets: training_dataset, a cleaned window of raw_series, versioned by its content hash."""

import io

import dagster as dg
import pandas as pd

from forecast_assets.cleaning import clean_series, content_hash
from forecast_assets.ingestion import raw_series
from resources.artifacts import ArtifactStore
from resources.datasets import DatasetCatalog
from resources.settings import ForecastSettings
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
    """A cleaned, regular-grid window of raw_series written as Parquet; its content hash is the dataset version."""
    start, end = dataset_window(config, settings, warehouse)
    raw = warehouse.read("raw_series", time_column="timestamp", start=start, end=end)
    if raw.empty:
        raise dg.Failure(f"training_dataset: raw_series has no observations in [{start}, {end})")
    policy = {"freq": settings.freq, "max_interpolate_steps": settings.max_interpolate_steps,
              "allow_negative": settings.allow_negative_values}
    dataset, report = clean_series(raw, settings.freq, settings.max_interpolate_steps, settings.allow_negative_values)
    digest = content_hash(dataset, policy)
    version = f"ds-{digest[:12]}"
    key = dataset_key(version)
    if not artifacts.exists(key):  # same content, same version: never rewritten
        buffer = io.BytesIO()
        dataset.to_parquet(buffer, index=False)
        artifacts.write_bytes(key, buffer.getvalue())
    uri = artifacts.uri(key)
    record = {
        "version": version, "uri": uri, "rows": len(dataset), "series": int(dataset["series_id"].nunique()),
        "window_start": start, "window_end": end, "hash": digest,
        "created_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
    }
    registered_elsewhere = dataset_catalog.register(record)
    context.log.info(f"dataset {version}: {len(dataset)} rows, {record['series']} series, {report.as_dict()}")
    return dg.MaterializeResult(
        data_version=dg.DataVersion(version),
        metadata={
            "dataset_version": version,
            "dataset_uri": dg.MetadataValue.path(uri),
            "window": f"[{start}, {end})",
            "dagster/row_count": len(dataset),
            "series": record["series"],
            **registered_elsewhere,
            "cleaning": dg.MetadataValue.json(report.as_dict()),
            "content_hash": digest,
            "preview": dg.MetadataValue.md(dataset.head(10).to_markdown(index=False)),
        },
    )


defs = dg.Definitions(assets=[training_dataset])


def dataset_key(version: str) -> str:
    """Where a dataset version lives in the artifact store."""
    return f"datasets/{version}/dataset.parquet"


def load_dataset(artifacts: ArtifactStore, version: str) -> pd.DataFrame:
    """Read a dataset version back from the artifact store."""
    return pd.read_parquet(io.BytesIO(artifacts.read_bytes(dataset_key(version))))
