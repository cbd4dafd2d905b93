"""The warehouse on BigQuery: load jobs to append, staged load + one MERGE to replace rows, parameterized SELECT to read."""

import re
from datetime import date, datetime

import pandas as pd
from pydantic import PrivateAttr

from resources.gcp.clients import bigquery_client
from resources.warehouse import Warehouse

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,299}")
STAGING_HOURS = 6  # a killed writer's staging table expires by itself


def identifier(name: str, what: str) -> str:
    """name, checked to be a plain BigQuery identifier (it is spliced into SQL, so nothing else may pass)."""
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise ValueError(f"{what} {name!r} is not a valid BigQuery name (letters, digits, underscores)")
    return name


def column_type(column: str, dtype) -> str:
    """The BigQuery type a pandas column is loaded as; ValueError names the column when there is none."""
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOL"
    if pd.api.types.is_integer_dtype(dtype):
        return "INT64"
    if pd.api.types.is_float_dtype(dtype):
        return "FLOAT64"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMP"  # naive timestamps are UTC, as in the local warehouse (utc_timestamps makes them aware)
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "STRING"
    raise ValueError(f"column {column!r} has dtype {dtype}, which has no BigQuery type here")


def utc_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with lower-case column names and every datetime column tz-aware UTC (naive ones are UTC already)."""
    frame = frame.rename(columns=lambda name: str(name).lower())
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
            values = frame[column]
            frame[column] = values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
    return frame


def table_schema(rows: pd.DataFrame) -> list:
    """The load schema of rows: one SchemaField per column, in order."""
    from google.cloud import bigquery

    return [bigquery.SchemaField(identifier(str(name), "column"), column_type(str(name), dtype))
            for name, dtype in rows.dtypes.items()]


def parquet_bytes(rows: pd.DataFrame):
    """rows as a Parquet file in memory, timestamps in microseconds (BigQuery's precision)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), buffer,
                   coerce_timestamps="us", allow_truncated_timestamps=True)
    buffer.seek(0)
    return buffer


def query_parameter(name: str, value):
    """A typed query parameter for value; values never enter the SQL text."""
    from google.cloud import bigquery

    if isinstance(value, (pd.Timestamp, datetime)):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return bigquery.ScalarQueryParameter(name, "TIMESTAMP", stamp.to_pydatetime())
    if isinstance(value, date):
        return bigquery.ScalarQueryParameter(name, "DATE", value)
    for python_type, bigquery_type in ((bool, "BOOL"), (int, "INT64"), (float, "FLOAT64"), (str, "STRING")):
        if isinstance(value, python_type):
            return bigquery.ScalarQueryParameter(name, bigquery_type, value)
    if hasattr(value, "item"):  # numpy scalars
        return query_parameter(name, value.item())
    raise ValueError(f"query parameter {name!r}: no BigQuery type for {type(value).__name__} value {value!r}")


def where_clause(where: dict | None, time_column: str | None = None, start=None, end=None,
                 table: str = "") -> tuple[str, list]:
    """' WHERE ...' with one @parameter per value (columns qualified by table when given), and the parameters."""
    clauses, params = [], []
    prefix = f"{table}." if table else ""
    for index, (column, value) in enumerate((where or {}).items()):
        clauses.append(f"{prefix}`{identifier(column, 'column')}` = @w{index}")
        params.append(query_parameter(f"w{index}", value))
    if time_column and start is not None:
        clauses.append(f"`{identifier(time_column, 'time column')}` >= @start")
        params.append(query_parameter("start", pd.Timestamp(start)))
    if time_column and end is not None:
        clauses.append(f"`{identifier(time_column, 'time column')}` < @end")
        params.append(query_parameter("end", pd.Timestamp(end)))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def load(connection, rows: pd.DataFrame, table_id: str, schema: list, disposition: str, expires=None) -> None:
    """One Parquet load job of rows into table_id under the explicit schema (expiring at expires when given)."""
    from google.cloud import bigquery

    config = bigquery.LoadJobConfig(schema=schema, source_format="PARQUET", write_disposition=disposition,
                                    create_disposition="CREATE_IF_NEEDED")
    data = parquet_bytes(rows)
    # With its size known the client sends small files in one multipart request, large ones resumably.
    connection.load_table_from_file(data, table_id, size=data.getbuffer().nbytes, job_config=config).result()
    if expires is not None:
        table = connection.get_table(table_id)
        table.expires = expires
        connection.update_table(table, ["expires"])


def swap_rows(connection, target: str, rows, schema: list, condition: str, params: list) -> None:
    """Delete target's rows matching condition (columns qualified `target.`) and insert rows, in ONE statement.

    rows is a DataFrame or an iterable of them (chunks of series, loaded one at a time: never all in memory). They
    are loaded into a staging table first (it expires by itself if this process dies), then
    `MERGE ... ON FALSE` deletes the old rows (NOT MATCHED BY SOURCE) and inserts every staged row (NOT MATCHED)
    as a single DML statement, so no reader and no crash ever sees them missing or doubled.
    """
    from google.cloud import bigquery

    now = pd.Timestamp.now(tz="UTC")
    staging = f"{target}__staging_{now.strftime('%Y%m%d%H%M%S%f')}"
    staged = 0
    try:
        for chunk in [rows] if isinstance(rows, pd.DataFrame) else rows:
            if chunk.empty:
                continue
            first = staged == 0
            load(connection, chunk, staging, schema, "WRITE_TRUNCATE" if first else "WRITE_APPEND",
                 expires=(now + pd.Timedelta(hours=STAGING_HOURS)).to_pydatetime() if first else None)
            staged += len(chunk)
        if not staged:  # nothing to insert: one DELETE is atomic by itself
            sql = f"DELETE FROM `{target}` AS target WHERE {condition}"
            connection.query_and_wait(sql, job_config=bigquery.QueryJobConfig(query_parameters=params))
            return
        columns = ", ".join(f"`{field.name}`" for field in schema)
        values = ", ".join(f"incoming.`{field.name}`" for field in schema)
        merge = (f"MERGE INTO `{target}` AS target USING `{staging}` AS incoming ON FALSE\n"
                 f"WHEN NOT MATCHED BY SOURCE AND {condition} THEN DELETE\n"
                 f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})")
        connection.query_and_wait(merge, job_config=bigquery.QueryJobConfig(query_parameters=params))
    finally:
        if staged:
            connection.delete_table(staging, not_found_ok=True)


class BigQueryWarehouse(Warehouse):
    """Tables in one BigQuery dataset; the same interface as the local DuckDB warehouse."""

    project: str
    dataset: str
    location: str = ""
    api_endpoint: str = ""  # empty = the real BigQuery; tests point it at 127.0.0.1

    _client: object = PrivateAttr(default=None)

    def client(self):
        """The BigQuery client, created on first use."""
        if self._client is None:
            self._client = bigquery_client(self.project, self.location or None, self.api_endpoint or None)
        return self._client

    def table_id(self, table: str) -> str:
        """project.dataset.table, with every part checked."""
        return f"{self.project}.{identifier(self.dataset, 'dataset')}.{identifier(table, 'table')}"

    def write(self, table: str, rows: pd.DataFrame, replace_where: dict | None = None) -> None:
        table_id = self.table_id(table)
        rows = utc_timestamps(rows)  # stored as TIMESTAMP, never DATETIME (TIMESTAMP parameters compare with it)
        schema = table_schema(rows)  # bad names fail before anything is sent
        clause, params = where_clause(replace_where, table="target")
        if replace_where and self._exists(table_id):
            swap_rows(self.client(), table_id, rows, schema, clause.removeprefix(" WHERE "), params)
        elif not rows.empty:  # a first write has nothing to replace: the load creates the table
            load(self.client(), rows, table_id, schema, "WRITE_APPEND")

    def _exists(self, table_id: str) -> bool:
        from google.api_core.exceptions import NotFound

        try:
            self.client().get_table(table_id)
        except NotFound:
            return False
        return True

    def max_value(self, table: str, column: str):
        from google.api_core.exceptions import NotFound

        # One aggregate: BigQuery scans only the column (a sensor tick must not pull the table into pandas).
        sql = f"SELECT MAX(`{identifier(column, 'column')}`) AS max_value FROM `{self.table_id(table)}`"
        try:
            (row,) = list(self.client().query_and_wait(sql))
        except NotFound:
            return None
        value = row[0]
        if isinstance(value, datetime):  # naive UTC, as read() returns timestamps
            value = pd.Timestamp(value).tz_convert("UTC").tz_localize(None) if value.tzinfo else pd.Timestamp(value)
        return value

    def _query(self, sql: str, params: list) -> pd.DataFrame | None:
        """The rows of sql as a frame with lower-case columns and naive UTC timestamps; None when the table is missing."""
        from google.api_core.exceptions import NotFound
        from google.cloud import bigquery

        try:
            rows = self.client().query_and_wait(sql, job_config=bigquery.QueryJobConfig(query_parameters=params))
        except NotFound:
            return None
        frame = rows.to_arrow(create_bqstorage_client=False).to_pandas()
        # The BigQuery IO manager writes asset tables with upper-case column names; ours are lower case.
        frame.columns = [str(c).lower() for c in frame.columns]
        for column in frame.columns:  # naive UTC timestamps, like the local warehouse returns
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
        return frame

    def read(self, table, where=None, time_column=None, start=None, end=None) -> pd.DataFrame:
        clause, params = where_clause(where, time_column, start, end)
        frame = self._query(f"SELECT * FROM `{self.table_id(table)}`{clause}", params)
        return pd.DataFrame() if frame is None else frame

    def distinct(self, table, column, time_column=None, start=None, end=None) -> pd.Series:
        clause, params = where_clause(None, time_column, start, end)
        name = identifier(column, "column")
        frame = self._query(f"SELECT DISTINCT `{name}` FROM `{self.table_id(table)}`{clause}", params)
        return pd.Series(dtype=object, name=column) if frame is None else frame[name.lower()].rename(column)

    def read_shards(self, table, shards, time_column=None, start=None, end=None):
        # One query per shard: BigQuery filters where the data lives (clustered by series_id), we hold one shard.
        from google.cloud import bigquery

        clause, params = where_clause(None, time_column, start, end)
        clause += (" AND " if clause else " WHERE ") + "`series_id` IN UNNEST(@shard_series)"
        for shard, ids in shards.groupby("shard", sort=True)["series_id"]:
            rows = self._query(f"SELECT * FROM `{self.table_id(table)}`{clause}",
                               [*params, bigquery.ArrayQueryParameter("shard_series", "STRING", [str(i) for i in ids])])
            if rows is None:
                return
            if not rows.empty:
                yield int(shard), rows
