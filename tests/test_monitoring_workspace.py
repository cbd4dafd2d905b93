"""Specification of the local Evidently workspace: one project, its dashboard, snapshots placed on the monitored day,
served by a real `evidently ui` process."""

import os
import signal
import socket
import subprocess
import sys
import time

import dagster as dg
import pandas as pd
import pytest
import requests

from benchmarks.drift_report import feature_columns, synthetic_panel
from monitoring.dashboard import NOTES, PANELS, dashboard_panels
from monitoring.drift import drift_report
from resources.monitoring import MonitoringWorkspace
from resources.monitoring_local import LocalEvidentlyWorkspace

DAY_1, DAY_2 = pd.Timestamp("2024-01-20"), pd.Timestamp("2024-01-21")


@pytest.fixture(scope="module")
def two_daily_snapshots():
    """Drift reports of two consecutive days (4 series) against the days before them."""
    panel = synthetic_panel(series=4, days=21)
    day = panel["timestamp"].dt.floor("D")
    reference = panel[day < DAY_1]
    return [drift_report(reference, panel[day == d], feature_columns(panel)).snapshot for d in (DAY_1, DAY_2)]


@pytest.fixture(scope="module")
def filled_workspace(tmp_path_factory, two_daily_snapshots):
    """A workspace that got day 2's snapshot first, then day 1's."""
    workspace = LocalEvidentlyWorkspace(path=str(tmp_path_factory.mktemp("evidently")))
    ids = [workspace.add_snapshot(s) for s in reversed(two_daily_snapshots)]
    return workspace, ids


def test_workspace_holds_one_project_with_both_snapshots_and_every_panel_once(filled_workspace):
    from evidently.ui.workspace import Workspace

    workspace, ids = filled_workspace
    LocalEvidentlyWorkspace(path=workspace.path).project_id()  # a second resource on the same folder adds nothing

    evidently = Workspace(workspace.location())
    projects = evidently.search_project("forecast-monitoring")
    assert len(projects) == 1 and len(evidently.list_projects()) == 1
    assert sorted(map(str, evidently.list_runs(projects[0].id))) == sorted(ids)
    titles = [panel.title for panel in projects[0].dashboard.model().panels]
    assert titles == [title for title, _ in NOTES] + [title for title, _, _ in PANELS]
    stored = {str(i): evidently.get_run(projects[0].id, i).timestamp for i in evidently.list_runs(projects[0].id)}
    assert sorted(stored.values()) == [DAY_1.to_pydatetime(), DAY_2.to_pydatetime()]


def test_the_resource_adds_a_snapshot_from_inside_a_dagster_run(tmp_path, two_daily_snapshots):
    from evidently.ui.workspace import Workspace

    @dg.asset
    def monitored_day(monitoring: MonitoringWorkspace) -> str:
        return monitoring.add_snapshot(two_daily_snapshots[0])

    workspace = LocalEvidentlyWorkspace(path=str(tmp_path / "ws"))
    result = dg.materialize([monitored_day], resources={"monitoring": workspace})
    assert result.success
    project = Workspace(workspace.location()).search_project(workspace.project_name)[0]
    runs = Workspace(workspace.location()).list_runs(project.id)
    assert [str(r) for r in runs] == [result.output_for_node("monitored_day")]


def test_location_is_the_absolute_folder(tmp_path):
    workspace = LocalEvidentlyWorkspace(path=str(tmp_path / "ws"))
    assert workspace.location() == str((tmp_path / "ws").resolve())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited early with {process.returncode}"
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.slow
def test_evidently_ui_serves_the_project_and_every_panel_plots_both_days_in_order(filled_workspace):
    workspace, _ = filled_workspace
    port = _free_port()
    cmd = [sys.executable, "-m", "evidently.cli", "ui", "--workspace", workspace.location()]
    process = subprocess.Popen(
        cmd + ["--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "DO_NOT_TRACK": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api"
    try:
        response = _wait_for(f"{base}/projects", process)
        assert response.status_code == 200
        projects = {p["name"]: p["id"] for p in response.json()}
        assert "forecast-monitoring" in projects

        for panel in dashboard_panels():  # the panels' own selectors, as the UI's dashboard sends them
            filters = [
                {"tags": [], "metadata": {}, "metric": v.metric, "metric_labels": v.metric_labels} for v in panel.values
            ]
            series = requests.post(
                f"{base}/v2/snapshots/{projects['forecast-monitoring']}/data_series_batch",
                json={"series_filter": filters},
                timeout=10,
            ).json()
            days = [pd.Timestamp(s["timestamp"]) for s in series["sources"]]
            assert days == [DAY_1, DAY_2], panel.title
            assert len(series["series"]) == len(panel.values), panel.title
            assert all(len(s["values"]) == 2 and None not in s["values"] for s in series["series"]), panel.title
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
