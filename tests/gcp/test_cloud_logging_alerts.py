"""CloudLoggingAlerter: one structured JSON line on stdout that Cloud Logging parses into an entry."""

import json

import pandas as pd

from resources.gcp.cloud_logging_alerts import CloudLoggingAlerter


def test_an_alert_is_one_json_line_with_severity_message_and_labels(capsys):
    CloudLoggingAlerter().send("run_failure", "batch_forecasts failed",
                               {"run_id": "abc", "partition": "2024-03-02", "at": pd.Timestamp("2024-03-02 06:00")})

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["severity"] == "ERROR"
    assert entry["message"] == "[run_failure] batch_forecasts failed"
    assert entry["logging.googleapis.com/labels"] == {"alert_kind": "run_failure", "service": "forecast-platform"}
    assert entry["alert"]["details"] == {"run_id": "abc", "partition": "2024-03-02", "at": "2024-03-02 06:00:00"}
    assert pd.Timestamp(entry["time"]).tzinfo is not None


def test_multiline_details_stay_on_one_line_and_severity_is_configurable(capsys):
    CloudLoggingAlerter(severity="CRITICAL", service="forecast-prod").send(
        "check_failure", "raw_series duplicates", {"failing_rows": "A 2024-03-02 01:00\nB 2024-03-02 02:00"})

    (line,) = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["severity"] == "CRITICAL"
    assert entry["logging.googleapis.com/labels"]["service"] == "forecast-prod"
    assert entry["alert"]["details"]["failing_rows"].count("\n") == 1


def test_a_set_webhook_receives_the_alert_too_and_the_line_records_its_delivery(capsys, fake_google):
    fake_google.route("POST", "/hooks/T000/secret")(lambda request, match: (200, {}))
    url = f"http://{fake_google.endpoint}/hooks/T000/secret"

    CloudLoggingAlerter(webhook_url=url).send("run_failure", "training failed", {"run_id": "abc"})

    (post,) = fake_google.calls("POST", "/hooks/")
    assert post.json == {"text": "[run_failure] training failed\nrun_id: abc"}
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["alert"]["webhook_status"] == "sent"


def test_a_failing_webhook_never_breaks_the_alert_line(capsys, fake_google):
    url = f"http://{fake_google.endpoint}/no-such-hook"  # the fake answers 404

    CloudLoggingAlerter(webhook_url=url).send("run_failure", "training failed", {})

    line = [text for text in capsys.readouterr().out.splitlines() if text.startswith("{")][-1]
    assert json.loads(line)["alert"]["webhook_status"] == "failed: webhook answered HTTP 404"
