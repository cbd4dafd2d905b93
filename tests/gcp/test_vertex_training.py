"""VertexCustomJobBackend: the real aiplatform client sends its custom-job requests to a fake Vertex on 127.0.0.1.

No trainer runs behind the fake, so these tests see the requests and the outcomes; tests/gcp/test_vertex_pipes.py
runs the real trainer behind the Vertex stand-in.
"""

import json

import dagster as dg
import pytest
from fake_rest import PROJECT, REGION
from fake_vertex import FakeCustomJobs

from resources.gcp.gcs_artifacts import GcsArtifactStore
from resources.gcp.vertex_training import VertexCustomJobBackend, base_output_dir
from resources.training import TrainingJobSpec

METRICS = {"train": {"rmse": 1.5}, "test": {"smape": 12.25, "mase": 0.91}, "valid_rmse_per_round": [3.0, 2.0, 1.7]}


def _backend(fake, endpoint_and_bucket, **config) -> VertexCustomJobBackend:
    endpoint, bucket = endpoint_and_bucket
    return VertexCustomJobBackend(**{"project": PROJECT, "location": REGION, "staging_bucket": f"gs://{bucket}",
                                     "service_account": "trainer@demo-project.iam.gserviceaccount.com",
                                     "api_endpoint": fake.endpoint, "storage_endpoint": endpoint, "poll_seconds": 0.01,
                                     "machine_type": "n1-highmem-8", **config})


@pytest.fixture(autouse=True)
def _no_wait_for_a_trainer_that_never_runs(monkeypatch):
    # Dagster waits 10 s after a Pipes session for the trainer's closing message; behind the fake none ever comes.
    monkeypatch.setattr("dagster._core.pipes.utils.WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 0)


def _spec(bucket: str, **overrides) -> TrainingJobSpec:
    model_dir = f"gs://{bucket}/runs/run-7/model"
    fields = dict(display_name="train-forecast-run-7", model_dir=model_dir,
                  args=["--dataset-uri", f"gs://{bucket}/datasets/abc.parquet", "--model-dir", model_dir,
                        "--horizon", "48", "--season-length", "24"],
                  env={"FORECAST_RUN": "run-7"}, image_uri="europe-docker.pkg.dev/demo/forecast/trainer:abc123",
                  labels={"dataset_version": "ABC123", "dagster_run": "r1"})
    return TrainingJobSpec(**(fields | overrides))


def train(backend: VertexCustomJobBackend, spec: TrainingJobSpec, instance: dg.DagsterInstance | None = None):
    """backend.run inside an asset's materialization (a Pipes session needs a real run), as candidate_model calls it."""
    results = []

    @dg.asset
    def candidate_model(context: dg.AssetExecutionContext):
        """Train through the backend."""
        results.append(backend.run(context, spec))
        return results[-1].materialize_result

    dg.materialize([candidate_model], instance=instance)
    return results[-1]


@pytest.fixture
def model_dir_with_metrics(gcs_bucket):
    endpoint, bucket = gcs_bucket
    GcsArtifactStore(bucket=bucket, endpoint=endpoint).write_bytes("runs/run-7/model/metrics.json",
                                                                   json.dumps(METRICS).encode())
    return endpoint, bucket


def test_submits_the_trainer_image_with_its_args_env_machine_labels_and_service_account(fake_google, model_dir_with_metrics):
    _, bucket = model_dir_with_metrics
    FakeCustomJobs(fake_google)
    train(_backend(fake_google, model_dir_with_metrics), _spec(bucket))

    (create,) = fake_google.calls("POST", "/customJobs")
    assert create.path == f"/v1/projects/{PROJECT}/locations/{REGION}/customJobs"
    body = create.json
    assert body["displayName"] == "train-forecast-run-7"
    (pool,) = body["jobSpec"]["workerPoolSpecs"]
    assert pool["machineSpec"] == {"machineType": "n1-highmem-8"}
    assert pool["replicaCount"] == "1"
    assert pool["containerSpec"]["imageUri"] == "europe-docker.pkg.dev/demo/forecast/trainer:abc123"
    assert pool["containerSpec"]["args"][:2] == ["--dataset-uri", f"gs://{bucket}/datasets/abc.parquet"]
    assert "command" not in pool["containerSpec"]  # the image's entrypoint is python -m trainer.task
    env = {item["name"]: item["value"] for item in pool["containerSpec"]["env"]}
    assert env["FORECAST_RUN"] == "run-7"
    # Dagster Pipes' bootstrap variables: the trainer reads its context from, and writes messages to, the bucket.
    from dagster_pipes import decode_param

    assert decode_param(env["DAGSTER_PIPES_CONTEXT"])["bucket"] == bucket
    messages = decode_param(env["DAGSTER_PIPES_MESSAGES"])
    assert messages["bucket"] == bucket and messages["key_prefix"].startswith("runs/run-7/dagster-pipes/")
    assert body["jobSpec"]["baseOutputDirectory"] == {"outputUriPrefix": f"gs://{bucket}/runs/run-7"}
    assert body["jobSpec"]["serviceAccount"] == "trainer@demo-project.iam.gserviceaccount.com"
    # The full Dagster run id replaces the spec's short one: the orphan sensor finds the run's jobs by it.
    assert body["labels"]["dataset_version"] == "abc123" and len(body["labels"]["dagster_run"]) == 36
    assert body["jobSpec"]["scheduling"]["timeout"] == "86400s"  # a day unless VERTEX_JOB_TIMEOUT_SECONDS says otherwise


def test_a_gpu_and_more_replicas_are_asked_for_and_the_trainer_told_to_use_cuda(fake_google, model_dir_with_metrics):
    _, bucket = model_dir_with_metrics
    FakeCustomJobs(fake_google)
    backend = _backend(fake_google, model_dir_with_metrics, machine_type="a2-highgpu-1g",
                       accelerator_type="NVIDIA_TESLA_A100", accelerator_count=1, replica_count=3)
    result = train(backend, _spec(bucket))

    from google.cloud.aiplatform_v1.types import AcceleratorType

    (create,) = fake_google.calls("POST", "/customJobs")
    # The REST transport sends enums as numbers and says so in the query string.
    assert create.query["$alt"] == ["json;enum-encoding=int"]
    chief, workers = create.json["jobSpec"]["workerPoolSpecs"]
    machine = {"machineType": "a2-highgpu-1g", "acceleratorCount": 1,
               "acceleratorType": AcceleratorType.NVIDIA_TESLA_A100.value}
    assert chief["machineSpec"] == machine and workers["machineSpec"] == machine
    # Vertex AI takes exactly one chief; the other replicas form the second pool.
    assert (chief["replicaCount"], workers["replicaCount"]) == ("1", "2")
    assert chief["containerSpec"]["args"][-2:] == ["--device", "cuda"]
    compute = {"machine_type": "a2-highgpu-1g", "accelerator_type": "NVIDIA_TESLA_A100", "accelerator_count": 1,
               "replica_count": 3}
    assert result.metrics["compute"] == compute  # registered with the model version's metrics
    assert result.materialize_result.metadata["compute"].value == compute


def test_an_accelerator_type_without_a_count_is_refused_before_anything_is_submitted(fake_google, model_dir_with_metrics):
    _, bucket = model_dir_with_metrics
    FakeCustomJobs(fake_google)
    with pytest.raises(dg.Failure, match="accelerator_type .* and accelerator_count .* must be set together"):
        train(_backend(fake_google, model_dir_with_metrics, accelerator_type="NVIDIA_TESLA_T4"), _spec(bucket))
    assert fake_google.calls("POST", "/customJobs") == []


def test_a_succeeded_job_returns_the_metrics_json_from_the_model_dir_as_metadata(fake_google, model_dir_with_metrics):
    _, bucket = model_dir_with_metrics
    FakeCustomJobs(fake_google)
    result = train(_backend(fake_google, model_dir_with_metrics), _spec(bucket))

    assert {key: result.metrics[key] for key in METRICS} == METRICS
    assert result.model_dir == f"gs://{bucket}/runs/run-7/model"
    assert result.job_link == (f"https://console.cloud.google.com/vertex-ai/locations/{REGION}/training/4242"
                               f"?project={PROJECT}")
    assert result.materialize_result.metadata["vertex_job"].url == result.job_link
    # Polled until the job left PENDING and RUNNING.
    assert len(fake_google.calls("GET", "/customJobs/4242")) == 2


@pytest.mark.parametrize("state", ["JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"])
def test_a_job_that_does_not_succeed_raises_failure_with_its_error_and_console_link(
        fake_google, gcs_bucket, state):
    _, bucket = gcs_bucket
    FakeCustomJobs(fake_google, states=("JOB_STATE_RUNNING", state), error="trainer exited with code 1: bad dataset")

    with pytest.raises(dg.Failure) as failure:
        train(_backend(fake_google, gcs_bucket), _spec(bucket))
    assert state in failure.value.description
    assert "trainer exited with code 1: bad dataset" in failure.value.description
    assert failure.value.metadata["vertex_job"].url.startswith(
        f"https://console.cloud.google.com/vertex-ai/locations/{REGION}/training/")


def test_a_succeeded_job_without_metrics_json_fails_naming_the_uri(fake_google, gcs_bucket):
    _, bucket = gcs_bucket
    FakeCustomJobs(fake_google)
    with pytest.raises(dg.Failure, match=f"gs://{bucket}/runs/run-7/model/metrics.json"):
        train(_backend(fake_google, gcs_bucket), _spec(bucket))


def test_model_dir_must_be_on_gcs_because_vertex_workers_write_there():
    assert base_output_dir("gs://b/runs/7/model") == "gs://b/runs/7"
    with pytest.raises(ValueError, match="/tmp/model"):
        base_output_dir("/tmp/model")


def test_constructing_the_backend_makes_no_network_call():
    # An endpoint nobody listens on: construction and definitions loading must not touch it.
    backend = VertexCustomJobBackend(project=PROJECT, location=REGION, staging_bucket="gs://s",
                                     api_endpoint="127.0.0.1:9")
    dg.Definitions(resources={"training": backend})
    assert backend.poll_seconds == 30.0


def test_when_vertex_refuses_the_cancel_the_run_still_stops_and_the_log_says_where_to_cancel_by_hand(
        fake_google, gcs_bucket):
    import os
    import signal
    import threading
    import time

    _, bucket = gcs_bucket
    FakeCustomJobs(fake_google, states=("JOB_STATE_RUNNING",))  # runs forever; has no :cancel route, so cancel fails

    def interrupt_once_polled():
        while not fake_google.calls("GET", "/customJobs/"):
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)  # what terminating the run does to the process running it

    threading.Thread(target=interrupt_once_polled, daemon=True).start()
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(dg.DagsterExecutionInterruptedError, match="cancel failed"):
        train(_backend(fake_google, gcs_bucket, poll_seconds=0.05), _spec(bucket), instance=instance)

    assert len(fake_google.calls("POST", ":cancel")) == 1
    (run,) = instance.get_runs()
    errors = [e.user_message for e in instance.all_logs(run.run_id) if e.user_message.startswith("could not cancel")]
    assert errors and "https://console.cloud.google.com/vertex-ai/locations/" in errors[0]
