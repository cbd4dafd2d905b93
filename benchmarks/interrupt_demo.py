"""Interrupt trial of `python -m demo`: how fast does Ctrl-C (SIGINT) or SIGTERM stop it, and what is left behind?

    python -m benchmarks.interrupt_demo [--interrupts 6] [--latest 40] [--live-partitions 2]

Each try starts the demo in a fresh FORECAST_HOME and DAGSTER_HOME, waits for its first progress line, sends the
signal after a random delay of up to --latest seconds (alternating SIGINT and SIGTERM), and measures the time until
the process has exited. It then reads the instance: no run may be left unfinished (not started, starting, started),
and names the step that was running when the signal was sent (from the demo's own log). The last line is
`name=value ...`.
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
UNFINISHED = ("NOT_STARTED", "STARTING", "STARTED")
STEP_START = re.compile(r' - ([\w.\[\]]+) - STEP_START - ')


def read_lines(stream, lines: list, first_line: threading.Event) -> None:
    """Keep reading the demo's output (so its pipe never fills), each line with the moment it arrived."""
    for line in stream:
        lines.append((time.monotonic(), line))
        if line.startswith("[demo]"):
            first_line.set()
    first_line.set()


def step_at(lines: list, moment: float) -> str:
    """The last step the demo's log shows starting before moment ('-' if none: between runs)."""
    started = [match.group(1) for at, line in lines if at <= moment and (match := STEP_START.search(line))]
    return started[-1] if started else "-"


def interrupt_once(home: Path, signum: int, delay: float, live_partitions: int = 2) -> dict:
    """Start the demo in home, signal it delay seconds after its first progress line; exit code, stop time, runs."""
    import dagster as dg

    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "FORECAST_HOME": str(home), "DAGSTER_HOME": str(dagster_home), "PYTHONUNBUFFERED": "1",
           "FORECAST_DEMO_LOG_LEVEL": "DEBUG"}  # step events on the console, to name the step a signal hit
    env.pop("FORECAST_SOURCE", None)
    demo = subprocess.Popen([sys.executable, "-m", "demo", "--live-partitions", str(live_partitions)], cwd=PROJECT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, first_line = [], threading.Event()
    reader = threading.Thread(target=read_lines, args=(demo.stdout, lines, first_line), daemon=True)
    reader.start()
    try:
        first_line.wait()
        time.sleep(delay)
        finished_before = demo.poll() is not None
        sent = time.monotonic()
        demo.send_signal(signum)
        code = demo.wait(timeout=120)
        stop_seconds = time.monotonic() - sent
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        statuses = [run.status.value for run in instance.get_runs()]
    return {"signal": signal.Signals(signum).name, "delay": round(delay, 1), "exit_code": code,
            "stop_seconds": round(stop_seconds, 2), "finished_before": finished_before,
            "step_at_signal": step_at(lines, sent), "run_statuses": statuses}


def run_interrupts(workdir: Path, interrupts: int = 2, latest: float = 20.0, seed: int = 0,
                   live_partitions: int = 2) -> list[dict]:
    """interrupts tries, alternating SIGINT and SIGTERM, at random delays of up to latest seconds."""
    rng = random.Random(seed)
    return [interrupt_once(workdir / f"try{number}", (signal.SIGINT, signal.SIGTERM)[number % 2],
                           rng.uniform(0, latest), live_partitions) for number in range(interrupts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interrupts", type=int, default=6)
    parser.add_argument("--latest", type=float, default=40.0, help="latest signal, in seconds after the first line")
    parser.add_argument("--live-partitions", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        tries = run_interrupts(Path(workdir), args.interrupts, args.latest, args.seed, args.live_partitions)
    for one in tries:
        print(" ".join(f"{name}={value}" for name, value in one.items()))
    stops = [one["stop_seconds"] for one in tries]
    print(f"interrupts={len(tries)} max_stop_seconds={max(stops)} mean_stop_seconds={sum(stops) / len(stops):.2f} "
          f"nonzero_exits={sum(one['exit_code'] != 0 for one in tries)} "
          f"runs_left_unfinished={sum(status in UNFINISHED for one in tries for status in one['run_statuses'])}")


if __name__ == "__main__":
    main()
