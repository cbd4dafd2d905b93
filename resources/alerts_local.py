"""Local alerts: a row in the warehouse, a line in the Dagster log, and a Slack-compatible webhook when one is set."""

import json

import dagster as dg
import pandas as pd

from resources.alerts import Alerter
from resources.warehouse import Warehouse

ALERTS_TABLE = "alerts"


class LocalAlerter(Alerter):
    """Records each alert in the `alerts` table and logs it; POSTs {"text": ...} to webhook_url when set (empty = off).

    Sending never raises: an alert must not break the run that raised it, so delivery failures are logged and recorded.
    """

    warehouse: dg.ResourceDependency[Warehouse]
    webhook_url: str = ""  # filled from dg.EnvVar("ALERT_WEBHOOK_URL") when that is set
    webhook_timeout_seconds: float = 5.0

    def send(self, kind: str, title: str, details: dict) -> None:
        """Log the alert, post it to the webhook when set, and record it with the webhook's outcome."""
        logger = dg.get_dagster_logger()
        details_json = json.dumps(details, sort_keys=True, default=str)
        logger.warning(f"ALERT [{kind}] {title} {details_json}")
        webhook_status = self._post(_slack_text(kind, title, details)) if self.webhook_url else "off"
        row = pd.DataFrame([{
            "created_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
            "kind": kind,
            "title": title,
            "details": details_json,
            "webhook_status": webhook_status,
        }])
        try:
            self.warehouse.write(ALERTS_TABLE, row)
        except Exception as error:  # the log line above still carries the alert
            logger.error(f"alert [{kind}] {title!r} could not be written to table {ALERTS_TABLE}: {error}")

    def _post(self, text: str) -> str:
        """POST text to the webhook; return "sent" or "failed: <reason>"."""
        import requests

        try:
            response = requests.post(self.webhook_url, json={"text": text}, timeout=self.webhook_timeout_seconds)
        except requests.RequestException as error:
            # Only the error's type: its message repeats the URL, and the URL is a secret (Slack puts its token in it).
            return _failed(f"{type(error).__name__} posting to the webhook")
        if not response.ok:
            return _failed(f"webhook answered HTTP {response.status_code}")
        return "sent"


def _slack_text(kind: str, title: str, details: dict) -> str:
    """A short Slack message: the kind and title on the first line, one `key: value` line per detail."""
    lines = [f"[{kind}] {title}"] + [f"{key}: {value}" for key, value in details.items()]
    return "\n".join(lines)


def _failed(reason: str) -> str:
    """Log a webhook delivery failure and return the status recorded with the alert."""
    dg.get_dagster_logger().error(f"alert webhook did not accept the alert: {reason}")
    return f"failed: {reason}"
