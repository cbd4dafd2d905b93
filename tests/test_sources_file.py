"""The file source: long CSV/Parquet from a path or URL, normalized to the contract with every row kept; bad input named."""

import functools
import http.server
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resources.sources.base import SourceError
from resources.sources.file import FileSeriesSource

PJM_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pjm" / "pjm_hourly_load.parquet"
MAPPING = {"series_id_column": "region", "timestamp_column": "hour", "value_column": "load"}

# Unsorted, a duplicated timestamp with two different values, an empty value and an extra column to ignore.
RAW_ROWS = pd.DataFrame(
    {
        "region": ["b", "a", "a", "b", "a", "b"],
        "hour": [
            "2024-01-01 01:00", "2024-01-01 02:00", "2024-01-01 00:00",
            "2024-01-01 00:00", "2024-01-01 02:00", "2024-01-02 00:00",
        ],
        "load": ["10.5", "2", "1", "", "3", "12"],
        "note": ["x", "y", "z", "w", "v", "u"],
    }
)
EXPECTED = pd.DataFrame(
    {
        "series_id": ["a", "a", "a", "b", "b", "b"],
        "timestamp": pd.to_datetime(
            [
                "2024-01-01 00:00", "2024-01-01 02:00", "2024-01-01 02:00",
                "2024-01-01 00:00", "2024-01-01 01:00", "2024-01-02 00:00",
            ]
        ),
        "value": [1.0, 2.0, 3.0, np.nan, 10.5, 12.0],
    }
).astype({"series_id": object})


@pytest.fixture
def http_folder(tmp_path):
    """A folder served over http://127.0.0.1:<port>/ from a thread; missing files answer 404."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            """Keep the test output free of access-log lines."""

    folder = tmp_path / "served"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_url():
    """A server on 127.0.0.1 that accepts connections and reads the request but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    held = []

    def accept_and_hold():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connection.recv(65536)
            held.append(connection)

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/load.csv"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def refused_url() -> str:
    """A URL on a loopback port that nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/load.csv"


def test_a_long_csv_with_a_column_mapping_round_trips_sorted_with_duplicates_and_missing_values_kept(tmp_path):
    path = tmp_path / "load.csv"
    RAW_ROWS.to_csv(path, index=False)
    source = FileSeriesSource(path=str(path), **MAPPING)
    pd.testing.assert_frame_equal(source.read_all(), EXPECTED)
    assert source.time_range() == (pd.Timestamp("2024-01-01 00:00"), pd.Timestamp("2024-01-02 00:00"))
    first_day = source.fetch(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"))
    pd.testing.assert_frame_equal(first_day, EXPECTED.iloc[:5].reset_index(drop=True))


def test_parquet_and_gzipped_csv_with_a_timestamp_format_give_the_same_table(tmp_path):
    parquet = tmp_path / "load.pq"
    typed = RAW_ROWS.assign(hour=pd.to_datetime(RAW_ROWS["hour"]), load=pd.to_numeric(RAW_ROWS["load"]))
    typed.to_parquet(parquet, index=False)
    pd.testing.assert_frame_equal(FileSeriesSource(path=str(parquet), **MAPPING).read_all(), EXPECTED)

    gzipped = tmp_path / "load.csv.gz"
    RAW_ROWS.assign(hour=typed["hour"].dt.strftime("%d/%m/%Y %Hh")).to_csv(gzipped, index=False)
    source = FileSeriesSource(path=str(gzipped), timestamp_format="%d/%m/%Y %Hh", **MAPPING)
    pd.testing.assert_frame_equal(source.read_all(), EXPECTED)


def test_timestamps_with_utc_offsets_are_stored_naive_in_utc(tmp_path):
    path = tmp_path / "offsets.csv"
    path.write_text("series_id,timestamp,value\na,2024-01-01T01:00:00+01:00,1\na,2024-01-01T01:00:00+00:00,2\n")
    table = FileSeriesSource(path=str(path)).read_all()
    assert table["timestamp"].tolist() == [pd.Timestamp("2024-01-01 00:00"), pd.Timestamp("2024-01-01 01:00")]


def test_a_local_file_is_read_afresh_on_every_fetch_so_a_revised_file_is_seen(tmp_path):
    path = tmp_path / "load.csv"
    path.write_text("series_id,timestamp,value\na,2024-01-01 00:00,1\n")
    source = FileSeriesSource(path=str(path))
    assert len(source.fetch(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"))) == 1
    path.write_text("series_id,timestamp,value\na,2024-01-01 00:00,1\na,2024-01-01 01:00,2\n")
    assert len(source.fetch(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"))) == 2


def test_the_real_pjm_file_keeps_every_row_and_the_duplicated_fall_back_hour():
    source = FileSeriesSource(path=str(PJM_FILE))
    table = source.read_all()
    assert len(table) == 1_090_167 and table["series_id"].nunique() == 12
    assert source.time_range() == (pd.Timestamp("1998-04-01 01:00"), pd.Timestamp("2018-08-03 00:00"))
    day = source.fetch(pd.Timestamp("2014-11-02"), pd.Timestamp("2014-11-03"))
    at_two = day[day["timestamp"] == pd.Timestamp("2014-11-02 02:00")].groupby("series_id").size()
    regions = ["AEP", "COMED", "DAYTON", "DEOK", "DOM", "DUQ", "EKPC", "FE", "PJME", "PJMW"]
    assert at_two.to_dict() == {region: 2 for region in regions}
    assert (day.groupby("series_id").size() == 25).all()  # 24 hours plus the repeated one
    assert day["timestamp"].min() >= pd.Timestamp("2014-11-02") and day["timestamp"].max() < pd.Timestamp("2014-11-03")


@pytest.mark.parametrize(
    "content, problem",
    [
        (
            "region,hour,value\na,2024-01-01,1\n",
            r"missing column\(s\) 'load'; columns found: 'region', 'hour', 'value'",
        ),
        (
            "region,hour,load\na,2024-01-01 00:00,1\na,2024-01-01 01:00,abc\n",
            r"non-numeric value 'abc' in column 'load' at row 2 \(line 3\)",
        ),
        (
            "region,hour,load\na,2024-01-01 00:00,1\na,2024-01-01 01:00,2\na,yesterday,3\n",
            r"unparseable timestamp 'yesterday' in column 'hour' at row 3 \(line 4\)",
        ),
        ("region,hour,load\na,,1\n", r"empty timestamp in column 'hour' at row 1 \(line 2\)"),
        ("region,hour,load\n,2024-01-01 00:00,1\n", r"empty series id in column 'region' at row 1 \(line 2\)"),
        ("region,hour,load\n", r"the file has no rows"),
        ("", r"the file is empty"),
    ],
    ids=[
        "missing-column", "non-numeric-value", "unparseable-timestamp", "empty-timestamp",
        "empty-series-id", "header-only", "empty-file",
    ],
)
def test_each_bad_csv_raises_a_source_error_naming_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(SourceError, match=rf"^{str(path)}: {problem}"):
        FileSeriesSource(path=str(path), **MAPPING).read_all()


def test_a_parquet_without_the_mapped_column_names_what_it_has(tmp_path):
    path = tmp_path / "load.parquet"
    pd.DataFrame({"series_id": ["a"], "ts": [pd.Timestamp("2024-01-01")], "value": [1.0]}).to_parquet(path)
    expected = r"load\.parquet: missing column\(s\) 'timestamp'; columns found: 'series_id', 'ts', 'value'"
    with pytest.raises(SourceError, match=expected):
        FileSeriesSource(path=str(path)).read_all()


def test_paths_it_cannot_read_are_named_with_the_reason(tmp_path):
    with pytest.raises(SourceError, match=r"nowhere\.csv: file not found"):
        FileSeriesSource(path=str(tmp_path / "nowhere.csv")).read_all()
    with pytest.raises(SourceError, match=r"ftp://host/load\.csv: unsupported scheme ftp://"):
        FileSeriesSource(path="ftp://host/load.csv").read_all()
    (tmp_path / "load.txt").write_text("series_id,timestamp,value\n")
    with pytest.raises(SourceError, match=r"load\.txt: cannot tell the format from the name"):
        FileSeriesSource(path=str(tmp_path / "load.txt")).read_all()
    (tmp_path / "m4.csv").write_text('"V1","V2"\n"H1","1"\n')
    with pytest.raises(SourceError, match=r"it looks like an M4 wide file: set format='m4'"):
        FileSeriesSource(path=str(tmp_path / "m4.csv")).read_all()


def test_a_csv_served_over_http_reads_like_the_local_file(http_folder):
    folder, base_url = http_folder
    RAW_ROWS.to_csv(folder / "load.csv", index=False)
    source = FileSeriesSource(path=f"{base_url}/load.csv?version=1", **MAPPING)
    pd.testing.assert_frame_equal(source.read_all(), EXPECTED)


def test_an_http_error_status_names_the_url_and_the_status(http_folder):
    _, base_url = http_folder
    url = f"{base_url}/missing.csv"
    with pytest.raises(SourceError, match=rf"^{url}: HTTP error 404 File not found"):
        FileSeriesSource(path=url).read_all()


def test_a_refused_connection_names_the_url():
    url = refused_url()
    with pytest.raises(SourceError, match=rf"^{url}: could not connect \(.*refused"):
        FileSeriesSource(path=url, url_timeout_seconds=2).read_all()


def test_a_server_that_never_answers_times_out_after_the_configured_seconds(silent_url):
    started = time.monotonic()
    with pytest.raises(SourceError, match=rf"^{silent_url}: no answer within 0.5 s \(timeout\)"):
        FileSeriesSource(path=silent_url, url_timeout_seconds=0.5).read_all()
    assert time.monotonic() - started < 5
