"""A short lifecycle, driven by the real schedules and sensors, notices one injected drift and retrains once, whether
the series come from the synthetic source or from a folder of daily Parquet exports of the same series."""

import dagster as dg
import pandas as pd
import pytest

from demo.lifecycle import run_lifecycle
from forecast_assets.definitions import build_definitions
from resources.environment import build_resources
from resources.sources.file import FileSeriesSource
from resources.sources.synthetic import ScenarioEvent, SyntheticSeriesSource

SHIFT_DAY = pd.Timestamp("2024-04-10")


def daily_parquet_folder(source: SyntheticSeriesSource, folder) -> FileSeriesSource:
    """The source's series as one Parquet file per day in folder, as exports usually come, read as one FileSeriesSource."""
    start, end = source.time_range()
    frame = source.fetch(start, end + pd.Timedelta(hours=1))
    folder.mkdir()
    for day, rows in frame.groupby(frame["timestamp"].dt.floor("D")):
        rows.to_parquet(folder / f"load_{day:%Y%m%d}.parquet", index=False)
    return FileSeriesSource(path=str(folder))


@pytest.mark.slow
@pytest.mark.parametrize("origin", ["synthetic", "daily_parquet_folder"])
def test_a_short_lifecycle_flags_only_the_shifted_series_and_retrains_once(forecast_home, tmp_path, origin):
    resources = build_resources()
    resources["source"] = SyntheticSeriesSource(n_series=4, days=112, events=[
        ScenarioEvent(kind="level_shift", series=["s001"], start=str(SHIFT_DAY), magnitude=0.35)])
    if origin == "daily_parquet_folder":
        resources["source"] = daily_parquet_folder(resources["source"], tmp_path / "exports")
    defs = build_definitions(resources)
    instance = dg.DagsterInstance.ephemeral()

    summary = run_lifecycle(history_periods=21 * 24, live_partitions=5, defs=defs, live_start=pd.Timestamp("2024-04-07"),
                            instance=instance)

    assert summary["retrains"] == 1
    # Only the synthetic source knows when its events start; a folder of exports cannot say, so its delay is "na".
    assert summary["detection_delay_days"] in (("0", "1") if origin == "synthetic" else ("na",))
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
