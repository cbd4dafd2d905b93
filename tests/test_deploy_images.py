"""What the code-location and dashboard images install works in a clean virtual environment.

Docker cannot run here, so each test runs the same installer the Dockerfile runs (deploy/scripts/install_locked.sh)
into a fresh venv, then starts the image's commands from it. Installs come from uv's cache or the registries.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from dagster._grpc.client import DagsterGrpcClient
from project_tools import project_uv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
INSTALL = PROJECT_ROOT / "deploy" / "scripts" / "install_locked.sh"
ENTRYPOINT = PROJECT_ROOT / "deploy" / "code-location" / "entrypoint.sh"

pytestmark = pytest.mark.slow


def install(venv: Path, *requirements: Path) -> Path:
    done = subprocess.run([str(INSTALL), str(PROJECT_ROOT), str(venv), *map(str, requirements)],
                          env={**os.environ, "UV": str(project_uv(PROJECT_ROOT))}, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"install_locked.sh failed:\n{done.stderr[-3000:]}"
    return venv


def run(venv: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / command[0]), *command[1:]], capture_output=True, text=True, timeout=180)


def installed(venv: Path) -> set[str]:
    listing = subprocess.run([str(project_uv(PROJECT_ROOT)), "pip", "list", "--python", str(venv / "bin" / "python"), "--format", "freeze"],
                             capture_output=True, text=True, check=True).stdout
    return {line.split("==")[0].lower() for line in listing.splitlines() if "==" in line}


def serving(client: DagsterGrpcClient) -> bool:
    try:
        return client.health_check_query() == "SERVING"
    except Exception:  # not listening yet
        return False


@pytest.fixture(scope="module")
def code_location_venv(tmp_path_factory) -> Path:
    return install(tmp_path_factory.mktemp("code-location") / "venv")


@pytest.fixture(scope="module")
def dashboard_venv(tmp_path_factory) -> Path:
    return install(tmp_path_factory.mktemp("dashboard") / "venv", PROJECT_ROOT / "deploy" / "dashboard" / "requirements.txt")


def test_the_code_location_environment_holds_the_runtime_dependencies_and_no_dev_or_benchmark_tools(code_location_venv):
    packages = installed(code_location_venv)
    assert {"dagster", "dagster-postgres", "psycopg2-binary", "dagster-gcp", "google-cloud-aiplatform",
            "xgboost", "evidently"} <= packages
    assert not {"pytest", "gcp-storage-emulator", "mlforecast", "psutil"} & packages


def test_the_entrypoint_serves_the_definitions_from_the_clean_environment(code_location_venv, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The production environment, with the example settings: the gcp resources load without any network call.
    env = {**os.environ, "PATH": f"{code_location_venv / 'bin'}:{os.environ['PATH']}", "APP_DIR": str(PROJECT_ROOT),
           "CODE_SERVER_HOST": "127.0.0.1", "CODE_SERVER_PORT": str(port), "FORECAST_ENV": "gcp",
           "FORECAST_HOME": str(tmp_path / "forecast_home"), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    env.pop("VIRTUAL_ENV", None)
    (tmp_path / "dagster_home").mkdir()
    settings = PROJECT_ROOT / "deploy" / "gcp.env.example"
    command = f'set -a; . "{settings}"; set +a; exec "{ENTRYPOINT}" code-server'
    server = subprocess.Popen(["bash", "-c", command], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and server.poll() is None and not serving(client):
            time.sleep(0.5)
        assert serving(client), f"the code server never answered:\n{server.stdout.read() if server.poll() is not None else ''}"
        listing = client.list_repositories()  # serialized: the loaded module and its repository, or an error
        assert "forecast_assets.definitions" in listing and "SerializableErrorInfo" not in listing, listing[:2000]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_code_location_environment_has_every_command_the_entrypoint_starts(code_location_venv):
    # `dagster code-server start` and `dagster api grpc-health-check` already ran for real in the test above.
    done = run(code_location_venv, "dagster", "api", "grpc", "--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--module-name" in done.stdout
    for script in ("dagster-daemon", "dagster-webserver"):
        assert os.access(code_location_venv / "bin" / script, os.X_OK), f"{script} is not installed"


def test_the_dashboard_environment_starts_evidently_ui(dashboard_venv):
    done = run(dashboard_venv, "evidently", "ui", "--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--workspace" in done.stdout


def test_the_dashboard_opens_gs_workspaces_with_the_evidently_version_the_code_location_writes_them_with(
        dashboard_venv, code_location_venv):
    # Evidently opens a gs:// workspace through fsspec, which needs gcsfs registered for the gs protocol.
    probe = run(dashboard_venv, "python", "-c", "import fsspec, gcsfs, importlib.metadata as m; "
                "print(isinstance(fsspec.filesystem('gs', token='anon'), gcsfs.GCSFileSystem), m.version('evidently'))")
    assert probe.returncode == 0, probe.stderr[-2000:]
    opens_gs, dashboard_evidently = probe.stdout.split()
    assert opens_gs == "True"
    writer = run(code_location_venv, "python", "-c", "import importlib.metadata as m; print(m.version('evidently'))")
    assert dashboard_evidently == writer.stdout.strip()
    assert not {"dagster", "xgboost", "google-cloud-aiplatform"} & installed(dashboard_venv)
