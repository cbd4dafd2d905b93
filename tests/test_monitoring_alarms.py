"""The alarm log: every flagged series is a row naming its signal, statistic and threshold; reruns replace a day."""

import pandas as pd

from demo.summary import recovery_days
from monitoring.alarms import ALARM_COLUMNS, CONCEPT_DRIFT, ERROR, LABEL_DRIFT, PANEL, alarm_rows
from resources.monitoring_local import LocalEvidentlyWorkspace

DAY = pd.Timestamp("2024-04-10")


def per_series(**flags) -> pd.DataFrame:
    ids = ["s1", "s2", "s3"]
    return pd.DataFrame({"series_id": ids, "target_drifted": [s in flags.get("label", ()) for s in ids],
                         "target_drift_score": [6.0, -5.0, 0.5], "residual_drifted": [s in flags.get("concept", ()) for s in ids],
                         "residual_drift_score": [4.5, 0.1, 0.2]})


def rows(table, panel_smape=2.0, baseline=2.0, by_series=None):
    by_series = pd.Series({"s1": 2.0, "s2": 2.0, "s3": 2.0}) if by_series is None else by_series
    return alarm_rows(DAY, table, 4.0, panel_smape=panel_smape, baseline_smape=baseline, error_ratio=1.5,
                      by_series_smape=by_series, champion="v3")


def test_each_drifted_series_is_a_row_with_its_signal_statistic_and_threshold():
    alarms = rows(per_series(label=("s1", "s2"), concept=("s1",)))
    assert list(alarms.columns) == ALARM_COLUMNS
    assert set(zip(alarms["series_id"], alarms["signal"])) == {("s1", LABEL_DRIFT), ("s2", LABEL_DRIFT), ("s1", CONCEPT_DRIFT)}
    assert alarms.set_index(["series_id", "signal"]).loc[("s2", LABEL_DRIFT), "statistic"] == -5.0
    assert (alarms["threshold"] == 4.0).all() and (alarms["day"] == DAY).all() and (alarms["champion"] == "v3").all()


def test_error_decay_names_the_series_over_the_bar_or_the_panel_when_none_is():
    named = rows(per_series(), panel_smape=3.5, by_series=pd.Series({"s1": 8.0, "s2": 1.0, "s3": 1.5}))
    assert named[["series_id", "signal"]].values.tolist() == [["s1", ERROR]] and named.loc[0, "threshold"] == 3.0
    panel = rows(per_series(), panel_smape=3.5, by_series=pd.Series({"s1": 2.9, "s2": 2.9, "s3": 2.9}))
    assert panel[["series_id", "signal"]].values.tolist() == [[PANEL, ERROR]]
    assert rows(per_series(), panel_smape=2.9).empty


def test_the_log_has_its_columns_without_alarms_and_a_rerun_replaces_the_day(tmp_path):
    workspace = LocalEvidentlyWorkspace(path=str(tmp_path / "evidently"), alarm_log=str(tmp_path / "reports" / "alarms.csv"))
    path = workspace.record_alarms(DAY - pd.Timedelta(days=1), rows(per_series()))
    assert pd.read_csv(path).columns.tolist() == ALARM_COLUMNS
    for _ in range(2):
        workspace.record_alarms(DAY, rows(per_series(label=("s1",))))
    log = pd.read_csv(path)
    assert log[["day", "series_id", "signal"]].values.tolist() == [["2024-04-10", "s1", LABEL_DRIFT]]


def test_the_default_alarm_log_is_under_forecast_home(forecast_home):
    assert LocalEvidentlyWorkspace(path="x").alarm_log_path() == forecast_home / "reports" / "alarms.csv"


def test_recovery_counts_days_until_the_drifted_series_error_is_back_within_20_percent_of_the_week_before():
    days = pd.date_range(DAY - pd.Timedelta(days=7), periods=14, freq="D")
    smape = [2.0] * 7 + [9.0, 6.0, 3.0, 2.3, 2.2, 2.1, 2.0]  # back within 2.4 from day 3 on
    accuracy = pd.DataFrame({"day": days, "series_id": "s1", "smape": smape})
    accuracy = pd.concat([accuracy, accuracy.assign(series_id="s9", smape=50.0)])  # an undrifted series: ignored
    events = pd.DataFrame({"series_id": ["s1"], "kind": ["level_shift"], "start": [DAY], "params": ["{}"]})
    assert recovery_days(accuracy, events) == "3"
    assert recovery_days(accuracy.assign(smape=accuracy["smape"].where(accuracy["day"] < DAY, 9.0)), events) == "na"
    assert recovery_days(accuracy, events.iloc[:0]) == "na"


def test_a_drifted_series_raises_the_alarm_only_while_its_error_is_out_of_the_normal_range():
    drifted = per_series(label=("s1",))
    hurting = rows(drifted, by_series=pd.Series({"s1": 9.0, "s2": 2.0, "s3": 2.0}))
    assert hurting["alarm"].tolist() == [True]
    recovered = rows(drifted, by_series=pd.Series({"s1": 2.5, "s2": 2.0, "s3": 2.0}))  # bar: 1.5 x 2.0 = 3.0
    assert recovered[["series_id", "signal", "alarm"]].values.tolist() == [["s1", LABEL_DRIFT, False]]
