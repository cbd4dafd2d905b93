"""When no trained model beats the seasonal naive, a registered version serves the seasonal naive: forecasts go on,
every row says method seasonal_naive, and the values are trainer.metrics.seasonal_naive of the served history."""

import numpy as np
import pandas as pd

from forecast_assets.champion import register_seasonal_naive
from ingested_history import HISTORY, WINDOW, ingested_history
from resources.registry import CHAMPION, serves_seasonal_naive
from trainer.metrics import seasonal_naive


def test_a_seasonal_naive_champion_serves_the_seasonal_naive_for_every_series(forecast_home):
    defs, resources, instance = ingested_history(n_series=3)
    defs.resolve_job_def("training_job").execute_in_process(instance=instance, run_config=WINDOW)
    registry = resources["registry"]
    trained = registry.alias(CHAMPION)

    naive = register_seasonal_naive(registry, trained)
    registry.set_alias(CHAMPION, naive.version)
    assert serves_seasonal_naive(registry.alias(CHAMPION)) and not serves_seasonal_naive(trained)
    assert naive.metrics["test"] == trained.metrics["seasonal_naive"]["test"]  # the error alarm's baseline

    result = defs.resolve_job_def("inference_job").execute_in_process(instance=instance, partition_key=HISTORY[1])
    assert result.success  # the forecast checks pass: the lifecycle does not stop
    assert result.asset_materializations_for_node("batch_forecasts")[0].metadata["served_by"].value == "seasonal_naive"
    forecasts = resources["warehouse"].read("batch_forecasts")
    assert set(forecasts["method"]) == {"seasonal_naive"} and set(forecasts["model_version"]) == {naive.version}
    raw = resources["warehouse"].read("raw_series").sort_values(["series_id", "timestamp"])
    for series_id, rows in forecasts.groupby("series_id"):
        history = raw.loc[(raw["series_id"] == series_id) & (raw["timestamp"] < pd.Timestamp("2024-03-31")), "value"]
        expected = seasonal_naive(history.to_numpy(dtype=float), 48, 24)
        np.testing.assert_allclose(rows.sort_values("step")["forecast"].to_numpy(), expected)
