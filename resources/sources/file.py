"""A source that reads one file or URL: long CSV or Parquet with a column mapping, or an M4 wide CSV."""

import io
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import pandas as pd

from resources.sources.base import SERIES_COLUMNS, SeriesSource, SourceError
from resources.sources.cache import TableCache
from resources.sources.long_format import ColumnMapping, RowLabels, check_columns, normalize_long
from resources.sources.m4 import read_m4

FORMATS = ("auto", "csv", "parquet", "m4")
EXTENSIONS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}

_TABLES = TableCache(kept=4)  # a few files per process; each is read once and sliced many times


class FileSeriesSource(SeriesSource):
    """Observations from a local file or an http(s) URL, read once per process, validated and sorted; every row kept."""

    path: str  # local path or http(s):// URL
    format: str = "auto"  # auto (by extension: .csv, .csv.gz, .parquet, .pq), csv, parquet or m4
    series_id_column: str = "series_id"
    timestamp_column: str = "timestamp"
    value_column: str = "value"
    timestamp_format: Optional[str] = None  # strftime format of the timestamps; None = inferred
    url_timeout_seconds: float = 10  # how long a URL may take to connect or to send its next bytes
    m4_frequency: str = "Hourly"  # format m4: the M4 set, which fixes the step of the synthetic calendar
    m4_start: str = "2000-01-01 00:00"  # format m4: the timestamp of every series' first value

    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Every row with start <= timestamp < end, duplicates and missing values included."""
        table = self.read_all()
        timestamps = table["timestamp"]
        return table[(timestamps >= pd.Timestamp(start)) & (timestamps < pd.Timestamp(end))].reset_index(drop=True)

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The earliest and latest timestamp in the file."""
        timestamps = self.read_all()["timestamp"]
        return timestamps.min(), timestamps.max()

    def read_all(self) -> pd.DataFrame:
        """The whole file in the contract format; read once per process and reused (the caller must not modify it)."""
        key = (self.model_dump_json(), _local_stamp(self.path))
        return _TABLES.get_or_build(key, self._read)

    def _read(self) -> pd.DataFrame:
        fmt = self._format()
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

    def _format(self) -> str:
        if self.format not in FORMATS:
            raise SourceError(f"{self.path}: unknown format {self.format!r}; use one of {', '.join(FORMATS)}")
        if self.format != "auto":
            return self.format
        name = _name_of(self.path)
        for extension, fmt in sorted(EXTENSIONS.items(), key=lambda item: -len(item[0])):
            if name.endswith(extension):
                return fmt
        raise SourceError(
            f"{self.path}: cannot tell the format from the name (known endings: {', '.join(EXTENSIONS)}); "
            "set format to csv, parquet or m4"
        )


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
    if scheme == "gs":
        raise SourceError(f"{path}: gs:// paths need FORECAST_ENV=gcp support, which the file source does not have yet")
    if scheme in ("http", "https"):
        return True
    if len(scheme) > 1 and scheme != "file":  # one letter is a Windows drive
        raise SourceError(f"{path}: unsupported scheme {scheme}://; use a local path or an http(s) URL")
    return False


def _local_path(path: str) -> str:
    """A local path, also when given as a file:// URL."""
    return urlparse(path).path if path.lower().startswith("file://") else path


def _name_of(path: str) -> str:
    """The lower-case file name, without a URL's query or fragment."""
    return Path(urlparse(path).path if _is_url(path) else path).name.lower()


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
