"""The champion/challenger gate, decided on several backtest windows with a rule that accounts for noise.

Every contender is scored per (window, series) on the same last windows (trainer/backtest.py). A candidate must beat
the seasonal naive on mean sMAPE and MASE. Against the champion it is judged on the paired differences of the primary
metric over those rows: the champion stays only when the candidate is worse by more than the noise of that mean
difference (z standard errors) and by more than a small relative tolerance. Ties within noise go to the candidate,
the model trained on the newer data (after a drift the champion has never seen the new level; keeping it on a tie
kept the alarm up for days). When neither the candidate nor the champion beats the seasonal naive, the seasonal naive
itself becomes the champion, so forecasts go on and the UI says why.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trainer.backtest import summarize

GATE_METRICS = ("smape", "mase")
TIE_TOLERANCE = 0.02  # a mean difference within 2% of the champion's score is a tie, however many rows
NOISE_Z = 1.645  # ... and so is one within 1.645 standard errors (one-sided 5%: "significantly worse" keeps the champion)
KEEP, PROMOTE, SEASONAL_NAIVE = "keep", "promote", "seasonal_naive"


@dataclass
class PromotionDecision:
    """What the gate does (KEEP, PROMOTE the candidate or make the SEASONAL_NAIVE champion), why, and its table."""

    action: str
    reason: str
    table: pd.DataFrame  # one row per contender (candidate, champion, seasonal_naive) with its mean backtest metrics

    @property
    def promote(self) -> bool:
        """Whether the candidate becomes the champion."""
        return self.action == PROMOTE


def paired_difference(candidate: pd.DataFrame, champion: pd.DataFrame, metric: str) -> tuple[float, float, int]:
    """(mean of candidate - champion, its standard error, rows) over the (window, series) rows both scored."""
    both = candidate.merge(champion, on=["window", "series_id"], suffixes=("_cand", "_champ"))
    d = (both[f"{metric}_cand"] - both[f"{metric}_champ"]).to_numpy(dtype=float)
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return float("nan"), float("nan"), 0
    se = float(np.std(d, ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
    return float(np.mean(d)), se, len(d)


def decide_promotion(candidate: pd.DataFrame, champion: pd.DataFrame | None, seasonal_naive: pd.DataFrame,
                     primary_metric: str = "mase", tolerance: float = TIE_TOLERANCE,
                     z: float = NOISE_Z) -> PromotionDecision:
    """Decide from per-(window, series) backtest rows (window, series_id, smape, mase, rmse) of the same windows."""
    scored = {"candidate": summarize(candidate), "seasonal_naive": summarize(seasonal_naive)}
    if champion is not None:
        scored["champion"] = summarize(champion)
    table = pd.DataFrame(scored).T.rename_axis("contender").reset_index()
    ours, naive = scored["candidate"], scored["seasonal_naive"]
    windows = f"{ours['windows']} window(s) x {ours['rows'] // max(ours['windows'], 1)} series"

    losses = [m for m in GATE_METRICS if not ours[m] < naive[m]]
    if losses:
        worse = ", ".join(f"{m} {ours[m]:.4f} >= {naive[m]:.4f}" for m in losses)
        theirs = scored.get("champion")
        if theirs is not None and all(theirs[m] < naive[m] for m in GATE_METRICS):
            return PromotionDecision(KEEP, f"champion stays: the candidate does not beat the seasonal naive ({worse})",
                                     table)
        who = "neither the candidate nor the champion beats" if theirs is not None else "the candidate does not beat"
        return PromotionDecision(SEASONAL_NAIVE, f"seasonal naive serves as champion: {who} the seasonal naive "
                                 f"({worse}) on {windows}", table)
    if champion is None:
        return PromotionDecision(PROMOTE, f"first model: beats the seasonal naive on sMAPE and MASE on {windows}", table)

    diff, se, n = paired_difference(candidate, champion, primary_metric)
    theirs = scored["champion"][primary_metric]
    if not np.isfinite(diff):
        return PromotionDecision(PROMOTE, f"no row scored by both: the candidate, trained on newer data, replaces the "
                                 "champion", table)
    margin = max(tolerance * abs(theirs), z * se)
    paired = f"{primary_metric} {ours[primary_metric]:.4f} vs champion {theirs:.4f}, paired over {n} rows of {windows}"
    if diff < 0:
        return PromotionDecision(PROMOTE, f"candidate wins ({paired}) and beats the seasonal naive", table)
    if diff <= margin:
        return PromotionDecision(PROMOTE, f"tie within noise (+{diff:.4f} <= {margin:.4f}: max({tolerance:.0%} of the "
                                 f"champion, {z} standard errors); {paired}): the candidate, trained on newer data, "
                                 "replaces the champion", table)
    return PromotionDecision(KEEP, f"champion stays: the candidate is worse beyond noise (+{diff:.4f} > {margin:.4f}; "
                             f"{paired})", table)
