"""The local alerter: a warehouse row and a Dagster log line per alert, a Slack-style webhook when set, never raising."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from resources.alerts_local import LocalAlerter
from resources.warehouse import DuckDBWarehouse


class RecordingWebhook(BaseHTTPRequestHandler):
    """Answers every POST with the configured status and keeps the requests it received."""

    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(
            {"path": self.path, "content_type": self.headers["Content-Type"], "body": json.loads(body)})
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    """A webhook receiver on 127.0.0.1; yields (url, handler class)."""
    handler = type("Handler", (RecordingWebhook,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/secret-token", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def warehouse(tmp_path) -> DuckDBWarehouse:
    return DuckDBWarehouse(database=str(tmp_path / "warehouse.duckdb"))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_alert_is_a_row_in_the_alerts_table(warehouse):
    alerter = LocalAlerter(warehouse=warehouse)
    alerter.send("run_failure", "training failed", {"run_id": "abc", "step": "candidate_model"})
    alerter.send("check_failure", "gaps in raw_series", {"series": ["AEP", "DOM"]})
    rows = warehouse.read("alerts").sort_values("created_at")
    assert rows["kind"].tolist() == ["run_failure", "check_failure"]
    assert rows["title"].tolist() == ["training failed", "gaps in raw_series"]
    assert json.loads(rows["details"].iloc[1]) == {"series": ["AEP", "DOM"]}
    assert rows["webhook_status"].tolist() == ["off", "off"]


def test_a_set_webhook_receives_a_slack_compatible_post(warehouse, webhook):
    url, handler = webhook
    alerter = LocalAlerter(warehouse=warehouse, webhook_url=url)
    alerter.send("check_failure", "negative values", {"series": "FE", "rows": 3})
    assert handler.received == [{
        "path": "/hooks/T000/secret-token",
        "content_type": "application/json",
        "body": {"text": "[check_failure] negative values\nseries: FE\nrows: 3"},
    }]
    assert warehouse.read("alerts")["webhook_status"].tolist() == ["sent"]


def test_an_unreachable_webhook_does_not_raise_and_is_recorded(warehouse):
    url = f"http://127.0.0.1:{closed_port()}/hooks/secret-token"
    LocalAlerter(warehouse=warehouse, webhook_url=url, webhook_timeout_seconds=2).send("run_failure", "boom", {})
    status = warehouse.read("alerts")["webhook_status"].iloc[0]
    assert status.startswith("failed: ConnectionError")
    assert "secret-token" not in status


def test_a_webhook_answering_an_error_is_recorded_with_its_status(warehouse, webhook):
    url, handler = webhook
    handler.status = 500
    LocalAlerter(warehouse=warehouse, webhook_url=url).send("run_failure", "boom", {})
    assert len(handler.received) == 1
    assert warehouse.read("alerts")["webhook_status"].tolist() == ["failed: webhook answered HTTP 500"]


def test_an_alert_raised_inside_a_run_is_in_that_runs_log(warehouse):
    @dg.asset
    def watched(alerter: LocalAlerter) -> None:
        alerter.send("check_failure", "stale partition", {"partition": "2018-08-01"})

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([watched], instance=instance, resources={"alerter": LocalAlerter(warehouse=warehouse)})
    assert result.success
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any("ALERT [check_failure] stale partition" in message and "2018-08-01" in message for message in messages)
    assert warehouse.read("alerts")["title"].tolist() == ["stale partition"]
