"""Model families: the trainer chooses among XGBoost, per-series statistical models and their means on its own
backtest windows, records the choice, and ships it without pickles."""

import json

import numpy as np
import pandas as pd
import pytest

from trainer.config import TrainConfig
from trainer.families import FAMILIES, choose, combine, relative_score
from trainer.features import FeatureSpec
from trainer.model import FAMILY_FILE, ForecastModel
from trainer.panel import SeriesPanel
from trainer.statistical import forecast_series
from trainer.training import fit

SMALL = TrainConfig(n_estimators=30, early_stopping_rounds=10, max_train_rows=5_000)


def yearly_panel(n_series: int = 40, seed: int = 0) -> pd.DataFrame:
    """Short yearly series (14 to 30 points) with their own growth rates and noise, as in M3 yearly."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_series):
        n = int(rng.integers(14, 31))
        level = 100 * np.cumprod(1 + rng.normal(0.05, 0.03, n)) * rng.uniform(1, 50)
        frames.append(pd.DataFrame({"series_id": f"y{k:02d}", "timestamp": pd.date_range("1980-01-01", periods=n,
                                    freq="YS"), "value": level}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def yearly_fit():
    data = yearly_panel()
    spec = FeatureSpec.default("YS", 6, 1, nonnegative=True)
    return data, fit(SeriesPanel.from_frame(data, "YS", spec.pad), spec, SMALL)


def test_the_shipped_family_is_the_one_with_the_lowest_backtest_score(yearly_fit):
    _, result = yearly_fit
    scored = {f: s["relative_to_seasonal_naive"] for f, s in result.metrics["families"].items() if f in FAMILIES}
    assert set(scored) == set(FAMILIES)
    assert result.metrics["family"] == result.model.family == min(scored, key=scored.get)
    assert result.metrics["test"] == result.metrics["families"][result.model.family]["test"]


def test_series_shorter_than_a_validation_window_are_judged_on_the_test_window_only(yearly_fit):
    data, result = yearly_fit
    assert data.groupby("series_id").size().min() < 6 * 2 + FeatureSpec.default("YS", 6, 1).min_history
    assert result.model.family_info["chosen_on"] == ["validation", "test"]
    assert np.isfinite(result.metrics["families"]["seasonal_naive"]["test"]["smape"])


def test_the_family_is_saved_as_json_beside_the_booster_and_predicts_the_same_after_loading(yearly_fit, tmp_path):
    data, result = yearly_fit
    result.model.save(tmp_path)
    saved = json.loads((tmp_path / FAMILY_FILE).read_text())
    assert saved["family"] == result.model.family and saved["members"] == list(FAMILIES[result.model.family])
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".json", ".json", ".ubj"]  # no pickle
    loaded = ForecastModel.load(tmp_path)
    before, after = result.model.predict(data, levels=(95,)), loaded.predict(data, levels=(95,))
    pd.testing.assert_frame_equal(before, after)
    assert len(after) == 40 * 6 and (after["lo_95"] <= after["forecast"]).all()
    assert (after["forecast"] <= after["hi_95"]).all()


def test_a_model_saved_before_families_existed_loads_as_xgboost(yearly_fit, tmp_path):
    _, result = yearly_fit
    result.model.save(tmp_path)
    (tmp_path / FAMILY_FILE).unlink()
    assert ForecastModel.load(tmp_path).family == "xgboost"


def test_a_statistical_member_follows_a_seasonal_pattern_through_the_classical_indices():
    # A gentle trend: the standard Theta method extrapolates half the linear slope by design, which would show as a
    # trend error here, not a seasonal one.
    t = np.arange(60)
    pattern = np.array([0.8, 1.0, 1.3, 0.9])
    series = (100 + 0.5 * t) * pattern[t % 4]
    out = forecast_series(series, 8, 4, members=("ets", "theta"))
    expected = (100 + 0.5 * np.arange(60, 68)) * pattern[np.arange(60, 68) % 4]
    for member in ("ets", "theta"):
        assert np.abs(out[member] / expected - 1).max() < 0.03, member


def test_too_short_or_flat_histories_get_the_naive_forecast():
    assert np.array_equal(forecast_series([5.0, np.nan], 3, 1)["ets"], [5.0, 5.0, 5.0])
    assert np.array_equal(forecast_series([7.0] * 10, 2, 1)["theta"], [7.0, 7.0])


def test_a_combination_is_the_mean_of_its_members_and_the_choice_takes_the_lowest_score():
    points = {"ets": np.array([1.0, 2.0]), "theta": np.array([3.0, 4.0]), "xgboost": np.array([5.0, 6.0])}
    np.testing.assert_allclose(combine(points, "ets+theta+xgboost"), [3.0, 4.0])
    assert relative_score({"smape": 10.0, "mase": 1.0}, {"smape": 20.0, "mase": 1.0}) == 0.75
    assert choose({"xgboost": 0.9, "ets+theta": 0.8, "ets": float("nan")}) == "ets+theta"
    with pytest.raises(ValueError, match="unknown model family 'prophet'"):
        combine(points, "prophet")


def test_long_series_are_fitted_on_their_latest_seasons_with_the_seasonality_still_detected():
    from trainer.seasonality import is_seasonal
    from trainer.statistical import fit_window

    t = np.arange(24 * 40)
    hourly = 100 + 30 * np.sin(2 * np.pi * t / 24)
    window = fit_window(48, 24)
    assert window < len(hourly) and is_seasonal(hourly[-window:], 24)
    early_change = np.r_[hourly[:-window] * 5, hourly[-window:]]  # what lies before the window does not count
    np.testing.assert_allclose(forecast_series(early_change, 48, 24, ("theta",))["theta"],
                               forecast_series(hourly, 48, 24, ("theta",))["theta"])


def _window_where_ets_is_far_off(n_series: int) -> tuple:
    """A panel of noisy level series and one validation window on which XGBoost's forecasts are close to the actuals
    and ETS's (and so every family holding it) three times the seasonal naive's error."""
    from trainer.family_choice import BacktestWindow

    rng = np.random.default_rng(1)
    h, n = 4, 30
    frame = pd.concat([pd.DataFrame({"series_id": f"s{k:02d}", "timestamp": pd.date_range("2001-01-01", periods=n,
                                     freq="MS"), "value": 100 + rng.normal(0, 5, n)}) for k in range(n_series)])
    panel = SeriesPanel.from_frame(frame, "MS", 0)
    origins = np.full(n_series, n - h - 1)
    series = np.repeat(np.arange(n_series), h)
    steps = np.tile(np.arange(1, h + 1), n_series)
    actual = panel.values[panel.offsets[series] + origins[series] + steps]
    last = panel.values[panel.offsets[series] + origins[series]]
    points = {"xgboost": actual + rng.normal(0, 0.5, len(actual)), "ets": last + 3 * (actual - last) + 40,
              "theta": actual + rng.normal(0, 0.5, len(actual)), "ces": actual + rng.normal(0, 0.5, len(actual))}
    rows = (series, origins[series], steps)
    return panel, BacktestWindow("validation", rows, points, np.full(len(series), 100.0), actual, origins)


def test_families_far_behind_on_the_pilot_are_dropped_before_the_other_series_are_fitted():
    from trainer.family_choice import SCREEN_RATIO, screen_families

    panel, pilot = _window_where_ets_is_far_off(16)
    kept, relative = screen_families(pilot, panel, 1, None, list(FAMILIES))
    best = min(relative.values())
    assert "ets" not in kept and "ets+theta" not in kept and {"xgboost", "theta", "ces"} <= set(kept)
    assert all((relative[f] > SCREEN_RATIO * best) == (f not in kept) for f in FAMILIES)
    # Too small a pilot decides nothing: every family goes on to the full sample.
    small_panel, small_pilot = _window_where_ets_is_far_off(5)
    assert screen_families(small_pilot, small_panel, 1, None, list(FAMILIES)) == (list(FAMILIES), {})


def test_a_merged_window_holds_both_sets_of_series_and_only_the_members_both_forecast():
    from trainer.family_choice import BacktestWindow, merge_windows

    _, first = _window_where_ets_is_far_off(3)
    second = BacktestWindow("validation", tuple(r[:4] for r in first.rows), {"xgboost": first.points["xgboost"][:4]},
                            first.scale[:4], first.actual[:4], first.insample_end)
    merged = merge_windows(first, second)
    assert list(merged.points) == ["xgboost"] and len(merged.rows[0]) == len(merged.actual) == 12 + 4
    assert merge_windows(first, None) is first and merge_windows(None, second) is second
