"""The demo's closing line (DESIGN section 1), read back from what the lifecycle left in the instance and warehouse."""

import dagster as dg
import pandas as pd

DRIFT_KINDS = ["level_shift", "seasonal_shape", "noise_increase"]  # injected events that are drift (not faults)


def latest_metadata(instance: dg.DagsterInstance, asset: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()} if event else {}


def trained_runs(instance: dg.DagsterInstance, tags: dict) -> list[str]:
    """Runs with tags that trained a model (candidate_model materialized): an interrupted or failed retrain is none."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags=tags))
    return [run.run_id for run in runs if any(
        event.asset_materialization and event.asset_materialization.asset_key == dg.AssetKey("candidate_model")
        for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION))]


def detection_delay(monitoring: pd.DataFrame, events: pd.DataFrame) -> str:
    """Days from the first injected drift to the first alarm on or after it; na without ground truth."""
    drifts = events[events["kind"].isin(DRIFT_KINDS)] if len(events) else events
    if drifts.empty:
        return "na"
    start = pd.Timestamp(drifts["start"].min()).normalize()
    alarms = monitoring.loc[monitoring["alarm"].astype(bool) & (monitoring["day"] >= start), "day"]
    return str((pd.Timestamp(alarms.min()) - start).days) if len(alarms) else "not_detected"


def recovery_days(accuracy: pd.DataFrame, events: pd.DataFrame, hold_days: int = 2) -> str:
    """Days from the first injected drift until the drifted series' realised sMAPE is back within 20% of its level in
    the week before, and stays there `hold_days` days running (or to the end); na without ground truth or if never."""
    drifts = events[events["kind"].isin(DRIFT_KINDS)] if len(events) else events
    if drifts.empty or accuracy.empty:
        return "na"
    start = pd.Timestamp(drifts["start"].min()).normalize()
    daily = accuracy[accuracy["series_id"].isin(drifts["series_id"])].groupby("day")["smape"].mean().sort_index()
    before = daily[(daily.index >= start - pd.Timedelta(days=7)) & (daily.index < start)]
    if before.empty:
        return "na"
    within = (daily[daily.index >= start] <= 1.2 * before.mean()).to_numpy()
    after = daily.index[daily.index >= start]
    for i in range(len(within)):
        if within[i: i + hold_days].all():
            return str((after[i] - start).days)
    return "na"


def lifecycle_summary(clock, source, live_start: pd.Timestamp) -> dict:
    """champion, its backtest metrics beside the seasonal naive's, forecasts, drift days, retrains, detection delay."""
    warehouse = clock.resource("warehouse")
    champion = latest_metadata(clock.instance, "champion_model")
    monitoring = warehouse.read("monitoring_summary")
    if monitoring.empty:
        monitoring = pd.DataFrame({"day": pd.Series(dtype="datetime64[ns]"), "alarm": pd.Series(dtype=bool)})
    monitoring = monitoring[monitoring["day"] >= live_start]
    forecasts = warehouse.read("batch_forecasts", time_column="origin", start=live_start)
    drift_retrains = trained_runs(clock.instance, {"forecast/trigger": "drift_sensor"})

    def rounded(key):
        return round(float(champion[key]), 3) if key in champion else "na"

    return {
        "champion": champion.get("champion_version", "none"),
        "smape": rounded("champion_smape"),
        "mase": rounded("champion_mase"),
        "snaive_smape": rounded("snaive_smape"),
        "snaive_mase": rounded("snaive_mase"),
        "forecasts": len(forecasts),
        "drift_days": int(monitoring["alarm"].astype(bool).sum()) if len(monitoring) else 0,
        "retrains": len(drift_retrains),
        "detection_delay_days": detection_delay(monitoring, source.ground_truth_events()),
        "recovery_days": recovery_days(warehouse.read("forecast_accuracy", time_column="day", start=live_start),
                                       source.ground_truth_events()),
        "last_gate": "promoted" if champion.get("promoted") else "kept",
    }
