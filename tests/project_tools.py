"""Guards for the test run: tools the project installs itself must never be taken from PATH, and skips must be allowed.

A shim directory goes first on PATH for the whole session. Each shim stands for a tool that the project installs
(uv in .tools/, every console script in .venv/bin): called by its bare name, it records the call and fails, so a
test or script that relies on a copy which happens to be on the machine fails here instead of on a new machine.
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

# Tools the project installs outside .venv/bin, plus those every .venv holds whether or not a test uses them.
ALWAYS_GUARDED = ("uv", "uvx", "dagster", "dg", "pytest", "evidently", "gcp-storage-emulator")
# Interpreters and venv helpers are not the project's tools: the machine's python3 is assumed by the README.
NOT_GUARDED_PREFIXES = ("python", "activate", "deactivate", "pydoc", "pip")

_LOG_VARIABLE = "FORECAST_PATH_GUARD_LOG"


@dataclass
class PathGuard:
    """The shim directory on PATH and what PATH was before it."""

    directory: Path
    log: Path
    original_path: str


def project_uv(project_root: Path) -> Path:
    """The uv that the Makefile installed for the project (FORECAST_UV, default .tools/bin/uv): never one from PATH."""
    uv = Path(os.environ.get("FORECAST_UV") or project_root / ".tools" / "bin" / "uv")
    if not os.access(uv, os.X_OK):
        raise FileNotFoundError(f"the project's uv is missing at {uv}: run the tests through `make test`, which installs it")
    return uv


def guarded_tools(project_root: Path) -> list[str]:
    """The bare names that must not resolve through PATH during tests."""
    names = set(ALWAYS_GUARDED)
    venv_bin = project_root / ".venv" / "bin"
    if venv_bin.is_dir():
        names |= {p.name for p in venv_bin.iterdir()
                  if os.access(p, os.X_OK) and not p.name.startswith(NOT_GUARDED_PREFIXES)}
    return sorted(names)


def install_path_guard(directory: Path, project_root: Path) -> PathGuard:
    """Write one failing shim per guarded tool into directory and put it first on PATH (for this process and children)."""
    log = directory / "calls.log"
    log.touch()
    for name in guarded_tools(project_root):
        shim = directory / name
        shim.write_text(
            "#!/bin/sh\n"
            f'echo "{name} $*" >> "{log}"\n'
            f'echo "bare \\`{name}\\` called from PATH: use the project\'s own copy ({project_root}/.tools/bin or .venv/bin)" >&2\n'
            "exit 97\n"
        )
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    guard = PathGuard(directory=directory, log=log, original_path=os.environ.get("PATH", ""))
    os.environ["PATH"] = f"{directory}{os.pathsep}{guard.original_path}"
    os.environ[_LOG_VARIABLE] = str(log)
    return guard


def path_guard_violations() -> list[str]:
    """Each recorded call of a guarded tool through PATH, as 'tool args'."""
    log = os.environ.get(_LOG_VARIABLE)
    if not log or not Path(log).exists():
        return []
    return [line for line in Path(log).read_text().splitlines() if line.strip()]


def allowed_skips(listing: Path) -> set[str]:
    """Test ids allowed to skip under CI, from the allow-list (one 'test id  # reason' a line; '#' lines are comments)."""
    if not listing.exists():
        return set()
    allowed = set()
    for line in listing.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            if "#" not in line:
                raise ValueError(f"{listing}: '{entry}' has no reason: write it as 'TEST_ID  # why it may skip'")
            allowed.add(entry)
    return allowed
