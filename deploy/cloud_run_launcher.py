"""A Dagster run launcher that runs each run as its own Cloud Run job execution, with run monitoring support.

The webserver and daemon stay in the Cloud Run service; every run starts an execution of one Cloud Run job
(`forecast-run-worker`, same image, same settings) whose container runs `dagster api execute_run ...` for that
run only. A redeploy of the service therefore never kills a running step, and the daemon's run monitoring asks
this launcher for the execution's state, so a run whose container died is marked failed instead of STARTED.
Terminating a run cancels its execution. Calls go to the Cloud Run Admin API v2 over REST (google-auth).
"""

import json

import dagster._check as check
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, RunLauncher, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun
from dagster._grpc.types import ExecuteRunArgs
from dagster._serdes import ConfigurableClass, ConfigurableClassData

EXECUTION_TAG = "cloud_run/execution"
API = "https://run.googleapis.com"
# Execution conditions of Cloud Run v2, read in this order: a finished execution has Completed True or False.
COMPLETED = "Completed"


class CloudRunJobRunLauncher(RunLauncher, ConfigurableClass):
    """Launches each Dagster run as an execution of one Cloud Run job; reports and cancels it."""

    def __init__(self, project: str, region: str, job: str, api_endpoint: str = "", inst_data=None):
        self._inst_data = inst_data
        self.project, self.region, self.job = project, region, job
        self.api_endpoint = api_endpoint.rstrip("/")
        self._session = None
        super().__init__()

    @classmethod
    def config_type(cls):
        from dagster import Field, StringSource

        return {"project": Field(StringSource), "region": Field(StringSource), "job": Field(StringSource),
                "api_endpoint": Field(StringSource, is_required=False, default_value="",
                                      description="Empty: the real Cloud Run API; a test server's host:port otherwise.")}

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    # The REST edge ---------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        from resources.gcp.clients import with_scheme

        base = with_scheme(self.api_endpoint) if self.api_endpoint else API
        return f"{base}/v2/{path}"

    def _http(self):
        """An authorized session (Application Default Credentials; anonymous for a loopback endpoint)."""
        if self._session is None:
            import google.auth
            from google.auth.transport.requests import AuthorizedSession

            from resources.gcp.clients import credentials_for

            credentials = credentials_for(self.api_endpoint or None)
            if credentials is None:
                credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
            self._session = AuthorizedSession(credentials)
        return self._session

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self._http().request(method, self._url(path), json=body, timeout=60)
        if not response.ok:
            raise RuntimeError(f"Cloud Run {method} {path} answered HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else {}

    # RunLauncher -----------------------------------------------------------------------------------
    def run_request(self, run: DagsterRun) -> dict:
        """The jobs.run body: the job's container runs exactly this Dagster run (its settings stay the job's own)."""
        origin = check.not_none(run.job_code_origin, "the run has no code origin to execute")
        args = ExecuteRunArgs(job_origin=origin, run_id=run.run_id, instance_ref=None).get_command_args()
        return {"overrides": {"containerOverrides": [{"args": list(args)}], "taskCount": 1}}

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        job_path = f"projects/{self.project}/locations/{self.region}/jobs/{self.job}"
        operation = self._call("POST", f"{job_path}:run", self.run_request(run))
        execution = operation.get("metadata", {}).get("name", "")
        self._instance.add_run_tags(run.run_id, {EXECUTION_TAG: execution})
        self._instance.report_engine_event(f"Cloud Run execution {execution} started for this run", run,
                                           cls=self.__class__)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        execution = run.tags.get(EXECUTION_TAG)
        if not execution:
            return CheckRunHealthResult(WorkerStatus.NOT_FOUND, "no Cloud Run execution recorded for this run")
        try:
            state = self._call("GET", execution)
        except RuntimeError as error:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, str(error))
        return execution_health(state)

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        execution = run.tags.get(EXECUTION_TAG) if run else None
        if not execution:
            return False
        self._instance.report_run_canceling(run)
        self._call("POST", f"{execution}:cancel", {})
        return True


def execution_health(execution: dict) -> CheckRunHealthResult:
    """The worker status of a Cloud Run v2 Execution resource."""
    if execution.get("succeededCount", 0) >= 1:
        return CheckRunHealthResult(WorkerStatus.SUCCESS)
    if execution.get("failedCount", 0) >= 1 or execution.get("cancelledCount", 0) >= 1:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"Cloud Run execution {execution.get('name')} failed: "
                                    + json.dumps(execution.get("conditions", []))[:500])
    completed = next((c for c in execution.get("conditions", []) if c.get("type") == COMPLETED), {})
    if completed.get("state") == "CONDITION_FAILED":
        return CheckRunHealthResult(WorkerStatus.FAILED, completed.get("message", "execution failed"))
    return CheckRunHealthResult(WorkerStatus.RUNNING)
