"""Level-shift adjustment at forecast time: a step that has held two days is removed from the history, a one-day
dip and ordinary noise are not, and a series with weather-sized day-to-day swings needs a larger step."""

import numpy as np
import pandas as pd
import pytest

from trainer.level_shift import adjusted, step_factors
from trainer.panel import SeriesPanel

PERIODS = {24: 7, 168: 3}


def hourly(days_after: int, step: float, day_noise: float = 0.01, dip: bool = False, seed: int = 0) -> SeriesPanel:
    """28 days of one hourly series (daily and weekly shape, day-level noise); the last `days_after` days x (1 + step);
    dip: only the second-to-last day is 25% low."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-03-01", periods=28 * 24, freq="h")
    day = np.arange(len(ts)) // 24
    weekly = np.where(ts.dayofweek >= 5, 0.8, 1.0)
    values = 100 * (1 + 0.3 * np.sin(2 * np.pi * ts.hour / 24)) * weekly * (1 + rng.normal(0, day_noise, 28)[day])
    values = values * np.where(day >= 28 - days_after, 1 + step, 1.0)
    if dip:
        values = values * np.where(day == 26, 0.75, 1.0)
    return SeriesPanel.from_frame(pd.DataFrame({"series_id": "s", "timestamp": ts, "value": values}), "h", 168)


def test_a_step_that_held_two_days_is_found_with_its_size_and_the_history_before_it_is_rescaled():
    panel = hourly(days_after=3, step=0.35)
    factor, blocks = step_factors(panel, 24, PERIODS)
    assert blocks[0] == 3 and factor[0] == pytest.approx(1.35, abs=0.03)
    out, factors = adjusted(panel, 24, PERIODS)
    before, after = panel.series_values(0), out.series_values(0)
    assert factors == {"s": pytest.approx(factor[0])}
    np.testing.assert_allclose(after[:-72], before[:-72] * factor[0])  # history before the step, at the new level
    np.testing.assert_array_equal(after[-72:], before[-72:])  # the days since the step as they were


@pytest.mark.parametrize("case", [dict(days_after=1, step=0.35), dict(days_after=0, step=0.0),
                                  dict(days_after=0, step=0.0, dip=True), dict(days_after=3, step=0.05)])
def test_one_day_a_holiday_dip_noise_and_a_small_step_are_left_alone(case):
    panel = hourly(**case)
    out, factors = adjusted(panel, 24, PERIODS)
    assert factors == {} and out is panel


def test_weather_sized_swings_raise_the_bar():
    """With 10% day-to-day noise a 20% step is within three standard deviations of the weekly ratio: not adjusted."""
    assert adjusted(hourly(days_after=3, step=0.20, day_noise=0.10, seed=3), 24, PERIODS)[1] == {}
    assert adjusted(hourly(days_after=3, step=0.20, day_noise=0.01, seed=3), 24, PERIODS)[1] != {}


def test_data_without_a_weekly_cycle_is_never_adjusted():
    panel = hourly(days_after=3, step=0.35)
    assert adjusted(panel, 24, {24: 7})[1] == {}
