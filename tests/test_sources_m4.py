"""M4 wide CSV files: every series in full, nothing from the padding, on a regular calendar at the set's frequency."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resources.sources.base import SourceError
from resources.sources.file import FileSeriesSource
from resources.sources.m4 import M4_RULES, M4Rule, m4_rule, read_m4, read_m4_test

M4_HOURLY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "m4" / "hourly"
TRAIN, TEST = M4_HOURLY / "train.csv", M4_HOURLY / "test.csv"


@pytest.fixture(scope="module")
def hourly_train() -> pd.DataFrame:
    return read_m4(TRAIN, "Hourly")


def write_wide(path: Path, rows: list[list[str]], width: int) -> Path:
    """A file in the published layout: V1..Vn header, every field quoted, rows right-padded with empty fields."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow([f"V{i}" for i in range(1, width + 1)])
        for row in rows:
            writer.writerow(row + [""] * (width - len(row)))
    return path


def test_the_rules_table_holds_the_m4_horizons_and_seasonalities_with_pandas_frequencies():
    assert M4_RULES == {
        "Yearly": M4Rule("YS", 6, 1),
        "Quarterly": M4Rule("QS", 8, 4),
        "Monthly": M4Rule("MS", 18, 12),
        "Weekly": M4Rule("W", 13, 1),
        "Daily": M4Rule("D", 14, 1),
        "Hourly": M4Rule("h", 48, 24),
    }
    assert m4_rule("hourly") == M4Rule(freq="h", horizon=48, season_length=24)
    for rule in M4_RULES.values():
        pd.tseries.frequencies.to_offset(rule.freq)  # each is a valid pandas alias
    with pytest.raises(SourceError, match="unknown M4 frequency 'Minutely'"):
        m4_rule("Minutely")


def test_hourly_train_gives_414_series_of_700_or_960_values_and_nothing_from_the_padding(hourly_train):
    lengths = hourly_train.groupby("series_id").size()
    assert len(lengths) == 414
    assert set(lengths.unique()) == {700, 960}
    assert hourly_train["value"].notna().all() and (hourly_train["value"] > 0).all()
    assert hourly_train.dtypes.astype(str).tolist() == ["object", "datetime64[ns]", "float64"]


def test_every_series_sits_on_a_regular_hourly_calendar_from_the_start(hourly_train):
    firsts = hourly_train.groupby("series_id")["timestamp"].first()
    assert (firsts == pd.Timestamp("2000-01-01 00:00")).all()
    steps = hourly_train.groupby("series_id")["timestamp"].diff().dropna()
    assert (steps == pd.Timedelta(hours=1)).all()


def test_the_first_values_of_h1_are_the_first_fields_of_its_row_in_the_file(hourly_train):
    with TRAIN.open(newline="") as handle:
        h1_fields = next(row for row in csv.reader(handle) if row[0] == "H1")
    h1 = hourly_train[hourly_train["series_id"] == "H1"]["value"].to_numpy()
    expected = [float(field) for field in h1_fields[1:] if field != ""]
    assert h1[:10].tolist() == expected[:10]
    assert h1.tolist() == expected  # the whole row, up to its padding


def test_test_values_continue_one_step_after_each_series_training_end(hourly_train):
    test = read_m4_test(TRAIN, TEST, "Hourly")
    assert (test.groupby("series_id").size() == 48).all() and test["series_id"].nunique() == 414
    train_end = hourly_train.groupby("series_id")["timestamp"].max()
    test_start = test.groupby("series_id")["timestamp"].min()
    assert ((test_start - train_end.loc[test_start.index]) == pd.Timedelta(hours=1)).all()
    assert (test.groupby("series_id")["timestamp"].diff().dropna() == pd.Timedelta(hours=1)).all()
    with TEST.open(newline="") as handle:
        h1_test = next(row for row in csv.reader(handle) if row[0] == "H1")
    assert test[test["series_id"] == "H1"]["value"].tolist() == [float(v) for v in h1_test[1:]]


def test_the_file_source_reads_m4_through_the_same_reader(hourly_train):
    source = FileSeriesSource(path=str(TRAIN), format="m4", m4_frequency="Hourly")
    pd.testing.assert_frame_equal(source.read_all(), hourly_train)
    assert source.time_range() == (pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-01") + pd.Timedelta(hours=959))
    first_day = source.fetch(pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-02"))
    assert len(first_day) == 414 * 24


def test_other_frequencies_use_their_calendar_and_yearly_series_longer_than_ns_timestamps_allow(tmp_path):
    path = write_wide(tmp_path / "monthly.csv", [["M1", "1", "2", "3"], ["M2", "5", "6"]], width=4)
    monthly = read_m4(path, "Monthly", start="2010-01-01")
    assert monthly[monthly["series_id"] == "M1"]["timestamp"].dt.strftime("%Y-%m-%d").tolist() == [
        "2010-01-01",
        "2010-02-01",
        "2010-03-01",
    ]
    long_yearly = write_wide(tmp_path / "yearly.csv", [["Y1"] + [str(v) for v in range(1, 301)]], width=301)
    yearly = read_m4(long_yearly, "Yearly")
    assert len(yearly) == 300 and yearly["timestamp"].iloc[-1] == pd.Timestamp("2299-01-01")
    assert (yearly["timestamp"].dt.year.diff().dropna() == 1).all()


def test_bad_m4_files_raise_source_errors_naming_the_file_and_the_problem(tmp_path):
    long_file = tmp_path / "long.csv"
    long_file.write_text("series_id,timestamp,value\na,2024-01-01,1\n")
    with pytest.raises(SourceError, match=r"long\.csv: not an M4 wide file: its first column is 'series_id'"):
        read_m4(long_file, "Hourly")
    bad_value = write_wide(tmp_path / "bad.csv", [["H1", "1", "2"], ["H2", "3", "x7"]], width=3)
    with pytest.raises(SourceError, match=r"bad\.csv: non-numeric value 'x7' in column V3, row 2 \(line 3\)"):
        read_m4(bad_value, "Hourly")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceError, match=r"empty\.csv: the file is empty"):
        read_m4(empty, "Hourly")
    train = write_wide(tmp_path / "train.csv", [["H1", "1", "2"]], width=3)
    test = write_wide(tmp_path / "test.csv", [["H9", "3"]], width=2)
    with pytest.raises(SourceError, match=r"series H9 are not in the training file"):
        read_m4_test(train, test, "Hourly")
    with pytest.raises(SourceError, match=r"nowhere\.csv: file not found"):
        read_m4(tmp_path / "nowhere.csv", "Hourly")


def test_reading_the_hourly_train_file_is_fast():
    import time

    started = time.perf_counter()
    values = read_m4(TRAIN, "Hourly")["value"].to_numpy()
    assert np.isfinite(values).all()
    assert time.perf_counter() - started < 5  # about 0.2 s on 2 shared cores; a per-value Python loop takes far longer
