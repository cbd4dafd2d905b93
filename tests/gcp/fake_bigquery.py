"""BigQuery REST routes for the fake server (jobs.query, multipart load jobs, jobs.get), executed by DuckDB.

The real google-cloud-bigquery client talks to it; DuckDB stands in for BigQuery's engine, so the tests prove
the requests our code sends and that its SQL means what we intend, not that BigQuery itself accepts the SQL.
"""

import email
import io
import itertools
import json
import re

import duckdb
import pandas as pd
import pyarrow.parquet as pq
from fake_rest import FakeRestServer, not_found

PROJECT_PATH = r"/bigquery/v2/projects/(?P<project>[^/]+)"
DUCKDB_TO_BIGQUERY = {"VARCHAR": "STRING", "DOUBLE": "FLOAT", "BIGINT": "INTEGER", "BOOLEAN": "BOOLEAN",
                      "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "DATE": "DATE"}


class FakeBigQuery:
    """Tables held in an in-memory DuckDB database under their full project.dataset.table names."""

    def __init__(self, server: FakeRestServer):
        self.db = duckdb.connect()
        self.jobs: dict[str, dict] = {}
        ids = itertools.count(1)

        @server.route("POST", PROJECT_PATH + "/queries")
        def query(request, match):
            body = request.json
            job = {"projectId": match["project"], "jobId": f"query-{next(ids)}", "location": body.get("location")}
            try:
                result = self.db.execute(to_duckdb(body["query"]), parameters(body.get("queryParameters", [])))
            except duckdb.CatalogException as missing:
                return not_found(f"Not found: {missing}")
            answer = {"kind": "bigquery#queryResponse", "jobComplete": True, "jobReference": job}
            if result.description is None or body["query"].lstrip().upper().startswith("DELETE"):
                return 200, {**answer, "totalRows": "0", "numDmlAffectedRows": str(result.fetchone()[0])}
            types = [DUCKDB_TO_BIGQUERY[str(column[1])] for column in result.description]
            frame = result.fetch_df()
            fields = [{"name": name, "type": kind, "mode": "NULLABLE"} for name, kind in zip(frame.columns, types)]
            rows = [{"f": [{"v": cell(value, kind)} for value, kind in zip(row, types)]}
                    for row in frame.itertuples(index=False)]
            return 200, {**answer, "schema": {"fields": fields}, "rows": rows, "totalRows": str(len(rows))}

        @server.route("POST", "/upload" + PROJECT_PATH + "/jobs")
        def load(request, match):
            config, data = multipart(request)
            destination = config["configuration"]["load"]["destinationTable"]
            name = f'{destination["projectId"]}.{destination["datasetId"]}.{destination["tableId"]}'
            self.db.register("incoming", pq.read_table(io.BytesIO(data)))
            exists = self.db.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                                     [name]).fetchone()[0]
            if exists:
                self.db.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
            else:
                self.db.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            job_id = config.get("jobReference", {}).get("jobId") or f"load-{next(ids)}"
            job = {**config, "jobReference": {"projectId": match["project"], "jobId": job_id},
                   "status": {"state": "DONE"}}
            self.jobs[job_id] = job
            return 200, job

        @server.route("GET", PROJECT_PATH + r"/jobs/(?P<job_id>[^/]+)")
        def get_job(request, match):
            job = self.jobs.get(match["job_id"])
            return (200, job) if job else not_found(f"job {match['job_id']}")

    def table(self, name: str) -> pd.DataFrame:
        """The rows of a table, for assertions."""
        return self.db.execute(f'SELECT * FROM "{name}"').fetch_df()


def to_duckdb(sql: str) -> str:
    """BigQuery SQL as our code writes it -> DuckDB: `quoted` names -> "quoted", @param -> $param."""
    return re.sub(r"@(\w+)", r"$\1", re.sub(r"`([^`]+)`", r'"\1"', sql))


def parameters(query_parameters: list[dict]) -> dict:
    """BigQuery REST query parameters as Python values for DuckDB."""
    values = {}
    for param in query_parameters:
        kind, raw = param["parameterType"]["type"], param["parameterValue"]["value"]
        if kind == "TIMESTAMP":
            values[param["name"]] = pd.Timestamp(raw).tz_convert("UTC").tz_localize(None).to_pydatetime()
        elif kind == "INT64":
            values[param["name"]] = int(raw)
        elif kind == "FLOAT64":
            values[param["name"]] = float(raw)
        elif kind == "BOOL":
            values[param["name"]] = raw == "true"
        else:
            values[param["name"]] = raw
    return values


def cell(value, kind: str):
    """One value in BigQuery's JSON row format (timestamps as int64 microseconds, numbers as strings)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "TIMESTAMP":
        return str(pd.Timestamp(value).value // 1000)
    if kind == "BOOLEAN":
        return "true" if value else "false"
    return str(value)


def multipart(request) -> tuple[dict, bytes]:
    """The (job resource, file bytes) of a multipart upload."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    parts = email.message_from_bytes(head + request.body).get_payload()
    return json.loads(parts[0].get_payload(decode=True)), parts[1].get_payload(decode=True)
