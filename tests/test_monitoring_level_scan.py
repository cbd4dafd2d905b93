"""The persistent level-shift scan: a 10% shift is flagged once it has held two days; a one-day holiday dip is not."""

import numpy as np
import pandas as pd
import pytest

from monitoring.season_grid import SeasonGrid
from monitoring.series_drift import recent_level_shift

LIVE = pd.Timestamp("2024-02-01")


def panel(kind: str, seed=1) -> pd.DataFrame:
    """28 reference days and 3 live days of one hourly series with 1% day-level noise; the live days altered."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(LIVE - pd.Timedelta(days=28), LIVE + pd.Timedelta(days=3), freq="h", inclusive="left")
    day = (ts - ts[0]).days.to_numpy()
    values = 100 * (1 + 0.3 * np.sin(2 * np.pi * ts.hour / 24)) * (1 + rng.normal(0, 0.01, day.max() + 1)[day])
    live_day = (ts - LIVE).days.to_numpy()
    if kind == "shift":
        values = values * np.where(live_day >= 1, 1.10, 1.0)  # from the second live day on
    elif kind == "holiday":
        values = values * np.where(live_day == 1, 0.75, 1.0)  # the second live day only
    return pd.DataFrame({"series_id": "s", "timestamp": ts, "value": values})


def scan(frame: pd.DataFrame, through_day: int) -> pd.Series:
    end = LIVE + pd.Timedelta(days=through_day + 1)
    reference, recent = frame[frame["timestamp"] < LIVE], frame[(frame["timestamp"] >= LIVE) & (frame["timestamp"] < end)]
    out = recent_level_shift(reference, recent, series="series_id", timestamp="timestamp", target="value",
                             grid=SeasonGrid(), season=24)
    return out.iloc[0]


def test_a_ten_percent_shift_is_flagged_once_it_has_held_two_days():
    assert not scan(panel("shift"), through_day=1)["level_shifted"]  # one day: not yet persistent
    flagged = scan(panel("shift"), through_day=2)
    assert flagged["level_shifted"] and flagged["level_shift_span"] == 2
    assert flagged["level_shift"] == pytest.approx(0.10, abs=0.02)


def test_a_one_day_dip_is_not_a_level_shift():
    for through in (1, 2):
        assert not scan(panel("holiday"), through_day=through)["level_shifted"]


def test_an_untouched_series_is_not_flagged():
    assert not scan(panel("none"), through_day=2)["level_shifted"]



def weather_panel(step: float, seed: int) -> pd.DataFrame:
    """56 reference days and 4 live days of one hourly series whose day level follows persistent AR(1) "weather"
    (phi 0.7, 1.5% innovations: spells of +-2% that last days); a step of `step` from the second live day on."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(LIVE - pd.Timedelta(days=56), LIVE + pd.Timedelta(days=4), freq="h", inclusive="left")
    day = (ts - ts[0]).days.to_numpy()
    weather = np.zeros(day.max() + 1)
    for d in range(1, len(weather)):
        weather[d] = 0.7 * weather[d - 1] + rng.normal(0, 0.015)
    values = 100 * (1 + 0.3 * np.sin(2 * np.pi * ts.hour / 24)) * (1 + weather[day])
    values = values * np.where((ts - LIVE).days.to_numpy() >= 1, 1 + step, 1.0)
    return pd.DataFrame({"series_id": "s", "timestamp": ts, "value": values})


@pytest.mark.parametrize("seed", range(8))
def test_a_ten_percent_step_under_persistent_weather_is_flagged_within_three_days_and_the_weather_alone_is_not(seed):
    for step, expected in ((0.10, True), (0.0, False)):
        frame = weather_panel(step, seed)
        flags = [scan(frame, through_day=d)["level_shifted"] for d in (1, 2, 3)]
        assert any(flags) is expected, (step, flags)


def test_a_step_the_reference_already_ends_at_is_flagged_as_seen_by_the_reference():
    """The scan still reports an older step (the level is off the reference's mean), but says the reference's last days
    were already at that level: a model trained on them has seen it."""
    frame = panel("none")
    frame["value"] *= np.where(frame["timestamp"] >= LIVE - pd.Timedelta(days=2), 1.3, 1.0)
    seen = scan(frame, through_day=2)
    assert seen["level_shifted"] and seen["level_in_reference"]
    unseen = scan(panel("shift"), through_day=2)
    assert unseen["level_shifted"] and not unseen["level_in_reference"]
