"""Specification of the drift report: a +35% level shift is flagged from its first day; stable series never are."""

import numpy as np
import pandas as pd
import pytest

from monitoring.drift import DriftThresholds, drift_report

SHIFT_DAY = pd.Timestamp("2024-02-04")  # a Sunday: the shift must not hide behind the weekend dip
REFERENCE_END = pd.Timestamp("2024-01-31")
SHIFTED = [f"s{i:02d}" for i in range(5)]
FEATURES = ["lag_24", "lag_168", "rolling_mean_24", "hour", "dayofweek"]


def seasonal_panel(n_series=20, days=40, seed=7) -> pd.DataFrame:
    """Hourly series: daily cycle, weekends 25% lower, AR(1) noise (~6% per hour), levels 50..5,000; +35% from
    SHIFT_DAY on the first five series. Features and a seasonal naive forecast (lag 168) with residuals."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=days * 24, freq="h")
    profile = (1 + 0.3 * np.sin(2 * np.pi * (ts.hour - 6) / 24)) * np.where(ts.dayofweek >= 5, 0.75, 1.0)
    frames = []
    for i in range(n_series):
        shocks, noise = rng.normal(0, 0.05, len(ts)), np.zeros(len(ts))
        for t in range(1, len(ts)):
            noise[t] = 0.5 * noise[t - 1] + shocks[t]
        y = rng.uniform(50, 5000) * profile * (1 + noise)
        if i < len(SHIFTED):
            y = y * np.where(ts >= SHIFT_DAY, 1.35, 1.0)
        frames.append(pd.DataFrame({"series_id": f"s{i:02d}", "timestamp": ts, "value": y}))
    df = pd.concat(frames, ignore_index=True)
    by_series = df.groupby("series_id")["value"]
    df["lag_24"], df["lag_168"] = by_series.shift(24), by_series.shift(168)
    df["rolling_mean_24"] = by_series.transform(lambda s: s.shift(1).rolling(24).mean())
    df["hour"], df["dayofweek"] = df["timestamp"].dt.hour, df["timestamp"].dt.dayofweek
    df["forecast"] = df["lag_168"]
    df["residual"] = df["value"] - df["forecast"]
    return df.dropna().reset_index(drop=True)


@pytest.fixture(scope="module")
def daily_reports():
    """One drift report per monitored day after the 30-day (23 after lag warm-up) reference."""
    panel = seasonal_panel()
    day = panel["timestamp"].dt.floor("D")
    reference = panel[day < REFERENCE_END]
    days = pd.date_range(REFERENCE_END, day.max(), freq="D")
    return {d: drift_report(reference, panel[day == d], FEATURES) for d in days}


def test_no_series_is_flagged_on_any_day_before_the_shift(daily_reports):
    before = {d: r for d, r in daily_reports.items() if d < SHIFT_DAY}
    assert len(before) == 4 and any(d.dayofweek >= 5 for d in before)  # includes a Saturday
    for day, result in before.items():
        assert not result.per_series["drifted"].any(), (day, result.per_series.query("drifted"))
        assert result.summary["drifted_series_count"] == 0


def test_shifted_series_are_flagged_from_the_first_day_and_the_others_are_not(daily_reports):
    after = {d: r for d, r in daily_reports.items() if d >= SHIFT_DAY}
    assert len(after) == 6
    for day, result in after.items():
        flagged = set(result.per_series.loc[result.per_series["drifted"], "series_id"])
        assert flagged == set(SHIFTED), day
        assert result.summary["drifted_series"] == SHIFTED
        shifted = result.per_series[result.per_series["series_id"].isin(SHIFTED)]
        assert shifted["target_level_shift"].between(0.25, 0.45).all(), shifted  # reads as the injected +35%


def test_calendar_features_are_not_data_drift_and_lags_drift_once_they_carry_the_shift(daily_reports):
    first_day_after = daily_reports[SHIFT_DAY + pd.Timedelta(days=1)]
    for result in daily_reports.values():
        assert result.summary["calendar_columns"] == ["dayofweek", "hour"]
        assert set(result.summary["feature_drift_scores"]) == {"lag_24", "lag_168", "rolling_mean_24"}
    assert first_day_after.summary["feature_drift_scores"]["lag_24"] > 0.1
    assert daily_reports[REFERENCE_END].summary["drifted_feature_share"] == 0.0


def test_summary_holds_every_drift_result_as_a_number_and_the_report_as_html_and_json(daily_reports):
    result = daily_reports[SHIFT_DAY]
    s = result.summary
    for key in ("drifted_feature_share", "target_drift_score", "residual_drift_score", "smape", "rmse"):
        assert isinstance(s[key], float) and np.isfinite(s[key]), key
    assert s["target_drift_score"] > DriftThresholds().target_distance and s["label_drift"]
    assert "series_drift" in s["drift_flags"] and s["drift"]
    assert s["window_start"] == "2024-02-04T00:00:00" and s["current_rows"] == 20 * 24
    row = result.summary_row()
    assert len(row) == 1 and row.loc[0, "drift_score__lag_24"] == s["feature_drift_scores"]["lag_24"]
    assert row.loc[0, "drifted_series"] == ",".join(SHIFTED)
    assert result.html.lstrip().lower().startswith("<!doctype html") and "target_vs_seasonal" in result.html
    assert '"ValueDrift(column=lag_24' in result.json
    assert result.snapshot.dict()["metrics"]


def test_snapshot_smape_equals_the_m4_smape_of_the_monitored_day(daily_reports):
    from trainer.metrics import smape

    panel = seasonal_panel()
    day = panel[panel["timestamp"].dt.floor("D") == SHIFT_DAY]
    assert daily_reports[SHIFT_DAY].summary["smape"] == pytest.approx(smape(day["value"], day["forecast"]))


def test_a_missing_column_is_named_with_its_frame():
    panel = seasonal_panel(n_series=2, days=16)
    with pytest.raises(ValueError, match=r"current frame has no column\(s\) \['lag_24'\]"):
        drift_report(panel, panel.drop(columns="lag_24"), ["lag_24"])
