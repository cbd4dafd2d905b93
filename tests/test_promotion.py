"""The gate decides on several backtest windows: a candidate must beat the seasonal naive, and the champion stays only
when the candidate is worse beyond the noise of the paired differences; when no model beats the naive, it serves."""

import numpy as np
import pandas as pd

from forecast_assets.promotion import KEEP, PROMOTE, SEASONAL_NAIVE, decide_promotion, paired_difference


def rows(mase, smape=None, windows=3):
    """Backtest rows of 3 windows x len(mase) series: the given per-series MASE (and sMAPE = 10 x MASE) in every window."""
    mase = np.asarray(mase, dtype=float)
    smape = 10 * mase if smape is None else np.asarray(smape, dtype=float)
    return pd.DataFrame([{"window": w, "series_id": f"s{k}", "smape": smape[k], "mase": mase[k], "rmse": 40.0}
                         for w in range(1, windows + 1) for k in range(len(mase))])


NAIVE = rows([1.0, 1.0, 1.0, 1.0])


def test_a_better_candidate_replaces_the_champion():
    decision = decide_promotion(rows([0.6, 0.6, 0.6, 0.6]), rows([0.7, 0.7, 0.7, 0.7]), NAIVE)
    assert decision.action == PROMOTE and decision.promote and "candidate wins" in decision.reason
    assert "paired over 12 rows of 3 window(s) x 4 series" in decision.reason
    assert set(decision.table["contender"]) == {"candidate", "champion", "seasonal_naive"}


def test_a_candidate_worse_beyond_noise_leaves_the_champion():
    decision = decide_promotion(rows([0.8, 0.8, 0.8, 0.8]), rows([0.7, 0.7, 0.7, 0.7]), NAIVE)
    assert decision.action == KEEP and "worse beyond noise" in decision.reason


def test_a_tie_within_the_relative_tolerance_goes_to_the_candidate_trained_on_newer_data():
    assert decide_promotion(rows([0.71] * 4), rows([0.70] * 4), NAIVE).promote  # 1.4% worse, no spread
    assert not decide_promotion(rows([0.72] * 4), rows([0.70] * 4), NAIVE).promote  # 2.9% worse, no spread


def test_a_mean_difference_within_the_noise_of_the_paired_rows_is_a_tie():
    champion = rows([0.70, 0.70, 0.70, 0.70])
    noisy = rows([0.50, 0.95, 0.60, 0.85])  # mean +0.025 (3.6% worse), but the per-series differences spread widely
    diff, se, n = paired_difference(noisy, champion, "mase")
    assert n == 12 and np.isclose(diff, 0.025) and 1.645 * se > diff
    decision = decide_promotion(noisy, champion, NAIVE)
    assert decision.promote and "tie within noise" in decision.reason


def test_the_first_model_is_promoted_only_by_beating_the_seasonal_naive():
    assert decide_promotion(rows([0.9] * 4), None, NAIVE).promote
    refused = decide_promotion(rows([1.1] * 4, smape=[9.0] * 4), None, NAIVE)
    assert refused.action == SEASONAL_NAIVE and "mase 1.1000 >= 1.0000" in refused.reason
    assert "seasonal naive serves as champion" in refused.reason


def test_a_candidate_not_beating_the_naive_leaves_a_champion_that_does():
    decision = decide_promotion(rows([1.05] * 4), rows([0.9] * 4), NAIVE)
    assert decision.action == KEEP and "does not beat the seasonal naive" in decision.reason


def test_when_neither_candidate_nor_champion_beats_the_naive_the_naive_serves():
    decision = decide_promotion(rows([1.05] * 4), rows([1.2] * 4), NAIVE)
    assert decision.action == SEASONAL_NAIVE and "neither the candidate nor the champion" in decision.reason


def test_the_gate_uses_fewer_windows_when_the_shortest_series_has_fewer():
    from forecast_assets.champion import gate_windows
    from resources.settings import ForecastSettings

    settings = ForecastSettings(freq="YE", horizon=6, backtest_windows=2)
    long = pd.DataFrame({"series_id": "a", "value": np.arange(40.0)})
    assert gate_windows(long, settings) == 2
    short = pd.concat([long, pd.DataFrame({"series_id": "b", "value": np.arange(10.0)})])  # one window of 6 + 4
    assert gate_windows(short, settings) == 1
