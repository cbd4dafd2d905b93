"""VertexModelRegistry: real aiplatform Model/ModelRegistry calls against the Vertex AI stand-in, artifacts in the GCS emulator."""

import json
from datetime import datetime

import pytest
from fake_rest import PROJECT, REGION

from resources.gcp.gcs_artifacts import GcsArtifactStore
from resources.gcp.vertex_registry import VertexModelRegistry

IMAGE = "europe-docker.pkg.dev/demo/forecast/trainer:abc123"
MODEL = f"projects/{PROJECT}/locations/{REGION}/models/forecast-xgb"


@pytest.fixture
def registry(fake_google, vertex_standin, gcs_bucket):
    endpoint, bucket = gcs_bucket
    return VertexModelRegistry(project=PROJECT, location=REGION, model_name="forecast-xgb", bucket=bucket,
                               prefix="platform", api_endpoint=fake_google.endpoint, storage_endpoint=endpoint)


def _trained_model_dir(registry: VertexModelRegistry, run: str) -> str:
    """A model dir on GCS as the Vertex trainer leaves it."""
    store = GcsArtifactStore(bucket=registry.bucket, endpoint=registry.storage_endpoint)
    store.write_bytes(f"runs/{run}/model/model.ubj", f"xgboost model of {run}".encode())
    store.write_bytes(f"runs/{run}/model/metrics.json", json.dumps({"test": {"smape": 11.0}}).encode())
    return store.uri(f"runs/{run}/model")


def _register(registry, run: str, dataset_version: str = "ds-0a1b2c"):
    return registry.register(_trained_model_dir(registry, run), dataset_version=dataset_version,
                             code_version="9f8e7d6c", trainer_image=IMAGE, params={"max_depth": 6},
                             metrics={"smape": 11.0, "family": "ets+theta+xgboost"})


def test_the_first_version_creates_the_registry_model_with_labels_and_a_copied_artifact_uri(registry, fake_google):
    version = _register(registry, "r1")

    (upload,) = fake_google.calls("POST", "models:upload")
    assert upload.path == f"/v1/projects/{PROJECT}/locations/{REGION}/models:upload"
    body = upload.json
    assert body["modelId"] == "forecast-xgb" and "parentModel" not in body
    model = body["model"]
    assert model["displayName"] == "forecast-xgb"
    assert model["labels"] == {"dataset_version": "ds-0a1b2c", "code_version": "9f8e7d6c",
                               "model_family": "ets-theta-xgboost"}  # the family the trainer chose
    assert model["artifactUri"].startswith(f"gs://{registry.bucket}/platform/registry/forecast-xgb/")
    assert model["containerSpec"] == {"imageUri": IMAGE}
    assert json.loads(model["versionDescription"])["params"] == {"max_depth": 6}
    assert version.version == "1" and version.uri == model["artifactUri"]
    assert (version.dataset_version, version.code_version, version.trainer_image) == ("ds-0a1b2c", "9f8e7d6c", IMAGE)
    assert datetime.fromisoformat(version.created_at).tzinfo is not None and version.aliases == []


def test_later_versions_name_the_registry_model_as_parent(registry, fake_google):
    _register(registry, "r1")
    second = _register(registry, "r2", dataset_version="ds-ffee")

    body = fake_google.calls("POST", "models:upload")[1].json
    assert body["parentModel"] == MODEL and "modelId" not in body
    assert second.version == "2" and second.dataset_version == "ds-ffee"
    assert [v.version for v in registry.versions()] == ["1", "2"]


def test_registered_artifacts_are_an_immutable_copy_that_local_copy_fetches(registry, tmp_path):
    version = _register(registry, "r1")
    # Overwriting the training output afterwards does not change the registered version.
    GcsArtifactStore(bucket=registry.bucket, endpoint=registry.storage_endpoint).write_bytes(
        "runs/r1/model/model.ubj", b"overwritten")

    local = registry.local_copy(version.version, str(tmp_path / "v1"))
    assert (tmp_path / "v1" / "model.ubj").read_bytes() == b"xgboost model of r1"
    assert json.loads((tmp_path / "v1" / "metrics.json").read_text()) == {"test": {"smape": 11.0}}
    assert local == str(tmp_path / "v1")


def test_set_alias_moves_champion_with_one_merge_request_and_alias_reads_model_at_alias(registry, fake_google):
    _register(registry, "r1")
    _register(registry, "r2")
    assert registry.alias("champion") is None

    registry.set_alias("champion", "1")
    assert registry.alias("champion").version == "1"
    registry.set_alias("champion", "2")

    merges = fake_google.calls("POST", ":mergeVersionAliases")
    assert [m.path.rsplit("/", 1)[-1] for m in merges] == ["forecast-xgb@1:mergeVersionAliases",
                                                           "forecast-xgb@2:mergeVersionAliases"]
    assert all(m.json == {"versionAliases": ["champion"]} for m in merges)
    assert registry.alias("champion").version == "2"
    assert fake_google.calls("GET", "/models/forecast-xgb@champion")
    assert registry.get("1").aliases == [] and registry.get("2").aliases == ["champion"]


def test_unknown_versions_raise_key_error_naming_them_and_an_empty_registry_has_no_versions(registry):
    assert registry.versions() == []
    with pytest.raises(KeyError, match="'7'"):
        registry.get("7")
    _register(registry, "r1")
    with pytest.raises(KeyError, match="'7'"):
        registry.set_alias("champion", "7")


def test_a_model_dir_without_artifacts_is_refused_naming_it(registry):
    with pytest.raises(FileNotFoundError, match=f"gs://{registry.bucket}/runs/none/model"):
        registry.register(f"gs://{registry.bucket}/runs/none/model", "ds", "sha", IMAGE, {}, {})


def test_a_local_model_dir_is_uploaded_to_the_bucket_before_registration(registry, fake_google, tmp_path):
    (tmp_path / "model.ubj").write_bytes(b"local model")
    version = registry.register(str(tmp_path), "ds-1", "sha-1", IMAGE, {}, {})

    assert version.uri.startswith(f"gs://{registry.bucket}/platform/registry/forecast-xgb/")
    registry.local_copy(version.version, str(tmp_path / "back"))
    assert (tmp_path / "back" / "model.ubj").read_bytes() == b"local model"
