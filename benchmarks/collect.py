"""Collection benchmark: what one day of raw_series costs from the synthetic source and from a large Parquet history.

    python -m benchmarks.collect [--series 1000] [--days 420] [--backfill-days 30] [--workdir DIR]

Generates (in a temporary folder, never committed) a long-format Parquet of --series hourly series x --days days
(1,000 x 420 = 10,080,000 rows, about 100 MB), then, each in a fresh child process so the figures do not mix:
- `synthetic`: one day of --series synthetic series (the same 24 x --series rows) into raw_series;
- `parquet`: the last day of the Parquet file into raw_series;
- `backfill`: the last --backfill-days days of the Parquet file as one single-run backfill.
Each child materializes the real raw_series asset (checks included) into its own DuckDB and reports the wall time
of the run and the peak RSS of the whole process (resource.getrusage). The last line is `name=value ...`.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA_START = pd.Timestamp("2024-01-01")


def write_history(path: Path, n_series: int, days: int) -> int:
    """A long Parquet (series_id, timestamp, value) in time order, one row group per day; returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(11)
    ids = pa.array([f"s{index:04d}" for index in range(n_series)]).dictionary_encode()
    level = rng.uniform(50, 500, n_series)
    schema = pa.schema([("series_id", pa.string()), ("timestamp", pa.timestamp("us")), ("value", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for day in range(days):
            hours = DATA_START + pd.Timedelta(days=day) + pd.to_timedelta(np.arange(24), unit="h")
            stamps = np.repeat(hours.to_numpy(dtype="datetime64[us]"), n_series)
            daily = 1 + 0.3 * np.sin(np.arange(24) / 24 * 2 * np.pi)
            values = (np.outer(daily, level) * rng.lognormal(0, 0.05, (24, n_series))).ravel()
            indices = pa.array(np.tile(np.arange(n_series, dtype=np.int32), 24))
            series = pa.DictionaryArray.from_arrays(indices, ids.dictionary).cast(pa.string())
            writer.write_table(pa.table([series, pa.array(stamps), pa.array(values)], schema=schema))
    return n_series * days * 24


def collect(kind: str, path: str, first_day: str, n_days: int, n_series: int, home: Path) -> dict:
    """In this process: materialize raw_series for n_days from first_day; wall seconds, peak RSS MB and rows."""
    import os

    os.environ.update({"FORECAST_HOME": str(home), "FORECAST_ENV": "local",
                       "FORECAST_PARTITIONS_START": DATA_START.strftime("%Y-%m-%d")})  # fmt: skip
    import dagster as dg

    from benchmarks.m4_assets import RANGE_END_TAG, RANGE_START_TAG
    from forecast_assets.ingestion import raw_series
    from resources.environment import build_resources
    from resources.settings import ForecastSettings
    from resources.sources.file import FileSeriesSource
    from resources.sources.synthetic import SyntheticSeriesSource

    if kind == "synthetic":
        source = SyntheticSeriesSource(n_series=n_series, start=first_day, days=n_days, events=[])
    else:
        source = FileSeriesSource(path=path)
    resources = {**build_resources(), "source": source, "settings": ForecastSettings()}
    last_day = (pd.Timestamp(first_day) + pd.Timedelta(days=n_days - 1)).strftime("%Y-%m-%d")
    selection = {"partition_key": first_day} if n_days == 1 else {
        "tags": {RANGE_START_TAG: first_day, RANGE_END_TAG: last_day}}
    instance = dg.DagsterInstance.ephemeral(tempdir=str(home / "dagster"))
    started = time.perf_counter()
    result = dg.materialize([raw_series], instance=instance, resources=resources, raise_on_error=True, **selection)
    seconds = time.perf_counter() - started
    # A single-run backfill records one materialization per day, each with the metadata of the whole run.
    rows = result.get_asset_materialization_events()[0].materialization.metadata["dagster/row_count"].value
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_mb, 1), "rows": rows}


def run_child(kind: str, path: Path, first_day: str, n_days: int, n_series: int, workdir: Path) -> dict:
    """collect() in a fresh Python process, so each case's peak memory is its own."""
    home = workdir / f"home-{kind}"
    command = [sys.executable, "-m", "benchmarks.collect", "--child", kind, "--path", str(path), "--first-day",
               first_day, "--child-days", str(n_days), "--series", str(n_series), "--workdir", str(home)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"collect {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.collect", description="Collection benchmark.")
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--days", type=int, default=420, help="days of history in the generated Parquet")
    parser.add_argument("--backfill-days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed after")
    parser.add_argument("--child", choices=["synthetic", "parquet", "backfill"], help=argparse.SUPPRESS)
    parser.add_argument("--path", default="", help=argparse.SUPPRESS)
    parser.add_argument("--first-day", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child-days", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(collect(args.child, args.path, args.first_day, args.child_days, args.series, args.workdir)))
        return
    with tempfile.TemporaryDirectory(prefix="collect-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "history.parquet"
        rows = write_history(path, args.series, args.days)
        print(f"history: {rows:,} rows, {path.stat().st_size / 2**20:.0f} MB", flush=True)
        last_day = DATA_START + pd.Timedelta(days=args.days - 1)
        backfill_first = last_day - pd.Timedelta(days=args.backfill_days - 1)
        cases = {"synthetic": (last_day, 1), "parquet": (last_day, 1), "backfill": (backfill_first, args.backfill_days)}
        figures = {}
        for kind, (first, n_days) in cases.items():
            figures[kind] = run_child(kind, path, first.strftime("%Y-%m-%d"), n_days, args.series, workdir)
            print(f"{kind}: {figures[kind]['rows']:,} rows in {figures[kind]['seconds']} s, "
                  f"peak {figures[kind]['peak_mb']} MB", flush=True)  # fmt: skip
    extra_seconds = round(figures["parquet"]["seconds"] - figures["synthetic"]["seconds"], 2)
    extra_mb = round(figures["parquet"]["peak_mb"] - figures["synthetic"]["peak_mb"], 1)
    pairs = [f"{kind}_{name}={value}" for kind, case in figures.items() for name, value in case.items()]
    print(" ".join(pairs + [f"parquet_extra_seconds={extra_seconds}", f"parquet_extra_mb={extra_mb}"]))


if __name__ == "__main__":
    main()
