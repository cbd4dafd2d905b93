"""Ctrl-C reaches the demo even when Dagster's own handler swallows it inside a run."""

import os
import signal

import dagster as dg
import pytest
from dagster._utils.interrupts import capture_interrupts

from demo.automation import Clock
from demo.interrupts import DemoInterrupted, raise_if_interrupted, signal_received, stop_on_signals


@dg.op
def quick_step():
    return 1


@dg.job
def quick_job():
    quick_step()


@dg.op
def step_that_is_interrupted():
    os.kill(os.getpid(), signal.SIGTERM)  # as a user's kill would land, mid-step


@dg.job
def interrupted_job():
    step_that_is_interrupted()


def test_a_signal_that_dagster_captures_and_clears_is_still_seen_after_the_run():
    with stop_on_signals():
        with capture_interrupts():  # what Dagster wraps every in-process run in
            os.kill(os.getpid(), signal.SIGINT)
        # Dagster cleared its flag on leaving; the interpreter still wrote the signal to the demo's pipe.
        assert signal_received() == signal.SIGINT
        assert signal_received() is None  # each signal is reported once


def test_sigterm_is_reported_as_sigterm():
    with stop_on_signals():
        with capture_interrupts():
            os.kill(os.getpid(), signal.SIGTERM)
        assert signal_received() == signal.SIGTERM


def test_a_run_that_finished_despite_a_signal_stops_the_demo_with_the_signals_exit_code():
    with dg.DagsterInstance.ephemeral() as instance, stop_on_signals():
        with capture_interrupts():
            os.kill(os.getpid(), signal.SIGTERM)
        result = quick_job.execute_in_process(instance=instance)
        assert result.success
        with pytest.raises(DemoInterrupted) as stop:
            raise_if_interrupted(result, instance)
    assert stop.value.exit_code == 128 + signal.SIGTERM and stop.value.run_id == result.run_id


def test_no_signal_lets_the_demo_carry_on():
    with dg.DagsterInstance.ephemeral() as instance, stop_on_signals():
        result = quick_job.execute_in_process(instance=instance)
        raise_if_interrupted(result, instance)  # returns: nothing to stop for
    assert signal_received() is None  # outside stop_on_signals nothing is recorded


def test_a_signal_inside_a_run_the_demo_launches_stops_the_demo_and_the_run_is_ended():
    with dg.DagsterInstance.ephemeral() as instance, stop_on_signals():
        clock = Clock(defs=dg.Definitions(jobs=[interrupted_job]), instance=instance)
        with pytest.raises(DemoInterrupted) as stop:
            clock.launch("interrupted_job")
        assert stop.value.exit_code == 128 + signal.SIGTERM
        assert instance.get_run_by_id(stop.value.run_id).is_finished
