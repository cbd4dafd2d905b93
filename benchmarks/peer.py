"""The peer we measure ourselves against: Nixtla's mlforecast with one global XGBoost model, recursive.

On Hourly it is the configuration the data README quotes (lags 24/48/168, hour of day, per-series
standardisation); on the other M4 frequencies its natural equivalents (lags 1..m and multiples of m,
the calendar feature that means something at that step).
"""

import os
import time
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class PeerSetup:
    """Lags and calendar features of the peer at one frequency."""

    lags: tuple[int, ...]
    date_features: tuple[str, ...]


# Keyed by the M4 frequency name; m = 1 sets get short lags plus the cycle their calendar suggests.
PEER_SETUPS = {
    "Hourly": PeerSetup(lags=(24, 48, 168), date_features=("hour",)),
    "Daily": PeerSetup(lags=(1, 2, 3, 7, 14), date_features=("dayofweek",)),
    "Weekly": PeerSetup(lags=(1, 2, 3, 4, 52), date_features=()),
    "Monthly": PeerSetup(lags=(*range(1, 13), 24), date_features=("month",)),
    "Quarterly": PeerSetup(lags=(1, 2, 3, 4, 8), date_features=("quarter",)),
    "Yearly": PeerSetup(lags=(1, 2, 3), date_features=()),
}

# Boosting settings of the peer's XGBoost model (threads are chosen per call: all cores by default).
PEER_XGB_PARAMS = {"n_estimators": 300, "learning_rate": 0.05, "max_depth": 8, "random_state": 0}


@dataclass
class PeerResult:
    """The peer's forecasts (series_id, timestamp, step, forecast) and its fit and predict wall times in seconds."""

    forecasts: pd.DataFrame
    fit_seconds: float
    predict_seconds: float
    fit_predict_cpu_seconds: float = float("nan")  # CPU time of this process (every XGBoost thread) over both

    @property
    def fit_predict_seconds(self) -> float:
        """Fit plus predict wall time."""
        return self.fit_seconds + self.predict_seconds


def peer_setup(frequency: str) -> PeerSetup:
    """The peer's lags and calendar features for an M4 frequency name (Hourly, Daily, ...)."""
    if frequency not in PEER_SETUPS:
        raise ValueError(f"no peer setup for frequency {frequency!r}: use one of {', '.join(PEER_SETUPS)}")
    return PEER_SETUPS[frequency]


def forecast_with_peer(
    train_long: pd.DataFrame, frequency: str, freq: str, horizon: int, season_length: int | None = None,
    n_jobs: int | None = None,
) -> PeerResult:
    """Fit mlforecast + XGBoost on every series of train_long (series_id, timestamp, value) and forecast horizon steps.

    season_length: a seasonality the frequency's setup does not have gets its lag added. n_jobs: XGBoost threads,
    default every core of the machine (the README's reference ran on 2).
    """
    # As the trainer does: spinning OpenMP workers slow XGBoost several-fold on shared cores (read when it loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from mlforecast import MLForecast
    from mlforecast.target_transforms import LocalStandardScaler
    from xgboost import XGBRegressor

    setup = peer_setup(frequency)
    data = train_long.rename(columns={"series_id": "unique_id", "timestamp": "ds", "value": "y"})[
        ["unique_id", "ds", "y"]
    ]
    forecaster = MLForecast(
        models={"xgboost": XGBRegressor(**PEER_XGB_PARAMS, n_jobs=n_jobs or os.cpu_count() or 1)},
        freq=freq,
        lags=sorted({*setup.lags, *([season_length] if season_length and season_length > 1 else [])}),
        date_features=list(setup.date_features),
        target_transforms=[LocalStandardScaler()],
    )
    started, cpu = time.perf_counter(), time.process_time()
    forecaster.fit(data)
    fitted = time.perf_counter()
    predicted = forecaster.predict(h=horizon)
    finished, cpu = time.perf_counter(), time.process_time() - cpu

    predicted = predicted.rename(columns={"unique_id": "series_id", "ds": "timestamp", "xgboost": "forecast"})
    predicted = predicted.sort_values(["series_id", "timestamp"], kind="stable").reset_index(drop=True)
    predicted["step"] = predicted.groupby("series_id").cumcount() + 1
    forecasts = predicted[["series_id", "timestamp", "step", "forecast"]]
    return PeerResult(forecasts=forecasts, fit_seconds=fitted - started, predict_seconds=finished - fitted,
                      fit_predict_cpu_seconds=cpu)
