"""The warehouse: tables that sensors, dashboards and registries read as numbers (local DuckDB, BigQuery on GCP)."""

from abc import ABC, abstractmethod
from contextlib import contextmanager

import dagster as dg
import pandas as pd

from resources.duckdb_io import duckdb_connection

# The concurrency pool of every asset that writes the warehouse: where the instance limits it (the local DuckDB file
# takes one writer process at a time), runs queue on it instead of failing on the file lock.
WAREHOUSE_POOL = "warehouse"


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

    def read(self, table, where=None, time_column=None, start=None, end=None) -> pd.DataFrame:
        clauses, params = [], []
        for column, value in (where or {}).items():
            clauses.append(f'"{column}" = ?')
            params.append(value)
        if time_column and start is not None:
            clauses.append(f'"{time_column}" >= ?')
            params.append(pd.Timestamp(start).to_pydatetime())
        if time_column and end is not None:
            clauses.append(f'"{time_column}" < ?')
            params.append(pd.Timestamp(end).to_pydatetime())
        sql = f"SELECT * FROM {self.schema_name}.{table}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
        with self._connection() as conn:
            if not self._exists(conn, table):
                return pd.DataFrame()
            return conn.execute(sql, params).fetch_df()
