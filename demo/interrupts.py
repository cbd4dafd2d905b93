"""Ctrl-C and SIGTERM stop the demo: the run in progress ends failed or canceled, and the demo exits 128 + signal.

Inside a run Dagster owns both signals: it turns one that lands in a step into a step failure, but one that lands
between steps only sets a flag that it clears when the run ends, so the signal is lost. The demo therefore also
records every signal on a wakeup pipe (signal.set_wakeup_fd, written by the interpreter whichever Python handler is
installed) and checks it after each run; between runs (sensor and schedule evaluation, progress lines) our own
handler stops it at once.
"""

import os
import signal
import time
from contextlib import contextmanager
from datetime import datetime

import dagster as dg
from dagster._core.execution.execution_result import ExecutionResult  # in-process or execute_run's

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_INTERRUPT_ERRORS = ("DagsterExecutionInterruptedError", "KeyboardInterrupt", "DemoInterrupted")


class DemoInterrupted(KeyboardInterrupt):
    """The demo was asked to stop by signal signum; exit_code is the shell's 128 + signum."""

    def __init__(self, signum: int, run_id: str | None = None):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum, self.run_id, self.at = signum, run_id, time.monotonic()

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_wakeup = {"read_fd": None, "write_fd": None}  # the pipe the interpreter writes received signal numbers to


@contextmanager
def stop_on_signals():
    """While inside, SIGINT and SIGTERM raise DemoInterrupted in the main thread (outside Dagster's runs), and every
    signal is recorded for signal_received() (inside Dagster's runs too)."""

    def handler(signum, _frame):
        raise DemoInterrupted(signum)

    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)
    previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    _wakeup.update(read_fd=read_fd, write_fd=write_fd)
    for signum in SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        signal.set_wakeup_fd(previous_wakeup)
        _wakeup.update(read_fd=None, write_fd=None)
        os.close(read_fd)
        os.close(write_fd)


def signal_received() -> int | None:
    """The first SIGINT or SIGTERM recorded since the last call (None if none, or outside stop_on_signals)."""
    if _wakeup["read_fd"] is None:
        return None
    signal.set_wakeup_fd(_wakeup["write_fd"], warn_on_full_buffer=False)  # re-armed, should a library have taken it
    try:
        recorded = os.read(_wakeup["read_fd"], 512)
    except BlockingIOError:
        return None
    return next((signum for signum in recorded if signum in SIGNALS), None)


def stop_if_signalled() -> None:
    """Before a run: a signal that a library's own handler took since the last check stops the demo now, not after
    the next run (a signal that lands while a sensor or schedule is evaluated goes to Dagster's handler, not ours)."""
    signum = signal_received()
    if signum is not None:
        raise DemoInterrupted(signum)


def was_interrupted(result: ExecutionResult) -> bool:
    """Whether a run failed because the process was interrupted (Dagster reports it as a step or run failure)."""
    for event in result.all_events:
        if event.is_failure or event.event_type == dg.DagsterEventType.RUN_FAILURE:
            text = str(getattr(event.event_specific_data, "error", "") or "") + (event.message or "")
            if any(name in text for name in _INTERRUPT_ERRORS):
                return True
    return False


def raise_if_interrupted(result: ExecutionResult, instance: dg.DagsterInstance) -> None:
    """After a run: if a signal arrived during it, make sure the instance shows the run ended, and stop the demo."""
    signum = signal_received()
    if signum is None and (result.success or not was_interrupted(result)):
        return
    run = instance.get_run_by_id(result.run_id)
    if run is not None and not run.is_finished:
        instance.report_run_canceled(run, message="the demo was interrupted")
    # A run that ended before Dagster acted on the signal keeps its own status; the demo stops all the same.
    raise DemoInterrupted(signum or signal.SIGINT, run_id=result.run_id)


def cancel_unfinished_runs(instance: dg.DagsterInstance, since: datetime) -> list[str]:
    """Mark CANCELED every run created since `since` that an interrupt left not started or started; their ids."""
    unfinished = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=unfinished, created_after=since))
    for run in runs:
        instance.report_run_canceled(run, message="the demo was interrupted")
    return [run.run_id for run in runs]


def run_status(instance: dg.DagsterInstance, run_id: str | None) -> str:
    """The status the instance records for run_id ("none" when the interrupt fell between runs)."""
    run = instance.get_run_by_id(run_id) if run_id else None
    return run.status.value if run is not None else "none"
