"""batch_forecasts reads, cleans and scores one shard of series at a time (settings.shard_series): however many shards
the series are split into, the forecasts are the same frame -- the model's rows, the intervals rescaled on scores
pooled over every shard, and the seasonal-naive fallback for a series too young for the model."""

import dagster as dg
import pandas as pd

from ingested_history import HISTORY, WINDOW, ingested_history
from resources.registry import CHAMPION
from resources.settings import ForecastSettings
from resources.shards import shard_count, shard_of

YOUNG = "young-1"  # started on the forecast partition's day: too short for the model


def forecasts_with(resources: dict, instance: dg.DagsterInstance, shard_series: int) -> tuple[pd.DataFrame, dict]:
    """batch_forecasts of the last history day with settings.shard_series = shard_series: (forecasts, metadata)."""
    from forecast_assets.inference import batch_forecasts

    result = dg.materialize([batch_forecasts], partition_key=HISTORY[1], instance=instance,
                            resources={**resources, "settings": ForecastSettings(shard_series=shard_series)})
    assert result.success
    metadata = result.asset_materializations_for_node("batch_forecasts")[0].metadata
    return result.output_for_node("batch_forecasts"), metadata


def test_forecasts_scored_shard_by_shard_equal_those_scored_in_one_shard(forecast_home):
    defs, resources, instance = ingested_history(n_series=5)
    defs.resolve_job_def("training_job").execute_in_process(instance=instance, run_config=WINDOW)
    warehouse = resources["warehouse"]
    raw = warehouse.read("raw_series")
    day = raw[(raw["timestamp"] >= HISTORY[1]) & (raw["series_id"] == raw["series_id"].min())]
    warehouse.write("raw_series", day.assign(series_id=YOUNG))
    series = sorted(raw["series_id"].unique().tolist() + [YOUNG])
    assert len(set(shard_of(series, shard_count(len(series), 2)))) > 1  # shard_series=2 really splits them

    whole, whole_meta = forecasts_with(resources, instance, shard_series=1000)
    sharded, sharded_meta = forecasts_with(resources, instance, shard_series=2)

    pd.testing.assert_frame_equal(sharded, whole, check_exact=True)
    assert sharded_meta["interval_factors"].value == whole_meta["interval_factors"].value
    assert whole_meta["model_version"].value == resources["registry"].alias(CHAMPION).version
    assert sorted(whole["series_id"].unique()) == series
    assert set(whole.loc[whole["series_id"] == YOUNG, "method"]) == {"seasonal_naive"}
    assert set(whole.loc[whole["series_id"] != YOUNG, "method"]) == {"model"}
    assert sharded_meta["fallback_series"].value == [YOUNG]
