"""Terminating a run while its Vertex AI training job runs cancels the job; the step fails naming the job's link."""

import os
import signal
import threading
import time

import dagster as dg
import pytest

from test_vertex_pipes import gcp_training_resources, instance_with_a_dataset, vertex_standin  # noqa: F401

pytestmark = pytest.mark.slow


def terminate_when_training(instance: dg.DagsterInstance, timeout: float = 120.0) -> threading.Thread:
    """Once the trainer has opened Pipes from its Vertex job, terminate the run as a run launcher does.

    CloudRunJobRunLauncher.terminate marks the run CANCELING and cancels its execution, whose container gets SIGTERM;
    Dagster turns that into the same interrupt as SIGINT, which is what this process is sent here.
    """
    def watch():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = instance.get_runs()
            if runs and any("opened dagster pipes" in entry.user_message for entry in instance.all_logs(runs[0].run_id)):
                instance.report_run_canceling(runs[0])
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def test_terminating_the_run_cancels_the_vertex_job_and_fails_the_step_with_its_link(vertex_standin, gcs_bucket):
    from forecast_assets.training import candidate_model

    instance = instance_with_a_dataset(gcs_bucket)
    resources = gcp_training_resources(vertex_standin, gcs_bucket, cancel_wait_seconds=60)
    watcher = terminate_when_training(instance)
    with pytest.raises(dg.DagsterExecutionInterruptedError, match="cancelled"):
        dg.materialize([candidate_model], resources=resources, instance=instance,
                       run_config={"ops": {"candidate_model": {"config": {"n_estimators": 5000}}}})
    watcher.join()

    (job_id, job), = vertex_standin.jobs.jobs.items()
    assert job["state"] == "JOB_STATE_CANCELLED"
    assert vertex_standin.jobs.processes[job_id].poll() is not None  # the trainer process is gone
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.CANCELED
    failure = next(event for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE))
    message = failure.dagster_event.event_specific_data.error.message
    assert f"customJobs/{job_id} cancelled (JOB_STATE_CANCELLED)" in message
    assert "https://console.cloud.google.com/vertex-ai/locations/" in message
    logs = [entry.user_message for entry in instance.all_logs(run.run_id)]
    assert any(message.startswith("cancelling Vertex AI custom job") for message in logs)
