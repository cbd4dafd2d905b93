"""Late data and revisions: the source's recent partitions observed by data version, re-collected only when changed.

`source_data` is the external asset upstream of raw_series: the data where it lives, one data version per
partition. `source_revision_sensor` fingerprints the last few collected partitions at the source (the source's
revision_lookback_partitions; operators revise yesterday), records each as an observation of `source_data`, and
requests raw_series for exactly the partitions whose fingerprint changed. Dagster then shows those raw_series
partitions, and everything downstream of them, as stale until they are re-collected; nothing else reruns.
"""

import json

import dagster as dg

from forecast_assets.partitions import time_partitions
from resources.sources import SeriesSource

source_data = dg.AssetSpec(
    "source_data",
    partitions_def=time_partitions,
    group_name="ingestion",
    kinds={"source"},
    description="The observations where they live (file, warehouse table or API), one data version per partition.",
)


@dg.sensor(asset_selection=dg.AssetSelection.assets("raw_series"), minimum_interval_seconds=3600,
           default_status=dg.DefaultSensorStatus.STOPPED)  # fmt: skip
def source_revision_sensor(context: dg.SensorEvaluationContext, source: SeriesSource):
    """Re-collects the recent raw_series partitions whose data changed at the source (revisions, late rows)."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    collected = sorted(context.instance.get_materialized_partitions(dg.AssetKey("raw_series")))  # keys sort by time
    recent = collected[-source.revision_lookback_partitions:] if source.revision_lookback_partitions > 0 else []
    versions, observations, requests = {}, [], []
    for key in recent:
        window = time_partitions.time_window_for_partition_key(key)
        version = source.window_version(window.start.replace(tzinfo=None), window.end.replace(tzinfo=None))
        if version is None:
            continue
        versions[key] = version
        if seen.get(key) != version:
            observations.append(dg.AssetObservation(asset_key="source_data", partition=key,
                                                    tags={"dagster/data_version": version}))  # fmt: skip
        if key in seen and seen[key] != version:
            context.log.info(f"{key}: the source's data changed ({seen[key]} -> {version}); re-collecting it")
            requests.append(dg.RunRequest(run_key=f"revision-{key}-{version}", partition_key=key,
                                          tags={"forecast/trigger": "source_revision"}))  # fmt: skip
    return dg.SensorResult(run_requests=requests, asset_events=observations, cursor=json.dumps(versions))
