"""The champion/challenger gate: a candidate replaces the champion only if it wins on the same backtest windows
and beats the seasonal naive on both sMAPE and MASE; the first model only has to beat the seasonal naive."""

from dataclasses import dataclass

import pandas as pd

GATE_METRICS = ("smape", "mase")


@dataclass
class PromotionDecision:
    """Whether the candidate becomes champion, why, and the table the decision was made from."""

    promote: bool
    reason: str
    table: pd.DataFrame  # one row per contender (candidate, champion, seasonal_naive) with its backtest metrics


def decide_promotion(candidate: dict, champion: dict | None, seasonal_naive: dict, primary_metric: str = "mase") -> PromotionDecision:
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
    if candidate[primary_metric] < champion[primary_metric]:
        return PromotionDecision(
            True,
            f"candidate wins on {primary_metric} ({candidate[primary_metric]:.4f} < champion "
            f"{champion[primary_metric]:.4f}) and beats the seasonal naive",
            table,
        )
    return PromotionDecision(
        False,
        f"champion stays: candidate {primary_metric} {candidate[primary_metric]:.4f} does not beat "
        f"{champion[primary_metric]:.4f}",
        table,
    )
