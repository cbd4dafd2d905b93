"""The local training backend: the trainer image's exact command as a subprocess, connected through Dagster Pipes."""

import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

import dagster as dg

from resources.training import TrainingBackend, TrainingJobSpec, TrainingResult

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# What the trainer may see of this process's environment: no secrets (ALERT_WEBHOOK_URL, cloud credentials, ...).
TRAINER_ENV_NAMES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT",
                     "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "VIRTUAL_ENV")
TRAINER_ENV_PREFIXES = ("PYTHON", "AIP_", "OMP_")


def trainer_environment(parent: dict) -> dict:
    """The whitelisted part of parent that the trainer needs to start and find its inputs."""
    return {name: value for name, value in parent.items()
            if name in TRAINER_ENV_NAMES or name.startswith(TRAINER_ENV_PREFIXES)}


class LocalProcessBackend(TrainingBackend):
    """Runs `python -m trainer.task ARGS` from the project root; its Pipes report becomes the asset's materialization.

    Built on dg.open_pipes_session rather than dg.PipesSubprocessClient because that client passes the trainer's
    stderr straight through and keeps none of it; here each line is forwarded and the last ones kept for the failure.
    """

    python_executable: str = ""  # empty: the interpreter running Dagster
    working_dir: str = ""  # empty: the project root, so `trainer` is importable
    log_tail_lines: int = 20
    termination_timeout_seconds: float = 5.0

    def command(self, spec: TrainingJobSpec) -> list[str]:
        """The command line this backend runs for spec (the trainer image's entry point, with the same args)."""
        return [self.python_executable or sys.executable, "-m", "trainer.task", *spec.args]

    def run(self, context: dg.AssetExecutionContext, spec: TrainingJobSpec) -> TrainingResult:
        """Run the trainer to completion; dg.Failure carries its exit code and stderr tail when it fails."""
        command = self.command(spec)
        stderr_tail: deque[str] = deque(maxlen=self.log_tail_lines)
        context.log.info(f"training {spec.display_name}: {' '.join(command)}")
        with dg.open_pipes_session(
            context=context,
            context_injector=dg.PipesTempFileContextInjector(),
            message_reader=dg.PipesTempFileMessageReader(),
        ) as session:
            process = subprocess.Popen(
                command,
                cwd=self.working_dir or str(PROJECT_ROOT),
                env={**trainer_environment(dict(os.environ)), **spec.env, **session.get_bootstrap_env_vars()},
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", bufsize=1,
            )
            forwarders = [
                threading.Thread(target=_forward, args=(process.stdout, sys.stdout, None), daemon=True),
                threading.Thread(target=_forward, args=(process.stderr, sys.stderr, stderr_tail), daemon=True),
            ]
            for forwarder in forwarders:
                forwarder.start()
            returncode = self._wait(context, process)
            for forwarder in forwarders:
                forwarder.join()
        if returncode != 0:
            tail = "\n".join(stderr_tail) or "(the trainer wrote nothing to stderr)"
            raise dg.Failure(
                description=f"trainer {spec.display_name!r} exited with code {returncode}; last stderr lines:\n{tail}",
                metadata={"command": " ".join(command), "exit_code": returncode, "stderr_tail": dg.MetadataValue.md(
                    f"```\n{tail}\n```")},
            )
        invocation = dg.PipesClientCompletedInvocation(session, metadata={"model_dir": spec.model_dir})
        return TrainingResult(
            model_dir=spec.model_dir,
            metrics=_read_metrics(Path(spec.model_dir)),
            materialize_result=invocation.get_materialize_result(),
        )

    def _wait(self, context: dg.AssetExecutionContext, process: subprocess.Popen) -> int:
        """Wait for the trainer; if the run is interrupted, stop it with SIGTERM (it keeps nothing half-done), then kill it.

        Not SIGINT: Python only handles that between XGBoost's rounds, which can take seconds on a large panel.
        """
        try:
            return process.wait()
        except BaseException:
            context.log.info("training interrupted: sending SIGTERM to the trainer")
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.termination_timeout_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
            raise


def _forward(source, target, tail: deque | None) -> None:
    """Copy the trainer's output line by line into this process's stream (Dagster's compute log), keeping a tail."""
    for line in source:
        target.write(line)
        target.flush()
        if tail is not None:
            tail.append(line.rstrip("\n"))
    source.close()


def _read_metrics(model_dir: Path) -> dict:
    """The trainer's metrics.json; a clear error names the file when it is missing or not JSON."""
    path = model_dir / "metrics.json"
    if not path.is_file():
        raise dg.Failure(description=f"the trainer exited 0 but wrote no {path}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise dg.Failure(description=f"the trainer's {path} is not valid JSON: {error}") from error
