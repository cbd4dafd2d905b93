"""A run that dies without cancelling its Vertex AI job (its worker SIGKILLed): once the run is marked failed, the
orphan sensor cancels the jobs labelled with its run id, and only those."""

import time

import dagster as dg
import pytest
from fake_rest import PROJECT, REGION

from test_vertex_pipes import vertex_standin  # noqa: F401

pytestmark = pytest.mark.slow


def submit_sleeping_job(standin, bucket: str, run_id: str):
    """A custom job labelled as our backends label theirs, whose container sleeps (the stand-in really runs it)."""
    from resources.gcp.clients import init_vertex, vertex_labels
    from resources.gcp.vertex_job_control import run_labels

    aiplatform = init_vertex(PROJECT, REGION, f"gs://{bucket}", standin.endpoint)
    container = {"image_uri": "local/trainer:test", "command": ["python", "-c", "import time; time.sleep(120)"]}
    job = aiplatform.CustomJob(display_name=f"train-{run_id[:8]}", staging_bucket=f"gs://{bucket}",
                               labels=vertex_labels(run_labels({"asset": "candidate_model"}, run_id)),
                               worker_pool_specs=[{"machine_spec": {"machine_type": "n1-standard-4"},
                                                   "replica_count": 1, "container_spec": container}])
    job.submit()
    return job


def wait_for_state(job, wanted: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while (state := job.state.name) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    return state


def a_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    """A run of a one-step job, as the one whose step submitted a Vertex job."""
    @dg.op
    def train():
        """Stands for candidate_model's step."""

    return instance.create_run_for_job(dg.GraphDefinition("train", node_defs=[train]).to_job())


def test_marking_a_run_failed_lets_the_sensor_cancel_its_vertex_job_and_no_other(vertex_standin, gcs_bucket):
    from resources.gcp.vertex_run_jobs import VertexRunJobs
    from sensors.vertex_orphans import cancel_orphaned_vertex_jobs

    _, bucket = gcs_bucket
    instance = dg.DagsterInstance.ephemeral()
    dead, alive = a_run(instance), a_run(instance)
    orphan, other = submit_sleeping_job(vertex_standin, bucket, dead.run_id), submit_sleeping_job(
        vertex_standin, bucket, alive.run_id)
    assert wait_for_state(orphan, "JOB_STATE_RUNNING") == "JOB_STATE_RUNNING"
    resources = {"vertex_jobs": VertexRunJobs(project=PROJECT, location=REGION, api_endpoint=vertex_standin.endpoint)}

    # What run monitoring does when the worker's process is gone: the run is marked failed.
    instance.report_run_failed(dead)
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        result = cancel_orphaned_vertex_jobs(context)
        cursor = context.cursor

    assert wait_for_state(orphan, "JOB_STATE_CANCELLED") == "JOB_STATE_CANCELLED"
    assert vertex_standin.jobs.processes[orphan.name].poll() is not None  # its process is gone
    assert other.state.name == "JOB_STATE_RUNNING"  # the live run's job runs on
    assert dead.run_id in result.skip_message and cursor
    # The next evaluation starts after that run: nothing more to cancel, and the live run's job still runs.
    with dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        again = cancel_orphaned_vertex_jobs(context)
    assert again.skip_message.startswith("0 ended runs checked")
    assert other.state.name == "JOB_STATE_RUNNING"


def test_a_canceled_run_whose_job_still_runs_gets_it_cancelled(vertex_standin, gcs_bucket):
    from resources.gcp.vertex_run_jobs import VertexRunJobs
    from sensors.vertex_orphans import cancel_orphaned_vertex_jobs

    _, bucket = gcs_bucket
    instance = dg.DagsterInstance.ephemeral()
    run = a_run(instance)
    job = submit_sleeping_job(vertex_standin, bucket, run.run_id)
    instance.report_run_canceled(run)  # a terminate whose worker was gone before it could cancel the job
    resources = {"vertex_jobs": VertexRunJobs(project=PROJECT, location=REGION, api_endpoint=vertex_standin.endpoint)}
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        cancel_orphaned_vertex_jobs(context)
    assert wait_for_state(job, "JOB_STATE_CANCELLED") == "JOB_STATE_CANCELLED"


def test_the_sensor_is_in_the_gcp_code_location_with_its_resource_and_not_in_the_local_one(monkeypatch, forecast_home):
    from emulators.stack import gcp_settings
    from forecast_assets.definitions import build_definitions

    def sensors() -> set[str]:
        repository = build_definitions().get_repository_def()  # fails if a sensor's resource is missing
        return {sensor.name for sensor in repository.sensor_defs}

    assert "cancel_orphaned_vertex_jobs" not in sensors()
    for name, value in gcp_settings().items():
        monkeypatch.setenv(name, value)
    assert "cancel_orphaned_vertex_jobs" in sensors()
