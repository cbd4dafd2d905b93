"""Production runs are isolated and monitored: each run is a Cloud Run job execution the daemon can check.

The instance file is loaded with Dagster's own instance schema; the launcher talks REST to a recording server on
127.0.0.1 through google-auth's session, so the requests below are the ones Cloud Run's Admin API would get.
"""

import shutil
import sys
from pathlib import Path

import dagster as dg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "gcp"))
from fake_rest import FakeRestServer  # noqa: E402

from deploy.cloud_run_launcher import EXECUTION_TAG, CloudRunJobRunLauncher, execution_health  # noqa: E402

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
JOB_PATH = "/v2/projects/demo-project/locations/europe-west1/jobs/forecast-run-worker"
EXECUTION = "projects/demo-project/locations/europe-west1/jobs/forecast-run-worker/executions/run-abc"


@dg.op
def say_hello():
    return "hello"


@dg.job
def hello_job():
    say_hello()


@pytest.fixture
def cloud_run():
    server = FakeRestServer().start()
    server.route("POST", JOB_PATH + ":run")(lambda request, match: (200, {"name": "operations/1", "metadata": {"name": EXECUTION}}))
    yield server
    server.stop()


@pytest.fixture
def instance(cloud_run):
    overrides = {"run_launcher": {"module": "deploy.cloud_run_launcher", "class": "CloudRunJobRunLauncher",
                                  "config": {"project": "demo-project", "region": "europe-west1",
                                             "job": "forecast-run-worker", "api_endpoint": cloud_run.endpoint}}}
    with dg.instance_for_test(overrides=overrides) as instance:
        yield instance


def test_the_production_instance_launches_isolated_runs_and_monitors_them(monkeypatch, tmp_path):
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config
    from dagster._serdes.config_class import class_from_code_pointer

    for name, value in {"GCP_PROJECT": "p", "GCP_REGION": "europe-west1", "DAGSTER_RUN_JOB": "forecast-run-worker",
                        "DAGSTER_PG_HOST": "h", "DAGSTER_PG_USER": "u", "DAGSTER_PG_PASSWORD": "x",
                        "DAGSTER_PG_DB": "d", "DAGSTER_PG_PORT": "5432", "GCS_BUCKET": "b"}.items():
        monkeypatch.setenv(name, value)
    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))  # Dagster's instance schema, run_monitoring included

    assert config["run_monitoring"]["enabled"] is True
    assert config["run_monitoring"]["max_resume_run_attempts"] == 0  # this launcher cannot resume a run
    section = config["run_launcher"]
    launcher_class = class_from_code_pointer(section["module"], section["class"])
    processed = process_config(launcher_class.config_type(), section["config"])
    assert processed.success, processed.errors
    launcher = launcher_class.from_config_value(None, processed.value)
    assert launcher.supports_check_run_worker_health
    assert (launcher.project, launcher.region, launcher.job) == ("p", "europe-west1", "forecast-run-worker")


def test_a_run_is_launched_as_its_own_execution_running_only_that_run(instance, cloud_run):
    from dagster._core.launcher import LaunchRunContext

    run = instance.create_run_for_job(hello_job, job_code_origin=dg.reconstructable(hello_job).get_python_origin())

    instance.run_launcher.launch_run(LaunchRunContext(dagster_run=run, workspace=None))

    (call,) = cloud_run.calls("POST", JOB_PATH + ":run")
    (override,) = call.json["overrides"]["containerOverrides"]
    assert override["args"][-3:-1] == ["api", "execute_run"] and run.run_id in override["args"][-1]
    assert call.json["overrides"]["taskCount"] == 1
    assert instance.get_run_by_id(run.run_id).tags[EXECUTION_TAG] == EXECUTION


@pytest.mark.parametrize(("execution", "status"), [
    ({"runningCount": 1, "conditions": [{"type": "Completed", "state": "CONDITION_PENDING"}]}, "RUNNING"),
    ({"succeededCount": 1}, "SUCCESS"),
    ({"failedCount": 1, "conditions": [{"type": "Completed", "state": "CONDITION_FAILED"}]}, "FAILED"),
    ({"cancelledCount": 1}, "FAILED"),
])
def test_the_daemon_sees_a_dead_or_finished_execution(execution, status):
    assert execution_health({"name": EXECUTION, **execution}).status.value == status


def test_health_and_termination_go_to_the_runs_own_execution(instance, cloud_run):
    cloud_run.route("GET", "/v2/" + EXECUTION)(lambda request, match: (200, {"name": EXECUTION, "failedCount": 1}))
    cloud_run.route("POST", "/v2/" + EXECUTION + ":cancel")(lambda request, match: (200, {"name": "operations/2"}))
    run = instance.create_run_for_job(hello_job, tags={EXECUTION_TAG: EXECUTION})
    launcher: CloudRunJobRunLauncher = instance.run_launcher

    assert launcher.check_run_worker_health(run).status.value == "FAILED"
    assert launcher.terminate(run.run_id) is True
    assert len(cloud_run.calls("POST", ":cancel")) == 1
