"""The global (whole-panel) half of the drift report, computed by Evidently, and the numbers read back from it.

The column names defined here are also what the dashboard panels (monitoring/dashboard.py) select on.
"""

import datetime as dt
import warnings

import pandas as pd

from monitoring.series_drift import RESIDUAL_VS_LEVEL, TARGET_DEVIATION
from trainer.metrics import interval_hits, smape_terms

# Per-row helper columns whose Evidently MeanValue is the window's sMAPE (%) and interval coverage (0..1): the terms
# come from trainer/metrics.py, so the dashboard's mean is exactly metrics.smape / metrics.coverage of the same rows.
SMAPE_TERM = "smape_pct"
COVERAGE_PREFIX = "in_interval_"
INTERVAL_LEVELS = (80, 95)

# Normed Wasserstein distance: a distance, so unlike a p-value it does not call every tiny shift significant
# once samples are large; it is Evidently's own default for numerical columns with more than 1,000 rows.
DRIFT_METHOD = "wasserstein"


def add_performance_columns(frame: pd.DataFrame, target: str, forecast: str) -> pd.DataFrame:
    """frame plus the per-row sMAPE term and 0/1 interval hits (NaN where the bounds are missing)."""
    extra = {SMAPE_TERM: smape_terms(frame[target], frame[forecast])}
    for level in INTERVAL_LEVELS:
        lo, hi = f"lo_{level}", f"hi_{level}"
        if lo in frame.columns and hi in frame.columns:
            extra[f"{COVERAGE_PREFIX}{level}"] = interval_hits(frame[target], frame[lo], frame[hi])
    return frame.assign(**extra)


def run_report(reference, current, *, features, target, forecast, thresholds, timestamp: dt.datetime, name: str):
    """Evaluate the Evidently report on the (already sampled) frames; return the Snapshot."""
    from evidently import DataDefinition, Dataset, Regression, Report
    from evidently.metrics import RMSE, DriftedColumnsCount, MeanValue, ValueDrift

    metrics = []
    if features:
        metrics.append(
            DriftedColumnsCount(
                columns=list(features),
                method=DRIFT_METHOD,
                threshold=thresholds.feature_distance,
                drift_share=thresholds.drifted_feature_share,
            )
        )
        metrics += [ValueDrift(column=c, method=DRIFT_METHOD, threshold=thresholds.feature_distance) for c in features]
    metrics.append(ValueDrift(column=TARGET_DEVIATION, method=DRIFT_METHOD, threshold=thresholds.target_distance))
    numeric = list(features) + [TARGET_DEVIATION]
    if RESIDUAL_VS_LEVEL in current.columns:
        threshold = thresholds.residual_distance
        metrics.append(ValueDrift(column=RESIDUAL_VS_LEVEL, method=DRIFT_METHOD, threshold=threshold))
        numeric.append(RESIDUAL_VS_LEVEL)
    regression = []
    if forecast in current.columns and forecast in reference.columns:
        regression = [Regression(target=target, prediction=forecast)]
        perf_columns = [c for c in current.columns if c == SMAPE_TERM or c.startswith(COVERAGE_PREFIX)]
        metrics += [RMSE()] + [MeanValue(column=c) for c in perf_columns]
        numeric += [target, forecast] + perf_columns

    definition = DataDefinition(numerical_columns=numeric, regression=regression or None)
    with warnings.catch_warnings():
        # RMSE's legacy calculation also scores R^2 on a one-row summary, which sklearn warns about; irrelevant.
        warnings.filterwarnings("ignore", message="R\\^2 score is not well-defined")
        return Report(metrics).run(
            Dataset.from_pandas(current[numeric], data_definition=definition),
            Dataset.from_pandas(reference[numeric], data_definition=definition),
            timestamp=timestamp,
            name=name,
            tags=["forecast-monitoring"],
        )


def read_results(snapshot) -> dict:
    """The numbers of a snapshot: drift scores by column, the drifted-column count/share, RMSE, mean values."""
    out: dict = {"drift_scores": {}, "means": {}}
    for item in snapshot.dict()["metrics"]:
        kind = item["config"]["type"].rsplit(":", 1)[-1]
        value = item["value"]
        if kind == "ValueDrift":
            out["drift_scores"][item["config"]["column"]] = float(value)
        elif kind == "DriftedColumnsCount":
            out["drifted_count"], out["drifted_share"] = int(value["count"]), float(value["share"])
        elif kind == "RMSE":
            out["rmse"] = float(value)
        elif kind == "MeanValue":
            out["means"][item["config"]["column"]] = float(value)
    return out
