"""Three weeks of synthetic history collected through the real ingestion job, ready for a training run
(import it as a module: tests share it, conftest may not be imported)."""

import dagster as dg

from forecast_assets.definitions import build_definitions
from resources.environment import build_resources
from resources.sources.synthetic import SyntheticSeriesSource

HISTORY = ("2024-03-10", "2024-03-30")
WINDOW = {"ops": {"training_dataset": {"config": {"end_date": "2024-03-31", "window_periods": 504}}}}


def ingested_history(n_series: int):
    """(defs, resources, instance) with raw_series collected for HISTORY from n_series event-free series."""
    resources = build_resources()
    resources["source"] = SyntheticSeriesSource(n_series=n_series, events=[])
    defs = build_definitions(resources)
    instance = dg.DagsterInstance.ephemeral()
    defs.resolve_job_def("ingestion_job").execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": HISTORY[0], "dagster/asset_partition_range_end": HISTORY[1]})
    return defs, resources, instance
