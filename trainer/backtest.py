"""Rolling-origin backtest: the same last non-overlapping H-step windows for every forecaster, scored per series.

Window w (1 = oldest, `windows` = newest) of a series with n points on its grid forecasts points
[n - (windows - w + 1) * H, n - (windows - w) * H) from the history before them. The windows depend only on the
data, so a model and the seasonal naive are always compared on exactly the same points. Data follows the dataset
contract: one row per grid point per series (NaN where missing), sorted by series_id and timestamp.
"""

import numpy as np
import pandas as pd

from trainer.metrics import mase, rmse, seasonal_naive, smape

SEASONAL_NAIVE = "seasonal_naive"


def _score(actual: np.ndarray, forecast: np.ndarray, insample: np.ndarray, season_length: int) -> dict:
    ok = np.isfinite(actual) & np.isfinite(forecast)
    if not ok.any():
        return {"smape": np.nan, "mase": np.nan, "rmse": np.nan}
    y, f = actual[ok], forecast[ok]
    return {"smape": smape(y, f), "mase": mase(y, f, insample, season_length), "rmse": rmse(y, f)}


def rolling_origin_backtest(forecaster, data: pd.DataFrame, windows: int, horizon: int,
                            season_length: int) -> pd.DataFrame:
    """One row per (window, series_id): origin (last timestamp of the history), smape, mase, rmse, fallback.

    `forecaster` is a ForecastModel or "seasonal_naive". A series too short for the model in a window is
    forecast by the seasonal naive instead and flagged fallback=True, so every forecaster covers the same rows.
    """
    if windows < 1 or horizon < 1:
        raise ValueError("windows and horizon must be at least 1")
    if not (isinstance(forecaster, str) and forecaster == SEASONAL_NAIVE) and not hasattr(forecaster, "predict"):
        raise ValueError(f"forecaster must be a ForecastModel or {SEASONAL_NAIVE!r}, got {forecaster!r}")
    if hasattr(forecaster, "horizon") and forecaster.horizon < horizon:
        raise ValueError(f"the model forecasts {forecaster.horizon} steps, the backtest asks for {horizon}")
    data = data.assign(series_id=data["series_id"].astype(str))
    data = data.sort_values(["series_id", "timestamp"], kind="stable").reset_index(drop=True)
    position = data.groupby("series_id", sort=False).cumcount().to_numpy()
    length = data.groupby("series_id", sort=False)["value"].transform("size").to_numpy()
    short = data.loc[length < windows * horizon + 1, "series_id"].unique()
    if len(short):
        names = ", ".join(map(str, short[:10]))
        raise ValueError(f"series too short for {windows} windows of {horizon} steps: {names}")
    results = []
    for w in range(1, windows + 1):
        cut = length - (windows - w + 1) * horizon
        history = data[position < cut]
        future = data[(position >= cut) & (position < cut + horizon)]
        forecasts = _forecast(forecaster, history, horizon, season_length)
        grouped = zip(history.groupby("series_id", sort=False), future.groupby("series_id", sort=False))
        for (sid, hist), (_, fut) in grouped:
            forecast, fallback = forecasts[sid]
            insample = hist["value"].to_numpy(dtype=float)
            row = _score(fut["value"].to_numpy(dtype=float), forecast, insample, season_length)
            results.append({"window": w, "series_id": sid, "origin": hist["timestamp"].iloc[-1], **row,
                            "fallback": fallback})
    return pd.DataFrame(results)


def _forecast(forecaster, history: pd.DataFrame, horizon: int, season_length: int) -> dict:
    """series_id -> (forecast array of `horizon` values, whether the seasonal naive stood in)."""
    naive = {sid: (seasonal_naive(g["value"].to_numpy(dtype=float), horizon, season_length), True)
             for sid, g in history.groupby("series_id", sort=False)}
    if isinstance(forecaster, str):
        return {sid: (f, False) for sid, (f, _) in naive.items()}
    predicted = forecaster.predict(history, levels=(), on_short="skip")
    predicted = predicted[predicted["step"] <= horizon]
    for sid, g in predicted.groupby("series_id", sort=False):
        naive[sid] = (g["forecast"].to_numpy(dtype=float), False)
    return naive


def summarize(backtest: pd.DataFrame) -> dict:
    """Mean sMAPE, MASE and RMSE over all (window, series) rows, with the row and fallback counts."""
    return {"smape": float(backtest["smape"].mean()), "mase": float(backtest["mase"].mean()),
            "rmse": float(backtest["rmse"].mean()), "rows": int(len(backtest)),
            "windows": int(backtest["window"].nunique()) if len(backtest) else 0,
            "fallbacks": int(backtest["fallback"].sum()) if "fallback" in backtest else 0}
