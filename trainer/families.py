"""Model families and the choice among them: each family is the mean of one or more members' point forecasts.

Members are the global XGBoost ("xgboost") and the per-series statistical models of trainer/statistical.py. The
trainer forecasts the same backtest windows with every member, scores every family on them against the seasonal
naive (half sMAPE ratio, half MASE ratio, as OWA does against Naive2) and ships the family with the lowest score.
Combinations are candidates because averaging unlike models is the most reliable gain of the M3/M4 competitions.
"""

import numpy as np

from trainer.statistical import STATISTICAL_MEMBERS

XGBOOST = "xgboost"
FAMILIES: dict[str, tuple[str, ...]] = {
    XGBOOST: (XGBOOST,),
    "ets": ("ets",),
    "theta": ("theta",),
    "ces": ("ces",),
    "ets+theta": ("ets", "theta"),
    "ets+theta+ces": ("ets", "theta", "ces"),
    "ets+theta+xgboost": ("ets", "theta", XGBOOST),
    "ets+theta+ces+xgboost": ("ets", "theta", "ces", XGBOOST),
}


def members_of(family: str) -> tuple[str, ...]:
    """The members a family averages; ValueError names the known families otherwise."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; expected one of {', '.join(FAMILIES)}")
    return FAMILIES[family]


def statistical_members(members) -> tuple[str, ...]:
    """The statistical members among these members, in a fixed order."""
    return tuple(member for member in STATISTICAL_MEMBERS if member in set(members))


def combine(member_points: dict[str, np.ndarray], family: str) -> np.ndarray:
    """The family's point forecasts: the mean of its members' forecasts (same shape as each member's)."""
    return np.mean([member_points[member] for member in members_of(family)], axis=0)


def relative_score(scores: dict, naive: dict) -> float:
    """0.5 * (sMAPE / sMAPE_naive + MASE / MASE_naive) on the same rows; lower is better, 1 = the seasonal naive."""
    ratios = [scores[k] / naive[k] for k in ("smape", "mase") if np.isfinite(scores[k]) and naive[k] > 0]
    return float(np.mean(ratios)) if ratios else float("nan")


def choose(relative: dict[str, float]) -> str:
    """The family with the lowest finite relative score; ties go to the earlier (simpler) entry of FAMILIES."""
    finite = {name: value for name, value in relative.items() if np.isfinite(value)}
    if not finite:
        raise ValueError("no family could be scored on the backtest windows")
    order = list(FAMILIES)
    return min(finite, key=lambda name: (finite[name], order.index(name)))
