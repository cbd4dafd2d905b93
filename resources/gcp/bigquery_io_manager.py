"""The BigQuery IO manager for asset tables: no project-level permission, TIMESTAMP columns, atomic partition replace.

dagster-gcp-pandas' BigQueryPandasIOManager falls short in three ways that stop a real deployment:
- it runs `CREATE SCHEMA IF NOT EXISTS` before every write, which needs project-level bigquery.datasets.create
  (dagster-io/dagster issue 19722); here the dataset is looked up (datasets.get, granted by dataEditor on the
  dataset) and created only when it is missing;
- it loads naive pandas timestamps as DATETIME, which no TIMESTAMP query parameter can be compared with; here
  every datetime column is loaded as TIMESTAMP (UTC) under an explicit schema;
- it deletes a partition, then loads the new rows, in two jobs, so a killed writer leaves the partition empty;
  here the rows are loaded into a staging table and swapped in by one MERGE statement (atomic).
Time-partitioned tables are created partitioned by their partition column (by day, or by month for partitions
of a month or longer) and clustered by series_id, so a partition's replacement scans only that partition.
"""

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
from dagster._core.definitions.partitions.utils import TimeWindow
from dagster._core.storage.db_io_manager import DbIOManager, DbTypeHandler, TableSlice
from dagster_gcp.bigquery.io_manager import BigQueryClient
from dagster_gcp_pandas import BigQueryPandasIOManager
from dagster_gcp_pandas.bigquery.bigquery_pandas_type_handler import BigQueryPandasTypeHandler
from pydantic import Field

from resources.gcp.bigquery_warehouse import identifier, load, query_parameter, swap_rows, table_schema, utc_timestamps
from resources.gcp.clients import bigquery_client
from resources.row_chunks import RowChunks

CLUSTER_COLUMN = "series_id"


class BigQueryTableClient(BigQueryClient):
    """Connects through our client factory (emulator endpoints too); never needs project-level permissions."""

    @staticmethod
    def ensure_schema_exists(context, table_slice: TableSlice, connection) -> None:
        from google.api_core.exceptions import NotFound

        try:
            connection.get_dataset(f"{table_slice.database}.{table_slice.schema}")
        except NotFound:  # only a first run on a fresh project gets here (deploy/ creates the dataset)
            connection.create_dataset(f"{table_slice.database}.{table_slice.schema}", exists_ok=True)

    @staticmethod
    def delete_table_slice(context, table_slice: TableSlice, connection) -> None:
        """Nothing: the type handler replaces the slice in the same statement that inserts the new rows."""

    @staticmethod
    @contextmanager
    def connect(context, table_slice) -> Iterator:
        config = context.resource_config or {}
        yield bigquery_client(str(config["project"]), config.get("location") or None,
                              config.get("api_endpoint") or None)


def slice_filter(table_slice: TableSlice, table: str = "") -> tuple[str, list]:
    """The condition selecting the slice's partitions (columns qualified by table when given), with its parameters."""
    clauses, params = [], []
    prefix = f"{table}." if table else ""
    for index, dimension in enumerate(table_slice.partition_dimensions):
        column = f"{prefix}`{identifier(dimension.partition_expr, 'partition_expr (a column name here)')}`"
        if isinstance(dimension.partitions, TimeWindow):
            start, end = dimension.partitions
            clauses.append(f"{column} >= @slice_start{index} AND {column} < @slice_end{index}")
            params += [query_parameter(f"slice_start{index}", pd.Timestamp(start)),
                       query_parameter(f"slice_end{index}", pd.Timestamp(end))]
        else:
            keys = [f"@slice{index}_{n}" for n in range(len(dimension.partitions))]
            clauses.append(f"{column} IN ({', '.join(keys)})")
            params += [query_parameter(key[1:], str(value)) for key, value in zip(keys, dimension.partitions)]
    return " AND ".join(clauses), params


def time_partitioning(table_slice: TableSlice, columns: list[str]):
    """Day (or month) partitioning on the time partition column, when the slice has one that is a plain column."""
    from google.cloud import bigquery

    for dimension in table_slice.partition_dimensions:
        if isinstance(dimension.partitions, TimeWindow) and dimension.partition_expr in columns:
            start, end = dimension.partitions
            long = pd.Timestamp(end) - pd.Timestamp(start) >= pd.Timedelta(days=28)
            kind = bigquery.TimePartitioningType.MONTH if long else bigquery.TimePartitioningType.DAY
            return bigquery.TimePartitioning(type_=kind, field=dimension.partition_expr)
    return None


def create_slice_table(connection, table_slice: TableSlice, target: str, rows: pd.DataFrame, schema: list) -> None:
    """The slice's table, time-partitioned and clustered by series_id, created when missing."""
    from google.cloud import bigquery

    table = bigquery.Table(target, schema=schema)
    table.time_partitioning = time_partitioning(table_slice, list(rows.columns))
    if CLUSTER_COLUMN in rows.columns:
        table.clustering_fields = [CLUSTER_COLUMN]
    connection.create_table(table, exists_ok=True)


class AtomicBigQueryPandasTypeHandler(BigQueryPandasTypeHandler):
    """Stores a DataFrame as the table (or its partitions), replacing what was there in one atomic step."""

    def handle_output(self, context, table_slice: TableSlice, obj: pd.DataFrame, connection):
        rows = utc_timestamps(obj)
        target = f"{table_slice.database}.{table_slice.schema}.{identifier(table_slice.table, 'table')}"
        schema = table_schema(rows)
        if not table_slice.partition_dimensions:
            # One load job with WRITE_TRUNCATE replaces the whole table atomically.
            load(connection, rows, target, schema, "WRITE_TRUNCATE")
        else:
            create_slice_table(connection, table_slice, target, rows, schema)
            replace_slice(connection, table_slice, target, rows, schema)
        context.add_output_metadata({"dagster/row_count": len(rows), "storage_kind": "bigquery"})

    def load_input(self, context, table_slice: TableSlice, connection) -> pd.DataFrame:
        if table_slice.partition_dimensions and len(context.asset_partition_keys) == 0:
            return pd.DataFrame()
        rows = connection.query_and_wait(BigQueryClient.get_select_statement(table_slice))
        frame = rows.to_arrow(create_bqstorage_client=False).to_pandas()
        frame.columns = [str(column).lower() for column in frame.columns]
        for column in frame.columns:  # naive UTC timestamps, as the local DuckDB IO manager returns them
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
        return frame


class RowChunksBigQueryTypeHandler(DbTypeHandler[RowChunks]):
    """Stores a RowChunks output: every chunk loaded into one staging table, swapped in by one MERGE (atomic)."""

    def handle_output(self, context, table_slice: TableSlice, obj: RowChunks, connection):
        if not table_slice.partition_dimensions:
            raise ValueError(f"{table_slice.table}: RowChunks outputs are written per partition")
        chunks = (utc_timestamps(chunk) for chunk in obj)
        first = next(chunks)  # a source delivers at least one frame; its columns make the schema
        target = f"{table_slice.database}.{table_slice.schema}.{identifier(table_slice.table, 'table')}"
        schema = table_schema(first)
        create_slice_table(connection, table_slice, target, first, schema)
        condition, params = slice_filter(table_slice, "target")
        counts: list[int] = []

        def counted():  # the row count, taken as the chunks stream past
            for chunk in itertools.chain([first], chunks):
                counts.append(len(chunk))
                yield chunk

        swap_rows(connection, target, counted(), schema, condition, params)
        context.add_output_metadata({"dagster/row_count": sum(counts), "storage_kind": "bigquery",
                                     **obj.output_metadata()})

    def load_input(self, context, table_slice: TableSlice, connection) -> RowChunks:
        """The slice as one chunk."""
        return RowChunks([AtomicBigQueryPandasTypeHandler().load_input(context, table_slice, connection)])

    @property
    def supported_types(self):
        return [RowChunks]


def replace_slice(connection, table_slice: TableSlice, target: str, rows: pd.DataFrame, schema: list) -> None:
    """Replace the slice's rows by rows in one atomic statement (see swap_rows)."""
    condition, params = slice_filter(table_slice, "target")
    swap_rows(connection, target, rows, schema, condition, params)


class BigQueryAssetIOManager(BigQueryPandasIOManager):
    """Asset tables in one BigQuery dataset: dataset-level roles suffice, times are TIMESTAMP, replaces are atomic."""

    api_endpoint: str = Field(default="", description="Empty: the real BigQuery; an emulator's host:port otherwise.")

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [AtomicBigQueryPandasTypeHandler(), RowChunksBigQueryTypeHandler()]

    def create_io_manager(self, context) -> DbIOManager:
        return DbIOManager(db_client=BigQueryTableClient(write_mode=self.write_mode, gcp_credentials=self.gcp_credentials),
                           io_manager_name="BigQueryIOManager", database=self.project, schema=self.dataset,
                           type_handlers=self.type_handlers(), default_load_type=pd.DataFrame)
