"""The retrain sensor: asks for a training run when drift or realised error stays above threshold for K days."""

import json
from dataclasses import asdict, dataclass

import dagster as dg
import pandas as pd

from forecast_assets.jobs import training_job
from resources.settings import ForecastSettings

DRIFT_REPORT = dg.AssetKey("drift_report")

@dataclass
class RetrainCursor:
    """What the sensor has seen: the last day evaluated, the current alarm streak, and the last retrain requested."""

    last_day: str | None = None
    streak: int = 0
    last_retrain_day: str | None = None
    armed: bool = True  # false from a retrain until the alarm clears: one drift episode, one retrain
    after_storage_id: int | None = None  # the last drift_report materialization read

    @classmethod
    def parse(cls, text: str | None) -> "RetrainCursor":
        return cls(**json.loads(text)) if text else cls()

    def dump(self) -> str:
        return json.dumps(asdict(self))


def retrain_days(alarms: pd.DataFrame, cursor: RetrainCursor, consecutive_days: int, cooldown_days: int) -> tuple[list[str], RetrainCursor]:
    """Walk the days after cursor.last_day (alarms: day, alarm) and return the days that call for a retrain."""
    requested = []
    state = RetrainCursor(**asdict(cursor))
    for row in alarms.sort_values("day").itertuples():
        day = str(pd.Timestamp(row.day).date())
        if state.last_day is not None and day <= state.last_day:
            continue
        state.last_day = day
        if not row.alarm:
            state.streak, state.armed = 0, True
            continue
        state.streak += 1
        cooled = state.last_retrain_day is None or (
            pd.Timestamp(day) - pd.Timestamp(state.last_retrain_day)).days >= cooldown_days
        if state.armed and cooled and state.streak >= consecutive_days:
            requested.append(day)
            state.last_retrain_day, state.armed, state.streak = day, False, 0
    return requested, state


def why_no_retrain(alarms: pd.DataFrame, state: RetrainCursor, consecutive_days: int, cooldown_days: int) -> str:
    """Why the days just walked (alarms, ending in state) requested no retrain, in the words of the policy; shown as
    the tick's skip reason on the Automation page."""
    day = state.last_day
    latest = alarms[alarms["day"] == pd.Timestamp(day)] if day else alarms.iloc[:0]
    if latest.empty:  # nothing new, or only days already walked (a partition materialized again)
        return f"no drift_report for a day after {day}"
    if not bool(latest["alarm"].iloc[-1]):
        return f"{day}: no alarm (drift and realised error within thresholds)"
    if not state.armed:
        return (f"{day}: alarm goes on; this episode's retrain was requested for {state.last_retrain_day} "
                "(one retrain per episode, re-armed when the alarm clears)")
    if state.streak < consecutive_days:
        return f"{day}: alarm on {state.streak} of the {consecutive_days} partitions in a row that call for a retrain"
    allowed = (pd.Timestamp(state.last_retrain_day) + pd.Timedelta(days=cooldown_days)).date()
    return (f"{day}: alarm on {state.streak} partitions in a row, but in the cooldown after the retrain for "
            f"{state.last_retrain_day} (next from {allowed})")


def new_alarms(instance: dg.DagsterInstance, after_storage_id: int | None) -> tuple[pd.DataFrame, int | None]:
    """(day, alarm) of every drift_report materialization after after_storage_id (the last one per day), and the
    storage id of the newest one read; from the event log, so a tick never opens the warehouse."""
    rows, last_id, page = [], after_storage_id, None
    while True:
        found = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=DRIFT_REPORT, after_storage_id=after_storage_id), limit=1000,
            cursor=page, ascending=True)
        for record in found.records:
            materialization = record.asset_materialization
            if materialization and materialization.partition and "alarm" in materialization.metadata:
                rows.append((pd.Timestamp(materialization.partition), bool(materialization.metadata["alarm"].value)))
            last_id = record.storage_id
        if not found.has_more:
            break
        page = found.cursor
    alarms = pd.DataFrame(rows, columns=["day", "alarm"]).drop_duplicates("day", keep="last")
    return alarms, last_id


@dg.sensor(job=training_job, minimum_interval_seconds=300,
           description="Requests a training run when drift or error decay persists; one retrain per drift episode.")
def drift_retrain_sensor(context: dg.SensorEvaluationContext, settings: ForecastSettings):
    """Reads the alarm of each new drift_report materialization; requests training when it holds K consecutive days."""
    cursor = RetrainCursor.parse(context.cursor)
    alarms, last_id = new_alarms(context.instance, cursor.after_storage_id)
    if alarms.empty and cursor.last_day is None:
        return dg.SkipReason("no drift_report materialized yet")
    days, cursor = retrain_days(alarms, cursor, settings.retrain_consecutive_days, settings.retrain_cooldown_days)
    cursor.after_storage_id = last_id
    requests = [dg.RunRequest(run_key=f"drift-retrain-{day}", tags={"forecast/trigger": "drift_sensor",
                                                                      "forecast/alarm_day": day}) for day in days]
    reason = None if requests else why_no_retrain(alarms, cursor, settings.retrain_consecutive_days,
                                                  settings.retrain_cooldown_days)
    return dg.SensorResult(run_requests=requests, cursor=cursor.dump(), skip_reason=reason)
