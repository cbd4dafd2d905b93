"""Terminating a run while its Vertex AI training job runs cancels the job; the step fails naming the job's link.

Both ways a run is stopped: an interrupt in the process running it, and SIGTERM to a run worker started with the
args CloudRunJobRunLauncher gives a Cloud Run execution (what terminating the run, which cancels that execution, does).
"""

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


def run_worker_job(standin_endpoint: str, gcs_endpoint: str, bucket: str) -> dg.JobDefinition:
    """candidate_model as a job of its own, rebuilt inside the run worker from these JSON-able arguments."""
    from types import SimpleNamespace

    from forecast_assets.training import candidate_model

    resources = gcp_training_resources(SimpleNamespace(endpoint=standin_endpoint), (gcs_endpoint, bucket))
    train = dg.define_asset_job("train", selection=[candidate_model])  # the multiprocess executor, as in production
    return dg.Definitions(assets=[candidate_model], jobs=[train], resources=resources).resolve_job_def("train")


def test_sigterm_to_a_run_worker_started_as_the_cloud_run_launcher_starts_it_cancels_the_vertex_job(
        vertex_standin, gcs_bucket, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from deploy.cloud_run_launcher import CloudRunJobRunLauncher

    tests = Path(__file__).resolve().parent
    job = dg.build_reconstructable_job("test_vertex_cancel", "run_worker_job",
                                       reconstructable_args=(vertex_standin.endpoint, *gcs_bucket),
                                       reconstructor_working_directory=str(tests))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance_with_a_dataset(gcs_bucket, instance)
        run = instance.create_run_for_job(job.get_definition(), job_code_origin=job.get_python_origin(),
                                          run_config={"ops": {"candidate_model": {"config": {"n_estimators": 5000}}}})
        # The Cloud Run job's container runs exactly these args (its command is /usr/bin/env).
        args = CloudRunJobRunLauncher("p", "r", "j").run_request(run)["overrides"]["containerOverrides"][0]["args"]
        assert args[:3] == ["dagster", "api", "execute_run"]
        env = {**os.environ, "DAGSTER_HOME": str(home),
               "PYTHONPATH": os.pathsep.join([str(tests), str(tests.parent), str(tests.parent.parent)])}
        worker = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), *args[1:]], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 240
            while not any("opened dagster pipes" in e.user_message for e in instance.all_logs(run.run_id)):
                assert worker.poll() is None and time.monotonic() < deadline, worker.stderr.read()[-3000:]
                time.sleep(0.5)
            instance.report_run_canceling(instance.get_run_by_id(run.run_id))  # what the launcher's terminate does
            worker.send_signal(signal.SIGTERM)  # what Cloud Run does to the execution's container
            worker.wait(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()

        (job_id, vertex_job), = vertex_standin.jobs.jobs.items()
        assert vertex_job["state"] == "JOB_STATE_CANCELLED"
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.CANCELED
        failure = next(iter(instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)))
        assert f"customJobs/{job_id} cancelled" in failure.dagster_event.event_specific_data.error.message
