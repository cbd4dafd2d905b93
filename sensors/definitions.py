"""Everything that runs the lifecycle without a human: the schedules and sensors of the code location."""

import dagster as dg

from resources.environment import uses_vertex_jobs
from sensors.alerts import run_failure_alert_sensor
from sensors.champion import new_champion_sensor
from sensors.retrain import drift_retrain_sensor
from sensors.schedules import SCHEDULES


def _remote_job_sensors() -> list:
    """The orphaned-Vertex-job sensor where runs submit Vertex AI jobs (it needs the gcp vertex_jobs resource)."""
    if not uses_vertex_jobs():
        return []
    from sensors.vertex_orphans import cancel_orphaned_vertex_jobs

    return [cancel_orphaned_vertex_jobs]


defs = dg.Definitions(schedules=SCHEDULES,
                      sensors=[drift_retrain_sensor, new_champion_sensor, run_failure_alert_sensor,
                               *_remote_job_sensors()])
