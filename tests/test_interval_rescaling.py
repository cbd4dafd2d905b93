"""Serving rescales the trained intervals on the champion's day-ahead errors of the last week (split conformal): wider
when the recent errors outgrew the calibration, never narrower, and the factor covers the level on those errors."""

import numpy as np
import pandas as pd
import pytest

from forecast_assets.model_inputs import recent_interval_factors, rescaled_intervals
from test_trainer_model import train
from test_trainer_task import synthetic_series
from trainer.intervals import conformal_factor


def test_the_conformal_factor_covers_the_level_of_the_scores():
    scores = np.random.default_rng(0).exponential(size=999)
    for level in (80, 95):
        factor = conformal_factor(scores, level)
        assert np.mean(scores <= factor) >= level / 100 and np.mean(scores < factor) <= level / 100 + 0.01
    assert conformal_factor(np.array([np.nan]), 80) == 1.0


def test_rescaling_multiplies_each_half_width_around_the_point_and_keeps_the_floor():
    forecasts = pd.DataFrame({"forecast": [10.0, 1.0], "lo_80": [8.0, 0.0], "hi_80": [12.0, 2.0]})
    out = rescaled_intervals(forecasts, {80: 2.0}, floor=0.0)
    assert out["hi_80"].tolist() == [14.0, 3.0] and out["lo_80"].tolist() == [6.0, 0.0]


@pytest.fixture(scope="module")
def model_and_data():
    data = synthetic_series(n_series=3, days=30)
    return train(data[data["timestamp"] < "2024-01-23"]), data


def test_errors_larger_than_the_calibration_widen_the_intervals_until_they_cover_the_level(model_and_data):
    model, data = model_and_data
    noisy = data.copy()
    rng = np.random.default_rng(5)
    late = noisy["timestamp"] >= "2024-01-23"
    noisy.loc[late, "value"] += rng.normal(0, 40, late.sum())  # the last week: errors several times the trained ones
    origin = pd.Timestamp("2024-01-30")
    history = noisy[noisy["timestamp"] < origin]
    factors = recent_interval_factors(model, history, origin, 7, (80, 95))
    assert factors[80] > 1.5 and factors[95] > 1.5
    quiet = recent_interval_factors(model, data[data["timestamp"] < origin], origin, 7, (80, 95))
    assert quiet[80] < factors[80] and min(quiet.values()) >= 1.0  # never narrower than trained
