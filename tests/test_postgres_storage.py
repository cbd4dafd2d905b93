"""The production instance (deploy/dagster.yaml) runs on PostgreSQL: runs and events land in the database.

A real PostgreSQL from deploy/scripts/ensure_postgres.sh, and the file's own GCS compute log manager
pointed at the local gcp-storage-emulator (the only change from production is the emulator's address).
"""

import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENSURE_POSTGRES = PROJECT_ROOT / "deploy" / "scripts" / "ensure_postgres.sh"
BUCKET = "forecast-compute-logs"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_script(*args: str) -> str:
    done = subprocess.run([str(ENSURE_POSTGRES), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"ensure_postgres.sh {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def parse_settings(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if line.startswith("DAGSTER_PG_"))


@pytest.fixture(scope="module")
def postgres():
    """A throwaway cluster on 127.0.0.1; under /tmp because the server user must reach its directory."""
    directory = tempfile.mkdtemp(prefix="forecast-pg-", dir="/tmp")
    try:
        settings = parse_settings(run_script(str(free_port()), directory))
        yield {"directory": directory, **settings}
    finally:
        subprocess.run([str(ENSURE_POSTGRES), "--stop", directory], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def gcs_emulator(monkeypatch):
    """The GCS emulator with the compute-log bucket; every storage client in this process talks to it."""
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test-project")
    yield
    server.stop()


@pytest.fixture
def production_instance(postgres, gcs_emulator, tmp_path, monkeypatch):
    """deploy/dagster.yaml, unchanged, as DAGSTER_HOME, with the env vars it reads pointing at the local servers."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, postgres[name])
    monkeypatch.setenv("GCS_BUCKET", BUCKET)
    instance = dg.DagsterInstance.from_config(str(home))
    yield instance
    instance.dispose()


def connect(postgres: dict):
    return psycopg2.connect(host=postgres["DAGSTER_PG_HOST"], port=postgres["DAGSTER_PG_PORT"],
                            user=postgres["DAGSTER_PG_USER"], password=postgres["DAGSTER_PG_PASSWORD"],
                            dbname=postgres["DAGSTER_PG_DB"])


@dg.asset
def hourly_load_sample() -> list[float]:
    """A few points of hourly load: enough to produce a materialization and some step output."""
    print("sampled 3 points")
    return [9581.0, 9610.5, 9702.25]


def test_ensure_postgres_is_idempotent_and_prints_the_same_settings(postgres):
    again = parse_settings(run_script(postgres["DAGSTER_PG_PORT"], postgres["directory"]))
    assert again == {k: v for k, v in postgres.items() if k.startswith("DAGSTER_PG_")}
    assert again["DAGSTER_PG_HOST"] == "127.0.0.1"
    assert len(again["DAGSTER_PG_PASSWORD"]) >= 16


def test_ensure_postgres_refuses_a_cluster_directory_already_serving_another_port(postgres):
    done = subprocess.run([str(ENSURE_POSTGRES), str(free_port()), postgres["directory"]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"already runs on port {postgres['DAGSTER_PG_PORT']}" in done.stderr


def test_the_production_instance_stores_runs_and_events_in_postgres(production_instance, postgres):
    from dagster_gcp.gcs.compute_log_manager import GCSComputeLogManager
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    assert isinstance(production_instance.run_storage, PostgresRunStorage)
    assert isinstance(production_instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(production_instance.compute_log_manager, GCSComputeLogManager)
    assert production_instance.run_storage.postgres_url.startswith("postgresql+psycopg2://dagster:")

    result = dg.materialize([hourly_load_sample], instance=production_instance)
    assert result.success

    with connect(postgres) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT status FROM runs WHERE run_id = %s", (result.run_id,))
        assert cursor.fetchall() == [("SUCCESS",)]
        cursor.execute("SELECT dagster_event_type FROM event_logs WHERE run_id = %s", (result.run_id,))
        event_types = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT asset_key FROM asset_keys")
        asset_keys = {row[0] for row in cursor.fetchall()}
    # Run-level events keep their legacy PIPELINE_* names in storage.
    assert {"PIPELINE_START", "STEP_SUCCESS", "ASSET_MATERIALIZATION", "PIPELINE_SUCCESS"} <= event_types, event_types
    assert '["hourly_load_sample"]' in asset_keys


def test_step_output_is_kept_on_gcs_under_the_compute_log_prefix(production_instance):
    from google.cloud import storage

    result = dg.materialize([hourly_load_sample], instance=production_instance)
    assert result.success
    blobs = {blob.name: blob for blob in storage.Client().list_blobs(BUCKET, prefix="dagster/compute-logs/")}
    stdout = [blob for name, blob in blobs.items() if result.run_id in name and name.endswith(".out")]
    assert stdout, f"no stdout log for run {result.run_id} among {sorted(blobs)}"
    assert "sampled 3 points" in stdout[0].download_as_text()
