"""The trainer's choice among model families, on backtest windows it holds out (validation and test).

Every candidate family forecasts exactly the same (series, origin, step) rows; each is scored against the seasonal
naive on those rows (trainer/families.py: relative_score) and the lowest score wins. The chosen family's intervals
are calibrated on its own backtest residuals, so a statistical family does not borrow XGBoost's interval widths.
"""

from dataclasses import dataclass

import numpy as np

from trainer import intervals
from trainer.evaluation import score_rows, seasonal_naive_rows
from trainer.families import FAMILIES, choose, combine, members_of, relative_score
from trainer.features import FeatureBuilder


@dataclass
class BacktestWindow:
    """One window's rows (H consecutive steps per included series), every member's forecasts and the actuals."""

    name: str
    rows: tuple
    points: dict
    scale: np.ndarray
    actual: np.ndarray
    insample_end: np.ndarray  # per series of the panel: the origin of this window


def backtest_window(model, builder: FeatureBuilder, name: str, origins: np.ndarray, include: np.ndarray,
                    members) -> BacktestWindow | None:
    """Forecast the H steps after origins[k] of every included series with every member (None if none included)."""
    kept = np.flatnonzero(include)
    if len(kept) == 0:
        return None
    h = model.spec.horizon
    series = np.repeat(kept, h)
    rows = (series, origins[series], np.tile(np.arange(1, h + 1), len(kept)))
    points, scale = model.member_points(builder, *rows, members)
    return BacktestWindow(name, rows, points, scale, builder.targets(*rows), origins)


@dataclass
class FamilyChoice:
    """The chosen family, every family's scores per window and overall, and the chosen family's calibration."""

    family: str
    scores: dict
    calibration: dict


def family_points(window: BacktestWindow, family: str, floor: float | None) -> np.ndarray:
    """The family's forecasts on a window's rows, floored as the model floors them."""
    point = combine(window.points, family)
    return np.maximum(point, floor) if floor is not None else point


def choose_family(windows: list[BacktestWindow], panel, season_length: int, floor: float | None,
                  candidates=tuple(FAMILIES)) -> FamilyChoice:
    """Score every candidate family on the same windows, pick the lowest relative score, calibrate its intervals."""
    windows = [w for w in windows if w is not None]
    available = set.intersection(*(set(w.points) for w in windows)) if windows else set()
    candidates = [f for f in candidates if set(members_of(f)) <= available]
    naive = {w.name: score_rows(panel, w.rows, w.actual, seasonal_naive_rows(panel, w.rows, season_length),
                                w.insample_end, season_length) for w in windows}
    weight = {w.name: len(np.unique(w.rows[0])) for w in windows}
    scores, relative = {"seasonal_naive": naive}, {}
    for family in candidates:
        per_window = {w.name: score_rows(panel, w.rows, w.actual, family_points(w, family, floor), w.insample_end,
                                         season_length) for w in windows}
        pooled = {k: sum(weight[n] * per_window[n][k] for n in per_window) for k in ("smape", "mase")}
        pooled_naive = {k: sum(weight[n] * naive[n][k] for n in naive) for k in ("smape", "mase")}
        relative[family] = relative_score(pooled, pooled_naive)
        scores[family] = {**per_window, "relative_to_seasonal_naive": relative[family]}
    family = choose(relative)
    residuals = np.concatenate([np.abs(w.actual - family_points(w, family, floor)) / w.scale for w in windows])
    steps = np.concatenate([w.rows[2] for w in windows])
    return FamilyChoice(family, scores, intervals.calibrate(residuals, steps, windows[0].rows[2].max()))
