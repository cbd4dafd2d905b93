"""Named jobs, one per lifecycle stage, each launchable from the UI and targeted by schedules and sensors."""

import dagster as dg

from forecast_assets.partitions import time_partitions

ingestion_job = dg.define_asset_job(
    "ingestion_job", selection=dg.AssetSelection.groups("ingestion"), partitions_def=time_partitions,
    description="Collect one partition of raw observations and run the data-quality checks.",
)
training_job = dg.define_asset_job(
    "training_job", selection=dg.AssetSelection.groups("datasets", "training"),
    description="Build a dataset version, train a candidate, and let the gate decide on the champion.",
)
inference_job = dg.define_asset_job(
    "inference_job", selection=dg.AssetSelection.groups("inference"), partitions_def=time_partitions,
    description="Forecast H steps from the partition's origin with the champion model.",
)
monitoring_job = dg.define_asset_job(
    "monitoring_job", selection=dg.AssetSelection.groups("monitoring"), partitions_def=time_partitions,
    description="Score the partition's actuals against its forecasts and report drift.",
)

defs = dg.Definitions(jobs=[ingestion_job, training_job, inference_job, monitoring_job])
