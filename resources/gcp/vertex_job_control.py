"""Following Vertex AI custom jobs from a Dagster step: wait for them, cancel them when the run stops, find a run's jobs.

Shared by the training backend (one job) and the batch scorer (one job per shard). Every job we submit carries the
label dagster_run=<run id>, so jobs a dead run worker left running can be found and cancelled (sensors/vertex_orphans.py).
"""

import time

import dagster as dg

SUCCEEDED = "JOB_STATE_SUCCEEDED"
FAILED_STATES = ("JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED")
ACTIVE_STATES = ("JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_UPDATING",
                 "JOB_STATE_PAUSED")
RUN_LABEL = "dagster_run"
CANCEL_FAILED = "JOB_STATE_UNKNOWN (cancel failed)"
SETTLED = (SUCCEEDED, *FAILED_STATES, CANCEL_FAILED)  # states after which waiting for a cancelled job ends


def console_link(project: str, location: str, job_id: str) -> str:
    """The Cloud console page of a Vertex AI custom job."""
    return f"https://console.cloud.google.com/vertex-ai/locations/{location}/training/{job_id}?project={project}"


def run_labels(labels: dict, run_id: str) -> dict:
    """labels with the full Dagster run id under RUN_LABEL (a Vertex label value holds up to 63 characters)."""
    return {**labels, RUN_LABEL: run_id}


def wait_for_jobs(context, jobs: list, links: list[str], poll_seconds: float, cancel_wait_seconds: float) -> list[str]:
    """Poll until every job ends and return their final states; if the run is interrupted meanwhile, cancel the jobs
    still running and fail the step with their links (a dg.DagsterExecutionInterruptedError, so the run stops as it
    would have)."""
    states: dict[int, str] = {}
    try:
        while len(states) < len(jobs):
            for k, job in enumerate(jobs):
                if k not in states:
                    state = job.state.name  # each read fetches the job again
                    if state == SUCCEEDED or state in FAILED_STATES:
                        states[k] = state
            if len(states) < len(jobs):
                time.sleep(poll_seconds)
        return [states[k] for k in range(len(jobs))]
    except BaseException as stopped:
        running = [k for k in range(len(jobs)) if k not in states]
        ended = cancel_jobs(context, [jobs[k] for k in running], [links[k] for k in running], poll_seconds,
                            cancel_wait_seconds)
        if isinstance(stopped, (KeyboardInterrupt, dg.DagsterExecutionInterruptedError)):
            what = "; ".join(f"Vertex AI custom job {jobs[k].resource_name} cancelled ({state}): {links[k]}"
                             for k, state in zip(running, ended))
            raise dg.DagsterExecutionInterruptedError(f"run interrupted: {what}") from stopped
        raise


def cancel_jobs(context, jobs: list, links: list[str], poll_seconds: float, wait_seconds: float) -> list[str]:
    """Ask Vertex AI to cancel each job, then wait (up to wait_seconds) for them to end; return their last states."""
    states = []
    for job, link in zip(jobs, links):
        context.log.warning(f"cancelling Vertex AI custom job {job.resource_name}: {link}")
        try:
            job.cancel()
            states.append(job.state.name)
        except Exception as error:  # the step is stopping anyway: say so loudly, keep the original exception
            context.log.error(f"could not cancel Vertex AI custom job {job.resource_name} ({error}); cancel it at {link}")
            states.append(CANCEL_FAILED)
    deadline = time.monotonic() + wait_seconds
    while any(state not in SETTLED for state in states) and time.monotonic() < deadline:
        time.sleep(min(poll_seconds, 2.0))
        states = [state if state in SETTLED else job.state.name for job, state in zip(jobs, states)]
    for job, state in zip(jobs, states):
        context.log.warning(f"Vertex AI custom job {job.resource_name} is {state}")
    return states


def remove_objects(client, bucket: str, prefix: str) -> None:
    """Delete every object under prefix (a session's Pipes chunks, a scoring run's shard files)."""
    for blob in client.bucket(bucket).list_blobs(prefix=prefix):
        blob.delete()
