"""The code location: each lifecycle stage contributes its definitions; the environment supplies the resources."""

import dagster as dg

from forecast_assets import datasets, ingestion
from resources.environment import build_executor, build_resources

defs = dg.Definitions.merge(
    ingestion.defs,
    datasets.defs,
    dg.Definitions(resources=build_resources(), executor=build_executor()),
)
