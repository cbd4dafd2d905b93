"""Scoring forecast rows per series with the M4 metrics, and the seasonal naive on the same rows."""

import numpy as np
import pandas as pd

from trainer.metrics import mase_scale, smape_terms
from trainer.panel import SeriesPanel


def seasonal_naive_rows(panel: SeriesPanel, rows: tuple, season_length: int, max_seasons_back: int = 4) -> np.ndarray:
    """The seasonal naive for (series, origin, step) rows: the last observed value of the same phase.

    A same-phase value lost in a gap is replaced by the one a season earlier (up to max_seasons_back).
    """
    series, origins, steps = rows
    m = max(int(season_length), 1)
    first = panel.offsets[series]
    base = first + origins + steps - m * -(-steps // m)
    out = np.full(len(series), np.nan)
    for j in range(max_seasons_back):
        pos = base - m * j
        value = np.where(pos >= first, panel.values[np.maximum(pos, 0)], np.nan)
        out = np.where(np.isnan(out), value, out)
    return out


def score_rows(panel: SeriesPanel, rows: tuple, actual, forecast, insample_end: np.ndarray, season_length: int) -> dict:
    """Mean over series of per-series sMAPE, MASE, RMSE and MSE; rows missing an actual or forecast are skipped.

    The MASE scale of series k is the seasonal naive's in-sample MAE over its points up to insample_end[k].
    """
    series = rows[0]
    y, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    ok = np.isfinite(y) & np.isfinite(f)
    series, y, f = series[ok], y[ok], f[ok]
    if len(y) == 0:
        return {"rmse": float("nan"), "mse": float("nan"), "smape": float("nan"), "mase": float("nan")}
    per_row = pd.DataFrame({"series": series, "smape": smape_terms(y, f), "abs": np.abs(y - f), "sq": (y - f) ** 2})
    per_series = per_row.groupby("series").mean()
    scales = np.array([mase_scale(panel.series_values(k)[: insample_end[k] + 1], season_length)
                       for k in per_series.index])
    with np.errstate(all="ignore"):
        mase = per_series["abs"].to_numpy() / np.where(scales > 0, scales, np.nan)
    return {"rmse": float(np.sqrt(per_series["sq"]).mean()), "mse": float(per_series["sq"].mean()),
            "smape": float(per_series["smape"].mean()), "mase": float(np.nanmean(mase)) if np.isfinite(mase).any()
            else float("nan")}
