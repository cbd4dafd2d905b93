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

    def send(self, kind: str, title: str, details: dict) -> None:
        """Log the alert, post it to the webhook when set, and record it with the webhook's outcome."""
        logger = dg.get_dagster_logger()
        details_json = json.dumps(details, sort_keys=True, default=str)
        logger.warning(f"ALERT [{kind}] {title} {details_json}")
        webhook_status = self.notify_webhook(kind, title, details)
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
