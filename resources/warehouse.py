"""The warehouse: tables that sensors, dashboards and registries read as numbers (local DuckDB, BigQuery on GCP)."""

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd

from resources.duckdb_io import duckdb_connection

# The concurrency pool of every asset that writes the warehouse: where the instance limits it (the local DuckDB file
# takes one writer process at a time), runs queue on it instead of failing on the file lock.
WAREHOUSE_POOL = "warehouse"
SHARD_COLUMN = "__shard"
SHARD_SPLIT_MEMORY = "2GB"  # DuckDB's own cap while it splits a table into shards (it spills to disk beyond)


class Warehouse(dg.ConfigurableResource, ABC):
    """Append, replace and read whole tables or time ranges of them; the IO manager handles asset tables."""

    @abstractmethod
    def write(self, table: str, rows: pd.DataFrame, replace_where: dict | None = None) -> None:
        """Append rows to table (created on first write), first deleting rows matching replace_where (column -> value)."""

    @abstractmethod
    def read(self, table: str, where: dict | None = None, time_column: str | None = None,
             start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
        """Rows of table matching where and start <= time_column < end; an empty frame when the table does not exist."""

    @abstractmethod
    def distinct(self, table: str, column: str, time_column: str | None = None, start: pd.Timestamp | None = None,
                 end: pd.Timestamp | None = None) -> pd.Series:
        """The distinct values of column in table's rows with start <= time_column < end (empty when no table)."""

    @abstractmethod
    def read_shards(self, table: str, shards: pd.DataFrame, time_column: str | None = None,
                    start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> Iterator[tuple[int, pd.DataFrame]]:
        """table's rows with start <= time_column < end, one shard of series at a time: shards maps series_id to
        shard (resources/shards.py); yields (shard, rows) in shard order for every shard that has rows, so the
        caller holds one shard, never the table."""

    @abstractmethod
    def max_value(self, table: str, column: str):
        """The largest value of column in table, or None when the table is empty or missing: one aggregate query."""


class DuckDBWarehouse(Warehouse):
    """The local warehouse: one DuckDB file, the same one the DuckDB IO manager writes asset tables to."""

    database: str
    schema_name: str = "forecast"

    @contextmanager
    def _connection(self):
        # Held for this one read or write only, so sensors, the UI and other runs are never locked out for long.
        with duckdb_connection(self.database) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema_name}")
            yield conn

    def _exists(self, conn, table: str) -> bool:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [self.schema_name, table],
        ).fetchone()
        return bool(found and found[0])

    def write(self, table: str, rows: pd.DataFrame, replace_where: dict | None = None) -> None:
        name = f"{self.schema_name}.{table}"
        with self._connection() as conn:
            conn.register("incoming_rows", rows)
            if not self._exists(conn, table):
                conn.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming_rows")
                return
            conn.execute("BEGIN TRANSACTION")
            if replace_where:
                clause = " AND ".join(f'"{column}" = ?' for column in replace_where)
                conn.execute(f"DELETE FROM {name} WHERE {clause}", list(replace_where.values()))
            conn.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_rows")
            conn.execute("COMMIT")

    def max_value(self, table: str, column: str):
        with self._connection() as conn:
            if not self._exists(conn, table):
                return None
            return conn.execute(f'SELECT max("{column}") FROM {self.schema_name}.{table}').fetchone()[0]

    @staticmethod
    def _filter(where=None, time_column=None, start=None, end=None, table: str = "") -> tuple[str, list]:
        """' WHERE ...' with one ? per value (columns qualified by table when given), and the values."""
        clauses, params, prefix = [], [], f"{table}." if table else ""
        for column, value in (where or {}).items():
            clauses.append(f'{prefix}"{column}" = ?')
            params.append(value)
        if time_column and start is not None:
            clauses.append(f'{prefix}"{time_column}" >= ?')
            params.append(pd.Timestamp(start).to_pydatetime())
        if time_column and end is not None:
            clauses.append(f'{prefix}"{time_column}" < ?')
            params.append(pd.Timestamp(end).to_pydatetime())
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params

    def read(self, table, where=None, time_column=None, start=None, end=None) -> pd.DataFrame:
        clause, params = self._filter(where, time_column, start, end)
        with self._connection() as conn:
            if not self._exists(conn, table):
                return pd.DataFrame()
            return conn.execute(f"SELECT * FROM {self.schema_name}.{table}{clause}", params).fetch_df()

    def distinct(self, table, column, time_column=None, start=None, end=None) -> pd.Series:
        clause, params = self._filter(None, time_column, start, end)
        with self._connection() as conn:
            if not self._exists(conn, table):
                return pd.Series(dtype=object, name=column)
            sql = f'SELECT DISTINCT "{column}" FROM {self.schema_name}.{table}{clause}'
            return conn.execute(sql, params).fetch_df()[column]

    def read_shards(self, table, shards, time_column=None, start=None, end=None):
        # One scan splits the rows into a Parquet folder per shard (DuckDB spills, within its memory limit); the
        # shards are then read back one by one, after the file lock is released.
        clause, params = self._filter(None, time_column, start, end, table="t")
        with tempfile.TemporaryDirectory(prefix="warehouse-shards-") as folder:
            with self._connection() as conn:
                if not self._exists(conn, table):
                    return
                conn.execute(f"SET memory_limit = '{SHARD_SPLIT_MEMORY}'")
                conn.execute("SET preserve_insertion_order = false")
                conn.register("series_shards", shards[["series_id", "shard"]])
                conn.execute(f"COPY (SELECT t.*, s.shard AS {SHARD_COLUMN} FROM {self.schema_name}.{table} t "
                             f"JOIN series_shards s ON t.series_id = s.series_id{clause}) "
                             f"TO '{folder}/rows' (FORMAT PARQUET, PARTITION_BY ({SHARD_COLUMN}))", params)
            for shard in sorted(int(path.name.split("=")[1]) for path in Path(folder, "rows").glob(f"{SHARD_COLUMN}=*")):
                rows = pd.read_parquet(Path(folder, "rows", f"{SHARD_COLUMN}={shard}"))
                yield shard, rows.drop(columns=[SHARD_COLUMN], errors="ignore")
