"""Reading one time window of long Parquet/CSV files (a file, a glob or a folder; local or gs://) through DuckDB.

DuckDB reads only the mapped columns and filters on the time column while scanning (for Parquet it also skips
row groups by their statistics), so a day costs what a day holds, not what the files hold. Rows are then validated
and normalized by long_format, which stays the one authority on ids, timestamps and values.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Optional

import pandas as pd

from resources.sources.base import SourceError, naive_utc
from resources.sources.long_format import ColumnMapping, _timestamps, check_columns, normalize_long

# Text timestamps are pre-filtered with this margin (any UTC offset fits), then cut exactly after parsing.
TEXT_MARGIN = pd.Timedelta(days=1)
NAIVE_TYPES = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE")


@dataclass(frozen=True)
class FileScan:
    """The files of one source, their format and column mapping; `name` is the path as the user gave it."""

    files: tuple[str, ...]
    fmt: str  # parquet or csv
    mapping: ColumnMapping
    timestamp_format: Optional[str]
    name: str

    def window(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """The contract frame of every row with start <= timestamp < end."""
        with _connect(self.files) as connection:
            kind = self._timestamp_kind(connection)
            condition, bounds = _condition(_quote(self.mapping.timestamp), kind, self.timestamp_format, start, end)
            frame = self._select(connection, f"WHERE {condition}", bounds)
        if kind == "text" and len(frame):  # the SQL filter was a superset: parse, then keep the window's rows only
            column = self.mapping.timestamp
            stamps = _timestamps(frame[column], column, self.timestamp_format, self.name, _labels(frame, self.mapping))
            frame = frame[(stamps >= start.to_datetime64()) & (stamps < end.to_datetime64())].reset_index(drop=True)
        if frame.empty:
            raise SourceError(f"{self.name}: no rows with {start} <= timestamp < {end} (empty window)")
        return normalize_long(frame, self.mapping, self.timestamp_format, self.name, _labels(frame, self.mapping))

    def all_rows(self) -> pd.DataFrame:
        """The contract frame of every row of every file (for small files and tests; a window is cheaper)."""
        with _connect(self.files) as connection:
            self._timestamp_kind(connection)
            frame = self._select(connection, "", [])
        if frame.empty:
            raise SourceError(f"{self.name}: the file has no rows")
        return normalize_long(frame, self.mapping, self.timestamp_format, self.name, _labels(frame, self.mapping))

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last timestamp (from Parquet statistics where the column is typed)."""
        column = _quote(self.mapping.timestamp)
        with _connect(self.files) as connection:
            if self._timestamp_kind(connection) != "text":
                first, last = connection.sql(f"SELECT min({column}), max({column}) FROM {self._reader()}").fetchall()[0]
                if first is None:
                    raise SourceError(f"{self.name}: the file has no rows")
                return naive_utc(first), naive_utc(last)
            # Text: few distinct stamps (one per step), parsed by long_format like every other row.
            stamps = connection.sql(f"SELECT DISTINCT {column} AS t, 'x' AS s, 0.0 AS v FROM {self._reader()} "
                                    f"WHERE {column} IS NOT NULL").df()  # fmt: skip
        parsed = normalize_long(stamps, ColumnMapping("s", "t", "v"), self.timestamp_format, self.name,
                                lambda position: f"timestamp {stamps['t'].iloc[position]!r}")  # fmt: skip
        return parsed["timestamp"].min(), parsed["timestamp"].max()

    def _reader(self) -> str:
        files = "[" + ", ".join(_literal(path) for path in self.files) + "]"
        if self.fmt == "parquet":
            return f"read_parquet({files}, filename=true, file_row_number=true, union_by_name=true)"
        # Every column as text: numbers and timestamps are parsed by long_format, so errors can name the value.
        return f"read_csv({files}, header=true, all_varchar=true, filename=true, union_by_name=true)"

    def _timestamp_kind(self, connection) -> str:
        """naive, aware or text, after checking the mapped columns exist; SourceError names the file otherwise."""
        import duckdb

        empty = [path for path in self.files if self.fmt == "csv" and not path.startswith("gs://") and _size(path) == 0]
        if empty:
            which = "the file" if len(self.files) == 1 else PurePosixPath(empty[0]).name
            raise SourceError(f"{self.name}: {which} is empty (no header, no rows)")
        try:
            described = connection.sql(f"DESCRIBE SELECT * FROM {self._reader()}").fetchall()
        except duckdb.Error as error:
            raise SourceError(f"{self.name}: not a readable {self.fmt} file ({_first_line(error)})") from None
        types = {name: kind for name, kind, *_ in described if name not in ("filename", "file_row_number")}
        check_columns(list(types), self.mapping, self.name)
        kind = types[self.mapping.timestamp]
        if kind in NAIVE_TYPES:
            return "naive"
        if kind == "TIMESTAMP WITH TIME ZONE":
            return "aware"
        if kind == "VARCHAR":
            return "text"
        raise SourceError(f"{self.name}: column {self.mapping.timestamp!r} holds {kind} data, not timestamps")

    def _select(self, connection, where: str, bounds: list) -> pd.DataFrame:
        import duckdb

        columns = ", ".join(_quote(column) for column in dict.fromkeys(self.mapping.columns()))
        extra = "filename, file_row_number" if self.fmt == "parquet" else "filename"
        try:
            return connection.execute(f"SELECT {columns}, {extra} FROM {self._reader()} {where}", bounds).df()
        except duckdb.Error as error:
            raise SourceError(f"{self.name}: not a readable {self.fmt} file ({_first_line(error)})") from None


def _condition(column: str, kind: str, timestamp_format: Optional[str], start: pd.Timestamp, end: pd.Timestamp):
    """The WHERE clause and its parameters: exact on typed columns, a superset (NULL = let long_format decide) on text."""
    if kind == "naive":
        return f"{column} >= ?::TIMESTAMP AND {column} < ?::TIMESTAMP", [str(start), str(end)]
    if kind == "aware":
        return f"{column} >= ?::TIMESTAMPTZ AND {column} < ?::TIMESTAMPTZ", [f"{start}+00", f"{end}+00"]
    parsed = f"try_strptime({column}, ?)" if timestamp_format else f"TRY_CAST({column} AS TIMESTAMPTZ)"
    low, high = f"{start - TEXT_MARGIN}+00", f"{end + TEXT_MARGIN}+00"
    params = [timestamp_format] * 3 if timestamp_format else []
    clause = f"({parsed} IS NULL OR ({parsed} >= ?::TIMESTAMPTZ AND {parsed} < ?::TIMESTAMPTZ))"
    if timestamp_format:
        return clause, [params[0], params[1], low, params[2], high]
    return clause, [low, high]


class _connect:
    """An in-memory DuckDB connection in UTC, with gs:// served by gcsfs when the files live in a bucket."""

    def __init__(self, files: tuple[str, ...]):
        self._gcs = any(path.startswith("gs://") for path in files)

    def __enter__(self):
        import duckdb

        self._connection = duckdb.connect()
        self._connection.execute("SET TimeZone = 'UTC'")
        if self._gcs:
            self._connection.register_filesystem(gcs_filesystem())
        return self._connection

    def __exit__(self, *exc) -> None:
        self._connection.close()


def gcs_filesystem():
    """gs:// for DuckDB: gcsfs' plain JSON-API filesystem (resources/gcp/gcs_filesystem.py), anonymous on an emulator."""
    from resources.gcp.gcs_filesystem import gcs_filesystem as plain_gcs_filesystem

    return plain_gcs_filesystem()


def _labels(frame: pd.DataFrame, mapping: ColumnMapping):
    """How a fetched row is named in errors: its row in its file (and the CSV line), with the file if there are many."""
    files = frame["filename"].to_numpy()
    many = len(set(files)) > 1
    rows = frame["file_row_number"].to_numpy() if "file_row_number" in frame else None
    keys = frame.iloc[:, :2].to_numpy()

    def label(position: int) -> str:
        where = f" of {PurePosixPath(str(files[position])).name}" if many else ""
        if rows is not None:
            return f"row {int(rows[position]) + 1}{where}"
        line = _csv_line(str(files[position]), mapping, frame.iloc[position])
        if line is not None:
            return f"row {line - 1} (line {line}){where}"
        series_id, stamp = keys[position]
        return f"the row with series {series_id!r} and timestamp {stamp!r}{where}"

    return label


def _csv_line(path: str, mapping: ColumnMapping, row: pd.Series) -> Optional[int]:
    """The line of the first CSV record with this row's mapped texts; looked up only when an error names it."""
    import csv
    import gzip

    wanted = ["" if row[column] is None or pd.isna(row[column]) else str(row[column]) for column in mapping.columns()]
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        if path.startswith("gs://"):
            handle = gcs_filesystem().open(path, "rt", compression="infer", newline="")
        else:
            handle = opener(path, "rt", newline="")
        with handle:
            records = csv.reader(handle)
            header = next(records)
            indices = [header.index(column) for column in mapping.columns()]
            for number, record in enumerate(records, start=2):
                if [record[index].strip() if index < len(record) else "" for index in indices] == wanted:
                    return number
    except (OSError, ValueError, StopIteration, csv.Error):
        return None
    return None


def _size(path: str) -> int:
    import os

    try:
        return os.path.getsize(path)
    except OSError:
        return -1



def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(error: BaseException) -> str:
    """The message of a DuckDB error; for one raised inside a Python filesystem, the last line of its traceback."""
    lines = [line for line in str(error).strip().splitlines() if line.strip()] or [type(error).__name__]
    return (lines[-1] if lines[0].startswith("Traceback") else lines[0])[:300]

