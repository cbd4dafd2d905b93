"""Specification of `make ui` (python -m demo.ui): both UIs answer on 127.0.0.1, Ctrl-C stops them and everything
they started, and the launcher exits 0."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _tiny_dagster_workspace(folder: Path) -> Path:
    """A workspace file with one empty code location: the launcher is under test, not the project's assets."""
    (folder / "tiny_defs.py").write_text("import dagster as dg\n\ndefs = dg.Definitions()\n")
    workspace = folder / "workspace.yaml"
    workspace.write_text("load_from:\n  - python_file:\n      relative_path: tiny_defs.py\n      location_name: tiny\n")
    return workspace


def test_help_explains_both_uis_and_the_port_flags():
    out = subprocess.run(
        [sys.executable, "-m", "demo.ui", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    for text in ("dagster dev", "evidently ui", "--dagster-port", "--evidently-port", "--reports-port", "Ctrl-C", "DAGSTER_HOME"):
        assert text in out.stdout, text


@pytest.mark.slow
def test_both_uis_answer_and_ctrl_c_stops_them_and_all_their_processes(tmp_path):
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster_port, evidently_port, reports_port = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "FORECAST_HOME": str(tmp_path / "home"), "DAGSTER_HOME": str(dagster_home)}
    ports = ["--dagster-port", str(dagster_port), "--evidently-port", str(evidently_port),
             "--reports-port", str(reports_port)]
    launcher = subprocess.Popen(
        [sys.executable, "-m", "demo.ui", *ports, "--workspace-file", str(_tiny_dagster_workspace(tmp_path))],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        urls = [f"http://127.0.0.1:{dagster_port}/server_info", f"http://127.0.0.1:{evidently_port}/api/projects",
                f"http://127.0.0.1:{reports_port}/"]  # the static server for the reports that metadata links to
        deadline = time.monotonic() + 150
        while not all(_answers(u) for u in urls):
            assert launcher.poll() is None, f"launcher exited early with {launcher.returncode}"
            assert time.monotonic() < deadline, "the UIs did not all answer within 150 s"
            time.sleep(1)
        started = psutil.Process(launcher.pid).children(recursive=True)
        assert len(started) >= 4  # dagster dev, its webserver and daemon (and code server), evidently ui

        launcher.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends to the foreground process
        assert launcher.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(started, timeout=10)
        assert not alive, [p.pid for p in alive]
        assert not any(_answers(u) for u in urls)
        output = launcher.stdout.read()
        assert f"http://127.0.0.1:{dagster_port}" in output and f"http://127.0.0.1:{evidently_port}" in output
    finally:
        if launcher.poll() is None:  # a failed assertion above: let the launcher stop its process groups
            launcher.terminate()
            launcher.wait(timeout=60)


@pytest.mark.parametrize("taken", ["DAGSTER_PORT", "EVIDENTLY_PORT"])
def test_make_ui_with_a_taken_port_stops_at_once_naming_it_and_starts_nothing(tmp_path, taken):
    ports = {"DAGSTER_PORT": _free_port(), "EVIDENTLY_PORT": _free_port(), "REPORTS_PORT": _free_port()}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[taken]))
        holder.listen()
        done = subprocess.run(
            ["make", "--no-print-directory", "ui", *(f"{name}={port}" for name, port in ports.items())],
            cwd=PROJECT_ROOT, env={**os.environ, "FORECAST_HOME": str(tmp_path / "home")},
            capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"port {ports[taken]} for the {'Dagster' if taken == 'DAGSTER_PORT' else 'Evidently'} UI is already in use" in done.stderr
    assert "Dagster UI:" not in done.stdout  # neither UI was started, so the other port is still free
    other = ports["EVIDENTLY_PORT" if taken == "DAGSTER_PORT" else "DAGSTER_PORT"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", other))


def test_make_ui_passes_its_ports_to_the_launcher():
    done = subprocess.run(["make", "-n", "--no-print-directory", "ui", "DAGSTER_PORT=3101", "EVIDENTLY_PORT=8101"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert "-m demo.ui --dagster-port 3101 --evidently-port 8101" in done.stdout


def test_a_day_s_evidently_report_opens_with_its_forecasts_against_actuals(tmp_path):
    import pandas as pd
    from evidently import Dataset, Report
    from evidently.metrics import MeanValue
    from evidently.ui.workspace import Workspace

    from monitoring.dashboard import FORECAST_VIEW_TITLE, NOTES, add_forecast_view
    from resources.monitoring_local import LocalEvidentlyWorkspace

    frame = pd.DataFrame({"smape_pct": [1.0, 2.0, 3.0]})
    snapshot = Report([MeanValue(column="smape_pct")]).run(Dataset.from_pandas(frame), None)
    assert not add_forecast_view(snapshot, None, "2024-04-02")  # forecast_accuracy drew nothing: nothing to show
    urls = ("http://127.0.0.1:8001/monitoring/2024-04-02/forecasts_vs_actuals.png",
            "http://127.0.0.1:8001/monitoring/2024-04-02/forecasts_vs_actuals.html")
    assert add_forecast_view(snapshot, urls, "2024-04-02")
    workspace = LocalEvidentlyWorkspace(path=str(tmp_path / "ws"))
    run_id = workspace.add_snapshot(snapshot)

    evidently = Workspace(workspace.location())
    project = evidently.search_project(workspace.project_name)[0]
    stored = evidently.get_run(project.id, run_id).dict()
    first = stored["widgets"][0]  # what the UI draws first in the day's report
    assert first["type"] == "text" and first["title"] == f"{FORECAST_VIEW_TITLE}, 2024-04-02"
    assert f"]({urls[0]})" in first["params"]["text"] and f"]({urls[1]})" in first["params"]["text"]
    assert [p.title for p in project.dashboard.model().panels][: len(NOTES)] == [t for t, _ in NOTES]
