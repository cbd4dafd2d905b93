"""Per-series statistical forecasters (statsforecast's AutoETS, the standard Theta method, AutoCES), one series at a time.

Seasonal series (the M4 autocorrelation test at lag m, positive data only) are divided by their classical
multiplicative indices, forecast by the non-seasonal model and multiplied back, as the M3/M4 benchmarks do; this
is several times cheaper than AutoETS's own seasonal search (~35 ms per monthly M3 series). Nothing is stored: the
models are refit from the series' own history whenever a forecast is asked for, so a saved model holds no pickle.
"""

import warnings

import numpy as np

from trainer.seasonality import is_seasonal, seasonal_indices

STATISTICAL_MEMBERS = ("ets", "theta", "ces")
MIN_POINTS = 3  # fewer points than this get the naive forecast (last value)


def fit_window(horizon: int, season_length: int) -> int:
    """How many of a series' latest points the models fit on: twelve seasons, five horizons, at least 60.

    Why: the fitting cost grows with the length (an hourly ETS fit on 960 points takes ~80 ms), while the level,
    trend and seasonal indices that drive these forecasts come from the recent seasons. Twelve seasons keep the
    seasonality test able to see lag m (it needs 10 * log10(n) >= m: 252 points at m = 24)."""
    return max(12 * int(season_length), 5 * int(horizon), 60)


def _model(member: str):
    from statsforecast.models import AutoCES, AutoETS, Theta  # heavy: imported only when used

    # theta: the standard Theta method (the M3 winner's), at 45% of the dynamic optimised variant's cost; through the
    # assets it moved M3 quarterly 9.158 -> 9.059, monthly 13.408 -> 13.422, yearly 15.691 -> 15.800, other 4.271 ->
    # 4.373 (all still below Comb S-H-D) and the monthly run's CPU 14.1 s -> 11.1 s.
    # ets: additive errors only (three fits, not six: 45% less ETS time).
    models = {"ets": lambda: AutoETS(season_length=1, model="AZN"),
              "theta": lambda: Theta(season_length=1),
              "ces": lambda: AutoCES(season_length=1)}
    if member not in models:
        raise ValueError(f"unknown statistical member {member!r}; expected one of {', '.join(STATISTICAL_MEMBERS)}")
    return models[member]()


def clean_history(values) -> np.ndarray:
    """The observed stretch of a series: leading and trailing gaps dropped, interior gaps interpolated linearly."""
    x = np.asarray(values, dtype=float)
    seen = np.flatnonzero(np.isfinite(x))
    if len(seen) == 0:
        return np.empty(0)
    x = x[seen[0] : seen[-1] + 1]
    gaps = ~np.isfinite(x)
    if gaps.any():
        x = x.copy()
        x[gaps] = np.interp(np.flatnonzero(gaps), np.flatnonzero(~gaps), x[~gaps])
    return x


def forecast_series(values, horizon: int, season_length: int, members=STATISTICAL_MEMBERS) -> dict[str, np.ndarray]:
    """{member: H point forecasts} for one series, fitted on its last fit_window points; a model that fails or
    returns non-finite values gives the naive."""
    x = clean_history(np.asarray(values, dtype=float)[-fit_window(horizon, season_length):])
    if len(x) == 0:
        return {member: np.full(horizon, np.nan) for member in members}
    naive = np.repeat(x[-1], horizon)
    if len(x) < MIN_POINTS or np.ptp(x) == 0:
        return {member: naive for member in members}
    m = int(season_length)
    seasonal = m > 1 and bool((x > 0).all()) and is_seasonal(x, m)
    indices = seasonal_indices(x, m) if seasonal else np.ones(len(x))
    future = np.resize(indices[-m:], horizon) if seasonal else np.ones(horizon)
    adjusted = x / indices
    out = {}
    for member in members:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                point = np.asarray(_model(member).forecast(y=adjusted, h=horizon)["mean"], dtype=float) * future
        except Exception:  # a model that cannot fit this series (too short, degenerate) yields to the naive
            point = naive
        out[member] = point if np.isfinite(point).all() else naive
    if (x >= 0).all():
        out = {member: np.maximum(point, 0.0) for member, point in out.items()}
    return out


def forecast_panel(histories: list, horizon: int, season_length: int, members=STATISTICAL_MEMBERS) -> dict[str, np.ndarray]:
    """{member: array (n_series, H)} for a list of series histories (each an array of values, NaN for gaps)."""
    out = {member: np.full((len(histories), horizon), np.nan) for member in members}
    for k, values in enumerate(histories):
        for member, point in forecast_series(values, horizon, season_length, members).items():
            out[member][k] = point
    return out
