"""M4 scoring: the published Hourly sNaive and Naive2 figures are reproduced from the real files; OWA and ranks."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.m4_scoring import (
    ScoringError,
    benchmark_forecasts,
    insert_ranked,
    owa,
    published_owa,
    published_results,
    rank_of,
    score_series,
    series_arrays,
    set_level,
)
from benchmarks.naive2 import is_seasonal, naive2, seasonal_indices
from resources.sources.m4 import m4_rule, read_m4, read_m4_test

HOURLY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "m4" / "hourly"


@pytest.fixture(scope="module")
def hourly_scores():
    """Set-level sMAPE/MASE of sNaive and Naive2 on the real M4 Hourly train/test files."""
    rule = m4_rule("Hourly")
    insamples = series_arrays(read_m4(HOURLY / "train.csv", "Hourly"))
    outsamples = series_arrays(read_m4_test(HOURLY / "train.csv", HOURLY / "test.csv", "Hourly"))
    forecasts = benchmark_forecasts(insamples, rule.horizon, rule.season_length)
    return {
        name: set_level(score_series(insamples, outsamples, by_series, rule.season_length))
        for name, by_series in forecasts.items()
    }


def test_naive2_reproduces_the_published_hourly_smape_and_mase(hourly_scores):
    naive2_scores = hourly_scores["Naive2"]
    assert round(naive2_scores["smape"], 3) == 18.383
    assert round(naive2_scores["mase"], 3) == 2.395
    assert owa(naive2_scores["smape"], naive2_scores["mase"], naive2_scores["smape"], naive2_scores["mase"]) == 1.0


def test_snaive_reproduces_the_published_hourly_smape_mase_and_owa(hourly_scores):
    snaive_scores, naive2_scores = hourly_scores["sNaive"], hourly_scores["Naive2"]
    assert round(snaive_scores["smape"], 3) == 13.912
    assert round(snaive_scores["mase"], 3) == 1.193
    owa_value = published_owa(snaive_scores["smape"], snaive_scores["mase"], naive2_scores["smape"], naive2_scores["mase"])
    assert round(owa_value, 3) == 0.627
    published = published_results(HOURLY).set_index("id")
    assert owa_value == pytest.approx(published.loc["sNaive", "hourly_OWA"], abs=1e-12)


def test_seasonality_test_finds_a_daily_cycle_and_rejects_noise():
    rng = np.random.default_rng(1)
    t = np.arange(24 * 20)
    cyclic = 100 + 30 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, len(t))
    assert is_seasonal(cyclic, 24)
    assert not is_seasonal(100 + rng.normal(0, 1, len(t)), 24)
    assert not is_seasonal(cyclic[:71], 24)  # fewer than 3 seasons: never seasonal
    assert is_seasonal(cyclic[:252], 24) and not is_seasonal(cyclic[:250], 24)  # R's acf stops at lag 10*log10(n)
    assert not is_seasonal(cyclic, 1)


def test_naive2_reseasonalises_the_last_level_with_the_next_phases():
    pattern = np.array([0.5, 1.0, 1.5, 1.0])  # mean 1: the classical indices recover it exactly
    series = 10.0 * np.tile(pattern, 12)
    indices = seasonal_indices(series, 4)
    np.testing.assert_allclose(indices[:4], pattern)
    np.testing.assert_allclose(naive2(series, 6, 4), 10.0 * np.resize(pattern, 6))
    np.testing.assert_allclose(naive2(np.array([3.0, 5.0, 4.0]), 3, 1), [4.0, 4.0, 4.0])


def test_owa_averages_the_two_ratios_to_naive2_on_a_hand_case():
    insamples = {"a": np.array([1.0, 2.0, 3.0, 4.0]), "b": np.array([10.0, 10.0, 12.0, 12.0])}
    outsamples = {"a": np.array([5.0, 6.0]), "b": np.array([12.0, 12.0])}
    forecasts = {"a": np.array([5.0, 4.0]), "b": np.array([10.0, 12.0])}
    per_series = score_series(insamples, outsamples, forecasts, season_length=1).set_index("series_id")
    # a: sMAPE = (0 + 200*2/10)/2 = 20; MASE scale = 1, MAE = 1 -> 1.0
    # b: sMAPE = (200*2/22 + 0)/2 = 9.0909...; MASE scale = 2/3, MAE = 1 -> 1.5
    assert per_series.loc["a", "smape"] == pytest.approx(20.0)
    assert per_series.loc["b", "smape"] == pytest.approx(100 / 11)
    assert per_series.loc["a", "mase"] == pytest.approx(1.0)
    assert per_series.loc["b", "mase"] == pytest.approx(1.5)
    level = set_level(per_series)
    assert level == pytest.approx({"smape": (20 + 100 / 11) / 2, "mase": 1.25})
    assert owa(level["smape"], level["mase"], naive2_smape=29.0909090909, naive2_mase=2.5) == pytest.approx(0.5 * (0.5 + 0.5))


def test_scoring_names_the_series_without_a_full_forecast():
    insamples = {"H7": np.arange(1.0, 30.0)}
    with pytest.raises(ScoringError, match="series H7: 1 forecast steps for 2 actuals"):
        score_series(insamples, {"H7": np.array([1.0, 2.0])}, {"H7": np.array([1.0])}, 1)
    with pytest.raises(ScoringError, match="series H7: no forecast"):
        score_series(insamples, {"H7": np.array([1.0, 2.0])}, {}, 1)


def test_inserted_rows_land_at_their_owa_rank_in_the_published_table():
    published = published_results(HOURLY)
    ranked = insert_ranked(
        published,
        "Hourly",
        [
            {"id": "ours", "smape": 13.5, "mase": 1.10, "owa": 0.60},  # between Kull (0.5976) and sNaive (0.6275)
            {"id": "peer", "smape": 10.9, "mase": 1.2, "owa": 0.4096484486835834},  # ties Doornik: ranked ahead
        ],
    )
    assert len(ranked) == len(published) + 2
    assert rank_of(ranked, "peer") == 1
    assert ranked.loc[1, "author"] == "Doornik"
    owa_order = ranked["hourly_OWA"].tolist()
    assert owa_order == sorted(owa_order)
    ours = rank_of(ranked, "ours")
    assert ranked.loc[ours - 2, "author"] == "Kull" and ranked.loc[ours, "id"] == "sNaive"
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    with pytest.raises(ScoringError, match="no row with id 'missing'"):
        rank_of(ranked, "missing")


def test_insert_ranked_names_the_missing_frequency_columns():
    table = pd.DataFrame({"id": ["x"], "hourly_sMAPE": [1.0], "hourly_MASE": [1.0], "hourly_OWA": [1.0]})
    with pytest.raises(ScoringError, match="daily_MASE, daily_OWA, daily_sMAPE"):
        insert_ranked(table, "Daily", [{"id": "ours", "smape": 1.0, "mase": 1.0, "owa": 1.0}])
