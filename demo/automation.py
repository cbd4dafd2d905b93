"""Dagster's own schedule and sensor machinery, evaluated at a simulated time; the runs they request are executed."""

from dataclasses import dataclass, field

import dagster as dg
import pandas as pd

from demo.interrupts import raise_if_interrupted

# Runs keep every event in the instance; only the console stays quiet so the demo's progress lines can be read.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def quiet(run_config: dict | None) -> dict:
    """run_config with the console logger turned down to warnings."""
    return {**(run_config or {}), **QUIET}


@dataclass
class Clock:
    """The code location, the instance, and the sensors' cursors, advanced tick by tick."""

    defs: dg.Definitions
    instance: dg.DagsterInstance
    cursors: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)  # (job, partition, trigger, success)

    def _execute(self, job_name: str, request: dg.RunRequest, origin_tags: dict) -> dg.ExecuteInProcessResult:
        """Execute a requested run as the daemon would launch it: its partition, config and tags."""
        job = self.defs.resolve_job_def(job_name)
        tags = {**(request.tags or {}), **origin_tags}
        if request.run_key:
            tags["dagster/run_key"] = request.run_key
        result = job.execute_in_process(instance=self.instance, partition_key=request.partition_key,
                                        run_config=quiet(request.run_config), tags=tags, raise_on_error=False)
        self.runs.append((job_name, request.partition_key, tags.get("forecast/trigger", "?"), result.success))
        raise_if_interrupted(result, self.instance)  # Ctrl-C inside the run: stop the demo, not just this run
        if not result.success:
            self.alert_on_failure(result)
        return result

    def schedule_tick(self, name: str, when: pd.Timestamp) -> list[dg.ExecuteInProcessResult]:
        """Evaluate a schedule at `when` and run what it requests."""
        schedule = self.defs.resolve_schedule_def(name)
        with dg.build_schedule_context(instance=self.instance, scheduled_execution_time=when.to_pydatetime()) as context:
            data = schedule.evaluate_tick(context)
        return [self._execute(schedule.job_name, request, {"dagster/schedule_name": name})
                for request in data.run_requests or []]

    def sensor_tick(self, name: str) -> list[dg.ExecuteInProcessResult]:
        """Evaluate a sensor with its cursor and the code location's resources, and run what it requests."""
        sensor = self.defs.resolve_sensor_def(name)
        with dg.build_sensor_context(instance=self.instance, cursor=self.cursors.get(name), definitions=self.defs,
                                     resources=self.defs.resources) as context:
            data = sensor.evaluate_tick(context)
        if data.cursor is not None:
            self.cursors[name] = data.cursor
        job_name = sensor.job_name
        return [self._execute(job_name, request, {"dagster/sensor_name": name})
                for request in data.run_requests or []]

    def alert_on_failure(self, result: dg.ExecuteInProcessResult) -> None:
        """Let the run-failure sensor see a failed run, as the daemon would."""
        sensor = self.defs.resolve_sensor_def("run_failure_alert_sensor")
        run = self.instance.get_run_by_id(result.run_id)
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        with dg.build_run_status_sensor_context(sensor_name=sensor.name, dagster_instance=self.instance,
                                                dagster_run=run, dagster_event=failure,
                                                resources=self.defs.resources) as context:
            sensor(context.for_run_failure())
