"""Specification of realised accuracy: a case small enough to compute by hand, per series, per lead and overall."""

import math

import pandas as pd
import pytest

from monitoring.performance import accuracy_by_series_and_lead, insample_scales

T1, T2 = pd.Timestamp("2024-03-01 00:00"), pd.Timestamp("2024-03-01 01:00")


def forecasts() -> pd.DataFrame:
    """Two series, two steps from one origin, 80% and 95% intervals."""
    rows = [
        # series, timestamp, step, forecast, lo_80, hi_80, lo_95, hi_95
        ("A", T1, 1, 12.0, 9.0, 11.0, 8.0, 13.0),  # actual 10: inside both
        ("A", T2, 2, 20.0, 21.0, 25.0, 15.0, 25.0),  # actual 20: outside 80, inside 95
        ("B", T1, 1, 90.0, 95.0, 105.0, 90.0, 110.0),  # actual 100: inside both
        ("B", T2, 2, 110.0, 100.0, 120.0, 95.0, 125.0),  # actual not arrived yet
    ]
    cols = ["series_id", "timestamp", "step", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.assign(model_version="m1", dataset_version="d1")


def actuals() -> pd.DataFrame:
    return pd.DataFrame({"series_id": ["A", "A", "B"], "timestamp": [T1, T2, T1], "value": [10.0, 20.0, 100.0]})


SCALES = {"A": 2.0, "B": 10.0}


def test_per_series_metrics_match_the_hand_computation():
    per_series, _, _ = accuracy_by_series_and_lead(forecasts(), actuals(), SCALES)
    a, b = per_series.set_index("series_id").loc["A"], per_series.set_index("series_id").loc["B"]
    # A: errors (f - y) = +2, 0
    assert a["smape"] == pytest.approx((200 * 2 / 22 + 0) / 2)
    assert a["mase"] == pytest.approx((2 + 0) / 2 / 2.0)
    assert a["rmse"] == pytest.approx(math.sqrt((4 + 0) / 2))
    assert a["bias"] == pytest.approx(1.0)
    assert (a["coverage_80"], a["coverage_95"]) == (0.5, 1.0)
    assert (a["expected"], a["arrived"], a["completeness"]) == (2, 2, 1.0)
    # B: only step 1 arrived, error -10
    assert b["smape"] == pytest.approx(200 * 10 / 190)
    assert b["mase"] == pytest.approx(10 / 10.0)
    assert (b["rmse"], b["bias"]) == (pytest.approx(10.0), pytest.approx(-10.0))
    assert (b["coverage_80"], b["coverage_95"], b["completeness"]) == (1.0, 1.0, 0.5)


def test_per_lead_and_overall_metrics_match_the_hand_computation():
    _, per_lead, overall = accuracy_by_series_and_lead(forecasts(), actuals(), SCALES)
    step1, step2 = per_lead.set_index("step").loc[1], per_lead.set_index("step").loc[2]
    assert step1["smape"] == pytest.approx((200 * 2 / 22 + 200 * 10 / 190) / 2)
    assert step1["mase"] == pytest.approx((2 / 2.0 + 10 / 10.0) / 2)
    assert (step1["coverage_80"], step1["completeness"]) == (1.0, 1.0)
    assert (step2["smape"], step2["mase"], step2["coverage_80"], step2["completeness"]) == (0.0, 0.0, 0.0, 0.5)

    assert overall["smape"] == pytest.approx((200 * 2 / 22 + 0 + 200 * 10 / 190) / 3)
    assert overall["mase"] == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert overall["rmse"] == pytest.approx(math.sqrt((4 + 0 + 100) / 3))
    assert overall["bias"] == pytest.approx((2 + 0 - 10) / 3)
    assert overall["coverage_80"] == pytest.approx(2 / 3) and overall["coverage_95"] == 1.0
    assert (overall["expected"], overall["arrived"], overall["completeness"]) == (4, 3, 0.75)


def test_forecasts_after_as_of_are_not_expected_yet():
    per_series, _, overall = accuracy_by_series_and_lead(forecasts(), actuals(), SCALES, as_of=T1)
    assert (overall["expected"], overall["arrived"], overall["completeness"]) == (2, 2, 1.0)
    assert per_series.set_index("series_id")["expected"].to_dict() == {"A": 1, "B": 1}


def test_a_group_without_any_actual_reports_nan_metrics_and_zero_completeness():
    _, per_lead, _ = accuracy_by_series_and_lead(forecasts(), actuals().iloc[:1], SCALES, as_of=T2)
    step2 = per_lead.set_index("step").loc[2]
    assert step2["completeness"] == 0.0 and math.isnan(step2["smape"]) and math.isnan(step2["coverage_80"])


def test_insample_scale_is_the_seasonal_naive_mae_of_the_history():
    history = pd.DataFrame(
        {"series_id": ["A"] * 4, "timestamp": pd.date_range("2024-01-01", periods=4, freq="h"), "value": [1, 2, 4, 6]}
    )
    # season 2: |4 - 1| = 3, |6 - 2| = 4 -> 3.5
    assert insample_scales(history, season_length=2).to_dict() == {"A": 3.5}


def test_bad_input_names_the_series_or_the_duplicate_row():
    with pytest.raises(ValueError, match=r"no MASE scale for series \['B'\]"):
        accuracy_by_series_and_lead(forecasts(), actuals(), {"A": 2.0})
    doubled = pd.concat([actuals(), actuals().iloc[[2]]])
    with pytest.raises(ValueError, match=r"series 'B' at 2024-03-01 00:00:00"):
        accuracy_by_series_and_lead(forecasts(), doubled, SCALES)
    with pytest.raises(ValueError, match=r"forecasts: missing column\(s\) \['step'\]"):
        accuracy_by_series_and_lead(forecasts().drop(columns="step"), actuals(), SCALES)
