"""FORECAST_ENV=gcp names the emulators' endpoints to every Google resource when they are set, and none otherwise."""

import pytest

from emulators.stack import gcp_settings
from resources.environment import build_resources

EMULATORS = {"BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:9050", "STORAGE_EMULATOR_HOST": "127.0.0.1:9023",
             "VERTEX_API_ENDPOINT": "127.0.0.1:9060"}

# Each resource's endpoint fields, by the emulator they must name.
ENDPOINT_FIELDS = {
    "io_manager": {"api_endpoint": "BIGQUERY_EMULATOR_HOST"},
    "warehouse": {"api_endpoint": "BIGQUERY_EMULATOR_HOST"},
    "artifacts": {"endpoint": "STORAGE_EMULATOR_HOST"},
    "dataset_catalog": {"api_endpoint": "VERTEX_API_ENDPOINT", "storage_endpoint": "STORAGE_EMULATOR_HOST"},
    "training_backend": {"api_endpoint": "VERTEX_API_ENDPOINT", "storage_endpoint": "STORAGE_EMULATOR_HOST"},
    "experiments": {"api_endpoint": "VERTEX_API_ENDPOINT"},
    "registry": {"api_endpoint": "VERTEX_API_ENDPOINT", "storage_endpoint": "STORAGE_EMULATOR_HOST"},
    "monitoring_workspace": {"storage_endpoint": "STORAGE_EMULATOR_HOST"},
}


@pytest.fixture
def gcp_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FORECAST_HOME", str(tmp_path))
    monkeypatch.delenv("FORECAST_SOURCE", raising=False)
    for name, value in gcp_settings().items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_with_emulators_set_every_google_resource_is_given_their_endpoints(gcp_environment):
    for name, value in EMULATORS.items():
        gcp_environment.setenv(name, value)
    resources = build_resources()
    for key, fields in ENDPOINT_FIELDS.items():
        for field, emulator in fields.items():
            assert getattr(resources[key], field) == EMULATORS[emulator], f"{key}.{field}"
    assert resources["dataset_catalog"].warehouse.api_endpoint == EMULATORS["BIGQUERY_EMULATOR_HOST"]


def test_on_a_real_project_no_resource_names_an_endpoint(gcp_environment):
    resources = build_resources()  # the autouse fixture cleared every emulator variable
    for key, fields in ENDPOINT_FIELDS.items():
        for field in fields:
            assert getattr(resources[key], field) == "", f"{key}.{field}"


def test_batch_scoring_is_in_process_unless_vertex_is_chosen_and_then_sharded_as_configured(gcp_environment):
    from resources.environment import ForecastEnvironmentError
    from resources.gcp.vertex_scoring import VertexBatchScorer
    from resources.scoring import InProcessBatchScorer

    assert isinstance(build_resources()["batch_scorer"], InProcessBatchScorer)
    for name, value in {**EMULATORS, "FORECAST_BATCH_SCORER": "vertex", "VERTEX_SCORING_SHARDS": "7",
                        "VERTEX_JOB_TIMEOUT_SECONDS": "3600"}.items():
        gcp_environment.setenv(name, value)
    resources = build_resources()
    scorer = resources["batch_scorer"]
    assert isinstance(scorer, VertexBatchScorer) and scorer.shards == 7 and scorer.timeout_seconds == 3600
    assert resources["training_backend"].timeout_seconds == 3600
    assert (scorer.api_endpoint, scorer.storage_endpoint) == (EMULATORS["VERTEX_API_ENDPOINT"],
                                                              EMULATORS["STORAGE_EMULATOR_HOST"])
    assert resources["vertex_jobs"].api_endpoint == EMULATORS["VERTEX_API_ENDPOINT"]
    gcp_environment.setenv("FORECAST_BATCH_SCORER", "spark")
    with pytest.raises(ForecastEnvironmentError, match="FORECAST_BATCH_SCORER='spark' is not known"):
        build_resources()
