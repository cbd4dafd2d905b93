"""candidate_model in the gcp environment: the trainer runs as a custom job of the Vertex AI stand-in (really running
`python -m trainer.task`) and reports through Dagster Pipes over the GCS emulator while the job runs."""

import threading
from datetime import datetime
from types import SimpleNamespace

import dagster as dg
import pytest
from fake_rest import PROJECT, REGION

from test_trainer_task import synthetic_series

pytestmark = pytest.mark.slow


@pytest.fixture
def vertex_standin(gcs_emulator, tmp_path):
    """The Vertex AI stand-in (emulators/vertex_standin.py) on a free 127.0.0.1 port, its jobs using the GCS emulator."""
    from emulators.vertex_standin import build

    server, jobs = build(tmp_path / "vertex", gcs_emulator)
    http = server.serve(0)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield SimpleNamespace(endpoint=f"127.0.0.1:{http.server_address[1]}", jobs=jobs)
    http.shutdown()
    jobs.stop_all()
    http.server_close()


def gcp_training_resources(standin, gcs_bucket, **backend_config) -> dict:
    """What candidate_model uses in the gcp environment, each pointed at the stand-in or the GCS emulator."""
    from resources.gcp import GcsArtifactStore, VertexCustomJobBackend, VertexExperimentTracker, VertexModelRegistry
    from resources.settings import ForecastSettings

    endpoint, bucket = gcs_bucket
    vertex = {"project": PROJECT, "location": REGION, "api_endpoint": standin.endpoint}
    return {
        "settings": ForecastSettings(freq="h", horizon=24, season_length=24, trainer_image="local/trainer:test"),
        "artifacts": GcsArtifactStore(bucket=bucket, endpoint=endpoint),
        "training_backend": VertexCustomJobBackend(**vertex, staging_bucket=f"gs://{bucket}", storage_endpoint=endpoint,
                                                   poll_seconds=0.2, pipes_interval_seconds=0.5, **backend_config),
        "experiments": VertexExperimentTracker(**vertex),
        "registry": VertexModelRegistry(**vertex, model_name="forecast-test", bucket=bucket, storage_endpoint=endpoint),
    }


def instance_with_a_dataset(gcs_bucket, instance: dg.DagsterInstance | None = None) -> dg.DagsterInstance:
    """instance (default: a new ephemeral one), its latest training_dataset a small hourly panel on the GCS emulator."""
    from resources.gcp import GcsArtifactStore

    endpoint, bucket = gcs_bucket
    store = GcsArtifactStore(bucket=bucket, endpoint=endpoint)
    uri = store.write_bytes("datasets/abc123/dataset.parquet", synthetic_series(n_series=3, days=20).to_parquet())
    instance = instance or dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetMaterialization(
        "training_dataset", metadata={"dataset_version": "abc123", "dataset_uri": uri}))
    return instance


TRAIN_FAST = {"ops": {"candidate_model": {"config": {"n_estimators": 40}}}}


def test_the_trainers_log_lines_and_pipes_metadata_reach_the_run_while_the_vertex_job_runs(
        vertex_standin, gcs_bucket):
    from forecast_assets.training import candidate_model

    instance = instance_with_a_dataset(gcs_bucket)
    resources = gcp_training_resources(vertex_standin, gcs_bucket, machine_type="n1-highmem-2")
    result = dg.materialize([candidate_model], resources=resources, instance=instance, run_config=TRAIN_FAST)

    assert result.success
    (job,) = vertex_standin.jobs.jobs.values()
    assert job["state"] == "JOB_STATE_SUCCEEDED"
    ended = datetime.fromisoformat(job["endTime"]).timestamp()  # the stand-in writes UTC with a Z
    logs = [(entry.timestamp, entry.user_message) for entry in instance.all_logs(result.run_id)]
    trainer_lines = [(at, message) for at, message in logs if message.startswith("read ") and "series from" in message]
    assert trainer_lines, "the trainer's own 'read N rows' line is missing from the event log"
    # Streamed: the trainer's first line was in the run's event log before the job ended, not read afterwards.
    assert trainer_lines[0][0] < ended
    assert any("early stopping chose" in message for _, message in logs)
    [materialization] = result.asset_materializations_for_node("candidate_model")
    metadata = materialization.metadata
    curve = metadata["validation_rmse_per_round"].value
    assert len(curve) > metadata["best_iteration"].value and all(value > 0 for value in curve)
    assert "validation RMSE" in metadata["validation_curve"].value
    assert metadata["job_link"].url.startswith("https://console.cloud.google.com/vertex-ai/")
    assert metadata["test_mase"].value < metadata["snaive_test_mase"].value
    # What the job ran on is part of the registered model version.
    version = resources["registry"].get(metadata["model_version"].value)
    assert version.metrics["compute"] == {"machine_type": "n1-highmem-2", "accelerator_type": None,
                                          "accelerator_count": 0, "replica_count": 1}
    assert job["jobSpec"]["workerPoolSpecs"][0]["machineSpec"] == {"machineType": "n1-highmem-2"}
    # The Pipes context and message chunks lived beside the model dir and are gone once the step is done.
    from resources.gcp.clients import storage_client

    endpoint, bucket = gcs_bucket
    names = [blob.name for blob in storage_client(PROJECT, endpoint).list_blobs(bucket)]
    assert any(name.endswith("/model/metrics.json") for name in names)
    assert not [name for name in names if "/dagster-pipes/" in name]



def test_a_trainer_that_rejects_its_dataset_fails_the_step_and_its_error_line_reaches_the_event_log(
        vertex_standin, gcs_bucket):
    from forecast_assets.training import candidate_model
    from resources.gcp import GcsArtifactStore

    endpoint, bucket = gcs_bucket
    instance = instance_with_a_dataset(gcs_bucket)
    GcsArtifactStore(bucket=bucket, endpoint=endpoint).write_bytes("datasets/abc123/dataset.parquet", b"not parquet")
    result = dg.materialize([candidate_model], resources=gcp_training_resources(vertex_standin, gcs_bucket),
                            instance=instance, run_config=TRAIN_FAST, raise_on_error=False)

    assert not result.success
    (job,) = vertex_standin.jobs.jobs.values()
    assert job["state"] == "JOB_STATE_FAILED"
    errors = [entry.user_message for entry in instance.all_logs(result.run_id) if "trainer: error:" in entry.user_message]
    assert errors and "dataset.parquet" in errors[0]  # sent by the trainer through Pipes, naming the file
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "JOB_STATE_FAILED" in failure.event_specific_data.error.message
    assert failure.event_specific_data.user_failure_data.metadata["vertex_job"].url.startswith("https://console.")
