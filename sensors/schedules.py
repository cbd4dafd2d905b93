"""Schedules: collect yesterday's data, forecast once it is in, monitor once actuals are in, retrain weekly."""

import dagster as dg

from forecast_assets.jobs import inference_job, ingestion_job, monitoring_job, training_job
from forecast_assets.partitions import TIMEZONE  # the daily schedules tick in the partitions' time zone

# Each daily schedule targets the last complete day, so one tick at D+1 00:30 collects D, 01:00 forecasts from D's end,
# 02:00 scores D's actuals against the forecasts that covered D.
collect_schedule = dg.build_schedule_from_partitioned_job(
    ingestion_job, name="collect_schedule", hour_of_day=0, minute_of_hour=30,
    tags={"forecast/trigger": "schedule"},
)
forecast_schedule = dg.build_schedule_from_partitioned_job(
    inference_job, name="forecast_schedule", hour_of_day=1, minute_of_hour=0,
    tags={"forecast/trigger": "schedule"},
)
monitoring_schedule = dg.build_schedule_from_partitioned_job(
    monitoring_job, name="monitoring_schedule", hour_of_day=2, minute_of_hour=0,
    tags={"forecast/trigger": "schedule"},
)
weekly_retrain_schedule = dg.ScheduleDefinition(
    name="weekly_retrain_schedule", job=training_job, cron_schedule="0 3 * * 1", execution_timezone=TIMEZONE,
    tags={"forecast/trigger": "schedule"},
    description="Retrain every Monday on the latest dataset window, whatever the monitors say.",
)

SCHEDULES = [collect_schedule, forecast_schedule, monitoring_schedule, weekly_retrain_schedule]
