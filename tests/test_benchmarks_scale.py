"""Scale benchmark plumbing: peak memory counts the children (the trainer is one), and the figures line format."""

import re
import subprocess
import sys

from benchmarks.scale import PeakMemory, curve_table, figures_line

ALLOCATE_300_MB = "import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"


def test_peak_memory_includes_the_memory_of_child_processes():
    with PeakMemory(interval_seconds=0.02) as baseline:
        pass
    with PeakMemory(interval_seconds=0.02) as with_child:
        subprocess.run([sys.executable, "-c", ALLOCATE_300_MB], check=True)
    assert with_child.peak_mb > baseline.peak_mb + 250


def test_figures_line_is_name_value_pairs_per_series_count_and_stage():
    results = {
        100: {"ingest": {"seconds": 1.5, "peak_mb": 250.0}, "train": {"seconds": 20.25, "peak_mb": 800.5}},
        1000: {"ingest": {"seconds": 4.0, "peak_mb": 400.0}, "train": {"seconds": 60.0, "peak_mb": 1500.0}},
    }
    line = figures_line(results)
    pairs = dict(pair.split("=") for pair in line.split(" "))
    assert all(re.fullmatch(r"s\d+_[a-z]+_[a-z_]+", name) for name in pairs)
    assert pairs["s100_train_seconds"] == "20.25" and pairs["s1000_ingest_peak_mb"] == "400.0"
    assert pairs["s100_total_seconds"] == "21.75" and pairs["s1000_total_seconds"] == "64.0"
    assert len(pairs) == 2 * (2 * 2 + 1)


def test_the_curve_is_one_row_per_stage_and_one_column_per_size_with_the_total_last():
    results = {
        30000: {"ingest": {"seconds": 40.0, "peak_mb": 2048.0}, "train": {"seconds": 60.4, "peak_mb": 3072.0}},
        10000: {"ingest": {"seconds": 12.0, "peak_mb": 1024.0}, "train": {"seconds": 30.0, "peak_mb": 1536.0}},
    }
    lines = curve_table(results).splitlines()
    assert lines[0] == "| stage | 10,000 series | 30,000 series |"
    assert lines[2] == "| ingest | 12 s / 1.0 GB | 40 s / 2.0 GB |"
    assert lines[-1] == "| total | 42 s / 1.5 GB | 100 s / 3.0 GB |"
