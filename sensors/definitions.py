"""Everything that runs the lifecycle without a human: the schedules and sensors of the code location."""

import dagster as dg

from sensors.alerts import run_failure_alert_sensor
from sensors.champion import new_champion_sensor
from sensors.retrain import drift_retrain_sensor
from sensors.schedules import SCHEDULES

defs = dg.Definitions(schedules=SCHEDULES,
                      sensors=[drift_retrain_sensor, new_champion_sensor, run_failure_alert_sensor])
