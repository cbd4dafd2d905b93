"""The BigQuery emulator (bqemulator) in its own virtual environment under .tools/emulators, started offline.

Its own environment because it pulls google-cloud-bigquery-storage, whose mere presence makes the project's
to_dataframe() calls open a Storage Read client at Google's endpoint. Offline start needs DuckDB's spatial
extension installed from the pinned PyPI package (else it is downloaded at boot) and the Avro extension off.
"""

import os
import subprocess
from pathlib import Path

from emulators.processes import EmulatorError, EmulatorProcess, free_port, start_process

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"
DUCKDB_VERSION = "v1.5.5"  # the pinned duckdb in requirements.txt; the extension folder is named after it


def emulator_env_dir() -> Path:
    """Where the emulator's virtual environment lives (FORECAST_EMULATOR_ENV, default .tools/emulators)."""
    return Path(os.getenv("FORECAST_EMULATOR_ENV", PROJECT_ROOT / ".tools" / "emulators"))


def uv() -> str:
    """The project's pinned uv (FORECAST_UV, as the Makefile exports it, else .tools/bin/uv)."""
    return os.getenv("FORECAST_UV") or str(PROJECT_ROOT / ".tools" / "bin" / "uv")


def ensure_installed() -> Path:
    """Create or refresh the emulator environment from the hash-pinned requirements; return its python."""
    venv = emulator_env_dir()
    python = venv / "bin" / "python"
    stamp = venv / ".synced"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return python
    steps = []
    if not python.exists():
        steps.append([uv(), "venv", "--quiet", "--allow-existing", "--python", str(PROJECT_ROOT / ".venv" / "bin" / "python"), str(venv)])
    steps.append([uv(), "pip", "sync", "--quiet", "--require-hashes", "--python", str(python), str(REQUIREMENTS)])
    steps.append([str(python), "-c", INSTALL_SPATIAL])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, env={**os.environ, "HOME": str(home_dir())})
        if done.returncode != 0:
            raise EmulatorError(f"installing the BigQuery emulator failed at {' '.join(step[:3])}: "
                                f"{done.stderr.strip()[-2000:]}")
    stamp.write_text(REQUIREMENTS.read_text())
    return python


def home_dir() -> Path:
    """The HOME the emulator runs with: DuckDB keeps its extensions under $HOME/.duckdb (never the user's HOME)."""
    path = emulator_env_dir() / "home"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Run by the emulator's python with HOME=home_dir(): installs spatial from the wheel's file, no download.
INSTALL_SPATIAL = f"""
import pathlib, duckdb, duckdb_extension_spatial
path = pathlib.Path(duckdb_extension_spatial.__file__).parent / "extensions" / "{DUCKDB_VERSION}" / "spatial.duckdb_extension"
connection = duckdb.connect()
connection.execute(f"INSTALL '{{path}}'")
connection.execute("LOAD spatial")
"""


def start_bigquery(project: str, state_dir: Path, timeout: float = 90.0) -> EmulatorProcess:
    """bqemulator for project on a free 127.0.0.1 port (REST only), in memory; its log goes to state_dir."""
    python = ensure_installed()
    port = free_port()
    # PYTHONPATH only for emulators.bigquery_main: the emulator imports nothing else of ours.
    env = {"HOME": str(home_dir()), "BQEMU_ENABLE_FORMAT_EXTENSIONS": "false", "PYTHONPATH": str(PROJECT_ROOT)}
    command = [str(python), "-m", "emulators.bigquery_main", "--rest-host", "127.0.0.1", "--rest-port", str(port),
               "--grpc-host", "127.0.0.1", "--grpc-port", "0", "--project", project, "--ephemeral",
               "--log-level", "warning"]
    emulator = start_process("bigquery emulator", command, port, f"/bigquery/v2/projects/{project}/datasets",
                             state_dir / "bigquery-emulator.log", env=env, cwd=state_dir, timeout=timeout)
    emulator.env = {"BIGQUERY_EMULATOR_HOST": f"http://{emulator.endpoint}"}
    return emulator
