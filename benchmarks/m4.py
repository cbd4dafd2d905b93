"""M4 benchmark: our pipeline and the peer on one M4 set, scored with the M4 definitions beside sNaive and Naive2.

    python -m benchmarks.m4 --data-dir DIR --frequency Hourly [--out JSON] [--skip-peer]

Writes a JSON (per-series results, set-level figures, the published table with our row and the peer's at their
ranks, timings) and prints a short table; the last line is `sMAPE=<x> MASE=<y> OWA=<z>` for our pipeline.
OWA follows the published table's convention (from the figures rounded to 3 decimals, see m4_scoring.published_owa).
"""

import argparse
import os
import json
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.m4_pipeline import forecast_with_pipeline, load_m4_set
from benchmarks.m4_scoring import (
    benchmark_forecasts,
    forecast_arrays,
    insert_ranked,
    owa,
    published_owa,
    published_results,
    rank_of,
    score_series,
    series_arrays,
    set_level,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"  # git-ignored
OURS, PEER = "ours", "mlforecast-xgboost"


def run_benchmark(data_dir: Path, frequency: str, workdir: Path, skip_peer: bool = False) -> dict:
    """Forecast the set with our pipeline (and the peer), score every method, and return the report."""
    m4 = load_m4_set(data_dir, frequency)
    rule = m4.rule
    insamples, outsamples = series_arrays(m4.train), series_arrays(m4.test)
    forecasts = benchmark_forecasts(insamples, rule.horizon, rule.season_length)
    timings = {}

    ours = forecast_with_pipeline(m4, workdir)
    forecasts[OURS] = forecast_arrays(ours.forecasts)
    timings.update(ours_train_seconds=ours.train_seconds, ours_forecast_seconds=ours.forecast_seconds,
                   ours_train_forecast_seconds=ours.total_seconds)  # fmt: skip
    if not skip_peer:
        from benchmarks.peer import forecast_with_peer

        peer = forecast_with_peer(m4.train, frequency, rule.freq, rule.horizon)
        forecasts[PEER] = forecast_arrays(peer.forecasts)
        timings.update(peer_fit_seconds=peer.fit_seconds, peer_predict_seconds=peer.predict_seconds,
                       peer_fit_predict_seconds=peer.fit_predict_seconds,
                       ours_to_peer_time_ratio=ours.total_seconds / peer.fit_predict_seconds)  # fmt: skip

    per_series = {name: score_series(insamples, outsamples, f, rule.season_length) for name, f in forecasts.items()}
    levels = {name: set_level(scores) for name, scores in per_series.items()}
    naive2 = levels["Naive2"]
    for figures in levels.values():
        figures["owa"] = published_owa(figures["smape"], figures["mase"], naive2["smape"], naive2["mase"])
        figures["owa_unrounded"] = owa(figures["smape"], figures["mase"], naive2["smape"], naive2["mase"])

    report = {
        "frequency": frequency,
        "horizon": rule.horizon,
        "season_length": rule.season_length,
        "series": len(outsamples),
        "pipeline_route": ours.path,
        "pipeline_details": ours.details,
        "set_level": levels,
        "timings": timings,
        "per_series": _per_series_records(per_series),
        "published_table": None,
        "ranks": {},
    }
    published = published_results(data_dir)
    if published is not None:
        entries = [{"id": name, "author": name, "type": "this run", **levels[name]} for name in (OURS, PEER) if name in levels]
        table = insert_ranked(published, frequency, entries)
        report["published_table"] = json.loads(table.to_json(orient="records", double_precision=15))
        report["ranks"] = {entry["id"]: rank_of(table, entry["id"]) for entry in entries}
    return report


def _per_series_records(per_series: dict[str, pd.DataFrame]) -> list[dict]:
    """One record per series: sMAPE and MASE of every method, side by side."""
    merged = None
    for name, scores in per_series.items():
        renamed = scores.rename(columns={"smape": f"{name}_smape", "mase": f"{name}_mase"})
        merged = renamed if merged is None else merged.merge(renamed, on="series_id")
    return json.loads(merged.to_json(orient="records", double_precision=15))


def summary_lines(report: dict) -> list[str]:
    """The printed table (method, sMAPE, MASE, OWA, rank in the published table, seconds), then the contract line."""
    timings, ranks = report["timings"], report["ranks"]
    seconds = {OURS: timings.get("ours_train_forecast_seconds"), PEER: timings.get("peer_fit_predict_seconds")}
    lines = [f"M4 {report['frequency']}: {report['series']} series, H={report['horizon']}, m={report['season_length']}, "
             f"our route: {report['pipeline_route']}",
             f"{'method':<20} {'sMAPE':>8} {'MASE':>7} {'OWA':>7} {'rank':>5} {'seconds':>8}"]  # fmt: skip
    for name, figures in report["set_level"].items():
        rank = ranks.get(name, "")
        took = f"{seconds[name]:.1f}" if seconds.get(name) is not None else ""
        lines.append(f"{name:<20} {figures['smape']:>8.3f} {figures['mase']:>7.3f} {figures['owa']:>7.3f} {rank!s:>5} {took:>8}")
    if "ours_to_peer_time_ratio" in timings:
        lines.append(f"time ours/peer = {timings['ours_to_peer_time_ratio']:.2f}")
    ours = report["set_level"][OURS]
    lines.append(f"sMAPE={ours['smape']:.3f} MASE={ours['mase']:.3f} OWA={ours['owa']:.3f}")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    # As the trainer does: spinning OpenMP workers slow XGBoost several-fold on shared cores (read when it loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = argparse.ArgumentParser(prog="python -m benchmarks.m4", description="M4 benchmark of our pipeline.")
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with train.csv and test.csv")
    parser.add_argument("--frequency", required=True, help="Yearly, Quarterly, Monthly, Weekly, Daily or Hourly")
    parser.add_argument("--out", type=Path, default=None,
                        help="report JSON (default: benchmarks/results/m4_<frequency>.json)")
    parser.add_argument("--skip-peer", action="store_true", help="do not run mlforecast")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="m4-bench-") as workdir:
        report = run_benchmark(args.data_dir, args.frequency, Path(workdir), args.skip_peer)
    out = args.out or RESULTS_DIR / f"m4_{args.frequency.lower()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str))
    lines = summary_lines(report)
    print("\n".join([*lines[:-1], f"report: {out}", lines[-1]]))


if __name__ == "__main__":
    main()
