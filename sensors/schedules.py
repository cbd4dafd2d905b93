"""Schedules at the data's cadence: collect the partition that just ended, forecast once it is in, monitor once
actuals are in, and retrain on a slower beat (hourly data: daily partitions and a weekly retrain)."""

import dagster as dg

from forecast_assets.jobs import inference_job, ingestion_job, monitoring_job, training_job
from forecast_assets.partitions import SETTINGS, TIMEZONE, time_partitions

# When each cadence's partition ends (minute, hour left to fill in): days at midnight, weeks on Monday, months on
# the 1st, years on 1 January; and the slower beat of the retrain: one level up.
PARTITION_END_CRON = {"daily": "{m} {h} * * *", "weekly": "{m} {h} * * 1", "monthly": "{m} {h} 1 * *",
                      "yearly": "{m} {h} 1 1 *"}
RETRAIN_CRON = {"daily": "0 3 * * 1", "weekly": "0 3 1 * *", "monthly": "0 3 1 */3 *", "yearly": "0 3 1 1 *"}
RETRAIN_BEAT = {"daily": "every Monday", "weekly": "on the 1st of every month", "monthly": "every quarter",
                "yearly": "every year"}
TAGS = {"forecast/trigger": "schedule"}


def after_each_partition(job, name: str, hour: int, minute: int, what: str) -> dg.ScheduleDefinition:
    """A schedule that runs `job` for the partition that just ended, hour:minute after its end."""

    @dg.schedule(name=name, job=job, cron_schedule=PARTITION_END_CRON[SETTINGS.cadence].format(m=minute, h=hour),
                 execution_timezone=TIMEZONE, tags=TAGS,
                 description=f"{what}, {hour:02d}:{minute:02d} after each {SETTINGS.cadence} partition ends.")
    def _schedule(context: dg.ScheduleEvaluationContext):
        window = time_partitions.get_prev_partition_window(context.scheduled_execution_time)
        if window is None:
            return dg.SkipReason(f"no {SETTINGS.cadence} partition has ended yet")
        key = time_partitions.get_partition_key_for_timestamp(window.start.timestamp())
        return job.run_request_for_partition(partition_key=key, run_key=key, tags=TAGS)

    return _schedule


# One tick after partition P ends collects P, the next forecasts from P's end, the last scores P's actuals.
collect_schedule = after_each_partition(ingestion_job, "collect_schedule", 0, 30, "Collect the partition")
forecast_schedule = after_each_partition(inference_job, "forecast_schedule", 1, 0, "Forecast from its end")
monitoring_schedule = after_each_partition(monitoring_job, "monitoring_schedule", 2, 0, "Score its actuals")
retrain_schedule = dg.ScheduleDefinition(
    name="retrain_schedule", job=training_job, cron_schedule=RETRAIN_CRON[SETTINGS.cadence],
    execution_timezone=TIMEZONE, tags=TAGS,
    description=f"Retrain {RETRAIN_BEAT[SETTINGS.cadence]} on the latest dataset window, whatever the monitors say.",
)

SCHEDULES = [collect_schedule, forecast_schedule, monitoring_schedule, retrain_schedule]
