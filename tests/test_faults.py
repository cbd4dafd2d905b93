"""Fault injection: kills, interrupts, bad input and odd files leave nothing lost and nothing silently wrong.

Each case prints its figures (`FAULTS name=value ...`, shown with `pytest -s`) so they can be quoted. Raise the
counts with FAULT_KILLS / FAULT_TRAINER_REPEATS; benchmarks/kill_writes.py runs the kill trial at a larger size.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from benchmarks.interrupt_demo import run_interrupts
from benchmarks.kill_writes import count_rows, run_kills, writer_command
from forecast_assets.champion import candidate_to_judge
from resources.duckdb_io import WarehouseLockedError, duckdb_connection
from resources.registry import CHALLENGER
from resources.registry_local import LocalModelRegistry
from resources.environment import build_source
from resources.sources.base import SourceError
from resources.sources.file import FileSeriesSource
from resources.sources.synthetic import SyntheticSeriesSource
from resources.training_local import trainer_environment
from resources.warehouse import WAREHOUSE_POOL, DuckDBWarehouse

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


def write_csv(path: Path, stamps: list[str]) -> Path:
    pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": range(len(stamps))}).to_csv(path, index=False)
    return path


def read_error(path: Path) -> str:
    """The SourceError message of reading path with the file source."""
    with pytest.raises(SourceError) as error:
        FileSeriesSource(path=str(path)).read_all()
    return str(error.value)


def test_dates_that_read_both_day_first_and_month_first_stop_and_ask_for_a_format(tmp_path):
    path = write_csv(tmp_path / "ambiguous.csv", ["01/02/2024 00:00", "02/01/2024 00:00", "12/12/2024 00:00"])
    message = read_error(path)
    assert str(path) in message and "'timestamp'" in message and "--timestamp-format" in message


def test_a_given_timestamp_format_reads_the_whole_column_with_it(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "ambiguous.csv", ["01/02/2024 00:00", "02/02/2024 00:00"])
    monkeypatch.setenv("FORECAST_SOURCE", str(path))
    monkeypatch.setenv("FORECAST_TIMESTAMP_FORMAT", "%d/%m/%Y %H:%M")  # what --timestamp-format / make demo set
    table = build_source().read_all()
    assert list(table["timestamp"]) == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-02")]


def test_the_one_day_month_order_that_fits_every_row_is_used_for_all_rows(tmp_path):
    path = write_csv(tmp_path / "day_first.csv", ["01/02/2024 00:00", "13/02/2024 00:00"])
    table = FileSeriesSource(path=str(path)).read_all()
    assert list(table["timestamp"]) == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-13")]


def test_a_column_mixing_naive_and_offset_timestamps_is_a_named_error(tmp_path):
    path = write_csv(tmp_path / "mixed.csv", ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00+01:00"])
    message = read_error(path)
    assert str(path) in message and "'timestamp'" in message and "'2024-01-01 02:00+01:00' at row 3 (line 4)" in message


def test_a_registry_index_of_the_wrong_shape_names_the_file_and_the_key(tmp_path):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    index = tmp_path / "registry" / "index.json"
    index.parent.mkdir()
    for shape, key in (([], "top level"), ({"versions": {}, "aliases": {}}, "'versions'"),
                       ({"versions": [], "aliases": []}, "'aliases'"),
                       ({"versions": [{"version": "v1"}], "aliases": {}}, "versions[0]")):
        index.write_text(json.dumps(shape))
        with pytest.raises(ValueError) as error:
            registry.versions()
        assert str(index) in str(error.value) and key in str(error.value), str(error.value)


def test_champion_model_judges_the_version_its_own_run_registered_not_the_challenger_alias(tmp_path):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    model = tmp_path / "model"
    model.mkdir()
    for name in ("model.ubj", "feature_spec.json", "metrics.json"):
        (model / name).write_text("{}")

    def register(dataset_version: str) -> str:
        return registry.register(str(model), dataset_version=dataset_version, code_version="c", trainer_image="i",
                                 params={}, metrics={}).version

    @dg.asset(name="candidate_model")
    def candidate_stand_in() -> dg.MaterializeResult:
        """Registers this run's model; meanwhile another run's candidate takes the challenger alias."""
        own = register("ds-own")
        registry.set_alias(CHALLENGER, register("ds-other"))
        return dg.MaterializeResult(metadata={"model_version": own})

    @dg.asset(deps=[candidate_stand_in])
    def judged(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        """What champion_model would judge in this run."""
        return dg.MaterializeResult(metadata={"judged": candidate_to_judge(context, registry).version})

    result = dg.materialize([candidate_stand_in, judged])
    judged_version = result.asset_materializations_for_node("judged")[0].metadata["judged"].value
    assert (judged_version, registry.alias(CHALLENGER).version) == ("v1", "v2")


def test_a_series_too_short_to_train_on_is_left_out_with_a_named_warning_and_the_rest_trains(tmp_path):
    hours = pd.date_range("2024-01-01", periods=24 * 21, freq="h")
    step = np.arange(len(hours))
    long = [pd.DataFrame({"series_id": f"s{k}", "timestamp": hours,
                          "value": 100.0 * (k + 1) * (1.2 + np.sin(2 * np.pi * step / 24))}) for k in range(3)]
    new = pd.DataFrame({"series_id": "added_yesterday", "timestamp": hours[-30:], "value": 5.0})
    data = tmp_path / "panel.parquet"
    pd.concat([*long, new], ignore_index=True).to_parquet(data)
    done = subprocess.run([sys.executable, "-m", "trainer.task", "--dataset-uri", str(data), "--model-dir",
                           str(tmp_path / "model"), "--max-train-rows", "5000", "--n-estimators", "20"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "skipped_series: 1 series" in done.stderr and "added_yesterday" in done.stderr
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["skipped_series"] == ["added_yesterday"] and metrics["n_series"] == 3


def test_ctrl_c_or_sigterm_stops_the_demo_leaves_no_run_started_and_exits_non_zero(tmp_path):
    tries = run_interrupts(tmp_path, interrupts=int(os.environ.get("FAULT_INTERRUPTS", "2")), latest=12.0, seed=3)
    for one in tries:
        report("interrupt_demo", **one)
    for one in tries:
        assert not one["finished_before"], one  # the signal reached a running demo
        assert one["exit_code"] in (130, 143), one
        assert not {"STARTED", "NOT_STARTED", "STARTING"} & set(one["run_statuses"]), one


def test_two_writers_and_a_polling_reader_at_once_all_succeed(tmp_path):
    database = str(tmp_path / "shared.duckdb")
    project = {**os.environ, "PYTHONPATH": str(PROJECT)}
    writers = [subprocess.Popen(writer_command(database, "atomic", 100, 30, rewrites=3), cwd=PROJECT, env=project,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    warehouse, reads = DuckDBWarehouse(database=database), 0
    while any(writer.poll() is None for writer in writers):  # a sensor or the UI reading meanwhile
        reads += len(warehouse.read("observations")) > 0
        time.sleep(0.2)
    outputs = [writer.communicate() for writer in writers]
    report("concurrent_writers", writers=2, rewrites_each=3, reads=reads,
           exit_codes=[writer.returncode for writer in writers])
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err[-2000:]
        assert out.count("written") == 3
    assert count_rows(database) == 100 * 30 * 24


def test_a_writer_blocked_by_another_process_fails_fast_naming_that_process(tmp_path):
    database = str(tmp_path / "held.duckdb")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('holding', flush=True); time.sleep(60)", database],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().startswith("holding")
        began = time.monotonic()
        with pytest.raises(WarehouseLockedError) as error:
            with duckdb_connection(database, wait_seconds=1.0):
                pass
        waited = time.monotonic() - began
    finally:
        holder.kill()
        holder.wait()
    report("lock_holder", waited_seconds=round(waited, 2))
    assert database in str(error.value) and f"PID {holder.pid}" in str(error.value)


def test_every_asset_that_writes_the_warehouse_queues_on_its_pool_and_make_limits_it_to_one(tmp_path):
    from forecast_assets.definitions import defs

    writers = ("raw_series", "training_dataset", "batch_forecasts", "forecast_accuracy", "drift_report")
    assert {name: defs.resolve_assets_def(name).op.pool for name in writers} == dict.fromkeys(writers, WAREHOUSE_POOL)
    home = tmp_path / "dagster_home"
    subprocess.run(["make", "-s", f"DAGSTER_HOME={home}", f"{home}/dagster.yaml"], cwd=PROJECT, check=True)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_one_empty_cell_is_kept_reported_by_a_missing_values_warning_and_filled_by_the_cleaning_policy(
        forecast_home, tmp_path):
    import importlib

    import forecast_assets.definitions as definitions
    from forecast_assets.cleaning import clean_series

    defs = importlib.reload(definitions).defs  # this test's FORECAST_HOME, not one an earlier test loaded

    rows = [f"a,2024-04-10 {hour:02d}:00,{'' if hour == 5 else 10 + hour}" for hour in range(24)]
    path = tmp_path / "one_empty_cell.csv"
    path.write_text("series_id,timestamp,value\n" + "\n".join(rows) + "\n")
    result = defs.resolve_job_def("ingestion_job").execute_in_process(
        partition_key="2024-04-10", raise_on_error=False, resources={"source": FileSeriesSource(path=str(path))})
    assert result.success
    checks = {check.check_name: check for check in result.get_asset_check_evaluations()}
    missing = checks["missing_values"]
    assert not missing.passed and missing.severity == dg.AssetCheckSeverity.WARN
    assert missing.metadata["series"].value == ["a"] and missing.metadata["failing_rows"].value == 1
    assert checks["non_finite_values"].passed
    raw = defs.resources["warehouse"].read("raw_series")
    assert len(raw) == 24 and raw["value"].isna().sum() == 1  # raw data kept as delivered
    cleaned, policy = clean_series(raw, "h", max_interpolate_steps=3)
    assert policy.interpolated == 1 and cleaned["value"].notna().all()


class SourceFailingAfterOneChunk(SyntheticSeriesSource):
    """The synthetic source, but the feed breaks after delivering its first chunk of series."""

    def fetch_chunks(self, start, end, series_per_chunk):
        chunks = super().fetch_chunks(start, end, series_per_chunk)
        yield next(chunks)
        raise SourceError("synthetic feed: connection reset after the first chunk")


def test_a_source_failing_midway_through_the_chunks_leaves_the_stored_partition_as_it_was(forecast_home):
    from forecast_assets.ingestion import raw_series
    from resources.environment import build_resources
    from resources.settings import ForecastSettings

    day, resources = "2024-01-10", build_resources()
    dg.materialize([raw_series], partition_key=day, resources=resources)
    warehouse = resources["warehouse"]
    before = warehouse.read("raw_series")

    failing = {**resources, "source": SourceFailingAfterOneChunk(), "settings": ForecastSettings(shard_series=5)}
    result = dg.materialize([raw_series], partition_key=day, resources=failing, raise_on_error=False)

    assert not result.success
    after = warehouse.read("raw_series")  # the first chunk's rows rolled back with the delete: old rows, all of them
    assert len(after) == len(before) == 24 * 12 and after["ingested_at"].eq(before["ingested_at"].iloc[0]).all()
