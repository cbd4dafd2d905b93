"""The new-champion sensor: when the gate promotes a model, refresh the latest forecasts with it at once."""

import dagster as dg

from forecast_assets.jobs import inference_job
from forecast_assets.partitions import partition_key_for
from resources.warehouse import Warehouse


@dg.asset_sensor(asset_key=dg.AssetKey("champion_model"), job=inference_job,
                 description="Re-forecasts the latest origin after a promotion, so the new champion is used at once.")
def new_champion_sensor(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, warehouse: Warehouse):
    """Requests batch_forecasts for the latest collected partition when champion_model reports a promotion."""
    metadata = asset_event.asset_materialization.metadata
    if not metadata.get("promoted") or not metadata["promoted"].value:
        return dg.SkipReason("the gate kept the champion: forecasts stand")
    latest = warehouse.max_value("raw_series", "timestamp")
    if latest is None:
        return dg.SkipReason("no raw data to forecast from")
    version = metadata["champion_version"].value
    day = partition_key_for(latest)  # the partition holding the latest observation
    return dg.RunRequest(run_key=f"champion-{version}-{day}", partition_key=day,
                         tags={"forecast/trigger": "new_champion_sensor", "forecast/champion": version})
