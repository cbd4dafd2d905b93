"""The champion/challenger gate: a candidate replaces the champion only if it wins (or ties within noise) on the same
backtest windows and beats the seasonal naive on both sMAPE and MASE; the first model only has to beat the naive."""

from dataclasses import dataclass

import pandas as pd

GATE_METRICS = ("smape", "mase")
# Differences within this share of the champion's score are noise on a few held-out windows: such a tie goes to the
# candidate, the model trained on the newer data (after a drift the champion has never seen the new level; keeping
# it on a tie kept the alarm up for days while the retrained candidate was as good on the old windows).
TIE_TOLERANCE = 0.02


@dataclass
class PromotionDecision:
    """Whether the candidate becomes champion, why, and the table the decision was made from."""

    promote: bool
    reason: str
    table: pd.DataFrame  # one row per contender (candidate, champion, seasonal_naive) with its backtest metrics


def decide_promotion(candidate: dict, champion: dict | None, seasonal_naive: dict, primary_metric: str = "mase",
                     tolerance: float = TIE_TOLERANCE) -> PromotionDecision:
    """Compare backtest summaries (dicts with smape, mase, rmse) computed on the same windows; lower is better."""
    rows = {"candidate": candidate, "seasonal_naive": seasonal_naive}
    if champion is not None:
        rows["champion"] = champion
    table = pd.DataFrame(rows).T.rename_axis("contender").reset_index()

    losses = [m for m in GATE_METRICS if not candidate[m] < seasonal_naive[m]]
    if losses:
        worse = ", ".join(f"{m} {candidate[m]:.4f} >= {seasonal_naive[m]:.4f}" for m in losses)
        return PromotionDecision(False, f"candidate does not beat the seasonal naive ({worse})", table)
    if champion is None:
        return PromotionDecision(True, "first model: beats the seasonal naive on sMAPE and MASE", table)
    ours, theirs = candidate[primary_metric], champion[primary_metric]
    if ours < theirs:
        return PromotionDecision(
            True, f"candidate wins on {primary_metric} ({ours:.4f} < champion {theirs:.4f}) and beats the seasonal naive",
            table)
    if ours <= theirs * (1 + tolerance):
        return PromotionDecision(
            True, f"tie within {tolerance:.0%} on {primary_metric} ({ours:.4f} vs champion {theirs:.4f}): the candidate, "
            "trained on newer data, replaces the champion", table)
    return PromotionDecision(
        False, f"champion stays: candidate {primary_metric} {ours:.4f} is more than {tolerance:.0%} worse than "
        f"{theirs:.4f}", table)
