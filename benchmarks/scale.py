"""Scale benchmark: synthetic hourly panels of 10,000, 30,000 and 100,000 series through the pipeline's assets.

    python -m benchmarks.scale [--series 10000 30000 100000] [--days 90] [--shard-series 2000] [--until forecast]

Each stage (ingest, dataset, train, promote, forecast) is one Dagster run of the platform's own assets in a
throw-away FORECAST_HOME; per stage we record the wall time and the peak resident memory of this process plus its
children (the trainer runs as a subprocess), sampled with psutil. Sizes run smallest first, each in its own
FORECAST_HOME; after the last one the curve (stage x size: seconds and peak) is printed as a table, and the last
line is `name=value ...`. The machine is shared: when less than 4 GB is available the run stops itself.
"""

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg
import pandas as pd

from benchmarks.m4_assets import RANGE_END_TAG, RANGE_START_TAG, pipeline_environment

RESULTS_DIR = Path(__file__).resolve().parent / "results"  # git-ignored
SCENARIO_START = pd.Timestamp("2024-01-01")


class PeakMemory:
    """Samples the RSS of this process and all its children in a background thread; `peak_mb` is the maximum seen."""

    def __init__(self, interval_seconds: float = 0.05, min_available_mb: float | None = None):
        import psutil

        self._process, self._interval, self._min_available = psutil.Process(), interval_seconds, min_available_mb
        self._stop, self.peak_mb = threading.Event(), 0.0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss_mb(self) -> float:
        import psutil

        total = self._process.memory_info().rss
        for child in self._process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # the child ended between listing and reading
                pass
        return total / 2**20

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._rss_mb())
            if self._min_available and psutil.virtual_memory().available / 2**20 < self._min_available:
                self._abort()
                return
            self._stop.wait(self._interval)

    def _abort(self) -> None:
        """The machine is short of memory (it is shared): stop the children and interrupt the benchmark."""
        import _thread

        import psutil

        print(f"scale: less than {self._min_available:.0f} MB of memory available: stopping the run", flush=True)
        for child in self._process.children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        _thread.interrupt_main()

    def __enter__(self) -> "PeakMemory":
        self.peak_mb = self._rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._rss_mb())


STAGES = ("ingest", "dataset", "train", "promote", "forecast")
MIN_AVAILABLE_MB = 4096  # stop when the shared machine has less than this free: other work runs beside it


def run_stage(assets: list, instance: dg.DagsterInstance, resources: dict, **kwargs) -> dict:
    """One Dagster run of assets: its wall seconds and peak RSS (MB, process + children)."""
    with PeakMemory(min_available_mb=MIN_AVAILABLE_MB) as memory:
        started = time.perf_counter()
        result = dg.materialize(assets, instance=instance, resources=resources, raise_on_error=True, **kwargs)
        seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(f"stage {', '.join(a.key.to_user_string() for a in assets)} failed")
    return {"seconds": round(seconds, 2), "peak_mb": round(memory.peak_mb, 1)}


def scale_run(n_series: int, days: int, workdir: Path, shard_series: int | None = None,
              until: str = STAGES[-1]) -> dict:
    """The stages of the pipeline up to `until` on n_series synthetic hourly series of `days` days;
    {stage: {seconds, peak_mb}}."""
    with pipeline_environment(Path(workdir) / "forecast_home", SCENARIO_START):
        from forecast_assets.champion import champion_model
        from forecast_assets.datasets import training_dataset
        from forecast_assets.inference import batch_forecasts
        from forecast_assets.ingestion import raw_series
        from forecast_assets.training import candidate_model
        from resources.environment import build_resources
        from resources.settings import ForecastSettings
        from resources.sources.synthetic import SyntheticSeriesSource

        source = SyntheticSeriesSource(n_series=n_series, start=str(SCENARIO_START.date()), days=days, events=[])
        end = SCENARIO_START + pd.Timedelta(days=days)
        settings = ForecastSettings(dataset_window_periods=days * 24,
                                    **({"shard_series": shard_series} if shard_series else {}))
        resources = {**build_resources(), "source": source, "settings": settings}
        instance = dg.DagsterInstance.ephemeral(tempdir=str(Path(workdir) / "dagster"))
        last_day = (end - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        runs = {
            "ingest": ([raw_series], {"tags": {RANGE_START_TAG: SCENARIO_START.strftime("%Y-%m-%d"),
                                               RANGE_END_TAG: last_day}}),
            "dataset": ([training_dataset], {"run_config": {"ops": {"training_dataset": {"config": {
                "end_date": end.strftime("%Y-%m-%d"), "window_periods": days * 24}}}}}),
            "train": ([candidate_model], {}),
            "promote": ([champion_model], {}),
            # Partition D forecasts from D+1 00:00 once day D is in: D is the last day of the scenario.
            "forecast": ([batch_forecasts], {"partition_key": last_day}),
        }
        stages = {}
        for stage in STAGES[:STAGES.index(until) + 1]:
            assets, kwargs = runs[stage]
            stages[stage] = run_stage(assets, instance, resources, **kwargs)
            print(f"scale: {n_series} series, {stage}: {stages[stage]['seconds']} s / {stages[stage]['peak_mb']} MB",
                  flush=True)  # as it happens: a long run's figures survive it being stopped
    return stages


def figures_line(results: dict[int, dict]) -> str:
    """`name=value ...`: seconds and peak MB per series count and stage, e.g. s1000_train_seconds=12.3."""
    pairs = []
    for n_series, stages in results.items():
        for stage, figures in stages.items():
            pairs += [f"s{n_series}_{stage}_seconds={figures['seconds']}", f"s{n_series}_{stage}_peak_mb={figures['peak_mb']}"]
        pairs.append(f"s{n_series}_total_seconds={round(sum(f['seconds'] for f in stages.values()), 2)}")
    return " ".join(pairs)


def curve_table(results: dict[int, dict]) -> str:
    """Markdown table: one row per stage (and the total), one column per series count, `seconds s / peak GB`."""
    sizes = sorted(results)
    stages = list(next(iter(results.values())))
    header = "| stage | " + " | ".join(f"{n:,} series" for n in sizes) + " |"
    lines = [header, "|---" * (len(sizes) + 1) + "|"]
    for stage in stages:
        cells = [f"{results[n][stage]['seconds']:.0f} s / {results[n][stage]['peak_mb'] / 1024:.1f} GB" for n in sizes]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    totals = [f"{sum(f['seconds'] for f in results[n].values()):.0f} s / "
              f"{max(f['peak_mb'] for f in results[n].values()) / 1024:.1f} GB" for n in sizes]
    lines.append("| total | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description="Pipeline scale benchmark.")
    parser.add_argument("--series", type=int, nargs="+", default=[10000, 30000, 100000],
                        help="series counts, run smallest first (the curve)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--shard-series", type=int, default=None,
                        help="series per shard (settings.shard_series; default: the settings' default)")
    parser.add_argument("--until", choices=STAGES, default=STAGES[-1], help="the last stage to run")
    parser.add_argument("--out", type=Path, default=None, help="default: benchmarks/results/scale.json")
    args = parser.parse_args(argv)
    results = {}
    for n_series in sorted(args.series):
        with tempfile.TemporaryDirectory(prefix=f"scale-{n_series}-") as workdir:
            results[n_series] = scale_run(n_series, args.days, Path(workdir), args.shard_series, args.until)
        print(f"{n_series} series x {args.days} days: " + ", ".join(
            f"{stage} {f['seconds']} s / {f['peak_mb']} MB" for stage, f in results[n_series].items()), flush=True)
    out = args.out or RESULTS_DIR / "scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(curve_table(results))
    print(figures_line(results))


if __name__ == "__main__":
    main()
