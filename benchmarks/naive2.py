"""The M4 statistical benchmarks Naive2 and sNaive, computed as in the organisers' evaluation code.

Naive2: a 90% autocorrelation test at lag m decides whether a series is seasonal (m > 1 only);
seasonal series are divided by the seasonal indices of a classical multiplicative decomposition,
forecast with the naive method, and multiplied back by the indices of the matching phase.
"""

import numpy as np

from trainer.metrics import seasonal_naive
from trainer.seasonality import is_seasonal, seasonal_indices

__all__ = ["is_seasonal", "naive2", "seasonal_indices", "snaive"]


def naive2(insample, horizon: int, season_length: int) -> np.ndarray:
    """M4 Naive2: the last deseasonalised value, reseasonalised with the indices of the next phases."""
    x = np.asarray(insample, dtype=float)
    m = season_length
    if not is_seasonal(x, m):
        return np.repeat(x[-1], horizon)
    indices = seasonal_indices(x, m)
    deseasonalised_last = x[-1] / indices[-1]
    last_cycle = indices[-m:]  # the phases that follow the end of the series, in order
    return deseasonalised_last * np.resize(last_cycle, horizon)


def snaive(insample, horizon: int, season_length: int) -> np.ndarray:
    """M4 sNaive: the last full season repeated (the naive forecast where m = 1)."""
    return seasonal_naive(insample, horizon, season_length)
