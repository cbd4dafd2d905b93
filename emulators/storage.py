"""The GCS emulator (gcp-storage-emulator, a dev dependency of the project) as its own process on 127.0.0.1."""

import sys
from pathlib import Path

from emulators.processes import EmulatorProcess, free_port, start_process


def start_storage(state_dir: Path, in_memory: bool = True, timeout: float = 30.0) -> EmulatorProcess:
    """gcp-storage-emulator on a free port; objects in memory, or on disk under state_dir when in_memory is False."""
    port = free_port()
    command = [sys.executable, "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1", "--port", str(port), "-q"]
    if in_memory:
        command.append("--in-memory")
    emulator = start_process("storage emulator", command, port, "/storage/v1/b", state_dir / "storage-emulator.log",
                             env={"STORAGE_BASE": str(state_dir)}, cwd=state_dir, timeout=timeout)
    # google-cloud-storage and gcsfs both read STORAGE_EMULATOR_HOST (gcsfs needs the scheme).
    emulator.env = {"STORAGE_EMULATOR_HOST": f"http://{emulator.endpoint}"}
    return emulator
