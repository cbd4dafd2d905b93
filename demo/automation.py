"""Dagster's own schedule and sensor machinery, evaluated at a simulated time; the runs they request are executed.

Each evaluation is recorded as the daemon records it: a tick in the instance (instance.create_tick/update_tick)
under the schedule's or sensor's selector in the code location of workspace.yaml, so the Automation page shows
its tick history (runs requested, or skipped with the reason), and each run carries the tags the daemon
sets (dagster/schedule_name or dagster/sensor_name, dagster/tick, the scheduled execution time). Ticks are stamped
with the wall-clock time of the evaluation, so they line up with their runs on the Overview timeline.

Runs are executed in this process, as execute_in_process does (its in-process executor, the same speed), but created
as the daemon creates them: with the origin of the job in that code location, which the Overview timeline and the
run list's code-location filter read (execute_in_process's runs carry none, and the timeline leaves them out).
"""

import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.definitions.selector import InstigatorSelector
from dagster._core.execution.api import create_execution_plan, execute_run
from dagster._core.execution.execute_in_process import merge_run_tags
from dagster._core.execution.job_execution_result import JobExecutionResult
from dagster._core.remote_origin import RemoteInstigatorOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.scheduler.instigation import InstigatorType, TickData, TickStatus
from dagster._core.workspace.load import location_origins_from_yaml_paths

WORKSPACE_FILE = Path(__file__).resolve().parents[1] / "workspace.yaml"  # what `make ui` serves
REPOSITORY = "__repository__"  # the repository name Dagster gives a code location's Definitions
DEFINITIONS = ("forecast_assets.definitions", "defs")  # the module and attribute workspace.yaml loads

from demo.interrupts import raise_if_interrupted, stop_if_signalled

# Runs keep every event in the instance; only the console stays quiet so the demo's progress lines can be read.
# The demo's console shows warnings and its own progress lines; FORECAST_DEMO_LOG_LEVEL=DEBUG shows every event.
QUIET = {"loggers": {"console": {"config": {"log_level": os.getenv("FORECAST_DEMO_LOG_LEVEL", "WARNING")}}}}


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
    ticks: list = field(default_factory=list)  # (instigator, status, run count)
    resolved: dict = field(default_factory=dict)  # resources read outside a run, by name

    def resource(self, name: str):
        """The code location's resource `name` as a run sees it: dg.EnvVar settings resolved (the gcp environment's are)."""
        if name not in self.resolved:
            with dg.build_resources({name: self.defs.resources[name]}, instance=self.instance) as built:
                self.resolved[name] = getattr(built, name)  # ours hold no state that teardown would end
        return self.resolved[name]

    @cached_property
    def repository_origin(self) -> RemoteRepositoryOrigin:
        """The repository of workspace.yaml's code location, as the UI's workspace names it."""
        return RemoteRepositoryOrigin(location_origins_from_yaml_paths([str(WORKSPACE_FILE)])[0], REPOSITORY)

    def launch(self, job_name: str, partition_key: str | None = None, run_config: dict | None = None,
               tags: dict | None = None) -> JobExecutionResult:
        """Execute a run of the code location's job here and now, recorded with the job's origin in the code location;
        a signal during it stops the demo, and a failure reaches the run-failure sensor."""
        stop_if_signalled()
        job = self.defs.resolve_job_def(job_name)
        ephemeral = InMemoryJob(job.as_ephemeral_job(resource_defs={}, input_values={}))  # the in-process executor
        run_config = quiet(run_config)
        plan = create_execution_plan(ephemeral, run_config=run_config,
                                     instance_ref=self.instance.get_ref() if self.instance.is_persistent else None)
        code = ReconstructableRepository.for_module(*DEFINITIONS, working_directory=str(WORKSPACE_FILE.parent))
        run = self.instance.create_run_for_job(
            job_def=ephemeral.get_definition(), execution_plan=plan, run_config=run_config,
            tags=merge_run_tags(job, partition_key, tags, None, self.instance, run_config),
            remote_job_origin=RemoteJobOrigin(self.repository_origin, job_name),
            job_code_origin=code.get_python_origin().get_job_origin(job_name))
        result = execute_run(ephemeral, run, self.instance)
        raise_if_interrupted(result, self.instance)  # Ctrl-C inside the run: stop the demo, not just this run
        if not result.success:
            self.alert_on_failure(result)
        return result

    def _open_tick(self, name: str, kind: InstigatorType):
        """A STARTED tick for the schedule or sensor, keyed as the UI's code location keys it (None without storage)."""
        if self.instance.schedule_storage is None:  # an ephemeral instance keeps runs but no ticks
            return None
        repository = self.repository_origin
        origin = RemoteInstigatorOrigin(repository, name)
        selector = InstigatorSelector(location_name=repository.code_location_origin.location_name,
                                      repository_name=REPOSITORY, name=name)
        return self.instance.create_tick(TickData(
            instigator_origin_id=origin.get_id(), instigator_name=name, instigator_type=kind,
            status=TickStatus.STARTED, timestamp=time.time(), selector_id=selector.get_id()))

    def _close_tick(self, tick, results: list, skip_reason: str | None, cursor: str | None = None) -> None:
        """Record what the tick did: the runs it launched (SUCCESS), or the reason it requested none (SKIPPED)."""
        if tick is None:
            return
        # As the daemon: a tick that launched runs succeeded, whatever the runs then did (the run list shows that).
        status = TickStatus.SUCCESS if results else TickStatus.SKIPPED
        data = tick.tick_data.with_status(status, end_timestamp=time.time())
        data = data._replace(run_ids=[r.run_id for r in results], origin_run_ids=[r.run_id for r in results],
                             skip_reason=None if results else (skip_reason or "no run requested"), cursor=cursor)
        self.instance.update_tick(tick._replace(tick_data=data))
        self.ticks.append((tick.tick_data.instigator_name, status.value, len(results)))

    def _execute(self, job_name: str, request: dg.RunRequest, origin_tags: dict) -> JobExecutionResult:
        """Execute a requested run as the daemon would launch it: its partition, config and tags."""
        tags = {**(request.tags or {}), **origin_tags}
        if request.run_key:
            tags["dagster/run_key"] = request.run_key
        result = self.launch(job_name, request.partition_key, request.run_config, tags)
        self.runs.append((job_name, request.partition_key, tags.get("forecast/trigger", "?"), result.success))
        return result

    def schedule_tick(self, name: str, when: pd.Timestamp) -> list[JobExecutionResult]:
        """Evaluate a schedule at `when` and run what it requests, recorded as one tick."""
        schedule = self.defs.resolve_schedule_def(name)
        tick = self._open_tick(name, InstigatorType.SCHEDULE)
        with dg.build_schedule_context(instance=self.instance, scheduled_execution_time=when.to_pydatetime()) as context:
            data = schedule.evaluate_tick(context)
        origin = {"dagster/schedule_name": name, ".dagster/scheduled_execution_time": when.isoformat(),
                  **({"dagster/tick": str(tick.tick_id)} if tick else {})}
        results = [self._execute(schedule.job_name, request, origin) for request in data.run_requests or []]
        self._close_tick(tick, results, data.skip_message)
        return results

    def sensor_tick(self, name: str) -> list[JobExecutionResult]:
        """Evaluate a sensor with its cursor and the code location's resources, and run what it requests, as one tick."""
        sensor = self.defs.resolve_sensor_def(name)
        tick = self._open_tick(name, InstigatorType.SENSOR)
        with dg.build_sensor_context(instance=self.instance, cursor=self.cursors.get(name), definitions=self.defs,
                                     resources=self.defs.resources) as context:
            data = sensor.evaluate_tick(context)
        if data.cursor is not None:
            self.cursors[name] = data.cursor
        origin = {"dagster/sensor_name": name, **({"dagster/tick": str(tick.tick_id)} if tick else {})}
        results = [self._execute(sensor.job_name, request, origin) for request in data.run_requests or []]
        self._close_tick(tick, results, data.skip_message, data.cursor)
        return results

    def alert_on_failure(self, result: JobExecutionResult) -> None:
        """Let the run-failure sensor see a failed run, as the daemon would."""
        sensor = self.defs.resolve_sensor_def("run_failure_alert_sensor")
        run = self.instance.get_run_by_id(result.run_id)
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        with dg.build_run_status_sensor_context(sensor_name=sensor.name, dagster_instance=self.instance,
                                                dagster_run=run, dagster_event=failure,
                                                resources=self.defs.resources) as context:
            sensor(context.for_run_failure())
