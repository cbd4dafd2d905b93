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
                 "BIGQUERY_EMULATOR_HOST"):
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
