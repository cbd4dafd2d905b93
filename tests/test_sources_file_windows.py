"""The file source reads one window at a time: globs and folders of daily files, only the window's rows validated."""

import pandas as pd
import pytest

from resources.sources.base import SourceError
from resources.sources.file import FileSeriesSource

DAYS = pd.date_range("2024-03-01", periods=4, freq="D")


def daily_rows(day: pd.Timestamp, series=("a", "b")) -> pd.DataFrame:
    """24 hourly rows per series for one day, value = hour of the day."""
    hours = pd.date_range(day, periods=24, freq="h")
    return pd.DataFrame({"series_id": [s for s in series for _ in hours], "timestamp": list(hours) * len(series),
                         "value": [float(h.hour) for _ in series for h in hours]})  # fmt: skip


@pytest.fixture
def daily_parquet_folder(tmp_path):
    """One Parquet file per day, as exports usually come, plus a stray text file that must be ignored."""
    folder = tmp_path / "exports"
    folder.mkdir()
    for day in DAYS:
        daily_rows(day).to_parquet(folder / f"load_{day:%Y%m%d}.parquet", index=False)
    (folder / "README.txt").write_text("not data")
    return folder


@pytest.mark.parametrize("spelling", ["folder", "folder/", "glob"])
def test_a_folder_or_glob_of_daily_parquet_files_gives_the_day_asked_for(daily_parquet_folder, spelling):
    path = {"folder": str(daily_parquet_folder), "folder/": f"{daily_parquet_folder}/",
            "glob": str(daily_parquet_folder / "load_*.parquet")}[spelling]  # fmt: skip
    source = FileSeriesSource(path=path)
    day = source.fetch(DAYS[2], DAYS[3])
    pd.testing.assert_frame_equal(day, daily_rows(DAYS[2]).astype({"series_id": object}))
    assert source.time_range() == (DAYS[0], DAYS[-1] + pd.Timedelta(hours=23))


def test_a_window_spanning_two_files_gets_both_days_sorted_by_series_and_time(daily_parquet_folder):
    window = FileSeriesSource(path=str(daily_parquet_folder)).fetch(DAYS[1] + pd.Timedelta(hours=20), DAYS[2] + pd.Timedelta(hours=4))
    assert len(window) == 2 * 8
    assert window.groupby("series_id")["timestamp"].is_monotonic_increasing.all()


def test_bad_rows_outside_the_window_do_not_stop_collecting_the_window(tmp_path):
    path = tmp_path / "load.csv"
    rows = pd.concat([daily_rows(DAYS[0]), daily_rows(DAYS[1])]).astype({"value": object})
    rows.iloc[5, 2] = "broken"  # on the first day
    rows.to_csv(path, index=False)
    source = FileSeriesSource(path=str(path))
    assert len(source.fetch(DAYS[1], DAYS[2])) == 48
    with pytest.raises(SourceError, match=r"non-numeric value 'broken' in column 'value' at row 6 \(line 7\)"):
        source.fetch(DAYS[0], DAYS[1])


def test_a_bad_value_in_one_of_many_files_names_that_file_and_its_row(daily_parquet_folder):
    bad = daily_rows(DAYS[1]).astype({"value": str})
    bad.iloc[30, 2] = "n.a."
    bad.to_parquet(daily_parquet_folder / f"load_{DAYS[1]:%Y%m%d}.parquet", index=False)
    with pytest.raises(SourceError, match=r"non-numeric value 'n.a.' in column 'value' at row 31 of load_20240302"):
        FileSeriesSource(path=str(daily_parquet_folder)).fetch(DAYS[0], DAYS[2])


def test_text_timestamps_with_a_format_and_offsets_are_cut_to_the_window_in_utc(tmp_path):
    path = tmp_path / "load.csv"
    path.write_text("series_id,timestamp,value\na,29/02/2024 23h,1\na,01/03/2024 00h,2\na,01/03/2024 23h,3\n"
                    "a,02/03/2024 00h,4\n")  # fmt: skip
    day = FileSeriesSource(path=str(path), timestamp_format="%d/%m/%Y %Hh").fetch(DAYS[0], DAYS[1])
    assert day["value"].tolist() == [2.0, 3.0]
    offsets = tmp_path / "offsets.csv"
    offsets.write_text("series_id,timestamp,value\na,2024-03-01T00:30:00+01:00,1\na,2024-03-01T01:30:00+01:00,2\n")
    assert FileSeriesSource(path=str(offsets)).fetch(DAYS[0], DAYS[1])["value"].tolist() == [2.0]


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda folder: None, r"no \.csv or \.parquet files match"),
        (lambda folder: daily_rows(DAYS[0]).rename(columns={"value": "load"}).to_parquet(folder / "d.parquet"),
         r"missing column\(s\) 'value'; columns found: 'series_id', 'timestamp', 'load'"),
        (lambda folder: daily_rows(DAYS[0]).to_parquet(folder / "d.parquet"),
         r"no rows with 2024-03-04 00:00:00 <= timestamp < 2024-03-05 00:00:00 \(empty window\)"),
        (lambda folder: (daily_rows(DAYS[0]).to_parquet(folder / "d.parquet"),
                         daily_rows(DAYS[1]).to_csv(folder / "e.csv", index=False)),
         r"the files mix formats \(csv, parquet\)"),
    ],
    ids=["no-files", "wrong-columns", "empty-window", "mixed-formats"],
)
def test_a_bad_folder_gets_an_error_naming_it_and_the_problem(tmp_path, make, problem):
    folder = tmp_path / "drop"
    folder.mkdir()
    make(folder)
    with pytest.raises(SourceError, match=rf"^{folder}: {problem}"):
        FileSeriesSource(path=str(folder)).fetch(DAYS[3], DAYS[3] + pd.Timedelta(days=1))
