"""Alerts: failed runs and failed blocking checks, sent where someone will see them."""

from abc import ABC, abstractmethod

import dagster as dg


class Alerter(dg.ConfigurableResource, ABC):
    """Sends an alert (local: a warehouse row and the Dagster log; GCP: Cloud Logging), plus a webhook when set."""

    webhook_url: str = ""  # filled from dg.EnvVar("ALERT_WEBHOOK_URL") when that is set (empty = off)
    webhook_timeout_seconds: float = 5.0

    @abstractmethod
    def send(self, kind: str, title: str, details: dict) -> None:
        """Raise one alert of kind (e.g. run_failure, check_failure) with a short title and structured details."""

    def notify_webhook(self, kind: str, title: str, details: dict) -> str:
        """POST a Slack-compatible {"text": ...} to the webhook; "off", "sent" or "failed: <reason>", never raising."""
        if not self.webhook_url:
            return "off"
        import requests

        text = slack_text(kind, title, details)
        try:
            response = requests.post(self.webhook_url, json={"text": text}, timeout=self.webhook_timeout_seconds)
        except requests.RequestException as error:
            # Only the error's type: its message repeats the URL, and the URL is a secret (Slack puts its token in it).
            return _failed(f"{type(error).__name__} posting to the webhook")
        if not response.ok:
            return _failed(f"webhook answered HTTP {response.status_code}")
        return "sent"


def slack_text(kind: str, title: str, details: dict) -> str:
    """A short Slack message: the kind and title on the first line, one `key: value` line per detail."""
    lines = [f"[{kind}] {title}"] + [f"{key}: {value}" for key, value in details.items()]
    return "\n".join(lines)


def _failed(reason: str) -> str:
    """Log a webhook delivery failure and return the status recorded with the alert."""
    dg.get_dagster_logger().error(f"alert webhook did not accept the alert: {reason}")
    return f"failed: {reason}"
