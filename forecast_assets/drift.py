"""Monitoring: drift_report, data, label and concept drift and performance for the day, in Evidently and in numbers."""

import tempfile

import dagster as dg
import pandas as pd

from forecast_assets.accuracy import cleaned_history, day_window, forecast_accuracy
from forecast_assets.datasets import load_dataset
from forecast_assets.forecast_plots import forecast_view_urls, report_url
from forecast_assets.model_inputs import day_ahead_inputs
from forecast_assets.partitions import time_partitions
from resources.artifacts import ArtifactStore
from resources.frequency import CADENCE_OFFSETS
from resources.monitoring import MonitoringWorkspace
from resources.registry import CHAMPION, ModelRegistry
from resources.settings import ForecastSettings
from resources.warehouse import WAREHOUSE_POOL, Warehouse

MONITORING_TABLE = "monitoring_summary"  # one row per day: what the retrain sensor and dashboards read
ALARMS_TABLE = "monitoring_alarms"  # one row per flagged series and signal (the alarm log's rows); written only here


def issued_forecasts(warehouse: Warehouse, origin: pd.Timestamp) -> pd.DataFrame:
    """The forecasts issued at the period's origin (made at the end of the period before), for coverage and residuals."""
    issued = warehouse.read("batch_forecasts", time_column="origin", start=origin, end=origin + pd.Timedelta(seconds=1))
    return issued.drop(columns=["forecast_day", "origin", "model_version", "dataset_version", "method", "step"], errors="ignore")


def season_grid(settings: ForecastSettings, spec) -> "SeasonGrid":
    """Slots and windows of the drift tests: the data's step, its seasonal periods (the model's same-phase periods
    and m, longest first: hour of week, then hour of day, for hourly data) and the partition cadence."""
    from monitoring.season_grid import SeasonGrid

    periods = sorted({int(settings.season_length), *(int(p) for p in spec.seasonal_lags)}, reverse=True)
    return SeasonGrid(settings.freq, tuple(periods), settings.cadence)


@dg.asset(
    partitions_def=time_partitions,
    pool=WAREHOUSE_POOL,
    group_name="monitoring",
    kinds={"evidently", "pandas"},
    metadata={"partition_expr": "day"},
    deps=[forecast_accuracy],
    check_specs=[dg.AssetCheckSpec("drift_below_threshold", asset="drift_report",
                                   description="Warns when the day's drift or error decay raises the retrain alarm.")],
)
def drift_report(context: dg.AssetExecutionContext, settings: ForecastSettings, registry: ModelRegistry,
                 warehouse: Warehouse, artifacts: ArtifactStore, monitoring_workspace: MonitoringWorkspace):
    """Per-series drift for the day against the champion's training window, with Evidently HTML/JSON and a summary row."""
    from monitoring.alarms import alarm_rows, series_smape
    from monitoring.dashboard import add_forecast_view
    from monitoring.drift import DriftThresholds, drift_report as evaluate_drift
    from trainer.model import ForecastModel

    day, end = day_window(context)
    champion = registry.alias(CHAMPION)
    if champion is None:
        raise dg.Failure("drift_report: there is no champion model to monitor")
    with tempfile.TemporaryDirectory() as local:
        model = ForecastModel.load(registry.local_copy(champion.version, local))
    dataset = load_dataset(artifacts, champion.dataset_version)
    # The reference is the end of the champion's training data (settings.drift_reference_periods steps).
    ref_end = settings.steps_after(dataset["timestamp"].max(), 1)
    levels = tuple(settings.interval_levels)
    reference = day_ahead_inputs(model, dataset, settings.steps_before(ref_end, settings.drift_reference_periods),
                                 ref_end, levels)
    lookback = max(settings.serving_lookback_periods, model.spec.lookback_steps)  # what the features read
    lookback_start = settings.steps_before(day, lookback)
    history = cleaned_history(warehouse, settings, lookback_start, end)
    current = day_ahead_inputs(model, history, day, end, levels)
    issued = issued_forecasts(warehouse, settings.first_step_at_or_after(day))  # the origin of this period's forecasts
    if not issued.empty:  # judge the forecasts that were actually issued, with their intervals
        issued_columns = [c for c in issued.columns if c not in ("series_id", "timestamp")]
        current = current.drop(columns=["residual", *issued_columns], errors="ignore").merge(issued, on=["series_id", "timestamp"], how="inner")
        current["residual"] = current["value"] - current["forecast"]
    if current.empty:
        raise dg.Failure(f"drift_report: no actuals with model inputs on {day.date()}")
    # A feature the reference never saw (a 3-week lag on a 3-week dataset) cannot be compared: leave it out.
    features = [name for name in model.spec.feature_names if name != "step" and reference[name].notna().any()]
    thresholds = DriftThresholds()
    grid = season_grid(settings, model.spec)
    # The level-shift scan reads the last max(scan_spans) partitions and the one before them (this one included),
    # and fits its day-level model on a longer stretch of the champion's training data than the reference.
    partition = pd.tseries.frequencies.to_offset(CADENCE_OFFSETS[settings.cadence])
    span_start = day - (max(thresholds.scan_spans) - 1) * partition
    recent = history[history["timestamp"] >= span_start - partition]
    scan_steps = thresholds.scan_reference_factor * settings.drift_reference_periods
    scan_reference = dataset.loc[(dataset["timestamp"] >= settings.steps_before(ref_end, scan_steps)) &
                                 (dataset["timestamp"] < ref_end), ["series_id", "timestamp", "value"]]
    result = evaluate_drift(reference, current, feature_columns=features, thresholds=thresholds, recent=recent,
                            scan_reference=scan_reference, grid=grid)

    # The same number as the Evidently panel and forecast_accuracy's day_ahead_smape: trainer.metrics.smape of the
    # forecasts issued at the period's origin.
    smape = float(result.summary["smape"]) if result.summary["smape"] is not None else float("nan")
    # The champion's normal error: the lower of its test and validation sMAPE, so a test window that holds the
    # break it was retrained for (a drift retrain's last H points) does not raise the bar.
    normal = [(champion.metrics.get(split) or {}).get("smape") for split in ("test", "validation")]
    normal = [float(v) for v in normal if v is not None and v == v]
    baseline = min(normal) if normal else float("nan")
    error_decay = bool(smape > settings.error_alarm_ratio * baseline) if baseline == baseline else False
    alarms = alarm_rows(day, result.per_series, thresholds.series_z, panel_smape=smape, baseline_smape=baseline,
                        error_ratio=settings.error_alarm_ratio, by_series_smape=series_smape(current),
                        champion=champion.version, scan_z=thresholds.scan_z,
                        champion_saw_scan=bool(ref_end > span_start))
    alarm = bool(alarms["alarm"].any())
    warehouse.write(ALARMS_TABLE, alarms, replace_where={"day": day.to_pydatetime()})
    alarm_log = monitoring_workspace.record_alarms(day, alarms)
    key = f"monitoring/{day.date()}/drift_report"
    html_uri = artifacts.write_bytes(f"{key}.html", result.html.encode())
    artifacts.write_bytes(f"{key}.json", result.json.encode())
    add_forecast_view(result.snapshot, forecast_view_urls(artifacts, context.partition_key), day.date())
    snapshot_id = monitoring_workspace.add_snapshot(result.snapshot)
    row = result.summary_row().assign(day=day, alarm=alarm, error_decay=error_decay, realised_smape=smape,
                                      baseline_smape=baseline, champion=champion.version)
    warehouse.write(MONITORING_TABLE, row, replace_where={"day": day.to_pydatetime()})
    summary = result.summary
    yield dg.Output(result.per_series.assign(day=day), metadata={
        "alarm": alarm,
        "drift_flags": dg.MetadataValue.json(summary["drift_flags"]),
        "drifted_series": dg.MetadataValue.json(summary["drifted_series"]),
        "drifted_series_share": float(summary["drifted_series_share"]),
        "drifted_feature_share": float(summary["drifted_feature_share"]),
        "target_drift_score": float(summary["target_drift_score"]),
        "realised_smape": smape,
        "alarms": dg.MetadataValue.md(alarms.round(3).to_markdown(index=False) if len(alarms) else "no alarm"),
        "alarm_log": dg.MetadataValue.url(report_url(artifacts.write_bytes(  # the log to date, where `make ui` serves it
            f"monitoring/{day.date()}/alarm_log.csv", alarm_log.read_bytes()), getattr(artifacts, "root", None))),
        "report": dg.MetadataValue.url(report_url(html_uri, getattr(artifacts, "root", None))),
        "evidently_snapshot": snapshot_id,
        "champion": champion.version,
    })
    yield dg.AssetCheckResult(check_name="drift_below_threshold", passed=not alarm,
                              severity=dg.AssetCheckSeverity.WARN,
                              description="; ".join(f"{r.series_id}: {r.signal} {r.statistic:.2f} (threshold {r.threshold:.2f})"
                                                    for r in alarms.itertuples()) or "no series flagged",
                              metadata={"drift_flags": dg.MetadataValue.json(summary["drift_flags"]),
                                        "drifted_series": dg.MetadataValue.json(summary["drifted_series"])})


defs = dg.Definitions(assets=[drift_report])
