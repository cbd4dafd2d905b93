"""Starting, health-checking and stopping one emulator process on 127.0.0.1."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never goes through a proxy


class EmulatorError(RuntimeError):
    """An emulator could not be installed or started; the message names it and points at its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@dataclass
class EmulatorProcess:
    """A started emulator: its name, host:port, process and log file; stop() ends it and its children."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    env: dict = field(default_factory=dict)  # what a client needs to reach it

    @property
    def endpoint(self) -> str:
        """host:port on 127.0.0.1."""
        return f"{LOOPBACK}:{self.port}"

    def stop(self, grace_seconds: float = 5.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after grace_seconds."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace_seconds)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace_seconds)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the emulator's log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def start_process(name: str, command: list[str], port: int, health_path: str, log_path: Path,
                  env: dict | None = None, cwd: Path | None = None, timeout: float = 60.0) -> EmulatorProcess:
    """Start command in its own process group, wait until GET health_path answers below 500, return it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        # Own session: stop() signals the group, and Ctrl-C in the terminal reaches only our own process.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
    started = EmulatorProcess(name=name, port=port, process=process, log_path=log_path)
    try:
        wait_healthy(started, health_path, timeout)
    except BaseException:
        started.stop()
        raise
    return started


def wait_healthy(emulator: EmulatorProcess, path: str, timeout: float) -> None:
    """Poll http://127.0.0.1:port/path until it answers (any status below 500); EmulatorError on exit or timeout."""
    url = f"http://{emulator.endpoint}{path}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise EmulatorError(f"{emulator.name} exited with status {emulator.process.returncode} before answering "
                                f"{url}; log {emulator.log_path}:\n{emulator.log_tail()}")
        try:
            with _DIRECT.open(url, timeout=2):
                return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise EmulatorError(f"{emulator.name} did not answer {url} within {timeout:.0f}s; log {emulator.log_path}:\n"
                        f"{emulator.log_tail()}")
