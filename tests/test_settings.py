"""The frequency is set once and everything else follows: defaults by frequency, calendar-step arithmetic, the
cadence's partitions from where the data starts, and quality checks and fallbacks on calendar steps."""

import numpy as np
import pandas as pd
import pytest

from forecast_assets import quality
from forecast_assets.inference import seasonal_naive_forecasts
from forecast_assets.partitions import build_partitions, partitions_end, partitions_spanning, partitions_start
from resources.frequency import cadence_start, grid_ordinals, infer_freq
from resources.settings import ForecastSettings, settings_from_env


@pytest.mark.parametrize("freq,horizon,season,cadence", [
    ("15min", 192, 96, "daily"), ("h", 48, 24, "daily"), ("D", 14, 7, "weekly"), ("B", 14, 5, "weekly"),
    ("W-SUN", 13, 52, "monthly"), ("MS", 18, 12, "monthly"), ("ME", 18, 12, "monthly"), ("QS", 8, 4, "yearly"),
    ("QE-DEC", 8, 4, "yearly"), ("YS", 6, 1, "yearly"), ("YE", 6, 1, "yearly"),
])
def test_horizon_season_and_cadence_default_from_the_frequency(freq, horizon, season, cadence):
    settings = ForecastSettings(freq=freq)
    assert (settings.horizon, settings.season_length, settings.cadence) == (horizon, season, cadence)


def test_explicit_values_override_the_frequency_defaults():
    settings = ForecastSettings(freq="MS", horizon=6, season_length=4, cadence="yearly", dataset_window_periods=30)
    assert (settings.horizon, settings.season_length, settings.cadence, settings.dataset_window_periods) == (6, 4, "yearly", 30)
    assert ForecastSettings().dataset_window_periods == 90 * 24  # hourly: 90 days


@pytest.mark.parametrize("freq,cadence,cooldown", [("h", None, 7), ("D", None, 28), ("MS", None, 91), ("QS", None, 365),
                                                    ("h", "weekly", 28)])
def test_drift_retrains_cool_down_for_the_scheduled_retrains_beat_of_the_cadence_in_use(freq, cadence, cooldown):
    settings = ForecastSettings(freq=freq, **({"cadence": cadence} if cadence else {}))
    assert settings.retrain_cooldown_days == cooldown
    assert ForecastSettings(freq=freq, retrain_cooldown_days=3).retrain_cooldown_days == 3


def test_an_unknown_frequency_is_named_in_the_error():
    with pytest.raises(ValueError, match="'fortnightly' is not a pandas frequency"):
        ForecastSettings(freq="fortnightly")


def test_the_environment_sets_the_frequency_once_and_overrides_by_name(monkeypatch):
    monkeypatch.setenv("FORECAST_FREQ", "QE")
    monkeypatch.setenv("FORECAST_HORIZON", "4")
    settings = settings_from_env()
    assert (settings.freq, settings.horizon, settings.season_length, settings.cadence) == ("QE", 4, 4, "yearly")
    monkeypatch.setenv("FORECAST_HORIZON", "four")
    with pytest.raises(ValueError, match="FORECAST_HORIZON='four'"):
        settings_from_env()


def test_without_forecast_freq_the_sources_frequency_is_used(monkeypatch):
    monkeypatch.delenv("FORECAST_FREQ", raising=False)

    class MonthlySource:
        def observed_freq(self):
            return "MS"

    class UnreadableSource:
        def observed_freq(self):
            raise ValueError("data.csv: file not found")

    assert settings_from_env(source=MonthlySource()).freq == "MS"
    assert settings_from_env(source=UnreadableSource()).freq == "h"  # the runs that read it report the error


def test_the_frequency_is_read_off_long_data_even_with_a_gap():
    stamps = pd.date_range("2001-01-31", periods=40, freq="QE").delete(20)
    frame = pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": 1.0})
    assert pd.tseries.frequencies.to_offset(infer_freq(frame)) == pd.tseries.frequencies.to_offset("QE-DEC")
    assert infer_freq(frame.iloc[0:0]) is None


def test_calendar_steps_are_months_and_years_not_fixed_durations():
    monthly, yearly = ForecastSettings(freq="MS"), ForecastSettings(freq="YE")
    assert monthly.steps_after("2024-01-01", 2) == pd.Timestamp("2024-03-01")
    assert monthly.steps_before("2024-03-01", 1) == pd.Timestamp("2024-02-01")
    assert yearly.first_step_at_or_after("2024-01-01") == pd.Timestamp("2024-12-31")
    assert list(monthly.future("2024-11-01", 3)) == list(pd.to_datetime(["2024-11-01", "2024-12-01", "2025-01-01"]))
    assert monthly.periods_between("2023-01-01", "2024-01-01") == 12
    behind = monthly.periods_between(pd.Series(pd.to_datetime(["2023-06-01", "2023-12-01"])), "2024-01-01")
    assert behind.tolist() == [7, 1]
    assert len(ForecastSettings(freq="W-SUN").grid("2024-01-01", "2024-02-01")) == 4  # the Sundays of January


def test_grid_ordinals_count_steps_on_one_shared_calendar_grid():
    offset = pd.tseries.frequencies.to_offset("ME")
    firsts, stamps = grid_ordinals(offset, pd.to_datetime(["2020-01-31"]), pd.to_datetime(["2020-03-31", "2021-01-31"]))
    assert (stamps - firsts[0]).tolist() == [2, 12]


@pytest.mark.parametrize("cadence,first,start", [
    ("daily", "2002-03-05 07:00", "2002-03-05"), ("weekly", "2024-01-03", "2024-01-01"),
    ("monthly", "2001-01-07", "2001-01-01"), ("yearly", "1990-03-31", "1990-01-01"),
])
def test_partitions_start_at_the_period_holding_the_first_observation(monkeypatch, cadence, first, start):
    monkeypatch.delenv("FORECAST_PARTITIONS_START", raising=False)
    assert partitions_start(cadence, pd.Timestamp(first)) == pd.Timestamp(start)
    partitions = build_partitions(cadence, pd.Timestamp(start))
    assert partitions.get_first_partition_key() == start
    monkeypatch.setenv("FORECAST_PARTITIONS_START", "1980-01-01")
    assert partitions_start(cadence, pd.Timestamp(first)) == pd.Timestamp("1980-01-01")


def test_yearly_partitions_are_calendar_years_and_mappings_span_the_horizon():
    window = build_partitions("yearly", pd.Timestamp("1990-01-01")).time_window_for_partition_key("1995-01-01")
    assert (window.start.year, window.end.year, window.end.month, window.end.day) == (1995, 1996, 1, 1)
    assert partitions_spanning(ForecastSettings(), 48) == 2  # hourly H=48: the two days before
    assert partitions_spanning(ForecastSettings(freq="QE"), 8) >= 2  # 8 quarters reach back two or three years


def test_missing_and_stale_steps_are_counted_on_the_monthly_calendar():
    settings = ForecastSettings(freq="MS")
    grid = settings.grid("2024-01-01", "2025-01-01")
    stamps = grid.delete([3, 11])  # April missing, and nothing after November
    raw = pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": 1.0})
    assert quality.missing_steps(raw, grid)["timestamp"].tolist() == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-12-01")]
    assert quality.stale_series(raw, grid[-1], settings.offset, 1)["steps_behind"].tolist() == [1]
    assert quality.stale_series(raw, grid[-1], settings.offset, 2).empty


def test_cadence_starts_are_days_mondays_months_and_years():
    stamps = pd.Series(pd.to_datetime(["2024-05-15 13:00"]))
    starts = [cadence_start(c, stamps).iloc[0] for c in ("daily", "weekly", "monthly", "yearly")]
    assert starts == list(pd.to_datetime(["2024-05-15", "2024-05-13", "2024-05-01", "2024-01-01"]))


def test_the_fallback_forecasts_a_series_shorter_than_a_season_from_its_last_value():
    settings = ForecastSettings(freq="W-SUN")  # m=52, H=13
    history = pd.DataFrame({"series_id": "young", "timestamp": pd.date_range("2024-01-07", periods=20, freq="W-SUN"),
                            "value": np.arange(20.0)})
    forecasts = seasonal_naive_forecasts(history, pd.Timestamp("2024-05-26"), settings)
    assert len(forecasts) == 13 and (forecasts["forecast"] == 19.0).all()
    assert forecasts["timestamp"].iloc[0] == pd.Timestamp("2024-05-26") and (forecasts["lo_95"] < 19).all()


def test_partitions_run_on_to_today_unless_told_to_end_with_the_data(monkeypatch):
    last = pd.Timestamp("2019-07-01")
    monkeypatch.delenv("FORECAST_PARTITIONS_END", raising=False)
    assert partitions_end("yearly", last) is None  # a source that keeps delivering needs tomorrow's partition
    monkeypatch.setenv("FORECAST_PARTITIONS_END", "data")
    assert partitions_end("yearly", last) == pd.Timestamp("2020-01-01")
    assert partitions_end("weekly", pd.Timestamp("2024-01-03 05:00")) == pd.Timestamp("2024-01-08")
    keys = build_partitions("monthly", pd.Timestamp("2019-01-01"), partitions_end("monthly", last)).get_partition_keys()
    assert (keys[0], keys[-1], len(keys)) == ("2019-01-01", "2019-07-01", 7)  # every partition holds data
    monkeypatch.setenv("FORECAST_PARTITIONS_END", "2019-04-01")
    assert partitions_end("monthly", last) == pd.Timestamp("2019-04-01")
