"""The weekly check set: complete weeks of hourly load summed into weekly energy, cut into series in the M4 layout
that the project's M4 reader reads back; and weekly models that see the yearly cycle M4's m = 1 leaves out."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.m4_weekly import MIN_CHUNK_WEEKS, build_weekly_set, chunks, weekly_energy, write_m4_wide
from resources.sources.m4 import read_m4, read_m4_test
from trainer.features import FeatureSpec


def hourly_load(weeks: int, start: str = "2020-01-06 00:00") -> pd.DataFrame:
    """Two regions of hourly load: 'A' a constant 10 MW (so each full week is 1,680 MWh), 'B' 1 MW plus the week."""
    stamps = pd.date_range(start, periods=weeks * 168, freq="h")
    week = np.arange(len(stamps)) // 168
    return pd.concat([pd.DataFrame({"series_id": "A", "timestamp": stamps, "value": 10.0}),
                      pd.DataFrame({"series_id": "B", "timestamp": stamps, "value": 1.0 + week})], ignore_index=True)


def test_weekly_energy_sums_complete_weeks_and_scales_a_week_missing_a_few_hours():
    hourly = hourly_load(3)
    hourly = hourly.drop(index=[5, 6])  # region A, first week: two hours missing
    hourly = pd.concat([hourly, hourly.iloc[[10]]])  # a duplicated hour is averaged, not counted twice
    weekly = weekly_energy(hourly)
    a = weekly[weekly["series_id"] == "A"]
    assert list(a["value"]) == [1680.0, 1680.0, 1680.0]
    assert list(a["timestamp"].dt.day_name()) == ["Sunday"] * 3
    b = weekly[weekly["series_id"] == "B"]
    assert list(b["value"]) == [168.0, 336.0, 504.0]


def test_an_incomplete_week_is_dropped():
    hourly = hourly_load(2)
    weekly = weekly_energy(hourly[~((hourly["series_id"] == "A") & (hourly.index < 20))])
    assert len(weekly[weekly["series_id"] == "A"]) == 1


def test_chunks_are_cut_from_the_end_and_keep_a_long_enough_remainder():
    values = np.arange(600)
    parts = chunks(values, 260)
    assert [len(p) for p in parts] == [260, 260]  # the first 80 weeks are too few for a series of their own
    assert parts[-1][-1] == 599 and parts[-2][-1] == 339
    assert [len(p) for p in chunks(np.arange(260 + MIN_CHUNK_WEEKS), 260)] == [MIN_CHUNK_WEEKS, 260]


def test_the_set_reads_back_with_the_m4_reader_train_then_test_weeks(tmp_path):
    source = tmp_path / "hourly.parquet"
    hourly_load(340).to_parquet(source)
    train, test = build_weekly_set(source, chunk_weeks=200, horizon=13)
    assert [row[0] for row in train] == ["W1", "W2", "W3", "W4"]  # per region: the last 200 weeks, then 140
    write_m4_wide(tmp_path / "train.csv", train)
    write_m4_wide(tmp_path / "test.csv", test)
    back = read_m4(tmp_path / "train.csv", "Weekly")
    assert back.groupby("series_id").size().to_dict() == {"W1": 127, "W2": 187, "W3": 127, "W4": 187}
    future = read_m4_test(tmp_path / "train.csv", tmp_path / "test.csv", "Weekly")
    b_last = future[future["series_id"] == "W4"]["value"].to_numpy()
    assert b_last[-1] == pytest.approx(168.0 * 340)  # region B's last week, the 340th
    assert len(b_last) == 13


@pytest.mark.parametrize("season_length", [1, 13])
def test_weekly_features_carry_the_yearly_cycle_when_the_season_length_does_not(season_length):
    spec = FeatureSpec.default("W-SUN", 13, season_length)
    assert 52 in spec.seasonal_lags and "season52_1" in spec.feature_names
    assert FeatureSpec.default("W-SUN", 13, 52).seasonal_lags == {52: 7}
    assert 52 not in FeatureSpec.default("D", 14, 7).seasonal_lags


def test_a_fractional_weekly_season_length_becomes_whole_weeks():
    from benchmarks.m4_pipeline import set_rule

    assert set_rule("Weekly", season_length=52.18) == ("Weekly", set_rule("Weekly", season_length=52)[1])
    assert set_rule("Weekly", season_length=52.18)[1].season_length == 52
    assert set_rule("weekly")[1].season_length == 1  # M4's rule when m is not given


def test_series_too_short_for_the_model_get_the_served_fallback_from_their_own_end():
    from benchmarks.m4_assets import short_series_fallback
    from resources.settings import ForecastSettings

    settings = ForecastSettings(freq="W-SUN", horizon=3, season_length=52)
    history = pd.concat([
        pd.DataFrame({"series_id": "young", "timestamp": pd.date_range("2020-01-05", periods=10, freq="W-SUN"),
                      "value": np.arange(10.0)}),
        pd.DataFrame({"series_id": "older", "timestamp": pd.date_range("2019-01-06", periods=60, freq="W-SUN"),
                      "value": np.arange(60.0)})], ignore_index=True)
    out = short_series_fallback(history, settings)
    young, older = out[out["series_id"] == "young"], out[out["series_id"] == "older"]
    assert list(young["timestamp"]) == list(pd.date_range("2020-03-15", periods=3, freq="W-SUN"))
    assert list(young["forecast"]) == [9.0, 9.0, 9.0]  # shorter than a season: the last value
    assert list(older["forecast"]) == [8.0, 9.0, 10.0]  # the same weeks a year (52 weeks) before
    assert {"lo_95", "hi_95"} <= set(out.columns)
