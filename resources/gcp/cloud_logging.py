"""Structured JSON log lines that Cloud Logging parses (severity, message, labels) from stdout on Cloud Run."""

import json
import logging

SEVERITY = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"}


class CloudLoggingFormatter(logging.Formatter):
    """Formats a record as one JSON object; Dagster's run id, job and step become Cloud Logging labels."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        labels = {key: str(meta[name]) for key, name in
                  (("run_id", "run_id"), ("job", "job_name"), ("step", "step_key")) if meta.get(name)}
        entry = {
            "severity": SEVERITY.get(record.levelname, "DEFAULT"),
            "message": record.getMessage(),
            "logger": record.name,
            "logging.googleapis.com/labels": labels,
            "logging.googleapis.com/sourceLocation": {"file": record.pathname, "line": record.lineno,
                                                       "function": record.funcName},
        }
        if record.exc_info:
            entry["message"] += "\n" + self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
