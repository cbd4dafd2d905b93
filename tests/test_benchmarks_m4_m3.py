"""The benchmark on other competitions' sets: M3's layout and published table, horizon and seasonality overrides,
and the 95% interval's MSIS and coverage with M4's definitions."""

from pathlib import Path

import numpy as np
import pytest

from benchmarks.m3_published import m3_published_path, m3_published_table
from benchmarks.m4_pipeline import load_m4_set, set_rule
from benchmarks.m4_scoring import insert_ranked, rank_of, score_series, set_level
from benchmarks.m4_synthetic import write_synthetic_m4
from trainer.metrics import coverage, msis

M3 = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "m3"


def test_msis_adds_the_width_and_40_times_the_miss_over_the_seasonal_naive_scale():
    insample = [10.0, 12.0, 14.0, 16.0]  # lag-1 naive MAE = 2
    actual, lower, upper = [15.0, 20.0], [14.0, 16.0], [18.0, 19.0]
    # widths 4 and 3; the second actual is 1 above the upper bound: 2 / 0.05 * 1 = 40
    assert msis(actual, lower, upper, insample, 1) == pytest.approx((4 + 3 + 40) / 2 / 2)
    assert coverage(actual, lower, upper) == 0.5


def test_scoring_with_intervals_reports_msis_and_coverage_and_m3_scoring_sets_negative_forecasts_to_zero():
    insamples, outsamples = {"a": np.array([1.0, 2.0, 3.0])}, {"a": np.array([2.0, 2.0])}
    scores = score_series(insamples, outsamples, {"a": np.array([-1.0, 2.0])}, 1,
                          intervals={"a": (np.array([0.0, 1.0]), np.array([3.0, 3.0]))}, clip_negative=True)
    assert scores.loc[0, "smape"] == pytest.approx(100.0)  # (200 + 0) / 2 with the forecast set to 0
    assert set(set_level(scores)) == {"smape", "mase", "msis", "coverage"} and scores.loc[0, "coverage"] == 1.0


def test_horizon_and_seasonality_can_be_overridden_and_m3_other_has_its_own_rule():
    assert set_rule("monthly") == ("Monthly", set_rule("Monthly")[1]) and set_rule("Monthly")[1].horizon == 18
    name, rule = set_rule("Monthly", horizon=24, season_length=6)
    assert (name, rule.freq, rule.horizon, rule.season_length) == ("Monthly", "MS", 24, 6)
    assert set_rule("other")[1].horizon == 8 and set_rule("Other")[1].season_length == 1
    with pytest.raises(ValueError, match="--horizon must be at least 1"):
        set_rule("Daily", horizon=0)


def test_a_shorter_horizon_scores_the_first_test_values_and_a_longer_one_is_refused(tmp_path):
    write_synthetic_m4(tmp_path, "Daily", n_series=3, min_length=40, max_length=50, seed=1)
    short = load_m4_set(tmp_path, "Daily", horizon=7)
    assert (short.test.groupby("series_id").size() == 7).all() and short.rule.horizon == 7
    with pytest.raises(ValueError, match="fewer than H=20 test values"):
        load_m4_set(tmp_path, "Daily", horizon=20)


def test_the_m3_published_table_ranks_our_row_by_smape_among_the_competition_methods():
    path = m3_published_path(M3 / "yearly")
    assert path is not None and path.resolve().parent == M3.resolve()  # beside the category folders
    table = m3_published_table(path, "Yearly")
    published = table.set_index("id")
    assert published.loc["Theta", "yearly_sMAPE"] == 16.90 and published.loc["Comb S-H-D", "yearly_sMAPE"] == 17.07
    assert published.loc["Naive2", "yearly_OWA"] == pytest.approx(1.0)
    ranked = insert_ranked(table, "Yearly", [{"id": "ours", "smape": 16.95, "mase": 2.9, "owa": 0.9}], "sMAPE")
    assert rank_of(ranked, "ours") == 1 + int((table["yearly_sMAPE"] < 16.95).sum())
