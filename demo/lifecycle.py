"""The lifecycle demo: backfill history, train a first champion, then live days driven by the schedules and sensors."""

import os
import time

import dagster as dg
import pandas as pd

from demo.automation import Clock
from demo.summary import lifecycle_summary
from resources.environment import forecast_home

DEMO_TAGS = {"forecast/trigger": "demo"}
LIVE_PARTITIONS = {"daily": 20, "weekly": 8, "monthly": 12, "yearly": 3}  # default live partitions per cadence
SYNTHETIC_FIRST_LIVE_DAY = pd.Timestamp("2024-03-31")  # the synthetic scenario's history ends here (see synthetic.py)


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def calendar(source, settings, history_periods: int, live_partitions: int,
             live_start: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.DatetimeIndex]:
    """(history start, the live partitions' starts): the synthetic scenario's live period, or the last full
    partitions of a file; the history is history_periods steps before them (never a partial first partition)."""
    from forecast_assets.partitions import partition_starts
    from resources.frequency import CADENCE_OFFSETS

    period = pd.tseries.frequencies.to_offset(CADENCE_OFFSETS[settings.cadence])
    first, last = (pd.Timestamp(t) for t in source.time_range())
    if live_start is None:
        synthetic = type(source).__name__ == "SyntheticSeriesSource"
        # A real file: the live partitions are its last ones before the partition its last observation is in.
        last_partition = partition_starts(pd.Series([last])).iloc[0]
        live_start = SYNTHETIC_FIRST_LIVE_DAY if synthetic else last_partition - live_partitions * period
    first_partition = partition_starts(pd.Series([first])).iloc[0]
    first_full = first_partition if first == settings.first_step_at_or_after(first_partition) else first_partition + period
    history_start = max(first_full, partition_starts(pd.Series([settings.steps_before(live_start, history_periods)])).iloc[0])
    return history_start, pd.date_range(live_start, periods=live_partitions, freq=period)


def run_demo_job(clock: Clock, name: str, tags: dict | None = None, run_config: dict | None = None):
    """A run the demo launches itself (the initial backfill and first training), as a user would from the UI."""
    result = clock.launch(name, run_config=run_config, tags={**DEMO_TAGS, **(tags or {})})
    if not result.success:
        failure = next((e for e in result.all_events if e.is_failure), None)
        raise SystemExit(f"[demo] {name} failed: {failure.message if failure else 'see the run in the UI'}")
    return result


def day_line(clock: Clock, day: pd.Timestamp) -> str:
    """One progress line for a live day, read back from the warehouse."""
    warehouse = clock.resource("warehouse")
    row = warehouse.read("monitoring_summary", where={"day": day.to_pydatetime()})
    if row.empty:
        return f"{day.date()} monitoring produced no summary"
    r = row.iloc[-1]
    drifted = r["drifted_series"] or "-"
    return (f"{day.date()} sMAPE {r['realised_smape']:.2f}%  drifted series: {drifted}  "
            f"{'ALARM' if r['alarm'] else 'ok'}")


def run_lifecycle(history_periods: int | None, live_partitions: int | None, defs: dg.Definitions | None = None,
                  live_start: pd.Timestamp | None = None, instance: dg.DagsterInstance | None = None) -> dict:
    """Run the whole lifecycle and return the summary of DESIGN section 1 (periods and partitions of the data's
    frequency and cadence; None: the dataset window and LIVE_PARTITIONS)."""
    from dagster._utils.schedules import cron_string_iterator  # when the retrain schedule is due, as the daemon sees it

    from forecast_assets.partitions import TIMEZONE, partition_key_for

    if defs is None:
        from forecast_assets.definitions import defs

    started = time.monotonic()
    if instance is None:
        instance = dg.DagsterInstance.get() if os.getenv("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    clock = Clock(defs=defs, instance=instance)
    source, settings = clock.resource("source"), clock.resource("settings")
    history_periods = history_periods or settings.dataset_window_periods
    live_partitions = live_partitions or LIVE_PARTITIONS[settings.cadence]
    history_start, live = calendar(source, settings, history_periods, live_partitions, live_start)
    live_start, cadence = live[0], settings.cadence
    say(f"source {type(source).__name__} ({settings.freq}, H={settings.horizon}, m={settings.season_length}): "
        f"history {history_start} .. {live_start}, {len(live)} live {cadence} partitions from {live_start.date()}")

    period = live.freq  # one partition
    run_demo_job(clock, "ingestion_job", tags={  # one run for the whole range, as a UI backfill does
        "dagster/asset_partition_range_start": partition_key_for(history_start),
        "dagster/asset_partition_range_end": partition_key_for(live_start - period)})
    say(f"backfilled raw_series from {history_start.date()} ({time.monotonic() - started:.0f}s)")
    window = {"end_date": str(live_start), "window_periods": settings.periods_between(
        history_start, settings.first_step_at_or_after(live_start))}
    result = run_demo_job(clock, "training_job", run_config={"ops": {"training_dataset": {"config": window}}})
    decision = result.asset_materializations_for_node("champion_model")[0].metadata
    say(f"first model: {decision['reason'].value} ({time.monotonic() - started:.0f}s)")
    clock.sensor_tick("new_champion_sensor")  # the promotion re-forecasts from the last history partition

    retrain_cron = defs.resolve_schedule_def("retrain_schedule").cron_schedule
    retrains_due = cron_string_iterator(live[0].tz_localize(TIMEZONE).timestamp(), retrain_cron, TIMEZONE)
    next_retrain = next(retrains_due)
    for start in live:
        tick = start + period  # the partition's end: its data is complete
        clock.schedule_tick("collect_schedule", tick + pd.Timedelta(minutes=30))
        clock.schedule_tick("forecast_schedule", tick + pd.Timedelta(hours=1))
        clock.schedule_tick("monitoring_schedule", tick + pd.Timedelta(hours=2))
        if next_retrain.replace(tzinfo=None) <= tick + pd.Timedelta(hours=3):
            clock.schedule_tick("retrain_schedule", pd.Timestamp(next_retrain).tz_localize(None))
            while next_retrain.replace(tzinfo=None) <= tick + pd.Timedelta(hours=3):
                next_retrain = next(retrains_due)
        retrains = clock.sensor_tick("drift_retrain_sensor")
        clock.sensor_tick("new_champion_sensor")
        say(day_line(clock, start) + (" -> retrain requested" if retrains else "")
            + f"  ({time.monotonic() - started:.0f}s)")

    summary = lifecycle_summary(clock, source, live_start)
    say(f"done in {time.monotonic() - started:.0f}s; {len(clock.runs)} runs launched by schedules and sensors.")
    say(f"Browse it: make ui  (Dagster http://127.0.0.1:3000, Evidently http://127.0.0.1:8000); state in {forecast_home()}")
    return summary
