"""Cancels the Vertex AI jobs a dead run left behind: a run worker that is SIGKILLed (or whose container is replaced)
never reaches its own cancel, and the job would bill until its timeout."""

from datetime import datetime, timedelta, timezone

import dagster as dg

from resources.gcp.vertex_run_jobs import VertexRunJobs

ENDED_BADLY = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
FIRST_LOOKBACK = timedelta(days=1)  # with no cursor yet: the runs that ended in the last day
BATCH = 50  # runs read per evaluation; the cursor carries on from the last one


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Cancels the Vertex AI custom jobs (label dagster_run) of runs that failed or were canceled.")
def cancel_orphaned_vertex_jobs(context: dg.SensorEvaluationContext, vertex_jobs: VertexRunJobs):
    """For each run that became FAILURE or CANCELED since the cursor, cancels its Vertex AI jobs still running."""
    after = (datetime.fromtimestamp(float(context.cursor), tz=timezone.utc) if context.cursor
             else datetime.now(timezone.utc) - FIRST_LOOKBACK)
    records = context.instance.get_run_records(
        filters=dg.RunsFilter(statuses=ENDED_BADLY, updated_after=after), order_by="update_timestamp",
        ascending=True, limit=BATCH)
    cancelled = {}
    for record in records:
        names = vertex_jobs.cancel_run_jobs(record.dagster_run.run_id)
        if names:
            context.log.warning(f"run {record.dagster_run.run_id} is {record.dagster_run.status.value}; cancelled its "
                                f"Vertex AI custom jobs {', '.join(names)}")
            cancelled[record.dagster_run.run_id] = names
    if records:
        context.update_cursor(str(records[-1].update_timestamp.timestamp()))
    return dg.SkipReason(f"{len(records)} ended runs checked; cancelled the jobs of {len(cancelled)}: "
                         f"{sorted(cancelled)}" if cancelled else f"{len(records)} ended runs checked; no job running")
