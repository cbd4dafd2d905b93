"""A source that reads files or a URL: long CSV or Parquet with a column mapping (windowed), or an M4 wide CSV."""

import io
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import urlparse

import pandas as pd

from resources.sources.base import SERIES_COLUMNS, SeriesSource, SourceError
from resources.sources.cache import TableCache
from resources.sources.file_scan import FileScan
from resources.sources.long_format import ColumnMapping, RowLabels, check_columns, normalize_long
from resources.sources.m4 import read_m4

FORMATS = ("auto", "csv", "parquet", "m4")
EXTENSIONS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}

_TABLES = TableCache(kept=4)  # URLs and M4 files, which are read whole: once per process, sliced many times


class FileSeriesSource(SeriesSource):
    """Observations from long CSV/Parquet files (a file, glob or folder; local or gs://) or an http(s) URL.

    Local and gs:// files are read one window at a time through DuckDB (only the mapped columns, filtered on the
    time column), so collecting a day costs what the day holds. URLs and M4 wide files are read whole, once per
    process. Every row of the window is kept: duplicates, gaps and bad values are for the checks to see.
    """

    path: str  # a file, a glob (data/*.parquet), a folder of files, gs://bucket/..., or an http(s) URL
    format: str = "auto"  # auto (by extension: .csv, .csv.gz, .parquet, .pq), csv, parquet or m4
    series_id_column: str = "series_id"
    timestamp_column: str = "timestamp"
    value_column: str = "value"
    timestamp_format: Optional[str] = None  # strftime format of text timestamps; None = inferred
    url_timeout_seconds: float = 10  # how long a URL may take to connect or to send its next bytes
    m4_frequency: str = "Hourly"  # format m4: the M4 set, which fixes the step of the synthetic calendar
    m4_start: str = "2000-01-01 00:00"  # format m4: the timestamp of every series' first value

    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Every row with start <= timestamp < end, duplicates and missing values included."""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        if self._read_whole():
            table = self.read_all()
            timestamps = table["timestamp"]
            return table[(timestamps >= start) & (timestamps < end)].reset_index(drop=True)
        return self.scan().window(start, end)

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The earliest and latest timestamp in the files."""
        if self._read_whole():
            timestamps = self.read_all()["timestamp"]
            return timestamps.min(), timestamps.max()
        return self.scan().time_range()

    def read_all(self) -> pd.DataFrame:
        """Every row in the contract format (a URL or M4 file is read once per process: do not modify it)."""
        if not self._read_whole():
            return self.scan().all_rows()
        key = (self.model_dump_json(), _local_stamp(self.path))
        return _TABLES.get_or_build(key, self._read)

    def scan(self) -> FileScan:
        """The files behind path (a glob or folder expanded), with their format and the column mapping."""
        files = list_files(_local_path(self.path), self.path)
        formats = {self._format(file) for file in files} if self.format == "auto" else {self._format(self.path)}
        if len(formats) > 1:
            raise SourceError(f"{self.path}: the files mix formats ({', '.join(sorted(formats))}); "
                              "narrow the glob or set format")  # fmt: skip
        mapping = ColumnMapping(self.series_id_column, self.timestamp_column, self.value_column)
        return FileScan(tuple(files), formats.pop(), mapping, self.timestamp_format, self.path)

    def _read_whole(self) -> bool:
        return _is_url(self.path) or self._format(self.path) == "m4"

    def _read(self) -> pd.DataFrame:
        fmt = self._format(self.path)
        if _is_url(self.path):
            data = download(self.path, self.url_timeout_seconds)

            def open_source():
                return io.BytesIO(data)

            compression = "gzip" if _name_of(self.path).endswith(".gz") else None
        else:
            local_path = _local_path(self.path)
            if not Path(local_path).is_file():
                raise SourceError(f"{self.path}: file not found")

            def open_source():
                return local_path

            compression = "infer"
        if fmt == "m4":
            return read_m4(open_source(), self.m4_frequency, self.m4_start, name=self.path)
        mapping = ColumnMapping(self.series_id_column, self.timestamp_column, self.value_column)
        if fmt == "parquet":
            frame = _read_parquet(open_source, mapping, self.path)
            labels = RowLabels(header_lines=None)
        else:
            frame = _read_csv(open_source, compression, mapping, self.path)
            labels = RowLabels(header_lines=1)
        return normalize_long(frame, mapping, self.timestamp_format, self.path, labels)[SERIES_COLUMNS]

    def _format(self, path: str) -> str:
        """The format of path: as configured, else by its extension (a glob or folder: by the files it matches)."""
        if self.format not in FORMATS:
            raise SourceError(f"{self.path}: unknown format {self.format!r}; use one of {', '.join(FORMATS)}")
        if self.format != "auto":
            return self.format
        name = _name_of(path)
        for extension, fmt in sorted(EXTENSIONS.items(), key=lambda item: -len(item[0])):
            if name.endswith(extension):
                return fmt
        if path == self.path and not _is_url(path) and _is_many(_local_path(path)):
            return "parquet"  # a glob or folder: scan() decides by the files it finds
        raise SourceError(
            f"{self.path}: cannot tell the format from the name (known endings: {', '.join(EXTENSIONS)}); "
            "set format to csv, parquet or m4"
        )


def list_files(path: str, name: str) -> list[str]:
    """The data files behind a file, glob or folder (local or gs://), sorted; SourceError when there are none."""
    import duckdb

    from resources.sources.file_scan import gcs_filesystem

    folder = not _has_glob(path) and (path.endswith("/") or (not path.startswith("gs://") and Path(path).is_dir()))
    pattern = path.rstrip("/") + "/**" if folder else path
    connection = duckdb.connect()
    try:
        if path.startswith("gs://"):
            connection.register_filesystem(gcs_filesystem())
        found = [row[0] for row in connection.execute("SELECT file FROM glob(?) ORDER BY file", [pattern]).fetchall()]
    except (duckdb.Error, OSError) as error:
        raise SourceError(f"{name}: cannot list the files ({str(error).splitlines()[0][:300]})") from None
    finally:
        connection.close()
    if folder or _has_glob(path):
        found = [file for file in found if any(_name_of(file).endswith(extension) for extension in EXTENSIONS)]
    if not found:
        what = "file not found" if not (folder or _has_glob(path)) else "no .csv or .parquet files match"
        raise SourceError(f"{name}: {what}")
    return found


def download(url: str, timeout_seconds: float) -> bytes:
    """The body of url; SourceError names the URL and what went wrong (refused, no answer in time, HTTP status)."""
    import requests

    try:
        response = requests.get(url, timeout=timeout_seconds)
    except requests.exceptions.Timeout:
        raise SourceError(f"{url}: no answer within {timeout_seconds:g} s (timeout)") from None
    except requests.exceptions.ConnectionError as error:
        raise SourceError(f"{url}: could not connect ({_reason(error)})") from None
    except requests.exceptions.RequestException as error:
        raise SourceError(f"{url}: request failed ({_reason(error)})") from None
    if response.status_code >= 400:
        raise SourceError(f"{url}: HTTP error {response.status_code} {response.reason}")
    return response.content


def _read_csv(open_source, compression, mapping: ColumnMapping, name: str) -> pd.DataFrame:
    try:
        header = list(pd.read_csv(open_source(), nrows=0, compression=compression).columns)
        check_columns(header, mapping, name)
        # Everything as text: numbers and timestamps are parsed by us, so errors can name the row and the value.
        return pd.read_csv(
            open_source(), usecols=mapping.columns(), dtype=str, keep_default_na=False, compression=compression
        )
    except pd.errors.EmptyDataError:
        raise SourceError(f"{name}: the file is empty (no header, no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as error:
        raise SourceError(f"{name}: not a readable CSV file ({_reason(error)})") from None


def _read_parquet(open_source, mapping: ColumnMapping, name: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(open_source())
        check_columns(list(parquet.schema_arrow.names), mapping, name)
        return parquet.read(columns=mapping.columns()).to_pandas()
    except (pa.ArrowException, OSError) as error:
        raise SourceError(f"{name}: not a readable Parquet file ({_reason(error)})") from None


def _is_url(path: str) -> bool:
    scheme = urlparse(path).scheme.lower()
    if scheme in ("http", "https"):
        return True
    if len(scheme) > 1 and scheme not in ("file", "gs"):  # one letter is a Windows drive
        raise SourceError(f"{path}: unsupported scheme {scheme}://; use a local path, gs:// or an http(s) URL")
    return False


def _has_glob(path: str) -> bool:
    return any(character in path for character in "*?[")


def _is_many(path: str) -> bool:
    """A glob or a folder (gs:// folders end with a slash)."""
    return _has_glob(path) or path.endswith("/") or (not path.startswith("gs://") and Path(path).is_dir())


def _local_path(path: str) -> str:
    """A local path, also when given as a file:// URL."""
    return urlparse(path).path if path.lower().startswith("file://") else path


def _name_of(path: str) -> str:
    """The lower-case file name, without a URL's query or fragment."""
    return PurePosixPath(urlparse(path).path if _is_url(path) else path).name.lower()


def _local_stamp(path: str) -> Optional[tuple[int, int]]:
    """mtime and size of a local file, so a changed file is read again; None for URLs and missing files."""
    if _is_url(path):
        return None
    try:
        stat = Path(_local_path(path)).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _reason(error: BaseException) -> str:
    """The innermost useful message of an exception chain (requests wraps urllib3 wraps socket errors)."""
    text = str(error)
    inner = error.__context__ or error.__cause__
    while inner is not None:
        if isinstance(inner, (ConnectionRefusedError, TimeoutError)):
            return f"{type(inner).__name__}: {inner}"
        inner = inner.__context__ or inner.__cause__
    return text if len(text) < 300 else text[:300] + "..."
