"""DuckDB connections held for one operation, and an IO manager that replaces a partition (or range) in one transaction."""

import time
from contextlib import contextmanager

import duckdb
from dagster._core.storage.db_io_manager import DbIOManager
from dagster_duckdb.io_manager import DuckDbClient, _get_cleanup_statement
from dagster_duckdb_pandas import DuckDBPandasIOManager

LOCK_WAIT_SECONDS = 15.0  # long enough for another process's one read or write, short enough to fail visibly


class WarehouseLockedError(RuntimeError):
    """Another process holds the DuckDB file; the message names it (DuckDB reports its path and PID)."""


@contextmanager
def duckdb_connection(database: str, wait_seconds: float = LOCK_WAIT_SECONDS, config: dict | None = None):
    """One short-lived read-write connection, closed on every exit; retries briefly while another process holds the lock."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            conn = duckdb.connect(database=database, read_only=False, config=config or {})
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"{database}: still locked after {wait_seconds:g} s by another process ({error}); "
                    "close the notebook, UI or run that holds it, or let the run queue in the 'warehouse' pool"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        yield conn
    finally:
        conn.close()


class AtomicDuckDbClient(DuckDbClient):
    """DuckDbClient whose delete and insert share one transaction, so a killed writer leaves the old rows in place."""

    @staticmethod
    @contextmanager
    def connect(context, _table_slice):
        config = {"custom_user_agent": "dagster", **context.resource_config["connection_config"]}
        with duckdb_connection(context.resource_config["database"], config=config) as conn:
            conn.execute("BEGIN TRANSACTION")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @staticmethod
    def delete_table_slice(context, table_slice, connection) -> None:
        # A failed statement aborts a DuckDB transaction, so ask whether the table exists instead of catching the error.
        exists = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [table_slice.schema, table_slice.table],
        ).fetchone()[0]
        if exists:
            connection.execute(_get_cleanup_statement(table_slice))


class AtomicDuckDBPandasIOManager(DuckDBPandasIOManager):
    """The DuckDB pandas IO manager, but a rerun's delete-then-insert commits as one: old rows or new, never neither."""

    def create_io_manager(self, context) -> DbIOManager:
        return DbIOManager(
            db_client=AtomicDuckDbClient(),
            database=self.database,
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="DuckDBIOManager",
        )

