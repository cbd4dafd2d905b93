"""The local monitoring workspace: an Evidently workspace folder that `evidently ui --workspace <path>` serves."""

from pathlib import Path

from resources.monitoring import MonitoringWorkspace

# Opening a workspace parses every snapshot in it (O(days)); one process keeps it open across runs.
_OPEN_WORKSPACES: dict = {}


class LocalEvidentlyWorkspace(MonitoringWorkspace):
    """Evidently snapshots in a local folder (FORECAST_HOME/evidently by default), one project with its dashboard."""

    path: str

    def _workspace(self):
        from evidently.ui.workspace import Workspace

        Path(self.path).mkdir(parents=True, exist_ok=True)
        location = self.location()
        if location not in _OPEN_WORKSPACES:
            _OPEN_WORKSPACES[location] = Workspace(location)
        return _OPEN_WORKSPACES[location]

    def _project(self, workspace):
        """The project named project_name, created with its dashboard panels the first time."""
        from monitoring.dashboard import ensure_panels

        found = workspace.search_project(self.project_name)
        if found:
            project = found[0]
        else:
            project = workspace.create_project(self.project_name, description="Daily forecast monitoring")
        ensure_panels(project)
        return project

    def project_id(self) -> str:
        """The id of the monitoring project (created if needed)."""
        return str(self._project(self._workspace()).id)

    def add_snapshot(self, snapshot) -> str:
        """Store an evaluated Evidently snapshot in the project; its own timestamp (the monitored day) places it."""
        workspace = self._workspace()
        project = self._project(workspace)
        return str(workspace.add_run(project.id, snapshot, include_data=False).id)

    def location(self) -> str:
        return str(Path(self.path).resolve())
