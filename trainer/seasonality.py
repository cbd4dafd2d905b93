"""Classical seasonality: the M4 autocorrelation test and the multiplicative (ratio-to-moving-average) indices.

Used by the statistical families (deseasonalise, fit, reseasonalise, as the M3/M4 benchmarks do) and by the
benchmarks' Naive2, so both decide "seasonal" the same way.
"""

import numpy as np

# One-sided 90% critical value of the normal distribution, as in the M4 seasonality test.
CRITICAL_VALUE_90 = 1.645


def autocorrelations(x, max_lag: int) -> np.ndarray:
    """Sample autocorrelations r_1..r_max_lag (demeaned, both sums divided by n, as R's acf)."""
    x = np.asarray(x, dtype=float)
    centred = x - x.mean()
    denominator = float(np.dot(centred, centred))
    if denominator == 0.0:
        return np.zeros(max_lag)
    return np.array([np.dot(centred[: len(x) - k], centred[k:]) / denominator for k in range(1, max_lag + 1)])


def is_seasonal(x, season_length: int) -> bool:
    """M4 seasonality test: |r_m| > 1.645 * sqrt((1 + 2 * sum_{k<m} r_k^2) / n); needs at least 3 seasons.

    As in the organisers' R code, r_m exists only up to R's default acf lag, floor(10 * log10(n)): a shorter
    series (e.g. n < 252 at m = 24) has no r_m and counts as not seasonal.
    """
    x = np.asarray(x, dtype=float)
    m = season_length
    if m <= 1 or len(x) < 3 * m or min(int(np.floor(10 * np.log10(len(x)))), len(x) - 1) < m:
        return False
    acf = autocorrelations(x, m)
    limit = CRITICAL_VALUE_90 * np.sqrt((1.0 + 2.0 * np.sum(acf[: m - 1] ** 2)) / len(x))
    return bool(abs(acf[m - 1]) > limit)


def centred_moving_average(x, order: int) -> np.ndarray:
    """Centred moving average of the given order (2 x m for even m), NaN where the window is incomplete."""
    x = np.asarray(x, dtype=float)
    if order % 2 == 0:
        weights = np.r_[0.5, np.ones(order - 1), 0.5] / order
    else:
        weights = np.ones(order) / order
    half = len(weights) // 2
    trend = np.full(len(x), np.nan)
    if len(x) >= len(weights):
        trend[half : len(x) - half] = np.convolve(x, weights[::-1], mode="valid")
    return trend


def seasonal_indices(x, season_length: int) -> np.ndarray:
    """Multiplicative seasonal index of every in-sample point (phase counted from the first point), mean 1 per cycle."""
    x = np.asarray(x, dtype=float)
    m = season_length
    ratios = x / centred_moving_average(x, m)
    phases = np.arange(len(x)) % m
    figure = np.array([np.nanmean(ratios[phases == p]) for p in range(m)])
    figure = figure / figure.mean()
    return figure[phases]
