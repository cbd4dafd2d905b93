"""Alerts on GCP as structured log lines: Cloud Run's logging agent turns each stdout JSON line into a log entry."""

import json
import sys
from datetime import UTC, datetime

from resources.alerts import Alerter

# The special fields Cloud Logging reads from a JSON log line (everything else lands in jsonPayload).
SEVERITY = "severity"
LABELS = "logging.googleapis.com/labels"
SOURCE = "logging.googleapis.com/sourceLocation"


class CloudLoggingAlerter(Alerter):
    """Writes one JSON line per alert to stdout with severity ERROR and labels, for a log-based alert policy to match."""

    service: str = "forecast-platform"
    severity: str = "ERROR"

    def entry(self, kind: str, title: str, details: dict) -> dict:
        """The structured log entry for one alert."""
        return {
            SEVERITY: self.severity,
            "message": f"[{kind}] {title}",
            "time": datetime.now(UTC).isoformat(),
            LABELS: {"alert_kind": kind, "service": self.service},
            SOURCE: {"function": "CloudLoggingAlerter.send"},
            "alert": {"kind": kind, "title": title, "details": details},
        }

    def send(self, kind: str, title: str, details: dict) -> None:
        line = json.dumps(self.entry(kind, title, details), default=str, sort_keys=True)
        # One line, flushed: the agent splits entries on newlines and must not see half an alert.
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
