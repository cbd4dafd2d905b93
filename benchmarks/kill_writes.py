"""Kill test of partition rewrites: does a `kill -9` of a writer mid-rewrite lose rows already stored?

    python -m benchmarks.kill_writes [--io-manager atomic|stock] [--kills 20] [--series 200] [--days 60]

A child process materializes a daily-partitioned asset over a whole range (one single-run backfill of
--series hourly series x --days days) into a DuckDB file, again and again; the parent kills it with SIGKILL at a
random moment of a rewrite, reopens the file and counts the rows. Every row stored before a kill must still be
there afterwards (old version or new). `atomic` is the project's IO manager (resources/duckdb_io.py), `stock` the
dagster-duckdb-pandas one it replaces. The last line is `name=value ...`.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

START = "2024-01-01"


def _writer(database: str, io_manager: str, n_series: int, days: int, rewrites: int = 0) -> None:
    """The child: rewrite the whole range `rewrites` times (0: forever), printing `written <seconds>` after each."""
    import dagster as dg
    import numpy as np
    import pandas as pd
    from dagster_duckdb_pandas import DuckDBPandasIOManager

    from resources.duckdb_io import AtomicDuckDBPandasIOManager

    end = (pd.Timestamp(START) + pd.Timedelta(days=days)).strftime("%Y-%m-%d")
    partitions = dg.DailyPartitionsDefinition(start_date=START, end_date=end)

    @dg.asset(partitions_def=partitions, metadata={"partition_expr": "timestamp"},
              backfill_policy=dg.BackfillPolicy.single_run())
    def observations(context: dg.AssetExecutionContext) -> pd.DataFrame:
        """Every series' hourly values over the run's range, stamped with the time of this rewrite."""
        window = context.partition_time_window
        hours = pd.date_range(window.start, window.end, freq="h", inclusive="left").tz_localize(None)
        ids = np.repeat([f"s{index:04d}" for index in range(n_series)], len(hours))
        return pd.DataFrame({"series_id": ids, "timestamp": np.tile(hours, n_series), "value": time.time()})

    manager_class = AtomicDuckDBPandasIOManager if io_manager == "atomic" else DuckDBPandasIOManager
    resources = {"io_manager": manager_class(database=database, schema="forecast")}
    keys = partitions.get_partition_keys()
    tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
    done = 0
    while not rewrites or done < rewrites:
        began = time.monotonic()
        dg.materialize([observations], resources=resources, tags=tags, raise_on_error=True)
        print(f"written {time.monotonic() - began:.3f}", flush=True)
        done += 1


def writer_command(database: str, io_manager: str, n_series: int, days: int, rewrites: int = 0) -> list[str]:
    """The command line of a child that rewrites the range (see _writer)."""
    return [sys.executable, "-m", "benchmarks.kill_writes", "--writer", database, "--io-manager", io_manager,
            "--series", str(n_series), "--days", str(days), "--rewrites", str(rewrites)]


def count_rows(database: str) -> int:
    """Rows in the table now (a killed writer's uncommitted work is rolled back when the file is reopened)."""
    with duckdb.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM forecast.observations").fetchone()[0]


def run_kills(workdir: Path, io_manager: str = "atomic", kills: int = 3, n_series: int = 200, days: int = 60,
              seed: int = 0) -> dict:
    """Kill a rewriting child `kills` times at random moments; the figures of the whole trial."""
    rng = random.Random(seed)
    database = str(workdir / f"kill_{io_manager}.duckdb")
    expected = n_series * days * 24
    lost, lost_kills, write_seconds = 0, 0, []
    command = writer_command(database, io_manager, n_series, days)
    project = Path(__file__).resolve().parents[1]
    for _ in range(kills):
        child = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 env={**os.environ, "PYTHONPATH": str(project)})
        try:
            line = child.stdout.readline()  # the first full rewrite: the table now holds every row
            if not line.startswith("written"):
                raise RuntimeError(f"the writer stopped before its first rewrite (exit {child.wait()})")
            write_seconds.append(float(line.split()[1]))
            time.sleep(rng.uniform(0, 1.5 * max(write_seconds)))  # somewhere inside the next rewrite (or between two)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        found = count_rows(database)
        lost += max(expected - found, 0)
        lost_kills += found < expected
    return {"io_manager": io_manager, "kills": kills, "rows_stored": expected, "rows_lost": lost,
            "kills_losing_rows": lost_kills, "rewrite_seconds": round(sum(write_seconds) / len(write_seconds), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--io-manager", choices=("atomic", "stock"), default="atomic")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--writer", metavar="DATABASE", help=argparse.SUPPRESS)  # the child's mode
    parser.add_argument("--rewrites", type=int, default=0, help=argparse.SUPPRESS)  # the child's count (0: forever)
    args = parser.parse_args()
    if args.writer:
        _writer(args.writer, args.io_manager, args.series, args.days, args.rewrites)
        return
    with tempfile.TemporaryDirectory() as workdir:
        figures = run_kills(Path(workdir), args.io_manager, args.kills, args.series, args.days, args.seed)
    print(" ".join(f"{name}={value}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
