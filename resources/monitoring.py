"""The monitoring workspace: where Evidently snapshots are kept for the monitoring dashboard."""

from abc import ABC, abstractmethod

import dagster as dg


class MonitoringWorkspace(dg.ConfigurableResource, ABC):
    """An Evidently workspace (a local folder, or the same format on a bucket) with one project and its dashboard."""

    project_name: str = "forecast-monitoring"

    @abstractmethod
    def add_snapshot(self, snapshot) -> str:
        """Add an evaluated Evidently Snapshot to the project (creating project and dashboard panels once); return its id."""

    @abstractmethod
    def location(self) -> str:
        """Where the workspace lives, as `evidently ui --workspace` takes it."""
