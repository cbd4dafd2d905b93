"""Dagster's log lines reach Cloud Logging as structured JSON, configured by the production dagster.yaml."""

import json
import logging
import logging.config
from pathlib import Path

import yaml

from resources.gcp.cloud_logging import CloudLoggingFormatter

DAGSTER_YAML = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


def test_a_dagster_record_becomes_one_json_line_with_severity_and_run_labels():
    record = logging.LogRecord("dagster", logging.WARNING, "assets.py", 12, "drift above threshold", None, None)
    record.dagster_meta = {"run_id": "abc123", "job_name": "monitoring_job", "step_key": "drift_report"}
    entry = json.loads(CloudLoggingFormatter().format(record))
    assert entry["severity"] == "WARNING" and entry["message"] == "drift above threshold"
    assert entry["logging.googleapis.com/labels"] == {"run_id": "abc123", "job": "monitoring_job", "step": "drift_report"}


def test_the_production_instance_sends_dagster_logs_through_the_json_formatter():
    config = yaml.safe_load(DAGSTER_YAML.read_text())["python_logs"]["dagster_handler_config"]
    handler = config["handlers"]["cloudLogging"]
    assert handler["stream"] == "ext://sys.stdout"
    assert config["formatters"][handler["formatter"]]["()"] == "resources.gcp.cloud_logging.CloudLoggingFormatter"
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False, **config,
                               "loggers": {"probe": {"handlers": ["cloudLogging"]}}})
    assert isinstance(logging.getLogger("probe").handlers[0].formatter, CloudLoggingFormatter)
