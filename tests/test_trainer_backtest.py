"""Rolling-origin backtest: identical windows for every forecaster; the seasonal naive is exact on pure seasonality."""

import numpy as np
import pandas as pd
import pytest

from test_trainer_model import train
from test_trainer_task import synthetic_series
from trainer.backtest import rolling_origin_backtest, summarize
from trainer.metrics import seasonal_naive


def pure_seasonal(n_series: int = 2, days: int = 20) -> pd.DataFrame:
    """Series that repeat one daily profile exactly."""
    ts = pd.date_range("2024-03-01", periods=24 * days, freq="h")
    profile = np.r_[np.linspace(10, 30, 12), np.linspace(30, 10, 12)]
    return pd.concat([pd.DataFrame({"series_id": f"p{k}", "timestamp": ts, "value": np.tile(profile, days) * (k + 1)})
                      for k in range(n_series)], ignore_index=True)


@pytest.fixture(scope="module")
def data_and_model():
    data = synthetic_series(n_series=3, days=30)
    return data, train(data)


def test_seasonal_naive_is_exact_on_a_purely_seasonal_series():
    result = rolling_origin_backtest("seasonal_naive", pure_seasonal(), windows=3, horizon=48, season_length=24)
    assert len(result) == 3 * 2
    assert result["smape"].max() < 1e-9 and result["rmse"].max() < 1e-9
    summary = summarize(result)
    assert summary["smape"] < 1e-9 and summary["windows"] == 3 and summary["rows"] == 6


def test_windows_are_the_last_non_overlapping_horizons_and_identical_for_every_forecaster(data_and_model):
    data, model = data_and_model
    by_model = rolling_origin_backtest(model, data, windows=2, horizon=48, season_length=24)
    by_naive = rolling_origin_backtest("seasonal_naive", data, windows=2, horizon=48, season_length=24)
    keys = ["window", "series_id", "origin"]
    pd.testing.assert_frame_equal(by_model[keys], by_naive[keys])
    last = data["timestamp"].max()
    expected = {1: last - pd.Timedelta(hours=96), 2: last - pd.Timedelta(hours=48)}
    assert (by_model["origin"] == by_model["window"].map(expected)).all()
    assert not by_model["fallback"].any()
    assert summarize(by_model)["mase"] < summarize(by_naive)["mase"]


def test_series_too_short_for_the_model_fall_back_to_the_seasonal_naive_and_are_flagged(data_and_model):
    data, model = data_and_model
    short = pure_seasonal(n_series=1, days=3)  # 24 points of history before its window: below min_history
    both = pd.concat([data, short], ignore_index=True)
    result = rolling_origin_backtest(model, both, windows=1, horizon=48, season_length=24)
    assert result.set_index("series_id")["fallback"].to_dict() == {"p0": True, "s0": False, "s1": False, "s2": False}
    assert result.loc[result["series_id"] == "p0", "smape"].iloc[0] < 1e-9


def test_seasonal_naive_fills_a_gap_from_the_season_before():
    x = np.tile(np.arange(24.0), 5)
    x[-3] = np.nan
    np.testing.assert_array_equal(seasonal_naive(x, 48, 24), np.tile(np.arange(24.0), 2))


def test_a_backtest_asking_for_more_windows_than_the_data_holds_names_the_series():
    with pytest.raises(ValueError, match="p0"):
        rolling_origin_backtest("seasonal_naive", pure_seasonal(n_series=1, days=3), windows=2, horizon=48,
                                season_length=24)
