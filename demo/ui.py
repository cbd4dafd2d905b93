"""`make ui`: the Dagster UI and the Evidently monitoring UI side by side, over the state the demo left behind.

    python -m demo.ui [--dagster-port 3000] [--evidently-port 8000] [--reports-port 8001] [--workspace-file workspace.yaml]
    make ui DAGSTER_PORT=3101 EVIDENTLY_PORT=8101

All ports are checked first: if any is already taken on 127.0.0.1 (another `make ui`, any other server),
nothing is started and it exits 1 with a message naming the port.

Starts, each in its own process group, bound to 127.0.0.1:
  dagster dev -w <workspace-file> -h 127.0.0.1 -p <dagster-port>        (DAGSTER_HOME from the environment,
                                                                        default $FORECAST_HOME/dagster_home)
  evidently ui --workspace $FORECAST_HOME/evidently --host 127.0.0.1 --port <evidently-port>
  python -m http.server -b 127.0.0.1 -d $FORECAST_HOME/artifacts <reports-port>   (the HTML reports that asset
                                                        metadata links to: drift reports, forecasts against actuals;
                                                        the links use FORECAST_REPORTS_URL, default port 8001)
prints the addresses, and on Ctrl-C (SIGINT) or SIGTERM stops every process group (Ctrl-C to each, then
SIGTERM, then SIGKILL for anything still running) and exits 0. If either UI exits by itself, the other is
stopped too and the exit code is 1. FORECAST_HOME defaults to ./.forecast.
"""

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from resources.environment import forecast_home

HOST = "127.0.0.1"
GRACE_SECONDS = 20.0


def commands(dagster_port: int, evidently_port: int, workspace_file: str, home: Path,
             reports_port: int = 8001) -> dict[str, list[str]]:
    """The UI command lines, by name."""
    dagster = [sys.executable, "-m", "dagster", "dev", "-w", workspace_file, "-h", HOST, "-p", str(dagster_port)]
    evidently = [sys.executable, "-m", "evidently.cli", "ui", "--workspace", str(home / "evidently")]
    reports = [sys.executable, "-m", "http.server", "-b", HOST, "-d", str(home / "artifacts"), str(reports_port)]
    return {"dagster": dagster, "evidently": evidently + ["--host", HOST, "--port", str(evidently_port)],
            "reports": reports}


def taken_ports(ports: dict[str, int]) -> list[str]:
    """A message for each port (by UI name) that cannot be bound on HOST right now."""
    problems = []
    if len(set(ports.values())) < len(ports):
        problems.append(f"the UIs cannot share a port: {ports}")
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError as error:
                why = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be bound ({error.strerror})"
                problems.append(f"port {port} for the {name} UI {why} on {HOST}")
    return problems


def child_environment(home: Path) -> dict[str, str]:
    """The environment for both UIs: DAGSTER_HOME defaulted under FORECAST_HOME, telemetry off."""
    env = dict(os.environ)
    env["FORECAST_HOME"] = str(home)
    env.setdefault("DAGSTER_HOME", str(home / "dagster_home"))
    env.setdefault("DO_NOT_TRACK", "1")  # Evidently's usage telemetry
    env.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    return env


def stop(children: dict[str, subprocess.Popen]) -> None:
    """Stop every child's whole process group: as a terminal's Ctrl-C would, then harder after a grace period."""
    for sig, grace in ((signal.SIGINT, GRACE_SECONDS), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        alive = [p for p in children.values() if _group_alive(p.pid)]
        if not alive:
            return
        for process in alive:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(_group_alive(p.pid) for p in alive):
            for process in alive:
                process.poll()  # reap the leader so its group can empty
            time.sleep(0.2)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Stop(Exception):
    """Raised by the signal handler to leave the wait loop."""


def _raise_stop(signum, frame):
    raise _Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    """Run the UIs until a signal arrives or one of them exits."""
    parser = argparse.ArgumentParser(
        prog="python -m demo.ui", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dagster-port", type=int, default=3000, help="Dagster UI port (default 3000)")
    parser.add_argument("--evidently-port", type=int, default=8000, help="Evidently UI port (default 8000)")
    parser.add_argument("--reports-port", type=int, default=8001,
                        help="port of the static server for the HTML reports linked from asset metadata (default 8001)")
    parser.add_argument("--workspace-file", default="workspace.yaml", help="Dagster workspace file")
    args = parser.parse_args(argv)

    problems = taken_ports({"Dagster": args.dagster_port, "Evidently": args.evidently_port,
                            "reports": args.reports_port})
    if problems:
        for problem in problems:
            print(f"make ui: {problem}", file=sys.stderr)
        print("Stop what holds it, or choose others: make ui DAGSTER_PORT=3101 EVIDENTLY_PORT=8101", file=sys.stderr)
        return 1

    home = forecast_home()
    env = child_environment(home)
    (home / "evidently").mkdir(parents=True, exist_ok=True)
    (home / "artifacts").mkdir(parents=True, exist_ok=True)
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)

    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    children: dict[str, subprocess.Popen] = {}
    try:
        for name, cmd in commands(args.dagster_port, args.evidently_port, args.workspace_file, home,
                                      args.reports_port).items():
            children[name] = subprocess.Popen(cmd, env=env, start_new_session=True)
        print(f"Dagster UI:    http://{HOST}:{args.dagster_port}  (DAGSTER_HOME={env['DAGSTER_HOME']})", flush=True)
        print(f"Evidently UI:  http://{HOST}:{args.evidently_port}  (workspace {home / 'evidently'})", flush=True)
        print(f"Reports:       http://{HOST}:{args.reports_port}  (files in {home / 'artifacts'})", flush=True)
        print("Press Ctrl-C to stop all three.", flush=True)
        while True:
            for name, process in children.items():
                if process.poll() is not None:
                    print(f"{name} UI exited with code {process.returncode}; stopping the other", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except _Stop as reason:
        print(f"{reason}: stopping the UIs", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the shutdown
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(children)


if __name__ == "__main__":
    sys.exit(main())
