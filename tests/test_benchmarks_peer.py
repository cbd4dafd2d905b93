"""The peer (mlforecast + XGBoost) forecasts every series H steps after its own end, and is timed."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.m4_scoring import forecast_arrays, score_series, series_arrays, set_level
from benchmarks.peer import PEER_SETUPS, forecast_with_peer, peer_setup
from resources.sources.m4 import M4_RULES, read_m4, read_m4_test

HOURLY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "m4" / "hourly"
SERIES = ["H1", "H2", "H150", "H151", "H300", "H301"]  # both lengths occur (700 and 960 points)


@pytest.fixture(scope="module")
def hourly_subset():
    """Six real M4 Hourly series: training values and the 48 test values that follow each."""
    train = read_m4(HOURLY / "train.csv", "Hourly")
    test = read_m4_test(HOURLY / "train.csv", HOURLY / "test.csv", "Hourly")
    return train[train["series_id"].isin(SERIES)], test[test["series_id"].isin(SERIES)]


def test_peer_forecasts_each_series_from_its_own_end_and_beats_the_last_value(hourly_subset):
    train, test = hourly_subset
    assert train.groupby("series_id").size().nunique() == 2  # series end at different times
    # One thread: on a shared test machine two spinning OpenMP threads can be several times slower than one.
    result = forecast_with_peer(train, "Hourly", "h", 48, n_jobs=1)

    forecasts = result.forecasts
    assert sorted(forecasts["series_id"].unique()) == sorted(SERIES)
    assert all(steps == list(range(1, 49)) for steps in forecasts.groupby("series_id")["step"].apply(list))
    first_forecast = forecasts[forecasts["step"] == 1].set_index("series_id")["timestamp"]
    last_seen = train.groupby("series_id")["timestamp"].max()
    assert (first_forecast == last_seen + pd.Timedelta(hours=1)).all()
    assert np.isfinite(forecasts["forecast"]).all()
    assert result.fit_seconds > 0 and result.predict_seconds > 0
    assert result.fit_predict_seconds == pytest.approx(result.fit_seconds + result.predict_seconds)
    assert result.fit_predict_cpu_seconds > 0

    insamples, outsamples = series_arrays(train), series_arrays(test)
    peer = set_level(score_series(insamples, outsamples, forecast_arrays(forecasts), 24))
    last_value = {sid: np.repeat(x[-1], 48) for sid, x in insamples.items()}
    naive = set_level(score_series(insamples, outsamples, last_value, 24))
    assert peer["smape"] < naive["smape"] and peer["mase"] < naive["mase"]


def test_peer_has_a_setup_for_every_m4_frequency_with_lags_at_the_seasonality():
    assert set(PEER_SETUPS) == set(M4_RULES)
    assert peer_setup("Hourly").lags == (24, 48, 168) and peer_setup("Hourly").date_features == ("hour",)
    for frequency, rule in M4_RULES.items():
        lags = peer_setup(frequency).lags
        assert rule.season_length in lags
    with pytest.raises(ValueError, match="no peer setup for frequency 'Minutely'"):
        peer_setup("Minutely")
