"""DuckDB connections held for one operation, and an IO manager that replaces a partition (or range) in one transaction."""

import time
from contextlib import contextmanager

import duckdb
from dagster._core.storage.db_io_manager import DbIOManager, DbTypeHandler, TableSlice
from dagster_duckdb.io_manager import DuckDbClient, _get_cleanup_statement
from dagster_duckdb_pandas import DuckDBPandasIOManager

from resources.row_chunks import RowChunks

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


def _table_exists(connection, schema: str, table: str) -> bool:
    return bool(connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table]).fetchall()[0][0])


class RowChunksTypeHandler(DbTypeHandler[RowChunks]):
    """Writes a RowChunks output chunk by chunk on the IO manager's connection, so inside its one transaction."""

    def handle_output(self, context, table_slice: TableSlice, obj: RowChunks, connection):
        name = f"{table_slice.schema}.{table_slice.table}"
        exists, rows = _table_exists(connection, table_slice.schema, table_slice.table), 0
        for chunk in obj:
            if chunk.empty:
                continue
            incoming_chunk = chunk  # noqa: F841  (DuckDB scans the local frame by its name)
            connection.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_chunk" if exists
                               else f"CREATE TABLE {name} AS SELECT * FROM incoming_chunk").fetchall()
            exists, rows = True, rows + len(chunk)
        context.add_output_metadata({"dagster/row_count": rows, "storage_kind": "duckdb", **obj.output_metadata()})

    def load_input(self, context, table_slice: TableSlice, connection) -> RowChunks:
        """The slice as one chunk (readers that want it piecewise query the warehouse by series)."""
        return RowChunks([connection.execute(DuckDbClient.get_select_statement(table_slice)).fetch_df()])

    @property
    def supported_types(self):
        return [RowChunks]


class AtomicDuckDBPandasIOManager(DuckDBPandasIOManager):
    """The DuckDB pandas IO manager, but a rerun's delete-then-insert commits as one: old rows or new, never neither."""

    @staticmethod
    def type_handlers():
        return [*DuckDBPandasIOManager.type_handlers(), RowChunksTypeHandler()]

    def create_io_manager(self, context) -> DbIOManager:
        return DbIOManager(
            db_client=AtomicDuckDbClient(),
            database=self.database,
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="DuckDBIOManager",
        )

