"""One home per metric: forecast_accuracy's numbers, the Evidently panels' and the gate's all come from trainer/metrics.py,
so the Dagster asset page and the Evidently dashboard show the same sMAPE and coverage for the same rows."""

import numpy as np
import pandas as pd
import pytest

from monitoring.drift import drift_report
from monitoring.performance import accuracy_by_series_and_lead, insample_scales
from trainer import metrics
from trainer.backtest import rolling_origin_backtest

DAY = pd.Timestamp("2024-02-10")


def hourly_frame(days=12, n_series=3, seed=3) -> pd.DataFrame:
    """Seasonal hourly series with a seasonal-naive forecast, 80%/95% intervals around it and the residual."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(DAY - pd.Timedelta(days=days - 1), periods=days * 24, freq="h")
    frames = []
    for k in range(n_series):
        y = 100 * (k + 1) * (1 + 0.3 * np.sin(2 * np.pi * ts.hour / 24)) + rng.normal(0, 5, len(ts))
        frames.append(pd.DataFrame({"series_id": f"s{k}", "timestamp": ts, "value": y}))
    df = pd.concat(frames, ignore_index=True)
    df["forecast"] = df.groupby("series_id")["value"].shift(24)
    df["lag_24"] = df["forecast"]
    for level, width in ((80, 6.0), (95, 10.0)):
        df[f"lo_{level}"], df[f"hi_{level}"] = df["forecast"] - width, df["forecast"] + width
    df["residual"] = df["value"] - df["forecast"]
    df["step"] = df["timestamp"].dt.hour + 1
    return df.dropna().reset_index(drop=True)


@pytest.fixture(scope="module")
def frame():
    return hourly_frame()


def test_the_accuracy_page_and_the_evidently_panel_give_the_same_smape_and_coverage_for_a_day(frame):
    day = frame[frame["timestamp"].dt.normalize() == DAY]
    history = frame[frame["timestamp"] < DAY]
    _, _, accuracy = accuracy_by_series_and_lead(day.drop(columns="value"), day[["series_id", "timestamp", "value"]],
                                                 insample_scales(history, 24))
    evidently = drift_report(history, day, ["lag_24"]).summary

    expected_smape = metrics.smape(day["value"], day["forecast"])
    assert accuracy["smape"] == pytest.approx(expected_smape)
    assert evidently["smape"] == pytest.approx(expected_smape)
    for level in (80, 95):
        expected = metrics.coverage(day["value"], day[f"lo_{level}"], day[f"hi_{level}"])
        assert 0 < expected < 1
        assert accuracy[f"coverage_{level}"] == pytest.approx(expected)
        assert evidently[f"coverage_{level}"] == pytest.approx(expected)


def test_the_gates_seasonal_naive_is_the_one_served_as_fallback():
    from forecast_assets.inference import seasonal_naive_forecasts
    from resources.settings import ForecastSettings

    frame = hourly_frame(days=6, n_series=1)[["series_id", "timestamp", "value"]]
    settings = ForecastSettings()
    origin = frame["timestamp"].max() + pd.Timedelta(hours=1)
    served = seasonal_naive_forecasts(frame, origin, settings)["forecast"].to_numpy()
    gate = metrics.seasonal_naive(frame["value"].to_numpy(), settings.horizon, settings.season_length)
    np.testing.assert_array_equal(served, gate)
    backtest = rolling_origin_backtest("seasonal_naive", frame, windows=1, horizon=48, season_length=24)
    future = frame["value"].to_numpy()[-48:]
    gate_window = metrics.seasonal_naive(frame["value"].to_numpy()[:-48], 48, 24)
    assert backtest.loc[0, "smape"] == pytest.approx(metrics.smape(future, gate_window))


def test_coverage_leaves_out_rows_without_bounds():
    assert metrics.coverage([1.0, 5.0, 3.0], [0.0, 0.0, np.nan], [2.0, 2.0, np.nan]) == 0.5
