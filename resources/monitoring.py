"""The monitoring workspace: where Evidently snapshots are kept for the monitoring dashboard, and the alarm log."""

from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg
import pandas as pd


class MonitoringWorkspace(dg.ConfigurableResource, ABC):
    """An Evidently workspace (a local folder, or the same format on a bucket) with one project and its dashboard."""

    project_name: str = "forecast-monitoring"
    alarm_log: str = ""  # the alarm log CSV; "" means $FORECAST_HOME/reports/alarms.csv (DESIGN section 1)

    @abstractmethod
    def add_snapshot(self, snapshot) -> str:
        """Add an evaluated Evidently Snapshot to the project (creating project and dashboard panels once); return its id."""

    @abstractmethod
    def location(self) -> str:
        """Where the workspace lives, as `evidently ui --workspace` takes it."""

    def alarm_log_path(self) -> Path:
        """Where the alarm log CSV is written."""
        from resources.environment import forecast_home

        return Path(self.alarm_log) if self.alarm_log else forecast_home() / "reports" / "alarms.csv"

    def record_alarms(self, day, alarms: pd.DataFrame) -> Path:
        """Replace the day's rows of the alarm log with `alarms` (a rerun never duplicates); return the file's path."""
        path = self.alarm_log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        day = pd.Timestamp(day)
        kept = pd.read_csv(path, parse_dates=["day"]) if path.is_file() and path.stat().st_size else alarms.iloc[:0]
        kept = kept[kept["day"] != day]
        log = pd.concat([frame for frame in (kept, alarms) if len(frame)] or [alarms], ignore_index=True)
        log.sort_values(["day", "signal", "series_id"], kind="stable").to_csv(path, index=False, date_format="%Y-%m-%d")
        return path
