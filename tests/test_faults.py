"""Fault injection: kills, interrupts, bad input and odd files leave nothing lost and nothing silently wrong.

Each case prints its figures (`FAULTS name=value ...`, shown with `pytest -s`) so they can be quoted. Raise the
counts with FAULT_KILLS / FAULT_TRAINER_REPEATS; benchmarks/kill_writes.py runs the kill trial at a larger size.
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from benchmarks.kill_writes import run_kills
from resources.training_local import trainer_environment

PROJECT = Path(__file__).resolve().parents[1]


def report(case: str, **figures) -> None:
    """One quotable line per case."""
    print(f"\nFAULTS {case} " + " ".join(f"{name}={value}" for name, value in figures.items()))


def test_a_writer_killed_during_a_range_rewrite_loses_no_stored_row(tmp_path):
    kills = int(os.environ.get("FAULT_KILLS", "3"))
    figures = run_kills(tmp_path, "atomic", kills=kills, n_series=300, days=60, seed=7)
    report("kill_rewrite", **figures)
    assert figures["rows_lost"] == 0, figures


def test_the_trainer_exits_2_with_one_line_on_every_bad_input_run(tmp_path):
    data = tmp_path / "no_value_column.parquet"
    pd.DataFrame({"series_id": ["a"] * 200, "timestamp": pd.date_range("2024-01-01", periods=200, freq="h")}
                 ).to_parquet(data)
    repeats = int(os.environ.get("FAULT_TRAINER_REPEATS", "6"))
    codes, messages = [], set()
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-m", "trainer.task", "--dataset-uri", str(data), "--model-dir",
                               str(tmp_path / "model")], cwd=PROJECT, capture_output=True, text=True, timeout=120)
        codes.append(done.returncode)
        messages.add(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
    report("trainer_bad_input", runs=repeats, exit_2=codes.count(2), other_exits=sorted(set(codes) - {2}))
    assert codes == [2] * repeats
    (message,) = messages
    assert message.startswith("trainer: error:") and "value" in message


def test_the_trainer_gets_no_secret_of_the_parent_environment():
    parent = {"PATH": "/usr/bin", "HOME": "/root", "PYTHONPATH": "/p", "AIP_MODEL_DIR": "gs://b/m",
              "ALERT_WEBHOOK_URL": "https://hooks.example/secret", "GOOGLE_APPLICATION_CREDENTIALS": "/key.json",
              "DAGSTER_PG_PASSWORD": "pw"}
    assert trainer_environment(parent) == {"PATH": "/usr/bin", "HOME": "/root", "PYTHONPATH": "/p",
                                           "AIP_MODEL_DIR": "gs://b/m"}
