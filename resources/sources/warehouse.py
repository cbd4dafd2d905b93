"""Sources in the user's warehouse: a table or a SQL query, filtered by the partition's window inside the query.

One interface, two engines: DuckDB (a local database file) and BigQuery (the gcp environment). Both wrap the table
or query as `SELECT <mapped columns> FROM (<source>) WHERE <time> >= start AND <time> < end`, with the bounds as
query parameters, so the warehouse prunes partitions and sends only the window.
"""

import re
from abc import abstractmethod

import pandas as pd

from resources.sources.base import SeriesSource, SourceError, naive_utc
from resources.sources.long_format import ColumnMapping, check_columns, normalize_long

NAME = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+){0,2}$")  # [project.]dataset.table or [schema.]table


class WarehouseSeriesSource(SeriesSource):
    """Rows of a warehouse table or query, with the file source's column mapping."""

    table: str = ""  # e.g. main.hourly_load (DuckDB) or project.dataset.load (BigQuery)
    query: str = ""  # instead of table: any SELECT whose result has the mapped columns
    series_id_column: str = "series_id"
    timestamp_column: str = "timestamp"
    value_column: str = "value"

    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Every row with start <= timestamp < end, as the warehouse holds it."""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        time = self._quote(self.timestamp_column)
        columns = ", ".join(self._quote(column) for column in self.mapping().columns())
        frame = self._run(f"SELECT {columns} FROM {self._from()} WHERE {time} >= {self._marker('start')} "
                          f"AND {time} < {self._marker('end')}", start, end)  # fmt: skip
        if frame.empty:
            raise SourceError(f"{self.name()}: no rows with {start} <= {self.timestamp_column} < {end} (empty window)")
        keys = frame.iloc[:, :2].to_numpy()
        return normalize_long(frame, self.mapping(), None, self.name(),
                              lambda position: f"the row with series {keys[position][0]!r} at {keys[position][1]}")

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last timestamp of the table or query."""
        time = self._quote(self.timestamp_column)
        frame = self._run(f"SELECT min({time}) AS first, max({time}) AS last FROM {self._from()}")
        first, last = frame.iloc[0]
        if pd.isna(first):
            raise SourceError(f"{self.name()}: the table has no rows")
        return naive_utc(first), naive_utc(last)

    def mapping(self) -> ColumnMapping:
        """Which result columns hold the series id, the timestamp and the value."""
        return ColumnMapping(self.series_id_column, self.timestamp_column, self.value_column)

    def name(self) -> str:
        """How errors name this source: the engine and the table, or the start of the query."""
        if self.table:
            return f"{self.engine()} {self.table}"
        return f"{self.engine()} query {' '.join(self.query.split())[:80]!r}"

    def _from(self) -> str:
        if bool(self.table) == bool(self.query):
            raise SourceError(f"{self.engine()} source: set exactly one of table and query")
        if self.query:
            return f"({self.query}) AS source_rows"
        if not NAME.match(self.table):
            raise SourceError(f"{self.engine()} source: {self.table!r} is not a table name")
        return self._table_reference(self.table)

    def _check(self, columns: list[str]) -> None:
        check_columns(columns, self.mapping(), self.name())

    @abstractmethod
    def engine(self) -> str:
        """duckdb or bigquery."""

    @abstractmethod
    def _quote(self, column: str) -> str:
        """A quoted column name."""

    @abstractmethod
    def _marker(self, parameter: str) -> str:
        """How the SQL refers to a named parameter."""

    @abstractmethod
    def _table_reference(self, table: str) -> str:
        """A quoted table name."""

    @abstractmethod
    def _run(self, sql: str, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
        """The result of sql with the window bounds bound as parameters; SourceError when the warehouse refuses."""


class DuckDBTableSource(WarehouseSeriesSource):
    """A table or query in a DuckDB database file (opened read-only, so it may be the user's own live file)."""

    database: str

    def engine(self) -> str:
        return "duckdb"

    def _quote(self, column: str) -> str:
        return '"' + column.replace('"', '""') + '"'

    def _marker(self, parameter: str) -> str:
        return f"${parameter}::TIMESTAMP"

    def _table_reference(self, table: str) -> str:
        return ".".join(self._quote(part) for part in table.split("."))

    def _run(self, sql, start=None, end=None) -> pd.DataFrame:
        import duckdb

        from pathlib import Path

        if not Path(self.database).is_file():
            raise SourceError(f"{self.name()}: database file {self.database} not found")
        params = {} if start is None else {"start": str(start), "end": str(end)}
        try:
            with duckdb.connect(self.database, read_only=True) as connection:
                described = connection.sql(f"DESCRIBE SELECT * FROM {self._from()}").fetchall()
                self._check([row[0] for row in described])
                kind = dict((row[0], row[1]) for row in described)[self.timestamp_column]
                if not kind.startswith(("TIMESTAMP", "DATE")):
                    raise SourceError(f"{self.name()}: column {self.timestamp_column!r} holds {kind}, not timestamps; "
                                      "cast it in the source's query")  # fmt: skip
                return connection.execute(sql, params).df()
        except duckdb.Error as error:
            raise SourceError(f"{self.name()}: the query failed ({str(error).splitlines()[0][:300]})") from None


class BigQueryTableSource(WarehouseSeriesSource):
    """A table or query in BigQuery; the window bounds are query parameters of the column's type."""

    project: str
    location: str = ""
    timestamp_type: str = "TIMESTAMP"  # the BigQuery type of the time column: TIMESTAMP, DATETIME or DATE
    api_endpoint: str = ""  # empty = the real BigQuery; tests point it at 127.0.0.1

    def engine(self) -> str:
        return "bigquery"

    def _quote(self, column: str) -> str:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", column):
            raise SourceError(f"bigquery source: {column!r} is not a column name")
        return f"`{column}`"

    def _marker(self, parameter: str) -> str:
        return f"@{parameter}"

    def _table_reference(self, table: str) -> str:
        return f"`{table}`"

    def _run(self, sql, start=None, end=None) -> pd.DataFrame:
        from google.api_core import exceptions
        from google.cloud import bigquery

        from resources.gcp.clients import bigquery_client

        if self.timestamp_type not in ("TIMESTAMP", "DATETIME", "DATE"):
            raise SourceError(f"{self.name()}: timestamp_type {self.timestamp_type!r}; use TIMESTAMP, DATETIME or DATE")
        params = [] if start is None else [
            bigquery.ScalarQueryParameter(name, self.timestamp_type, _bound(value, self.timestamp_type))
            for name, value in (("start", start), ("end", end))]  # fmt: skip
        client = bigquery_client(self.project, self.location or None, self.api_endpoint or None)
        try:
            rows = client.query_and_wait(sql, job_config=bigquery.QueryJobConfig(query_parameters=params))
            frame = rows.to_arrow(create_bqstorage_client=False).to_pandas()
        except exceptions.GoogleAPIError as error:
            raise SourceError(f"{self.name()}: the query failed ({getattr(error, 'message', error)})") from None
        if start is not None:
            self._check(list(frame.columns))
        return frame


def _bound(value: pd.Timestamp, kind: str):
    if kind == "DATE":
        return value.date()
    return value.tz_localize("UTC").to_pydatetime() if kind == "TIMESTAMP" else value.to_pydatetime()

