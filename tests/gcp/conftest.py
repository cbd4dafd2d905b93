"""Fixtures for the GCP resources: a GCS emulator and fake Vertex/BigQuery endpoints, all on 127.0.0.1.

No test here may reach a Google host: every client is given a loopback endpoint (asserted below) and
anonymous credentials, and the Google environment variables that could redirect a client are cleared.
"""

import socket

import pytest
from fake_rest import FakeRestServer

from resources.gcp.clients import is_loopback


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_google_environment(monkeypatch):
    """Keep ambient credentials and project settings from steering a client toward Google."""
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "STORAGE_EMULATOR_HOST",
                 "BIGQUERY_EMULATOR_HOST", "VERTEX_API_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    # google-auth would probe the GCE metadata server if anything fell back to default credentials.
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("NO_GCE_CHECK", "True")


@pytest.fixture(scope="session")
def gcs_emulator():
    """gcp-storage-emulator in memory on a free 127.0.0.1 port; yields its host:port."""
    from gcp_storage_emulator.server import create_server

    port = _free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory):
    """bqemulator (its own venv, installed on first use) on a free 127.0.0.1 port; yields its http:// endpoint.

    One per test session, in memory: tests use their own dataset names (see bigquery_dataset).
    """
    from emulators.bigquery import start_bigquery
    from fake_rest import PROJECT

    emulator = start_bigquery(PROJECT, tmp_path_factory.mktemp("bigquery-emulator"))
    try:
        yield f"http://{emulator.endpoint}"
    finally:
        emulator.stop()


@pytest.fixture
def bigquery_dataset(bigquery_emulator, request):
    """A fresh dataset in the BigQuery emulator, named after the test; yields (endpoint, project, dataset)."""
    import re

    from fake_rest import PROJECT

    from resources.gcp.clients import bigquery_client

    assert is_loopback(bigquery_emulator)
    name = "t_" + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:60]
    client = bigquery_client(PROJECT, api_endpoint=bigquery_emulator)
    client.delete_dataset(name, delete_contents=True, not_found_ok=True)
    client.create_dataset(name)
    return bigquery_emulator, PROJECT, name


@pytest.fixture
def gcs_bucket(gcs_emulator, request):
    """A fresh bucket in the emulator, named after the test; yields (endpoint, bucket name)."""
    from resources.gcp.clients import storage_client

    assert is_loopback(gcs_emulator)
    name = "t-" + request.node.name.lower().replace("_", "-")[:50].strip("-")
    client = storage_client("local", gcs_emulator)
    if client.lookup_bucket(name) is None:
        client.create_bucket(name)
    return gcs_emulator, name


@pytest.fixture
def fake_google():
    """A recording REST server on 127.0.0.1 standing in for a Google API with no emulator."""
    server = FakeRestServer().start()
    assert is_loopback(server.endpoint), server.endpoint
    yield server
    server.stop()


@pytest.fixture
def vertex_standin(fake_google, gcs_emulator, tmp_path):
    """The Vertex AI stand-in that make demo-gcp runs (emulators/vertex_standin.py), behind the recording server.

    Requests still go to fake_google (so tests can read what the client sent); each is answered by the stand-in's
    own routes. Yields the stand-in, whose registry, metadata and datasets hold the state it keeps.
    """
    from emulators.rest_server import Request
    from emulators.vertex_standin import stand_in

    standin = stand_in(tmp_path / "vertex", gcs_emulator)

    def answer(request, match):
        return standin.server.dispatch(Request(request.method, request.path, request.query, request.json))

    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        fake_google.route(method, r"/.*")(answer)
    yield standin
    standin.jobs.stop_all()
