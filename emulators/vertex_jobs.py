"""Vertex AI custom jobs in the stand-in: each job's container command runs as a local process.

A job's worker pool spec names an image; here the image is this checkout, and its entrypoint (`python -m
trainer.task`) runs with the project's python, the spec's args and env, and the variables Vertex AI sets
(AIP_MODEL_DIR and friends). Vertex mounts Cloud Storage at /gcs; here every gs:// URI the job names is copied
from the GCS emulator into a per-job folder that the trainer is told to use as that mount (TRAINER_GCS_MOUNT),
and every file the job writes there is uploaded back when it ends, as the FUSE mount would have.
"""

import itertools
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from emulators.rest_server import ApiError, RestServer, not_found

LOCATION = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
GS_URI = re.compile(r"gs://[a-z0-9][a-z0-9._-]*(?:/[^\s\"']*)?")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CustomJobs:
    """customJobs.create/get/list/cancel; each created job is run at once in a thread that owns its process."""

    def __init__(self, server: RestServer, workdir: Path, storage_endpoint: str, entrypoint: str):
        self.jobs: dict[str, dict] = {}
        self.processes: dict[str, subprocess.Popen] = {}
        self.workdir, self.storage_endpoint, self.entrypoint = workdir, storage_endpoint, shlex.split(entrypoint)
        self.lock = server.lock
        ids = itertools.count(1001)

        @server.route("POST", LOCATION + "/customJobs")
        def create(request, match):
            job_id = str(next(ids))
            job = {**request.body, "name": f"projects/{match['project']}/locations/{match['location']}/customJobs/{job_id}",
                   "state": "JOB_STATE_QUEUED", "createTime": now(), "updateTime": now()}
            self.jobs[job_id] = job
            threading.Thread(target=self._run, args=(job_id,), daemon=True).start()
            return job

        @server.route("GET", LOCATION + "/customJobs")
        def list_jobs(request, match):
            # The orphan sensor lists a run's jobs as labels.dagster_run="<run id>".
            wanted = dict(re.findall(r'labels\.(\w+)="([^"]*)"', request.arg("filter")))
            return {"customJobs": [job for job in self.jobs.values()
                                   if all(job.get("labels", {}).get(k) == v for k, v in wanted.items())]}

        @server.route("GET", LOCATION + r"/customJobs/(?P<job_id>\d+)")
        def get(request, match):
            return self._job(match["job_id"])

        @server.route("POST", LOCATION + r"/customJobs/(?P<job_id>\d+):cancel")
        def cancel(request, match):
            job = self._job(match["job_id"])
            if job["state"] in ("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"):
                raise ApiError(400, "FAILED_PRECONDITION", f"job {match['job_id']} already ended in {job['state']}")
            self._set(match["job_id"], "JOB_STATE_CANCELLING")
            process = self.processes.get(match["job_id"])
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            return {}

    def stop_all(self) -> None:
        """Kill every job process still running (the stand-in is stopping)."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def _job(self, job_id: str) -> dict:
        if job_id not in self.jobs:
            raise not_found(f"customJob {job_id}")
        return self.jobs[job_id]

    def _set(self, job_id: str, state: str, **fields) -> None:
        with self.lock:
            self.jobs[job_id].update(state=state, updateTime=now(), **fields)

    def _run(self, job_id: str) -> None:
        job = self.jobs[job_id]
        folder = self.workdir / "jobs" / job_id
        mount = folder / "gcs"
        mount.mkdir(parents=True, exist_ok=True)
        try:
            command, env = self.command(job, job_id, mount)
            snapshot = self.mount_in(command + list(env.values()), mount)
            with self.lock:
                if job["state"] == "JOB_STATE_CANCELLING":
                    self._set(job_id, "JOB_STATE_CANCELLED", endTime=now())
                    return
                log = open(folder / "job.log", "wb")
                self.processes[job_id] = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log,
                                                          stderr=subprocess.STDOUT, start_new_session=True)
                self._set(job_id, "JOB_STATE_RUNNING", startTime=now())
            code = self.processes[job_id].wait()
            log.close()
            self.mount_out(mount, snapshot)
        except Exception as error:  # a job the stand-in cannot run fails like a job whose container cannot start
            self._set(job_id, "JOB_STATE_FAILED", endTime=now(), error={"code": 13, "message": repr(error)})
            return
        if job["state"] == "JOB_STATE_CANCELLING":
            self._set(job_id, "JOB_STATE_CANCELLED", endTime=now(), error={"code": 1, "message": "CANCELED"})
        elif code == 0:
            self._set(job_id, "JOB_STATE_SUCCEEDED", endTime=now())
        else:
            last = (folder / "job.log").read_text(errors="replace").strip().splitlines()[-1:] or [""]
            self._set(job_id, "JOB_STATE_FAILED", endTime=now(), error={
                "code": 3, "message": f"The replica workerpool0-0 exited with a non-zero status of {code}. "
                                      f"Last log line: {last[0]}"})

    def command(self, job: dict, job_id: str, mount: Path) -> tuple[list[str], dict]:
        """The process to start and its environment, from the first worker pool's container spec."""
        from resources.gcp.clients import with_scheme

        spec = job.get("jobSpec", {})
        pools = spec.get("workerPoolSpecs") or []
        if not pools or "containerSpec" not in pools[0]:
            raise ValueError("the stand-in runs container worker pools only (workerPoolSpecs[0].containerSpec)")
        container = pools[0]["containerSpec"]
        command = list(container.get("command") or self.entrypoint) + list(container.get("args") or [])
        if command and command[0] in ("python", "python3"):
            command[0] = sys.executable  # the image's python is this project's environment
        base = (spec.get("baseOutputDirectory") or {}).get("outputUriPrefix", "").rstrip("/")
        project, location = job["name"].split("/")[1], job["name"].split("/")[3]
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(mount.parent), "LANG": "C.UTF-8",
               "PYTHONPATH": str(PROJECT_ROOT), "TRAINER_GCS_MOUNT": str(mount),
               "CLOUD_ML_PROJECT_ID": project, "CLOUD_ML_REGION": location, "CLOUD_ML_JOB_ID": job_id,
               # A Vertex worker reaches GCS with its service account; here the job's GCS client reaches the emulator.
               "STORAGE_EMULATOR_HOST": with_scheme(self.storage_endpoint), "NO_GCE_CHECK": "True",
               "GCE_METADATA_HOST": "127.0.0.1:9", "GCE_METADATA_IP": "127.0.0.1:9"}
        if base:
            env.update(AIP_MODEL_DIR=f"{base}/model/", AIP_CHECKPOINT_DIR=f"{base}/checkpoints/",
                       AIP_TENSORBOARD_LOG_DIR=f"{base}/logs/")
        env.update({item["name"]: item.get("value", "") for item in container.get("env") or []})
        return command, env

    def _bucket(self, name: str):
        from resources.gcp.clients import storage_client

        return storage_client("stand-in", self.storage_endpoint).bucket(name)

    def mount_in(self, texts: list[str], mount: Path) -> dict:
        """Copy every object at or under each gs:// URI in texts into mount; return {file: (mtime, size)} after."""
        for uri in {match for text in texts for match in GS_URI.findall(str(text))}:
            bucket_name, _, path = uri[len("gs://"):].partition("/")
            path = path.rstrip("/")
            for blob in self._bucket(bucket_name).list_blobs(prefix=path):
                if blob.name == path or blob.name.startswith(path + "/") or not path:
                    target = mount / bucket_name / blob.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    blob.download_to_filename(str(target))
        return _state(mount)

    def mount_out(self, mount: Path, before: dict) -> None:
        """Upload every file under mount that is new or changed since before."""
        for path, stamp in _state(mount).items():
            if before.get(path) != stamp:
                bucket_name, _, name = path.relative_to(mount).as_posix().partition("/")
                self._bucket(bucket_name).blob(name).upload_from_filename(str(path))


def _state(root: Path) -> dict:
    return {path: (path.stat().st_mtime_ns, path.stat().st_size) for path in root.rglob("*") if path.is_file()}
