"""Split-conformal prediction intervals: per-step quantiles of absolute residuals from a held-out period.

Residuals are taken in units of each series' scale (the same scale the features use), so one calibration serves
series of any size: the interval at level L for step h is forecast +/- q_L(h) * scale.
"""

import numpy as np

METHOD = "split_conformal_abs_scaled_residual"
STORED_LEVELS = list(range(1, 100))
# With few series a step has few residuals, and the conformal quantile of every level above 1 - 1/(n+1) is the
# largest one: neighbouring steps are pooled until a step's quantiles rest on at least this many residuals.
MIN_POINTS_PER_STEP = 100


def calibrate(abs_scaled_residuals: np.ndarray, steps: np.ndarray, horizon: int) -> dict:
    """Per-step quantiles (levels 1..99, finite-sample corrected) of |actual - forecast| / scale.

    Each step pools the residuals of the nearest steps (h-w..h+w, w growing from 0) until it has
    MIN_POINTS_PER_STEP of them; steps with no finite residual borrow the pooled quantiles of all steps.
    """
    res, steps = np.asarray(abs_scaled_residuals, dtype=float), np.asarray(steps)
    ok = np.isfinite(res)
    if not ok.any():
        raise ValueError("no finite residuals to calibrate prediction intervals on")
    pooled = _quantiles(res[ok])
    table = {}
    for h in range(1, horizon + 1):
        width = 0
        while (ok & (np.abs(steps - h) <= width)).sum() < MIN_POINTS_PER_STEP and width < horizon:
            width += 1
        here = res[ok & (np.abs(steps - h) <= width)]
        table[str(h)] = _quantiles(here) if len(here) else pooled
    return {"method": METHOD, "levels": STORED_LEVELS, "quantiles": table,
            "calibration_points": int(ok.sum())}


def _quantiles(values: np.ndarray) -> list[float]:
    n = len(values)
    # the conformal guarantee needs the ceil((n+1)L)/n empirical quantile, capped at the largest residual
    q = np.minimum(np.ceil((n + 1) * np.array(STORED_LEVELS) / 100.0) / n, 1.0)
    return [float(v) for v in np.maximum.accumulate(np.quantile(values, q, method="higher"))]


def half_widths(calibration: dict, steps: np.ndarray, level: float) -> np.ndarray:
    """Interval half-width in scale units for each step at `level` percent (linear between stored levels)."""
    if not 0 < level < 100:
        raise ValueError(f"interval level must be in (0, 100), got {level}")
    levels = np.asarray(calibration["levels"], dtype=float)
    per_step = np.array([np.interp(level, levels, calibration["quantiles"][str(h)]) for h in
                         range(1, len(calibration["quantiles"]) + 1)])
    return per_step[np.asarray(steps) - 1]


def conformal_factor(scores: np.ndarray, level: float) -> float:
    """Split-conformal scaling from recent residuals: the finite-sample corrected `level` quantile of
    |actual - forecast| / half-width (at that level) over recent rows; intervals widened (or narrowed) by it cover
    `level` percent of those rows. 1.0 when there is no finite score."""
    scores = np.asarray(scores, dtype=float)
    scores = scores[np.isfinite(scores)]
    if len(scores) == 0:
        return 1.0
    q = min(np.ceil((len(scores) + 1) * level / 100.0) / len(scores), 1.0)
    return float(np.quantile(scores, q, method="higher"))
