"""Drift slots and windows at any frequency: hour of week for hourly data, month of year for monthly, quarter of year
for quarterly, one slot for yearly; a level shift of a monthly or quarterly series is caught by the same scan."""

import numpy as np
import pandas as pd
import pytest

from monitoring.season_grid import SeasonGrid
from monitoring.series_drift import recent_level_shift


def test_hourly_slots_are_the_hour_of_the_week_and_windows_the_day():
    ts = pd.Series(pd.date_range("2024-01-01", periods=24 * 21, freq="h"))  # 2024-01-01 is a Monday
    grid = SeasonGrid()
    assert grid.season_for(ts) == 168 and grid.season_for(ts[:24 * 10]) == 24  # < 2 weeks: hour of day
    slots = grid.slots(ts, 168)
    assert len(np.unique(slots)) == 168
    assert (slots[:168] == slots[168:336]).all()  # the same hour of the next week
    assert len(np.unique(grid.windows(ts))) == 21 and grid.window_start(ts[30]) == pd.Timestamp("2024-01-02")


@pytest.mark.parametrize("freq, cadence, period, per_season", [("MS", "monthly", 12, 12), ("QS", "yearly", 4, 4),
                                                                ("YE", "yearly", 1, 1), ("D", "weekly", 7, 7)])
def test_calendar_slots_follow_the_calendar(freq, cadence, period, per_season):
    ts = pd.Series(pd.date_range("2001-01-01", periods=40, freq=freq))
    grid = SeasonGrid(freq, (period,), cadence)
    season = grid.season_for(ts)
    assert season == period
    slots = grid.slots(ts, season)
    assert len(np.unique(slots)) == per_season
    if freq == "MS":
        assert (slots == (ts.dt.month.to_numpy() - 1 + slots[0]) % 12).all()  # one slot per month of the year


def test_yearly_series_older_than_1677_get_slots_and_windows():
    ts = pd.Series(pd.DatetimeIndex(np.array(["1600-12-31", "1601-12-31", "1602-12-31"], dtype="datetime64[s]")))
    grid = SeasonGrid("YE", (1,), "yearly")
    assert list(np.diff(grid.steps(ts))) == [1, 1]


def seasonal_panel(freq: str, periods: int, live: int, shift: float, season: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2000-01-01", periods=periods, freq=freq)
    phase = np.arange(periods) % season
    values = 100 * (1 + 0.3 * np.sin(2 * np.pi * phase / season)) * (1 + rng.normal(0, 0.01, periods))
    values[-live:] *= 1 + shift
    return pd.DataFrame({"series_id": "s", "timestamp": ts, "value": values})


@pytest.mark.parametrize("freq, cadence, season", [("MS", "monthly", 12), ("QS", "yearly", 4)])
def test_a_level_shift_of_a_monthly_or_quarterly_series_is_caught_and_a_stable_one_is_not(freq, cadence, season):
    grid = SeasonGrid(freq, (season,), cadence)
    live = 3 if freq == "MS" else 12  # three windows: 3 months, or 3 years of quarters
    for shift, expected in ((0.2, True), (0.0, False)):
        frame = seasonal_panel(freq, 8 * season + live, live, shift, season)
        reference, recent = frame.iloc[:-live], frame.iloc[-live:]
        out = recent_level_shift(reference, recent, series="series_id", timestamp="timestamp", target="value",
                                 grid=grid, season=grid.season_for(reference["timestamp"]), z=3.5,
                                 relative_shift=0.07).iloc[0]
        assert bool(out["level_shifted"]) is expected
        if expected:
            assert out["level_shift"] == pytest.approx(0.2, abs=0.03)
