"""The code location loads, holds the lifecycle graph, and refuses an unknown or unconfigured environment."""

import importlib

import dagster as dg
import pytest

from resources.environment import ForecastEnvironmentError, build_resources


def load_definitions() -> dg.Definitions:
    import forecast_assets.definitions as module

    return importlib.reload(module).defs


def test_definitions_load_with_the_lifecycle_assets_and_checks(forecast_home):
    defs = load_definitions()
    repository = defs.get_repository_def()
    keys = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert {"raw_series", "training_dataset"} <= keys
    checks = {key.name for key in repository.asset_graph.asset_check_keys}
    assert {"schema", "non_finite_values", "duplicate_timestamps", "missing_steps", "negative_values",
            "stale_series", "flatlines"} <= checks


def test_assets_are_grouped_by_lifecycle_stage(forecast_home):
    graph = load_definitions().get_repository_def().asset_graph
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups["raw_series"] == "ingestion"
    assert groups["training_dataset"] == "datasets"


def test_unknown_environment_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("FORECAST_ENV", "staging")
    with pytest.raises(ForecastEnvironmentError, match="FORECAST_ENV='staging' is not known: use one of local, gcp"):
        build_resources()


def test_gcp_without_settings_names_every_missing_setting(monkeypatch):
    monkeypatch.setenv("FORECAST_ENV", "gcp")
    for name in ("GCP_PROJECT", "GCS_BUCKET", "TRAINER_IMAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GCP_REGION", "europe-west4")
    with pytest.raises(ForecastEnvironmentError) as error:
        build_resources()
    message = str(error.value)
    assert "GCP_PROJECT" in message and "GCS_BUCKET" in message and "TRAINER_IMAGE_URI" in message
    assert "GCP_REGION" not in message
    assert "deploy/gcp.env.example" in message


def read_env_example() -> dict[str, str]:
    from pathlib import Path

    values = {}
    for line in (Path(__file__).resolve().parents[1] / "deploy" / "gcp.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip().removeprefix("export ").strip()] = value.strip().strip('"').strip("'")
    return values


def test_gcp_definitions_load_offline_from_the_example_settings(monkeypatch, forecast_home):
    for name, value in read_env_example().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FORECAST_ENV", "gcp")
    resources = load_definitions().resources
    kinds = {key: type(resource).__name__ for key, resource in resources.items()}
    assert kinds["warehouse"] == "BigQueryWarehouse" and kinds["artifacts"] == "GcsArtifactStore"
    assert kinds["training_backend"] == "VertexCustomJobBackend" and kinds["registry"] == "VertexModelRegistry"
    assert kinds["experiments"] == "VertexExperimentTracker" and kinds["alerter"] == "CloudLoggingAlerter"
    assert kinds["io_manager"] == "BigQueryAssetIOManager"
