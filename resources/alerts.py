"""Alerts: failed runs and failed blocking checks, sent where someone will see them."""

from abc import ABC, abstractmethod

import dagster as dg


class Alerter(dg.ConfigurableResource, ABC):
    """Sends an alert (local: a warehouse row and the Dagster log, plus a webhook when set; GCP: Cloud Logging)."""

    @abstractmethod
    def send(self, kind: str, title: str, details: dict) -> None:
        """Raise one alert of kind (e.g. run_failure, check_failure) with a short title and structured details."""
