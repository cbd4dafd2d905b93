"""A raw_series writer killed with SIGKILL at random points of a range rewrite loses no stored row (bqemulator).

The writer is a real Dagster run in a child process (a single-run backfill of the whole range through the gcp IO
manager); it is killed at random moments of the run itself (after its imports), up to the time an unkilled run takes. After every
kill each (series_id, timestamp) stored before is still there exactly once, in its old or its new version.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resources.gcp.bigquery_warehouse import BigQueryWarehouse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIRST, LAST = "2024-02-01", "2024-02-28"
KILLS = 4

WRITER = """
import sys
import dagster as dg
from forecast_assets.ingestion import raw_series
from resources.gcp.bigquery_io_manager import BigQueryAssetIOManager
from resources.settings import ForecastSettings
from resources.sources.synthetic import SyntheticSeriesSource

endpoint, project, dataset, first, last = sys.argv[1:]
resources = {"io_manager": BigQueryAssetIOManager(project=project, dataset=dataset, api_endpoint=endpoint),
             "source": SyntheticSeriesSource(), "settings": ForecastSettings()}
tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
print("importing done", flush=True)
assert dg.materialize([raw_series], resources=resources, tags=tags).success
print("written")
"""


def start_writer(endpoint: str, project: str, dataset: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen([sys.executable, "-c", WRITER, endpoint, project, dataset, FIRST, LAST], cwd=PROJECT_ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_imports(writer: subprocess.Popen) -> None:
    """Read the writer's output up to the line it prints once its imports are done."""
    for line in writer.stdout:
        if line.strip() == "importing done":
            return
    raise AssertionError("the writer exited before its imports were done")


def stored_keys(warehouse: BigQueryWarehouse) -> list[tuple]:
    rows = warehouse.read("raw_series")
    return sorted(zip(rows["series_id"], rows["timestamp"]))


@pytest.mark.slow
def test_a_killed_range_rewrite_never_loses_a_stored_row(bigquery_dataset, tmp_path):
    endpoint, project, dataset = bigquery_dataset
    warehouse = BigQueryWarehouse(project=project, dataset=dataset, api_endpoint=endpoint)
    first = start_writer(endpoint, project, dataset, tmp_path)
    wait_for_imports(first)
    began = time.monotonic()
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output[-3000:]
    duration = time.monotonic() - began
    stored = stored_keys(warehouse)
    # 28 days of twelve hourly series, less the scenario's three missing hours.
    assert len(stored) == len(set(stored)) == 28 * 24 * 12 - 3

    rng = random.Random(13)
    for attempt in range(KILLS):
        writer = start_writer(endpoint, project, dataset, tmp_path)
        wait_for_imports(writer)
        time.sleep(rng.uniform(0, duration))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
        assert stored_keys(warehouse) == stored, f"kill {attempt + 1} after {duration:.1f}s run: rows lost or doubled"
