"""Everything that runs the lifecycle without a human: the schedules and sensors of the code location."""

import dagster as dg

from resources.environment import uses_vertex_jobs
from sensors.alerts import run_failure_alert_sensor
from sensors.champion import new_champion_sensor
from sensors.retrain import drift_retrain_sensor
from sensors.schedules import SCHEDULES


def build_definitions() -> dg.Definitions:
    """The schedules and sensors, plus the orphaned-Vertex-job sensor where runs submit Vertex AI jobs (it needs the
    gcp environment's vertex_jobs resource); built when the code location is, so the environment is the current one."""
    sensors = [drift_retrain_sensor, new_champion_sensor, run_failure_alert_sensor]
    if uses_vertex_jobs():
        from sensors.vertex_orphans import cancel_orphaned_vertex_jobs

        sensors.append(cancel_orphaned_vertex_jobs)
    return dg.Definitions(schedules=SCHEDULES, sensors=sensors)
