"""The trainer's choice among model families, on backtest windows it holds out (validation and test).

Every candidate family forecasts exactly the same (series, origin, step) rows; each is scored against the seasonal
naive on those rows (trainer/families.py: relative_score) and the lowest score wins. The chosen family's intervals
are calibrated on its own backtest residuals, so a statistical family does not borrow XGBoost's interval widths.

The per-series statistical fits are most of the choice's cost, so the choice races: every family is scored first on
a pilot quarter of the sampled series (validation window), and families that score worse than SCREEN_RATIO times
the best there are dropped before the other series are fitted. Why: on M4 Hourly the pilot (16 series) scored
XGBoost 0.62, every statistical family 1.20-1.31 and the best mix holding them (ets+theta+xgboost) 0.91, 1.47 times
XGBoost; on M3 the families' full-sample scores lie within 7% (yearly, quarterly) to 28% (other) of the best, and the
pilot dropped only CES alone on monthly (still fitted for ets+theta+ces), so nothing is saved there, and nothing lost.
"""

from dataclasses import dataclass

import numpy as np

from trainer import intervals
from trainer.evaluation import score_rows, seasonal_naive_rows
from trainer.families import FAMILIES, choose, combine, members_of, relative_score
from trainer.features import FeatureBuilder

PILOT_FRACTION = 0.25  # of the sampled series: the pilot every family is scored on before the rest are fitted
PILOT_MIN_SERIES = 12  # a smaller pilot would drop families on noise: no screening below this
SCREEN_RATIO = 1.25  # a family scoring more than this multiple of the pilot's best relative score is dropped


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


def merge_windows(first: BacktestWindow | None, second: BacktestWindow | None) -> BacktestWindow | None:
    """One window of the same origins from two sets of series; keeps the members both forecast."""
    if first is None or second is None:
        return first or second
    members = [member for member in first.points if member in second.points]
    return BacktestWindow(first.name, tuple(np.concatenate(pair) for pair in zip(first.rows, second.rows)),
                          {member: np.concatenate([first.points[member], second.points[member]]) for member in members},
                          np.concatenate([first.scale, second.scale]), np.concatenate([first.actual, second.actual]),
                          first.insample_end)


def screen_families(pilot: BacktestWindow | None, panel, season_length: int, floor: float | None,
                    candidates) -> tuple[list[str], dict]:
    """(the candidates kept, every candidate's relative score on the pilot): those within SCREEN_RATIO of the best.

    All are kept when the pilot has fewer than PILOT_MIN_SERIES series or no candidate could be scored on it."""
    candidates = list(candidates)
    if pilot is None or len(np.unique(pilot.rows[0])) < PILOT_MIN_SERIES:
        return candidates, {}
    _, relative = family_scores([pilot], panel, season_length, floor, candidates)
    finite = [value for value in relative.values() if np.isfinite(value)]
    if not finite:
        return candidates, relative
    best = min(finite)
    kept = [f for f in candidates if not (np.isfinite(relative.get(f, np.nan)) and relative[f] > SCREEN_RATIO * best)]
    return kept, relative


def family_scores(windows: list[BacktestWindow], panel, season_length: int, floor: float | None,
                  candidates) -> tuple[dict, dict]:
    """(scores per family and window, with the seasonal naive's; each family's pooled relative score)."""
    naive = {w.name: score_rows(panel, w.rows, w.actual, seasonal_naive_rows(panel, w.rows, season_length),
                                w.insample_end, season_length) for w in windows}
    weight = {w.name: len(np.unique(w.rows[0])) for w in windows}
    pooled_naive = {k: sum(weight[n] * naive[n][k] for n in naive) for k in ("smape", "mase")}
    scores, relative = {"seasonal_naive": naive}, {}
    for family in candidates:
        per_window = {w.name: score_rows(panel, w.rows, w.actual, family_points(w, family, floor), w.insample_end,
                                         season_length) for w in windows}
        pooled = {k: sum(weight[n] * per_window[n][k] for n in per_window) for k in ("smape", "mase")}
        relative[family] = relative_score(pooled, pooled_naive)
        scores[family] = {**per_window, "relative_to_seasonal_naive": relative[family]}
    return scores, relative


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
    scores, relative = family_scores(windows, panel, season_length, floor, candidates)
    family = choose(relative)
    residuals = np.concatenate([np.abs(w.actual - family_points(w, family, floor)) / w.scale for w in windows])
    steps = np.concatenate([w.rows[2] for w in windows])
    return FamilyChoice(family, scores, intervals.calibrate(residuals, steps, windows[0].rows[2].max()))
