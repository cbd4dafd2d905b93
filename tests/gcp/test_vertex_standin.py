"""The Vertex AI stand-in as make demo-gcp runs it: its own process on 127.0.0.1, answering the aiplatform SDK over REST
with Vertex's documented behaviour (the `default` alias follows the newest version), Google-style errors, a clean stop."""

import pytest
import requests
from fake_rest import PROJECT, REGION

from resources.gcp.clients import init_vertex

MODELS = f"/v1/projects/{PROJECT}/locations/{REGION}/models"


@pytest.fixture
def standin_process(gcs_emulator, tmp_path):
    """python -m emulators.vertex_standin, started as emulators/stack.py starts it; yields its host:port."""
    from emulators.stack import start_vertex

    process = start_vertex(tmp_path, gcs_emulator)
    yield process
    process.stop()


def _upload(aiplatform, image: str, parent: str | None = None):
    return aiplatform.Model.upload(display_name="forecast", artifact_uri="gs://b/m", serving_container_image_uri=image,
                                   parent_model=parent, is_default_version=True, sync=True)


def test_it_serves_the_sdk_and_the_default_alias_follows_the_newest_version(standin_process):
    aiplatform = init_vertex(PROJECT, REGION, api_endpoint=standin_process.endpoint)
    first = _upload(aiplatform, "trainer@sha256:" + "1" * 64)
    second = _upload(aiplatform, "trainer@sha256:" + "2" * 64, parent=first.resource_name)

    assert (first.version_id, second.version_id) == ("1", "2")
    latest = aiplatform.Model(model_name=first.resource_name)  # no version: Vertex reads the `default` alias
    assert latest.version_id == "2" and "default" in latest.version_aliases
    assert "default" not in aiplatform.Model(model_name=first.resource_name, version="1").version_aliases


def test_an_alias_applied_to_a_version_moves_from_the_one_that_held_it(standin_process):
    aiplatform = init_vertex(PROJECT, REGION, api_endpoint=standin_process.endpoint)
    first = _upload(aiplatform, "trainer@sha256:" + "1" * 64)
    _upload(aiplatform, "trainer@sha256:" + "2" * 64, parent=first.resource_name)
    registry = aiplatform.models.ModelRegistry(model=first.resource_name)

    registry.add_version_aliases(["champion"], "1")
    registry.add_version_aliases(["champion"], "2")

    assert aiplatform.Model(model_name=first.resource_name, version="champion").version_id == "2"
    assert "champion" not in aiplatform.Model(model_name=first.resource_name, version="1").version_aliases


def test_unknown_resources_and_routes_get_google_style_errors_naming_them(standin_process):
    base = f"http://{standin_process.endpoint}"
    missing = requests.get(f"{base}{MODELS}/nope", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": 404, "status": "NOT_FOUND", "message": "model nope not found"}
    unknown = requests.post(f"{base}/v1/projects/{PROJECT}/locations/{REGION}/endpoints", json={}, timeout=10)
    assert unknown.status_code == 404 and "has no route POST" in unknown.json()["error"]["message"]


def test_stopping_it_ends_the_process_and_frees_its_port(gcs_emulator, tmp_path):
    import socket

    from emulators.stack import start_vertex

    process = start_vertex(tmp_path, gcs_emulator)
    assert requests.get(f"http://{process.endpoint}/health", timeout=10).json() == {"status": "ok"}
    process.stop()
    assert process.process.poll() is not None
    host, port = process.endpoint.split(":")
    with socket.socket() as probe:
        assert probe.connect_ex((host, int(port))) != 0
