"""Schedules target the right day, the retrain sensor fires once per drift episode, and failures raise alerts."""

import importlib

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from sensors.retrain import RetrainCursor, retrain_days, why_no_retrain


@pytest.fixture
def defs(forecast_home):
    import forecast_assets.definitions as module

    return importlib.reload(module).defs


def alarms(*flags, start="2024-04-01"):
    days = pd.date_range(start, periods=len(flags), freq="D")
    return pd.DataFrame({"day": days, "alarm": list(flags)})


# --- the retrain policy -------------------------------------------------------------------------------------------

def test_no_retrain_below_the_consecutive_days_threshold():
    days, cursor = retrain_days(alarms(True, False, True, False), RetrainCursor(), consecutive_days=2, cooldown_days=7)
    assert days == [] and cursor.last_day == "2024-04-04"


def test_one_drift_episode_triggers_one_retrain():
    days, cursor = retrain_days(alarms(False, True, True, True, True, True, True, True, True, True, True),
                                RetrainCursor(), consecutive_days=2, cooldown_days=7)
    assert days == ["2024-04-03"]
    assert not cursor.armed


def test_a_new_episode_after_the_alarm_clears_and_the_cooldown_retrains_again():
    flags = [True, True, False] + [False] * 6 + [True, True]
    days, _ = retrain_days(alarms(*flags), RetrainCursor(), consecutive_days=2, cooldown_days=7)
    assert days == ["2024-04-02", "2024-04-11"]


def test_a_new_episode_inside_the_cooldown_waits():
    days, _ = retrain_days(alarms(True, True, False, True, True, True), RetrainCursor(), consecutive_days=2, cooldown_days=7)
    assert days == ["2024-04-02"]


def test_evaluating_the_same_days_twice_requests_nothing_twice():
    first, cursor = retrain_days(alarms(True, True), RetrainCursor(), consecutive_days=2, cooldown_days=7)
    again, _ = retrain_days(alarms(True, True), RetrainCursor.parse(cursor.dump()), consecutive_days=2, cooldown_days=7)
    assert first == ["2024-04-02"] and again == []


def why(flags, **policy):
    frame = alarms(*flags)
    _, cursor = retrain_days(frame, RetrainCursor(), **policy)
    return why_no_retrain(frame, cursor, **policy)


def test_a_tick_without_a_retrain_says_which_rule_held_it_back():
    policy = {"consecutive_days": 2, "cooldown_days": 7}
    assert why([True, False], **policy) == "2024-04-02: no alarm (drift and realised error within thresholds)"
    assert why([False, True], **policy) == "2024-04-02: alarm on 1 of the 2 partitions in a row that call for a retrain"
    assert why([True, True, True], **policy).startswith(
        "2024-04-03: alarm goes on; this episode's retrain was requested for 2024-04-02")
    assert why([True, True, False, True, True], **policy) == (
        "2024-04-05: alarm on 2 partitions in a row, but in the cooldown after the retrain for 2024-04-02 (next from 2024-04-09)")
    assert why_no_retrain(alarms(), RetrainCursor(last_day="2024-04-05"), **policy) == (
        "no drift_report for a day after 2024-04-05")


# --- the sensors through Dagster's own evaluation ---------------------------------------------------------------

def test_drift_retrain_sensor_requests_training_once_and_keeps_its_cursor(defs):
    sensor = defs.resolve_sensor_def("drift_retrain_sensor")
    instance = dg.DagsterInstance.ephemeral()

    def evaluate(cursor):
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources) as context:
            return sensor.evaluate_tick(context)

    def report_drift(frame):  # what drift_report's materializations carry: the day's partition and its alarm
        for row in frame.itertuples():
            instance.report_runless_asset_event(dg.AssetMaterialization(
                "drift_report", partition=str(row.day.date()), metadata={"alarm": bool(row.alarm)}))

    assert evaluate(None).skip_message  # no monitoring yet
    report_drift(alarms(False, True))
    below = evaluate(None)
    assert below.run_requests == []
    assert below.skip_message == "2024-04-02: alarm on 1 of the 2 partitions in a row that call for a retrain"
    report_drift(alarms(True, start="2024-04-03"))
    fired = evaluate(below.cursor)
    assert [r.run_key for r in fired.run_requests] == ["drift-retrain-2024-04-03"]
    assert fired.run_requests[0].tags["forecast/trigger"] == "drift_sensor"
    quiet = evaluate(fired.cursor)
    assert quiet.run_requests == [] and quiet.skip_message == "no drift_report for a day after 2024-04-03"


def test_new_champion_sensor_reforecasts_only_after_a_promotion(defs):
    instance = dg.DagsterInstance.ephemeral()
    sensor = defs.resolve_sensor_def("new_champion_sensor")
    defs.resources["warehouse"].write("raw_series", pd.DataFrame({
        "series_id": ["a"], "timestamp": [pd.Timestamp("2024-04-09 23:00")], "value": [1.0]}))

    def evaluate(cursor):
        with dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs, resources=defs.resources) as context:
            return sensor.evaluate_tick(context)

    instance.report_runless_asset_event(dg.AssetMaterialization("champion_model", metadata={
        "promoted": False, "champion_version": "v1"}))
    kept = evaluate(None)
    assert kept.run_requests == []
    instance.report_runless_asset_event(dg.AssetMaterialization("champion_model", metadata={
        "promoted": True, "champion_version": "v2"}))
    promoted = evaluate(kept.cursor)
    assert [(r.partition_key, r.run_key) for r in promoted.run_requests] == [("2024-04-09", "champion-v2-2024-04-09")]
    assert evaluate(promoted.cursor).run_requests == []


@pytest.mark.parametrize("name,tick,partition", [
    ("collect_schedule", "2024-04-11 00:30", "2024-04-10"),
    ("forecast_schedule", "2024-04-11 01:00", "2024-04-10"),
    ("monitoring_schedule", "2024-04-11 02:00", "2024-04-10"),
])
def test_daily_schedules_target_the_day_that_just_ended(defs, name, tick, partition):
    schedule = defs.resolve_schedule_def(name)
    with dg.build_schedule_context(scheduled_execution_time=pd.Timestamp(tick, tz="UTC").to_pydatetime()) as context:
        requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == [partition]
    assert requests[0].tags["forecast/trigger"] == "schedule"


def test_hourly_data_retrains_on_mondays(defs):
    schedule = defs.resolve_schedule_def("retrain_schedule")
    assert schedule.cron_schedule == "0 3 * * 1" and schedule.job_name == "training_job"


# --- alerts -----------------------------------------------------------------------------------------------------

def failed_ingestion(defs, instance, tmp_path, monkeypatch, csv_text: str) -> dg.ExecuteInProcessResult:
    from resources.environment import build_resources

    path = tmp_path / "bad.csv"
    path.write_text(csv_text)
    monkeypatch.setenv("FORECAST_SOURCE", str(path))
    job = defs.resolve_job_def("ingestion_job")
    resources = build_resources()
    return job.execute_in_process(instance=instance, partition_key="2024-04-10", raise_on_error=False,
                                  resources={"source": resources["source"]})


def run_failure_alerts(defs, instance, result) -> pd.DataFrame:
    sensor = defs.resolve_sensor_def("run_failure_alert_sensor")
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    with dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_instance=instance, dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=failure, resources=defs.resources) as context:
        sensor(context.for_run_failure())
    return defs.resources["warehouse"].read("alerts")


def test_a_failed_run_is_alerted(defs, tmp_path, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    result = failed_ingestion(defs, instance, tmp_path, monkeypatch, "series_id,timestamp\na,2024-04-10 00:00\n")
    assert not result.success
    alerts = run_failure_alerts(defs, instance, result)
    assert alerts["kind"].tolist() == ["run_failure"]
    assert "ingestion_job" in alerts.at[0, "title"]


def test_a_failed_blocking_check_is_alerted_and_the_raw_data_is_kept(defs, tmp_path, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    rows = "\n".join(f"a,2024-04-10 {h:02d}:00,{'inf' if h == 5 else 10 + h}" for h in range(24))
    result = failed_ingestion(defs, instance, tmp_path, monkeypatch, "series_id,timestamp,value\n" + rows + "\n")
    assert not result.success
    alerts = run_failure_alerts(defs, instance, result)
    assert sorted(alerts["kind"]) == ["check_failure", "run_failure"]
    assert "non_finite_values" in alerts.loc[alerts["kind"] == "check_failure", "title"].item()
    kept = defs.resources["warehouse"].read("raw_series")
    assert len(kept) == 24 and np.isinf(kept["value"]).sum() == 1
