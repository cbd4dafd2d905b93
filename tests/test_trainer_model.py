"""ForecastModel and features: intervals, short histories, no look-ahead, any frequency, the baseline."""

import json

import numpy as np
import pandas as pd
import pytest

from test_trainer_task import synthetic_series
from trainer.config import TrainConfig
from trainer.evaluation import seasonal_naive_rows
from trainer.features import FeatureBuilder, FeatureSpec, calendar_features_for
from trainer.model import ForecastModel, ShortHistoryError
from trainer.panel import SeriesPanel
from trainer.training import fit

SMALL = TrainConfig(n_estimators=40, early_stopping_rounds=10, max_train_rows=15_000)


def train(data: pd.DataFrame, freq: str = "h", horizon: int = 48, season_length: int = 24) -> ForecastModel:
    """Fit a small model on data in-process."""
    spec = FeatureSpec.default(freq, horizon, season_length, nonnegative=True)
    return fit(SeriesPanel.from_frame(data, freq, spec.pad), spec, SMALL).model


@pytest.fixture(scope="module")
def model():
    return train(synthetic_series(n_series=3))


def test_intervals_are_ordered_and_contain_the_point_forecast(model):
    out = model.predict(synthetic_series(n_series=3), levels=(50, 80, 95))
    assert list(out.columns) == ["series_id", "timestamp", "step", "forecast", "lo_50", "hi_50", "lo_80", "hi_80",
                                 "lo_95", "hi_95"]
    assert (out["lo_95"] <= out["lo_80"]).all() and (out["lo_80"] <= out["lo_50"]).all()
    assert (out["lo_50"] <= out["forecast"]).all() and (out["forecast"] <= out["hi_50"]).all()
    assert (out["hi_50"] <= out["hi_80"]).all() and (out["hi_80"] <= out["hi_95"]).all()
    assert (out["hi_95"] > out["lo_95"]).any()
    assert out.groupby("series_id")["step"].apply(list).map(lambda s: s == list(range(1, 49))).all()


def test_too_short_history_raises_an_error_naming_the_series(model):
    data = synthetic_series(n_series=3)
    cut = data[(data["series_id"] != "s1") | (data["timestamp"] < data["timestamp"].min() + pd.Timedelta(hours=30))]
    with pytest.raises(ShortHistoryError, match="s1") as error:
        model.predict(cut)
    assert error.value.series == ["s1"] and model.short_series(cut) == ["s1"]


def test_skip_mode_forecasts_the_rest_and_lists_the_skipped_series(model):
    data = synthetic_series(n_series=3)
    cut = data[(data["series_id"] != "s1") | (data["timestamp"] < data["timestamp"].min() + pd.Timedelta(hours=30))]
    out = model.predict(cut, on_short="skip")
    assert set(out["series_id"]) == {"s0", "s2"} and out.attrs["skipped_series"] == ["s1"]


def test_forecast_starts_after_the_last_timestamp_even_when_the_last_values_are_missing(model):
    data = synthetic_series(n_series=3)
    data.loc[data.groupby("series_id")["timestamp"].idxmax(), "value"] = np.nan
    out = model.predict(data)
    first = out[out["step"] == 1].set_index("series_id")["timestamp"]
    last = data.groupby("series_id")["timestamp"].max()
    assert (first == last + pd.Timedelta(hours=1)).all() and out["forecast"].notna().all()


def test_features_never_look_past_the_origin():
    data = synthetic_series(n_series=2)
    spec = FeatureSpec.default("h", 48, 24)
    rows = (np.array([0, 1, 1]), np.array([300, 300, 300]), np.array([1, 24, 48]))

    def features(frame):
        return FeatureBuilder(SeriesPanel.from_frame(frame, "h", spec.pad), spec).rows(*rows)[0]

    position = data.groupby("series_id").cumcount()
    future_changed = data.assign(value=np.where(position > 300, data["value"] * 10, data["value"]))
    np.testing.assert_array_equal(features(data), features(future_changed))
    past_changed = data.assign(value=np.where(position == 299, data["value"] * 10, data["value"]))
    assert not np.array_equal(features(data), features(past_changed), equal_nan=True)


def test_feature_spec_round_trips_through_json():
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    assert FeatureSpec.from_json(spec.to_json()) == spec
    assert len(spec.feature_names) == len(set(spec.feature_names)) and spec.seasonal_lags == {24: 7, 168: 3}


def test_calendar_features_follow_the_frequency():
    assert calendar_features_for("h") == ["hour", "dayofweek"]
    assert calendar_features_for("D") == ["dayofweek", "day", "month"]
    assert calendar_features_for("MS") == ["month"]
    assert calendar_features_for("YS") == []
    for monthly in ("ME", "BMS", "SMS"):
        assert calendar_features_for(monthly) == ["month"]
    for quarterly in ("QS-OCT", "QE-DEC", "BQE"):
        assert calendar_features_for(quarterly) == ["quarter"]
    assert calendar_features_for("W-SUN") == ["weekofyear"] and calendar_features_for("B")[0] == "dayofweek"
    assert calendar_features_for("YE-DEC") == [] and calendar_features_for("15min") == ["minute", "hour", "dayofweek"]


def test_a_daily_model_forecasts_its_own_horizon_on_the_daily_calendar():
    ts = pd.date_range("2022-01-01", periods=200, freq="D")
    weekly = 50 + 10 * (ts.dayofweek >= 5)
    data = pd.concat([pd.DataFrame({"series_id": sid, "timestamp": ts, "value": weekly * k + np.arange(200) * 0.1})
                      for k, sid in ((1, "a"), (3, "b"))])
    daily = train(data, freq="D", horizon=14, season_length=7)
    out = daily.predict(data)
    assert len(out) == 2 * 14 and (out["timestamp"].dt.normalize() == out["timestamp"]).all()
    weekend = out[out["timestamp"].dt.dayofweek >= 5].groupby("series_id")["forecast"].mean()
    weekday = out[out["timestamp"].dt.dayofweek < 5].groupby("series_id")["forecast"].mean()
    assert (weekend > weekday).all()


def test_trees_start_from_the_seasonal_naive_of_each_row():
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    panel = SeriesPanel.from_frame(synthetic_series(n_series=2), "h", spec.pad)
    rows = (np.repeat([0, 1], 96), np.full(192, 400), np.tile(np.arange(1, 97) % 48 + 1, 2))
    features, scale = FeatureBuilder(panel, spec).rows(*rows)
    start = spec.decode(spec.base_margin(features), scale)
    naive = seasonal_naive_rows(panel, rows, 24)
    assert spec.baseline == "seasonal_naive" and np.isfinite(naive).all()
    np.testing.assert_allclose(start, naive, rtol=1e-5)


def test_the_baseline_falls_back_to_the_last_value_then_to_the_scale_when_no_same_phase_value_is_seen():
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    features = np.full((2, len(spec.feature_names)), np.nan, dtype=np.float32)
    features[0, spec.feature_names.index("lag1")] = 0.5
    np.testing.assert_allclose(spec.decode(spec.base_margin(features), np.ones(2)), [0.5, 1.0], rtol=1e-6)


def test_a_spec_saved_before_baselines_existed_keeps_a_constant_start():
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    older = {k: v for k, v in json.loads(spec.to_json()).items() if k != "baseline"}
    restored = FeatureSpec.from_json(json.dumps(older))
    assert restored.baseline == "none" and restored.base_margin(np.zeros((3, len(spec.feature_names)))) is None


def test_few_series_still_get_distinct_interval_levels():
    from trainer.intervals import calibrate, half_widths

    rng = np.random.default_rng(0)
    steps = np.tile(np.arange(1, 49), 12)  # 12 series, one 48-step window: 12 residuals per step
    calibration = calibrate(np.abs(rng.normal(size=len(steps))), steps, horizon=48)
    narrow, wide = half_widths(calibration, steps, 80), half_widths(calibration, steps, 95)
    assert (narrow < wide).all()


@pytest.mark.parametrize("freq, starts", [
    ("MS", ["2001-01-01", "1999-05-01"]), ("QE", ["2001-03-31", "1990-06-30"]), ("W-SUN", ["2001-01-07", "2001-03-04"]),
    ("2MS", ["2001-01-01", "2001-02-01"])])
def test_calendar_series_starting_at_different_times_keep_their_own_grid_positions_and_future_timestamps(freq, starts):
    # two-month steps from January and from February are two grids: each series is laid out on its own
    stamps = [pd.date_range(start, periods=8, freq=freq) for start in starts]
    values = np.delete(np.arange(8.0), 3)  # the fourth point is missing
    frame = pd.concat([pd.DataFrame({"series_id": f"s{k}", "timestamp": ts.delete(3), "value": values})
                       for k, ts in enumerate(stamps)])
    panel = SeriesPanel.from_frame(frame, freq, pad=2)

    for k in range(len(starts)):
        np.testing.assert_array_equal(panel.series_values(k), [0, 1, 2, np.nan, 4, 5, 6, 7])
    future = panel.timestamps(np.array([0, 0, 1]), np.array([8, 9, 8]))
    assert list(future) == [pd.date_range(starts[0], periods=10, freq=freq)[8],
                            pd.date_range(starts[0], periods=10, freq=freq)[9],
                            pd.date_range(starts[1], periods=10, freq=freq)[8]]
