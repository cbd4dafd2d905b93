"""All of Google Cloud that the gcp environment uses, emulated on 127.0.0.1, and the environment that points at it."""

import contextlib
import json
import sys
from pathlib import Path

from emulators.bigquery import start_bigquery
from emulators.processes import EmulatorProcess, free_port, start_process
from emulators.storage import start_storage

PROJECT, REGION = "demo-project", "us-central1"


def start_vertex(state_dir: Path, storage_endpoint: str, env: dict | None = None) -> EmulatorProcess:
    """The Vertex AI REST stand-in (emulators/vertex_standin.py) as its own process, running jobs under state_dir
    against the GCS emulator at storage_endpoint (env: what its clients need to reach that emulator)."""
    port = free_port()
    command = [sys.executable, "-m", "emulators.vertex_standin", "--port", str(port),
               "--storage-endpoint", storage_endpoint, "--workdir", str(state_dir / "vertex")]
    emulator = start_process("vertex stand-in", command, port, "/health", state_dir / "vertex-standin.log",
                             env=env, cwd=Path(__file__).resolve().parent.parent)
    emulator.env = {"VERTEX_API_ENDPOINT": emulator.endpoint}
    return emulator


def credentials_file(state_dir: Path) -> Path:
    """Application Default Credentials for the clients we do not build ourselves (ours get anonymous ones).

    The BigQuery IO manager and gcsfs look credentials up the normal way; this file ends that lookup with a
    token that never expires, so nothing asks a metadata server or Google's OAuth endpoint (which google-auth
    always uses to refresh user credentials, whatever token_uri says).
    """
    path = state_dir / "application_default_credentials.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "emulated", "client_secret": "emulated",
                                "refresh_token": "emulated", "token": "emulated-token",
                                "expiry": "2999-01-01T00:00:00Z", "quota_project_id": PROJECT}))
    return path


def gcp_settings(bucket: str = "forecast-demo") -> dict:
    """The settings deploy/gcp.env.example lists, with local values for the emulated project."""
    return {"FORECAST_ENV": "gcp", "GCP_PROJECT": PROJECT, "GCP_REGION": REGION, "BIGQUERY_DATASET": "forecast",
            "GCS_BUCKET": bucket, "VERTEX_STAGING_BUCKET": f"gs://{bucket}-staging",
            "VERTEX_SERVICE_ACCOUNT": f"trainer@{PROJECT}.iam.gserviceaccount.com",
            "TRAINER_IMAGE_URI": "local/forecast-trainer@sha256:" + "0" * 64,
            "VERTEX_EXPERIMENT": "forecast-demo", "VERTEX_MODEL_NAME": "forecast-demo"}


# What keeps any client from reaching a Google host: no metadata-server probe, no ambient credentials or project.
OFFLINE_GUARDS = {"GCE_METADATA_HOST": "127.0.0.1:9", "GCE_METADATA_IP": "127.0.0.1:9", "NO_GCE_CHECK": "True",
                  "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@contextlib.contextmanager
def emulated_gcp(state_dir: Path, bucket: str = "forecast-demo"):
    """Start BigQuery, GCS and Vertex stand-ins, create the buckets and dataset; yield the env; always stop them."""
    state_dir.mkdir(parents=True, exist_ok=True)
    started: list[EmulatorProcess] = []
    try:
        started.append(storage := start_storage(state_dir))
        started.append(start_bigquery(PROJECT, state_dir))
        started.append(start_vertex(state_dir, storage.endpoint, storage.env))
        env = {**OFFLINE_GUARDS, **gcp_settings(bucket)}
        for emulator in started:
            env.update(emulator.env)
        env["GOOGLE_APPLICATION_CREDENTIALS"] = str(credentials_file(state_dir))
        env["GOOGLE_CLOUD_PROJECT"] = PROJECT
        create_buckets(storage.endpoint, [bucket, f"{bucket}-staging"])
        create_dataset(env["BIGQUERY_EMULATOR_HOST"], env["BIGQUERY_DATASET"])
        yield env
    finally:
        for emulator in reversed(started):
            emulator.stop()


def create_buckets(storage_endpoint: str, names: list[str]) -> None:
    """The buckets a real project creates once when it is set up (docs/deploy.md)."""
    from resources.gcp.clients import storage_client

    client = storage_client(PROJECT, storage_endpoint)
    for name in names:
        if client.lookup_bucket(name) is None:
            client.create_bucket(name)


def create_dataset(bigquery_endpoint: str, dataset: str) -> None:
    """The BigQuery dataset a real project creates once when it is set up (docs/deploy.md)."""
    from resources.gcp.clients import bigquery_client

    bigquery_client(PROJECT, api_endpoint=bigquery_endpoint).create_dataset(dataset, exists_ok=True)
