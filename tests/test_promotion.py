"""The gate promotes a candidate only when it beats the champion and the seasonal naive on the same windows."""

from forecast_assets.promotion import decide_promotion

NAIVE = {"smape": 10.0, "mase": 1.0, "rmse": 50.0}


def scores(smape, mase):
    return {"smape": smape, "mase": mase, "rmse": 40.0}


def test_a_better_candidate_replaces_the_champion():
    decision = decide_promotion(scores(6.0, 0.6), scores(7.0, 0.7), NAIVE)
    assert decision.promote and "candidate wins on mase" in decision.reason
    assert set(decision.table["contender"]) == {"candidate", "champion", "seasonal_naive"}


def test_a_worse_candidate_leaves_the_champion():
    decision = decide_promotion(scores(8.0, 0.8), scores(7.0, 0.7), NAIVE)
    assert not decision.promote and "champion stays" in decision.reason


def test_a_tie_within_noise_goes_to_the_candidate_trained_on_newer_data():
    tie = decide_promotion(scores(7.0, 0.71), scores(7.0, 0.70), NAIVE)
    assert tie.promote and "tie within 2%" in tie.reason
    assert not decide_promotion(scores(7.0, 0.72), scores(7.0, 0.70), NAIVE).promote  # 2.9% worse: not a tie


def test_the_first_model_is_promoted_only_by_beating_the_seasonal_naive():
    assert decide_promotion(scores(9.0, 0.9), None, NAIVE).promote
    refused = decide_promotion(scores(9.0, 1.1), None, NAIVE)
    assert not refused.promote and "does not beat the seasonal naive (mase 1.1000 >= 1.0000)" in refused.reason


def test_a_candidate_beating_the_champion_but_not_the_seasonal_naive_is_refused():
    decision = decide_promotion(scores(10.5, 0.95), scores(12.0, 1.2), NAIVE)
    assert not decision.promote and "smape 10.5000 >= 10.0000" in decision.reason
