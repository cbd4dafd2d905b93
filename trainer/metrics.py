"""Forecast error metrics with the M4 definitions (../shared/data/README.md), and the seasonal naive baseline."""

import numpy as np


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent: mean of 200*|y-f|/(|y|+|f|); points where both are 0 count as 0 error."""
    y, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denom = np.abs(y) + np.abs(f)
    ratio = np.divide(200.0 * np.abs(y - f), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(np.mean(ratio))


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


def seasonal_naive(insample, horizon: int, season_length: int) -> np.ndarray:
    """Repeat the last full season of insample over the horizon."""
    x = np.asarray(insample, dtype=float)
    m = min(season_length, len(x))
    last = x[-m:]
    return np.array([last[h % m] for h in range(horizon)])


def msis(actual, lower, upper, insample, season_length: int, alpha: float = 0.05) -> float:
    """Mean scaled interval score (M4): mean of (U - L) + 2/alpha * (L - y if y < L) + 2/alpha * (y - U if y > U),
    divided by the in-sample seasonal naive MAE at lag m (the MASE scale); alpha = 0.05 for the 95% interval."""
    y, lo, hi = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    penalty = (2.0 / alpha) * (np.maximum(lo - y, 0.0) + np.maximum(y - hi, 0.0))
    scale = mase_scale(insample, season_length)
    return float(np.mean(hi - lo + penalty) / scale) if scale > 0 else float("nan")


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside [lower, upper] (M4's "coverage" of a prediction interval)."""
    y, lo, hi = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    return float(np.mean((y >= lo) & (y <= hi)))
