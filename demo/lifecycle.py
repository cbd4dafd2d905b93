"""The lifecycle demo: backfill history, train a first champion, then live days driven by the schedules and sensors."""

import os
import time

import dagster as dg
import pandas as pd

from demo.automation import Clock, quiet
from demo.summary import lifecycle_summary
from resources.environment import forecast_home

DEMO_TAGS = {"forecast/trigger": "demo"}
SYNTHETIC_FIRST_LIVE_DAY = pd.Timestamp("2024-03-31")  # the synthetic scenario's history ends here (see synthetic.py)


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def calendar(source, history_days: int, live_days: int,
             live_start: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(history start, first live day): given, the synthetic scenario's live period, or the last days of a file."""
    first, last = source.time_range()
    if live_start is None:
        synthetic = type(source).__name__ == "SyntheticSeriesSource"
        # A real file: the live days are its last full days.
        live_start = SYNTHETIC_FIRST_LIVE_DAY if synthetic else pd.Timestamp(last).normalize() - pd.Timedelta(days=live_days)
    history_start = max(pd.Timestamp(first).normalize() + pd.Timedelta(days=1), live_start - pd.Timedelta(days=history_days))
    return history_start, live_start


def run_demo_job(clock: Clock, name: str, **kwargs) -> dg.ExecuteInProcessResult:
    """A run the demo launches itself (the initial backfill and first training), as a user would from the UI."""
    tags = {**DEMO_TAGS, **kwargs.pop("tags", {})}
    result = clock.defs.resolve_job_def(name).execute_in_process(
        instance=clock.instance, raise_on_error=False, tags=tags, run_config=quiet(kwargs.pop("run_config", None)),
        **kwargs)
    if not result.success:
        clock.alert_on_failure(result)
        failure = next((e for e in result.all_events if e.is_failure), None)
        raise SystemExit(f"[demo] {name} failed: {failure.message if failure else 'see the run in the UI'}")
    return result


def day_line(clock: Clock, day: pd.Timestamp) -> str:
    """One progress line for a live day, read back from the warehouse."""
    warehouse = clock.defs.resources["warehouse"]
    row = warehouse.read("monitoring_summary", where={"day": day.to_pydatetime()})
    if row.empty:
        return f"{day.date()} monitoring produced no summary"
    r = row.iloc[-1]
    drifted = r["drifted_series"] or "-"
    return (f"{day.date()} sMAPE {r['realised_smape']:.2f}%  drifted series: {drifted}  "
            f"{'ALARM' if r['alarm'] else 'ok'}")


def run_lifecycle(history_days: int, live_days: int, defs: dg.Definitions | None = None,
                  live_start: pd.Timestamp | None = None, instance: dg.DagsterInstance | None = None) -> dict:
    """Run the whole lifecycle and return the summary of DESIGN section 1."""
    if defs is None:
        from forecast_assets.definitions import defs

    started = time.monotonic()
    if instance is None:
        instance = dg.DagsterInstance.get() if os.getenv("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    clock = Clock(defs=defs, instance=instance)
    source = defs.resources["source"]
    history_start, live_start = calendar(source, history_days, live_days, live_start)
    last_history_day = live_start - pd.Timedelta(days=1)
    say(f"source {type(source).__name__}: history {history_start.date()}..{last_history_day.date()}, "
        f"{live_days} live days from {live_start.date()}")

    run_demo_job(clock, "ingestion_job", tags={  # one run for the whole range, as a UI backfill does
        "dagster/asset_partition_range_start": str(history_start.date()),
        "dagster/asset_partition_range_end": str(last_history_day.date())})
    say(f"backfilled {(live_start - history_start).days} days of raw_series ({time.monotonic() - started:.0f}s)")
    window = {"end_date": str(live_start.date()), "window_days": (live_start - history_start).days}
    result = run_demo_job(clock, "training_job", run_config={"ops": {"training_dataset": {"config": window}}})
    decision = result.asset_materializations_for_node("champion_model")[0].metadata
    say(f"first model: {decision['reason'].value} ({time.monotonic() - started:.0f}s)")
    clock.sensor_tick("new_champion_sensor")  # the promotion re-forecasts from the last history day

    for offset in range(live_days):
        day = live_start + pd.Timedelta(days=offset)
        tick = day + pd.Timedelta(days=1)  # the morning after: the day's data is complete
        clock.schedule_tick("collect_schedule", tick + pd.Timedelta(minutes=30))
        clock.schedule_tick("forecast_schedule", tick + pd.Timedelta(hours=1))
        clock.schedule_tick("monitoring_schedule", tick + pd.Timedelta(hours=2))
        if tick.dayofweek == 0:
            clock.schedule_tick("weekly_retrain_schedule", tick + pd.Timedelta(hours=3))
        retrains = clock.sensor_tick("drift_retrain_sensor")
        clock.sensor_tick("new_champion_sensor")
        say(day_line(clock, day) + (" -> retrain requested" if retrains else "")
            + f"  ({time.monotonic() - started:.0f}s)")

    summary = lifecycle_summary(clock, source, live_start)
    say(f"done in {time.monotonic() - started:.0f}s; {len(clock.runs)} runs launched by schedules and sensors.")
    say(f"Browse it: make ui  (Dagster http://127.0.0.1:3000, Evidently http://127.0.0.1:8000); state in {forecast_home()}")
    return summary
