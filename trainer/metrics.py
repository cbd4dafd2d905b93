"""The one home of every forecast metric and of the seasonal naive: M4 definitions (../shared/data/README.md).

Trainer, backtest and gate, the served fallback, monitoring (forecast_accuracy, drift_report, the Evidently panels)
and the benchmarks all import these, so a number means the same thing on every page.
"""

import numpy as np


def smape_terms(actual, forecast) -> np.ndarray:
    """Per-point sMAPE in percent, 200*|y-f|/(|y|+|f|); a point where both are 0 counts as 0 error."""
    y, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denom = np.abs(y) + np.abs(f)
    return np.divide(200.0 * np.abs(y - f), denom, out=np.zeros_like(denom), where=denom > 0)


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent: the mean of smape_terms."""
    return float(np.mean(smape_terms(actual, forecast)))


def mase_scale(insample, season_length: int) -> float:
    """In-sample MAE of the seasonal naive at lag m: mean |x_t - x_{t-m}|, t = m+1..n (NaNs ignored)."""
    x = np.asarray(insample, dtype=float)
    m = season_length if len(x) > season_length else 1
    diffs = np.abs(x[m:] - x[:-m])
    return float(np.nanmean(diffs)) if np.isfinite(diffs).any() else float("nan")


def mase(actual, forecast, insample, season_length: int) -> float:
    """Mean absolute scaled error: MAE of the forecast over the seasonal naive's in-sample MAE."""
    y, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    scale = mase_scale(insample, season_length)
    return float(np.mean(np.abs(y - f)) / scale) if scale > 0 else float("nan")


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    y, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    return float(np.sqrt(np.mean((y - f) ** 2)))


def interval_hits(actual, lo, hi) -> np.ndarray:
    """1.0 where lo <= actual <= hi, 0.0 outside, NaN where a bound or the actual is missing."""
    y, lo, hi = (np.asarray(a, dtype=float) for a in (actual, lo, hi))
    hits = ((lo <= y) & (y <= hi)).astype(float)
    return np.where(np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi), hits, np.nan)


def coverage(actual, lo, hi) -> float:
    """Share of actuals inside their interval (compare with level / 100); NaN rows are left out."""
    hits = interval_hits(actual, lo, hi)
    return float(np.nanmean(hits)) if np.isfinite(hits).any() else float("nan")


def seasonal_naive(insample, horizon: int, season_length: int, max_seasons_back: int = 4) -> np.ndarray:
    """The last season repeated over the horizon; a same-phase value lost in a gap (NaN) is taken from up to
    max_seasons_back seasons earlier. The gate's baseline and the served fallback are both this."""
    x = np.asarray(insample, dtype=float)
    m = max(min(int(season_length), len(x)), 1)  # shorter than a season: the whole history repeated
    steps = np.arange(1, horizon + 1)
    out = np.full(horizon, np.nan)
    for j in range(max_seasons_back):
        pos = len(x) - 1 + steps - m * (-(-steps // m) + j)
        value = np.where(pos >= 0, x[np.maximum(pos, 0)], np.nan)
        out = np.where(np.isnan(out), value, out)
    return out


def msis(actual, lower, upper, insample, season_length: int, alpha: float = 0.05) -> float:
    """Mean scaled interval score (M4): mean of (U - L) + 2/alpha * (L - y if y < L) + 2/alpha * (y - U if y > U),
    divided by the in-sample seasonal naive MAE at lag m (the MASE scale); alpha = 0.05 for the 95% interval."""
    y, lo, hi = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    penalty = (2.0 / alpha) * (np.maximum(lo - y, 0.0) + np.maximum(y - hi, 0.0))
    scale = mase_scale(insample, season_length)
    return float(np.mean(hi - lo + penalty) / scale) if scale > 0 else float("nan")

