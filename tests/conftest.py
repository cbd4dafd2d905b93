"""Shared test fixtures (import nothing from here: a site-packages `tests` package shadows ours): a private FORECAST_HOME per test, the shared data folder, the project's own tools, and guards against real network, bare tools from PATH and unlisted skips."""

import os
import socket
import sys
from pathlib import Path

import pytest

from project_tools import allowed_skips, install_path_guard, path_guard_violations, project_uv as _project_uv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
PJM_FILE = SHARED_DATA / "pjm" / "pjm_hourly_load.parquet"
M4_HOURLY = SHARED_DATA / "m4" / "hourly"

# The tests' sources (PJM from 2002, M4 calendars from 2000, synthetic from 2024) share one code location, so its
# partitions start before all of them and run on to today; a deployment's start follows its source (forecast_assets/partitions.py).
os.environ.setdefault("FORECAST_PARTITIONS_START", "2000-01-01")
os.environ.setdefault("FORECAST_PARTITIONS_END", "open")

_real_connect = socket.socket.connect


def _loopback_only(sock, address):
    """Refuse any connection that is not to this machine: a test must never reach a Google host (it hangs)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("localhost", "::1") and not str(host).startswith("127."):
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def no_network_but_loopback():
    """Every in-process connection goes to 127.0.0.1 or not at all (subprocesses that install packages are exempt)."""
    socket.socket.connect = _loopback_only
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True, scope="session")
def no_bare_tools_from_path(tmp_path_factory):
    """Every tool the project installs itself (uv, dagster, evidently, ...) must be called by its project path, never found on PATH."""
    guard = install_path_guard(tmp_path_factory.mktemp("path_guard"), PROJECT_ROOT)
    yield guard
    os.environ["PATH"] = guard.original_path


@pytest.fixture
def project_uv() -> Path:
    """The uv that the Makefile installed for the project (FORECAST_UV, default .tools/bin/uv): never one from PATH."""
    try:
        return _project_uv(PROJECT_ROOT)
    except FileNotFoundError as missing:
        pytest.fail(str(missing))


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when a bare tool was called from PATH, or (with CI=true) when a test skipped without being allowed to."""
    violations = path_guard_violations()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    problems = [f"a test or script called `{line}` from PATH; use the project's copy (FORECAST_UV, .venv/bin)"
                for line in violations]
    if os.environ.get("CI", "").lower() in ("true", "1", "yes") and reporter is not None:
        allowed = allowed_skips(Path(os.environ.get("FORECAST_ALLOWED_SKIPS") or PROJECT_ROOT / "tests" / "allowed_skips.txt"))
        for report in reporter.stats.get("skipped", []):
            nodeid = report.nodeid
            if nodeid not in allowed:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                problems.append(f"{nodeid} was skipped ({reason}) and is not in tests/allowed_skips.txt")
    if problems:
        for problem in problems:
            print(f"\nERROR: {problem}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def forecast_home(tmp_path, monkeypatch) -> Path:
    """A fresh local state folder, selected for the code under test through FORECAST_HOME."""
    home = tmp_path / "forecast_home"
    home.mkdir()
    monkeypatch.setenv("FORECAST_HOME", str(home))
    monkeypatch.setenv("FORECAST_ENV", "local")
    monkeypatch.delenv("FORECAST_SOURCE", raising=False)
    return home


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the project, where the real test datasets live."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: {SHARED_DATA} (clone the project beside ../shared)")
    return SHARED_DATA


@pytest.fixture
def pjm_file(shared_data) -> Path:
    """The real PJM hourly load table (long format, with its daylight-saving faults)."""
    return shared_data / "pjm" / "pjm_hourly_load.parquet"


@pytest.fixture(autouse=True)
def _quiet_dagster(monkeypatch):
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
