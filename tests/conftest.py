"""Shared test fixtures (import nothing from here: a site-packages `tests` package shadows ours): a private FORECAST_HOME per test, the shared data folder, and a guard against real network."""

import socket
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
PJM_FILE = SHARED_DATA / "pjm" / "pjm_hourly_load.parquet"
M4_HOURLY = SHARED_DATA / "m4" / "hourly"

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
