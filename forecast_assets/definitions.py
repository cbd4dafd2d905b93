"""The code location: each lifecycle stage contributes its definitions; the environment supplies the resources."""

import dagster as dg

from forecast_assets import accuracy, champion, datasets, drift, inference, ingestion, jobs, training
from resources.environment import build_executor, build_resources
from sensors import definitions as sensors


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """The whole lifecycle bound to resources (default: those of FORECAST_ENV)."""
    return dg.Definitions.merge(
        ingestion.defs,
        datasets.defs,
        training.defs,
        champion.defs,
        inference.defs,
        accuracy.defs,
        drift.defs,
        jobs.defs,
        sensors.build_definitions(),
        dg.Definitions(resources=resources if resources is not None else build_resources(), executor=build_executor()),
    )


defs = build_definitions()
