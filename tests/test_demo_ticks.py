"""The demo's schedule and sensor evaluations are recorded as the daemon records them: ticks under the selector
the Dagster UI looks up, with their runs, skip reasons and the run tags the daemon sets."""

import dagster as dg
import pandas as pd
from dagster._core.definitions.selector import InstigatorSelector
from dagster._core.scheduler.instigation import TickStatus

from demo.automation import Clock
from forecast_assets.definitions import build_definitions
from resources.environment import build_resources
from resources.sources.synthetic import SyntheticSeriesSource


def _selector_id(name: str) -> str:
    # workspace.yaml names the code location forecast_platform; Definitions load as the repository __repository__
    return InstigatorSelector(location_name="forecast_platform", repository_name="__repository__", name=name).get_id()


def test_a_schedule_tick_holds_its_run_and_the_run_names_the_schedule_and_tick(forecast_home):
    resources = build_resources()
    resources["source"] = SyntheticSeriesSource(n_series=2, days=40, events=[])
    clock = Clock(defs=build_definitions(resources), instance=dg.DagsterInstance.local_temp(str(forecast_home)))

    results = clock.schedule_tick("collect_schedule", pd.Timestamp("2024-01-10 00:30"))

    assert len(results) == 1 and results[0].success
    ticks = clock.instance.get_ticks("unused-origin", _selector_id("collect_schedule"))
    assert len(ticks) == 1
    tick = ticks[0]
    assert tick.status == TickStatus.SUCCESS and tick.tick_data.run_ids == [results[0].run_id]
    assert tick.tick_data.end_timestamp >= tick.timestamp
    run = clock.instance.get_run_by_id(results[0].run_id)
    assert run.tags["dagster/schedule_name"] == "collect_schedule"
    assert run.tags["dagster/tick"] == str(tick.tick_id)
    assert run.tags[".dagster/scheduled_execution_time"].startswith("2024-01-10T00:30")
    assert run.tags["dagster/partition"] == "2024-01-09"


def test_a_demo_run_carries_its_job_s_origin_in_the_code_location_the_ui_serves(forecast_home):
    # The Overview timeline groups runs by the code location and repository of their origin, and drops runs without.
    resources = build_resources()
    resources["source"] = SyntheticSeriesSource(n_series=2, days=40, events=[])
    clock = Clock(defs=build_definitions(resources), instance=dg.DagsterInstance.local_temp(str(forecast_home)))

    (result,) = clock.schedule_tick("collect_schedule", pd.Timestamp("2024-01-10 00:30"))

    run = clock.instance.get_run_by_id(result.run_id)
    repository = run.remote_job_origin.repository_origin
    assert (repository.code_location_origin.location_name, repository.repository_name, run.job_name) == (
        "forecast_platform", "__repository__", "ingestion_job")
    pointer = run.job_code_origin.repository_origin.code_pointer  # what a launcher would load the job from
    assert (pointer.module, pointer.fn_name) == ("forecast_assets.definitions", "defs")
    assert clock.instance.get_runs(dg.RunsFilter(job_name="ingestion_job", tags={"dagster/partition": "2024-01-09"}))


def test_a_sensor_tick_that_requests_nothing_is_skipped_with_the_sensors_reason(forecast_home):
    resources = build_resources()
    resources["source"] = SyntheticSeriesSource(n_series=2, days=40, events=[])
    clock = Clock(defs=build_definitions(resources), instance=dg.DagsterInstance.local_temp(str(forecast_home)))

    assert clock.sensor_tick("drift_retrain_sensor") == []

    ticks = clock.instance.get_ticks("unused-origin", _selector_id("drift_retrain_sensor"))
    assert len(ticks) == 1 and ticks[0].status == TickStatus.SKIPPED
    assert ticks[0].tick_data.skip_reason  # the sensor's own words, shown in the Automation page's tick history
    assert clock.ticks == [("drift_retrain_sensor", "SKIPPED", 0)]
