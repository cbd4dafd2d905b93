"""A short lifecycle, driven by the real schedules and sensors, notices one injected drift and retrains once."""

import dagster as dg
import pandas as pd
import pytest

from demo.lifecycle import run_lifecycle
from forecast_assets.definitions import build_definitions
from resources.environment import build_resources
from resources.sources.synthetic import ScenarioEvent, SyntheticSeriesSource

SHIFT_DAY = pd.Timestamp("2024-04-10")


@pytest.mark.slow
def test_a_short_lifecycle_flags_only_the_shifted_series_and_retrains_once(forecast_home):
    resources = build_resources()
    resources["source"] = SyntheticSeriesSource(n_series=4, days=112, events=[
        ScenarioEvent(kind="level_shift", series=["s001"], start=str(SHIFT_DAY), magnitude=0.35)])
    defs = build_definitions(resources)
    instance = dg.DagsterInstance.ephemeral()

    summary = run_lifecycle(history_periods=21 * 24, live_partitions=5, defs=defs, live_start=pd.Timestamp("2024-04-07"),
                            instance=instance)

    assert summary["retrains"] == 1
    assert summary["detection_delay_days"] in ("0", "1")
    assert summary["forecasts"] == 6 * 4 * 48  # origins: the first live day and the five ends of day, 4 series, H=48
    monitoring = resources["warehouse"].read("monitoring_summary").set_index("day").sort_index()
    before, after = monitoring[monitoring.index < SHIFT_DAY], monitoring[monitoring.index >= SHIFT_DAY]
    assert (before["drifted_series"] == "").all(), before["drifted_series"]
    assert (after["drifted_series"] == "s001").all(), after["drifted_series"]
    alarms = pd.read_csv(forecast_home / "reports" / "alarms.csv", parse_dates=["day"])
    assert set(alarms.loc[alarms["signal"] == "label drift", "series_id"]) == {"s001"}
    assert len(alarms) == len(resources["warehouse"].read("monitoring_alarms")) and "recovery_days" in summary
    drift_runs = instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "drift_retrain_sensor"}))
    assert len(drift_runs) == 1 and drift_runs[0].tags["forecast/trigger"] == "drift_sensor"
    scheduled = instance.get_runs(dg.RunsFilter(tags={"dagster/schedule_name": "monitoring_schedule"}))
    assert len(scheduled) == 5
