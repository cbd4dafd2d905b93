"""Train/serve parity: the features of one forecast origin are the same whether built from the training dataset or
from the history that serving reads from the warehouse."""

import numpy as np
import pandas as pd
import pytest

from forecast_assets.cleaning import clean_series
from forecast_assets.inference import recent_history
from resources.settings import ForecastSettings
from resources.warehouse import DuckDBWarehouse
from trainer.features import FeatureBuilder, FeatureSpec
from trainer.panel import SeriesPanel

ORIGIN = pd.Timestamp("2024-02-10")


@pytest.fixture
def raw() -> pd.DataFrame:
    """Three hourly series over 40 days with daily and weekly shape and noise, ending one step before ORIGIN."""
    rng = np.random.default_rng(7)
    stamps = pd.date_range(ORIGIN - pd.Timedelta(days=40), ORIGIN, freq="h", inclusive="left")
    hours = np.arange(len(stamps))
    frames = []
    for k in range(3):
        level = 100.0 * (k + 1)
        shape = 1 + 0.3 * np.sin(2 * np.pi * hours / 24) + 0.1 * np.sin(2 * np.pi * hours / 168)
        frames.append(pd.DataFrame({"series_id": f"s{k}", "timestamp": stamps,
                                    "value": level * shape + rng.normal(0, 3, len(stamps))}))
    return pd.concat(frames, ignore_index=True)


def _origin_features(history: pd.DataFrame, spec: FeatureSpec, origin: pd.Timestamp) -> np.ndarray:
    """Feature rows of every series and step for the forecast made from `origin` (its last point is origin - 1 step)."""
    panel = SeriesPanel.from_frame(history, spec.freq, spec.pad)
    last = ((origin - pd.Timedelta(hours=1)) - panel.starts) // pd.Timedelta(hours=1)
    series = np.repeat(np.arange(len(panel.series_ids)), spec.horizon)
    steps = np.tile(np.arange(1, spec.horizon + 1), len(panel.series_ids))
    features, _ = FeatureBuilder(panel, spec).rows(series, np.asarray(last)[series], steps)
    return features


def _served_history(raw, lookback_steps: int, tmp_path) -> pd.DataFrame:
    warehouse = DuckDBWarehouse(database=str(tmp_path / "warehouse.duckdb"))
    warehouse.write("raw_series", raw)
    # serving_lookback_periods=1: the read is exactly the lookback asked for (the setting is a floor on top of it)
    settings = ForecastSettings(serving_lookback_periods=1)
    return recent_history(warehouse, ORIGIN - pd.Timedelta(days=1), ORIGIN, settings, lookback_steps)


def test_serving_builds_the_same_features_for_an_origin_as_training(raw, tmp_path):
    settings = ForecastSettings()
    spec = FeatureSpec.default(settings.freq, settings.horizon, settings.season_length, nonnegative=True)
    dataset, _ = clean_series(raw, settings.freq, settings.max_interpolate_steps, settings.allow_negative_values)
    trained = _origin_features(dataset, spec, ORIGIN)
    served = _origin_features(_served_history(raw, spec.lookback_steps, tmp_path), spec, ORIGIN)
    assert np.isfinite(trained).all(), "the training rows of this origin must have every feature"
    np.testing.assert_array_equal(served, trained)


def test_the_lookback_covers_the_weekly_same_phase_values_of_the_default_hourly_spec():
    spec = FeatureSpec.default("h", 48, 24)
    assert spec.lookback_steps == 3 * 168  # season168_3 reads three weeks back, more than the 15 days served before
    assert ForecastSettings(freq="h").serving_lookback_periods >= spec.lookback_steps


def test_one_step_less_history_than_the_lookback_loses_a_feature(raw, tmp_path):
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    served = _origin_features(_served_history(raw, spec.lookback_steps - 1, tmp_path), spec, ORIGIN)
    assert np.isnan(served).any()
