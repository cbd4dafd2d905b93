"""Realised forecast accuracy once actuals arrive: by series, by lead time (step) and overall.

Metrics are the M4 definitions in trainer/metrics.py: sMAPE (%), MASE (MAE over the series' in-sample seasonal
naive MAE, `insample_scales`), RMSE; plus bias = mean(forecast - actual) (positive: over-forecast), the coverage
of every interval found as lo_<level>/hi_<level> (share of actuals inside, to compare with level/100) and
completeness = arrived / expected actuals. A forecast row is expected once its timestamp is at or before `as_of`
(default: the latest actual timestamp); accuracy is computed on the rows whose actual has arrived.
"""

import numpy as np
import pandas as pd

from trainer.metrics import coverage, mase_scale, rmse, smape

FORECAST_COLUMNS = ["series_id", "timestamp", "step", "forecast"]
ACTUAL_COLUMNS = ["series_id", "timestamp", "value"]


def insample_scales(history: pd.DataFrame, season_length: int) -> pd.Series:
    """MASE scale per series (series_id -> in-sample seasonal naive MAE) from the training history."""
    _require("history", history, ACTUAL_COLUMNS)
    ordered = history.sort_values(["series_id", "timestamp"])
    return ordered.groupby("series_id")["value"].apply(lambda x: mase_scale(x.to_numpy(), season_length))


def accuracy_by_series_and_lead(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    insample_scale: pd.Series | dict,
    as_of: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(per_series, per_lead, overall): sMAPE, MASE, RMSE, bias, coverage_<level>, completeness."""
    _require("forecasts", forecasts, FORECAST_COLUMNS)
    _require("actuals", actuals, ACTUAL_COLUMNS)
    dupes = actuals[actuals.duplicated(["series_id", "timestamp"], keep=False)]
    if not dupes.empty:
        first = dupes.iloc[0]
        raise ValueError(
            f"actuals: {len(dupes)} rows share a (series_id, timestamp), e.g. series {first['series_id']!r} "
            f"at {first['timestamp']}: deduplicate before measuring accuracy"
        )
    scale = pd.Series(insample_scale, dtype=float)
    missing = sorted(set(forecasts["series_id"]) - set(scale.index))
    if missing:
        raise ValueError(f"insample_scale has no MASE scale for series {missing[:10]} ({len(missing)} in all)")

    frame = forecasts.merge(actuals[ACTUAL_COLUMNS], on=["series_id", "timestamp"], how="left")
    cutoff = pd.Timestamp(as_of) if as_of is not None else actuals["timestamp"].max()
    frame = frame[frame["timestamp"] <= cutoff].copy()
    frame["scale"] = frame["series_id"].map(scale)
    levels = _interval_levels(forecasts)

    per_series = _grouped(frame, "series_id", levels)
    per_lead = _grouped(frame, "step", levels)
    overall = _metrics(frame, levels)
    return per_series, per_lead, overall


def _grouped(frame: pd.DataFrame, key: str, levels: list[int]) -> pd.DataFrame:
    rows = [{key: name, **_metrics(group, levels)} for name, group in frame.groupby(key, sort=True)]
    return pd.DataFrame(rows, columns=[key, *_metric_names(levels)])


def _metric_names(levels: list[int]) -> list[str]:
    coverage = [f"coverage_{level}" for level in levels]
    return ["expected", "arrived", "completeness", "smape", "mase", "rmse", "bias", *coverage]


def _metrics(rows: pd.DataFrame, levels: list[int]) -> dict:
    """All metrics of one group of forecast rows (NaN where no actual has arrived yet)."""
    arrived = rows[rows["value"].notna()]
    y, f = arrived["value"].to_numpy(dtype=float), arrived["forecast"].to_numpy(dtype=float)
    completeness = len(arrived) / len(rows) if len(rows) else np.nan
    out = {"expected": len(rows), "arrived": len(arrived), "completeness": completeness}
    if len(arrived) == 0:
        return {**out, **{name: np.nan for name in _metric_names(levels)[3:]}}
    # Mean of per-row scaled errors: equals the mean of per-series MASE when every series has the same count (M4).
    scaled = np.abs(y - f) / arrived["scale"].to_numpy(dtype=float)
    out.update(smape=smape(y, f), mase=float(np.mean(scaled)), rmse=rmse(y, f), bias=float(np.mean(f - y)))
    for level in levels:
        out[f"coverage_{level}"] = coverage(y, arrived[f"lo_{level}"], arrived[f"hi_{level}"])
    return out


def _interval_levels(forecasts: pd.DataFrame) -> list[int]:
    """Every level L with both lo_L and hi_L columns, ascending."""
    levels = {int(c[3:]) for c in forecasts.columns if c.startswith("lo_") and c[3:].isdigit()}
    return sorted(lv for lv in levels if f"hi_{lv}" in forecasts.columns)


def _require(name: str, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; it has {list(frame.columns)}")
