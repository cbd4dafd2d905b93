"""FakeBigQuery plus the catalog routes an IO manager uses: datasets, tables (schema, partitioning), scripts.

The stored schema is what BigQuery would store: the load job's explicit schema, else the type BigQuery infers
from the Parquet file (a naive timestamp becomes DATETIME, a UTC-adjusted one TIMESTAMP). DML runs in
DuckDB (MERGE included); fail_next_merge makes the next MERGE fail as a writer killed mid-statement would.
"""

import io
import re

import pyarrow as pa
import pyarrow.parquet as pq
from fake_bigquery import PROJECT_PATH, FakeBigQuery, multipart, parameters, to_duckdb
from fake_rest import FakeRestServer, not_found

DATASET_PATH = PROJECT_PATH + r"/datasets/(?P<dataset>[^/]+)"
TABLE_PATH = DATASET_PATH + r"/tables/(?P<table>[^/]+)"
BIGQUERY_TO_DUCKDB = {"STRING": "VARCHAR", "FLOAT64": "DOUBLE", "FLOAT": "DOUBLE", "INT64": "BIGINT",
                      "INTEGER": "BIGINT", "BOOL": "BOOLEAN", "BOOLEAN": "BOOLEAN", "TIMESTAMP": "TIMESTAMP",
                      "DATETIME": "TIMESTAMP", "DATE": "DATE"}


def inferred_type(field: pa.Field) -> str:
    """The BigQuery type a schemaless Parquet load gives a column."""
    kind = field.type
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP" if kind.tz else "DATETIME"
    if pa.types.is_floating(kind):
        return "FLOAT"
    if pa.types.is_integer(kind):
        return "INTEGER"
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    return "STRING"


class FakeBigQueryCatalog(FakeBigQuery):
    """Datasets and table resources beside FakeBigQuery's engine."""

    def __init__(self, server: FakeRestServer, datasets=("forecast",)):
        self.datasets = set(datasets)
        self.tables: dict[str, dict] = {}  # project.dataset.table -> table resource as BigQuery returns it
        self.fail_next_merge = False
        super().__init__(server)
        inherited = len(server.routes)
        self._routes(server)
        # The first matching route answers: these replace FakeBigQuery's query and load routes.
        mine = server.routes[inherited:]
        del server.routes[inherited:]
        server.routes[:0] = mine

    def _routes(self, server: FakeRestServer) -> None:
        @server.route("GET", DATASET_PATH)
        def get_dataset(request, match):
            if match["dataset"] not in self.datasets:
                return not_found(f"Not found: Dataset {match['project']}:{match['dataset']}")
            return 200, {"datasetReference": {"projectId": match["project"], "datasetId": match["dataset"]}}

        @server.route("POST", PROJECT_PATH + "/datasets")
        def create_dataset(request, match):
            self.datasets.add(request.json["datasetReference"]["datasetId"])
            return 200, request.json

        @server.route("POST", DATASET_PATH + "/tables")
        def create_table(request, match):
            body = request.json
            name = self._name(body["tableReference"])
            if name in self.tables:
                return 409, {"error": {"code": 409, "message": f"Already Exists: Table {name}", "status": "ALREADY_EXISTS"}}
            self._create(name, body)
            return 200, self.tables[name]

        @server.route("GET", TABLE_PATH)
        def get_table(request, match):
            name = f"{match['project']}.{match['dataset']}.{match['table']}"
            return (200, self.tables[name]) if name in self.tables else not_found(f"Not found: Table {name}")

        @server.route("PATCH", TABLE_PATH)
        def patch_table(request, match):
            name = f"{match['project']}.{match['dataset']}.{match['table']}"
            self.tables[name].update(request.json)
            return 200, self.tables[name]

        @server.route("DELETE", TABLE_PATH)
        def delete_table(request, match):
            name = f"{match['project']}.{match['dataset']}.{match['table']}"
            if self.tables.pop(name, None) is None:
                return not_found(f"Not found: Table {name}")
            self.db.execute(f'DROP TABLE IF EXISTS "{name}"')
            return 204, {}

        @server.route("POST", "/upload" + PROJECT_PATH + "/jobs")
        def load(request, match):
            config, data = multipart(request)
            spec = config["configuration"]["load"]
            name = self._name(spec["destinationTable"])
            incoming = pq.read_table(io.BytesIO(data))
            if name not in self.tables:
                fields = spec.get("schema", {}).get("fields") or [
                    {"name": f.name, "type": inferred_type(f), "mode": "NULLABLE"} for f in incoming.schema]
                self._create(name, {"tableReference": spec["destinationTable"], "schema": {"fields": fields}})
            elif spec.get("writeDisposition") == "WRITE_TRUNCATE":
                self.db.execute(f'DELETE FROM "{name}"')
            self.db.register("incoming", incoming)
            self.db.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
            self.db.unregister("incoming")
            job = {**config, "jobReference": {"projectId": match["project"], "jobId": f"load-{len(self.jobs) + 1}"},
                   "status": {"state": "DONE"}}
            self.jobs[job["jobReference"]["jobId"]] = job
            return 200, job

        @server.route("POST", PROJECT_PATH + "/queries")
        def query(request, match):
            body = request.json
            values = parameters(body.get("queryParameters", []))
            statements = [s.strip() for s in body["query"].split(";") if s.strip()]
            answer = {"kind": "bigquery#queryResponse", "jobComplete": True, "totalRows": "0",
                      "jobReference": {"projectId": match["project"], "jobId": f"query-{len(self.jobs) + 1}"}}
            if len(statements) == 1 and statements[0].upper().startswith("SELECT"):
                return self._select(statements[0], values, answer)
            statement = statements[0]
            if self.fail_next_merge and statement.upper().startswith("MERGE"):
                self.fail_next_merge = False
                # 400, not 500: the client retries a 500, and a killed writer sends nothing more.
                return 400, {"error": {"code": 400, "message": "the writer was killed", "status": "ABORTED"}}
            try:
                sql = to_duckdb(statement)
                self.db.execute(sql, {k: v for k, v in values.items() if f"${k}" in sql})
            except Exception as error:
                status = 404 if "does not exist" in str(error) else 400
                return status, {"error": {"code": status, "message": str(error), "status": "INVALID_ARGUMENT"}}
            return 200, answer

    def _select(self, statement, values, answer):
        from fake_bigquery import DUCKDB_TO_BIGQUERY, cell

        try:
            result = self.db.execute(to_duckdb(statement), values)
        except Exception as error:
            return not_found(str(error))
        types = [DUCKDB_TO_BIGQUERY[str(column[1])] for column in result.description]
        frame = result.fetch_df()
        fields = [{"name": name, "type": kind, "mode": "NULLABLE"} for name, kind in zip(frame.columns, types)]
        rows = [{"f": [{"v": cell(value, kind)} for value, kind in zip(row, types)]} for row in frame.itertuples(index=False)]
        return 200, {**answer, "schema": {"fields": fields}, "rows": rows, "totalRows": str(len(rows))}

    @staticmethod
    def _name(reference: dict) -> str:
        return f'{reference["projectId"]}.{reference["datasetId"]}.{reference["tableId"]}'

    def _create(self, name: str, resource: dict) -> None:
        fields = resource["schema"]["fields"]
        columns = ", ".join(f'"{f["name"]}" {BIGQUERY_TO_DUCKDB[f["type"]]}' for f in fields)
        self.db.execute(f'CREATE TABLE "{name}" ({columns})')
        self.tables[name] = {**resource, "id": name, "kind": "bigquery#table"}

    def schema(self, name: str) -> dict[str, str]:
        """column -> stored BigQuery type of a table."""
        return {field["name"]: field["type"] for field in self.tables[name]["schema"]["fields"]}


def strip(text: str) -> str:
    """SQL with runs of whitespace collapsed, for comparing statements."""
    return re.sub(r"\s+", " ", text).strip()
