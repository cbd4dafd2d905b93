"""The synthetic scenario: reproducible load-like series whose injected events are exactly where its ground truth says."""

import json

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from resources.sources.base import SourceError
from resources.sources.synthetic import DEFAULT_EVENTS, ScenarioEvent, SyntheticSeriesSource

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def default_source() -> SyntheticSeriesSource:
    return SyntheticSeriesSource()


@pytest.fixture(scope="module")
def default_panel(default_source) -> pd.DataFrame:
    first, last = default_source.time_range()
    return default_source.fetch(first, last + DAY)


def series(panel: pd.DataFrame, series_id: str) -> pd.Series:
    rows = panel[panel["series_id"] == series_id]
    return pd.Series(rows["value"].to_numpy(), index=rows["timestamp"].to_numpy())


def test_the_same_config_gives_identical_values_and_another_seed_does_not(default_source, default_panel):
    pd.testing.assert_frame_equal(default_source.generate(), default_panel)
    pd.testing.assert_frame_equal(SyntheticSeriesSource().generate(), default_panel)
    other = SyntheticSeriesSource(seed=8).generate()
    assert not np.allclose(other["value"].to_numpy()[:100], default_panel["value"].to_numpy()[:100])


def test_fetch_of_a_day_is_exactly_that_days_slice_of_the_whole_range(default_source, default_panel):
    day = pd.Timestamp("2024-02-13")
    one_day = default_source.fetch(day, day + DAY)
    expected = default_panel[(default_panel["timestamp"] >= day) & (default_panel["timestamp"] < day + DAY)]
    pd.testing.assert_frame_equal(one_day, expected.reset_index(drop=True))
    assert one_day["timestamp"].min() == day and one_day["timestamp"].max() == day + pd.Timedelta(hours=23)


def test_default_panel_has_twelve_hourly_series_of_positive_finite_values_in_the_contract_dtypes(
    default_source, default_panel
):
    assert default_source.time_range() == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-21 23:00"))
    assert sorted(default_panel["series_id"].unique()) == [f"s{i:03d}" for i in range(12)]
    assert default_panel.dtypes.astype(str).to_dict() == {
        "series_id": "object",
        "timestamp": "datetime64[ns]",
        "value": "float64",
    }
    values = default_panel["value"].to_numpy()
    assert np.isfinite(values).all() and (values > 0).all()
    levels = default_panel.groupby("series_id")["value"].mean()
    assert levels.max() / levels.min() > 3  # different levels per series, not copies


def test_series_are_load_like_with_a_daily_cycle_and_lower_weekends(default_panel):
    s000 = series(default_panel, "s000")
    by_hour = s000.groupby(s000.index.hour).mean()
    assert by_hour.loc[[8, 19]].min() > by_hour.loc[[2, 3]].max()  # day peaks above the night
    weekday = s000.index.dayofweek
    assert s000[weekday >= 5].mean() < 0.95 * s000[weekday < 5].mean()


def test_missing_hours_are_not_delivered_at_all(default_panel):
    s004 = series(default_panel, "s004")
    missing = pd.date_range("2024-02-13 09:00", periods=3, freq="h")
    assert not s004.index.isin(missing).any()
    assert pd.Timestamp("2024-02-13 08:00") in s004.index and pd.Timestamp("2024-02-13 12:00") in s004.index
    assert len(s004) == 112 * 24 - 3
    assert (default_panel.groupby("series_id").size().drop("s004") == 112 * 24).all()


def test_a_stuck_sensor_repeats_the_last_value_read_for_the_events_duration(default_panel):
    s007 = series(default_panel, "s007")
    stuck = s007["2024-02-06 10:00":"2024-02-06 17:00"]
    assert len(stuck) == 8 and (stuck == s007[pd.Timestamp("2024-02-06 09:00")]).all()
    assert s007[pd.Timestamp("2024-02-06 18:00")] != stuck.iloc[0]
    assert s007["2024-02-05"].nunique() == 24  # elsewhere the value moves every hour


def test_the_level_shift_is_visible_after_its_start_only_in_the_affected_series(default_panel):
    shift_start = pd.Timestamp("2024-04-10")
    week_before = default_panel[default_panel["timestamp"].between(shift_start - 7 * DAY, shift_start, "left")]
    week_after = default_panel[default_panel["timestamp"].between(shift_start, shift_start + 7 * DAY, "left")]
    ratio = week_after.groupby("series_id")["value"].mean() / week_before.groupby("series_id")["value"].mean()
    affected = ["s002", "s005", "s009"]
    assert ratio[affected].between(1.25, 1.45).all(), ratio[affected]
    assert ratio.drop(affected).between(0.9, 1.1).all(), ratio.drop(affected)


def test_ground_truth_lists_one_row_per_series_and_event(default_source):
    truth = default_source.ground_truth_events()
    assert list(truth.columns) == ["series_id", "kind", "start", "params"]
    assert len(truth) == sum(len(event.series) for event in DEFAULT_EVENTS) == 5
    shifts = truth[truth["kind"] == "level_shift"]
    assert sorted(shifts["series_id"]) == ["s002", "s005", "s009"]
    assert (shifts["start"] == pd.Timestamp("2024-04-10")).all()
    assert json.loads(shifts["params"].iloc[0]) == {"magnitude": 0.35, "duration_hours": None, "end": None}
    stuck = truth[truth["kind"] == "stuck_sensor"].iloc[0]
    assert (stuck["series_id"], stuck["start"]) == ("s007", pd.Timestamp("2024-02-06 10:00"))
    assert json.loads(stuck["params"])["end"] == "2024-02-06T18:00:00"


def test_seasonal_shape_moves_weight_between_the_daily_peaks_without_changing_the_daily_mean():
    event = ScenarioEvent(kind="seasonal_shape", series=["s001"], start="2024-01-15T00:00", magnitude=0.5)
    base = SyntheticSeriesSource(n_series=2, days=28, events=[]).generate()
    shaped = SyntheticSeriesSource(n_series=2, days=28, events=[event]).generate()
    ratio = series(shaped, "s001") / series(base, "s001")
    assert (ratio[:"2024-01-14"] == 1).all()
    after = ratio["2024-01-15":]
    assert after[after.index.hour == 19].mean() > 1.05 and after[after.index.hour == 8].mean() < 0.95
    daily_mean_ratio = series(shaped, "s001")["2024-01-15":].resample("D").mean() / (
        series(base, "s001")["2024-01-15":].resample("D").mean()
    )
    assert daily_mean_ratio.between(0.98, 1.02).all()
    pd.testing.assert_series_equal(series(shaped, "s000"), series(base, "s000"))


def test_noise_increase_widens_the_noise_inside_its_window_only():
    event = ScenarioEvent(kind="noise_increase", series=["s000"], start="2024-01-10T00:00", magnitude=2.0, duration_hours=72)
    base = SyntheticSeriesSource(n_series=1, days=28, events=[]).generate()
    noisy = SyntheticSeriesSource(n_series=1, days=28, events=[event]).generate()
    log_ratio = np.log(series(noisy, "s000") / series(base, "s000"))
    inside = log_ratio["2024-01-10":"2024-01-12"]
    assert (log_ratio.drop(inside.index) == 0).all()
    assert len(inside) == 72 and inside.std() > 0.01 and abs(inside.mean()) < 0.03


@pytest.mark.parametrize("freq, steps_per_day", [("D", 1), ("15min", 96)])
def test_any_regular_frequency_works_with_events_in_time_units(freq, steps_per_day):
    events = [
        ScenarioEvent(kind="level_shift", series=["s001"], start="2024-01-15T00:00", magnitude=0.5),
        ScenarioEvent(kind="missing_hours", series=["s000"], start="2024-01-10T00:00", duration_hours=3),
    ]
    source = SyntheticSeriesSource(n_series=3, days=28, freq=freq, events=events)
    panel = source.fetch(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"))
    sizes = panel.groupby("series_id").size()
    assert sizes["s002"] == 28 * steps_per_day
    assert sizes["s000"] == 28 * steps_per_day - max(1, 3 * steps_per_day // 24)
    assert np.isfinite(panel["value"]).all() and (panel["value"] > 0).all()
    assert len(source.fetch(pd.Timestamp("2024-01-20"), pd.Timestamp("2024-01-21"))) == 3 * steps_per_day
    s001 = series(panel, "s001")
    assert s001["2024-01-15":"2024-01-21"].mean() > 1.3 * s001["2024-01-08":"2024-01-14"].mean()


def test_bad_scenario_configs_raise_source_errors_that_say_what_is_wrong():
    with pytest.raises(SourceError, match="unknown event kind 'spike'"):
        SyntheticSeriesSource(events=[ScenarioEvent(kind="spike", series=["s000"], start="2024-01-02")]).generate()
    with pytest.raises(SourceError, match="names series s020, but the scenario has s000..s003"):
        SyntheticSeriesSource(
            n_series=4, events=[ScenarioEvent(kind="level_shift", series=["s020"], start="2024-01-02")]
        ).generate()
    with pytest.raises(SourceError, match="'not a time' is not a timestamp"):
        SyntheticSeriesSource(events=[ScenarioEvent(kind="level_shift", series=["s000"], start="not a time")]).generate()


def test_dagster_configures_the_scenario_and_its_events_at_launch():
    @dg.asset
    def observed_days(source: SyntheticSeriesSource) -> pd.DataFrame:
        return source.fetch(pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06"))

    event = {"kind": "missing_hours", "series": ["s001"], "start": "2024-01-05T00:00", "duration_hours": 2}
    result = dg.materialize(
        [observed_days],
        resources={"source": SyntheticSeriesSource.configure_at_launch()},
        run_config={"resources": {"source": {"config": {"n_series": 2, "days": 7, "events": [event]}}}},
    )
    rows = result.output_for_node("observed_days")
    assert rows.groupby("series_id").size().to_dict() == {"s000": 24, "s001": 22}
