"""Alerts on GCP as structured log lines (stdout JSON lines become log entries) and the webhook when one is set.

deploy/monitoring/alert-policy.json is the log-based alert policy that matches these lines and notifies a person.
"""

import json
import sys
from datetime import UTC, datetime

from resources.alerts import Alerter

# The special fields Cloud Logging reads from a JSON log line (everything else lands in jsonPayload).
SEVERITY = "severity"
LABELS = "logging.googleapis.com/labels"
SOURCE = "logging.googleapis.com/sourceLocation"


class CloudLoggingAlerter(Alerter):
    """Writes one JSON line per alert to stdout (severity ERROR, labels) for the alert policy; posts the webhook when set."""

    service: str = "forecast-platform"
    severity: str = "ERROR"

    def entry(self, kind: str, title: str, details: dict, webhook_status: str = "off") -> dict:
        """The structured log entry for one alert."""
        return {
            SEVERITY: self.severity,
            "message": f"[{kind}] {title}",
            "time": datetime.now(UTC).isoformat(),
            LABELS: {"alert_kind": kind, "service": self.service},
            SOURCE: {"function": "CloudLoggingAlerter.send"},
            "alert": {"kind": kind, "title": title, "details": details, "webhook_status": webhook_status},
        }

    def send(self, kind: str, title: str, details: dict) -> None:
        webhook_status = self.notify_webhook(kind, title, details)
        line = json.dumps(self.entry(kind, title, details, webhook_status), default=str, sort_keys=True)
        # One line, flushed: the agent splits entries on newlines and must not see half an alert.
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
