"""Benchmark on a set in the M4 file layout (M4, M3, ...): our pipeline and the peer, scored with the M4 definitions
beside sNaive and Naive2.

    python -m benchmarks.m4 --data-dir DIR --frequency F [--horizon H] [--season-length M] [--out JSON] [--skip-peer]

F is an M4 frequency (Yearly, Quarterly, Monthly, Weekly, Daily, Hourly) or M3's Other; H and m default to the M4
rules (Other: 8 and 1) and can be overridden for sets that follow other rules. Writes a JSON (per-series results,
set-level figures, the published table with our row and the peer's at their ranks, timings) and prints a short
table with sMAPE, MASE, OWA and the 95% interval's MSIS and coverage, then the wall and CPU time of both sides (ours
counts the trainer subprocess; CPU time is the steadier figure on shared cores); the last line is
`sMAPE=<x> MASE=<y> OWA=<z>` for our pipeline. OWA follows the published table's convention (from the figures rounded to 3 decimals, see
m4_scoring.published_owa). An M3 folder (its published_results.csv beside the category folders) is scored as the
M3 competition did (negative forecasts set to zero) and ranked by sMAPE.
"""

import argparse
import os
import json
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.m3_published import m3_published_path, m3_published_table
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


def run_benchmark(data_dir: Path, frequency: str, workdir: Path, skip_peer: bool = False,
                  horizon: int | None = None, season_length: float | None = None) -> dict:
    """Forecast the set with our pipeline (and the peer), score every method, and return the report."""
    m4 = load_m4_set(data_dir, frequency, horizon, season_length)
    rule = m4.rule
    m3_path = m3_published_path(data_dir)
    insamples, outsamples = series_arrays(m4.train), series_arrays(m4.test)
    forecasts = benchmark_forecasts(insamples, rule.horizon, rule.season_length)
    timings = {}

    ours = forecast_with_pipeline(m4, workdir)
    forecasts[OURS] = forecast_arrays(ours.forecasts)
    ours_intervals = dict(zip(forecasts[OURS], zip(forecast_arrays(ours.forecasts, "lo_95").values(),
                                                    forecast_arrays(ours.forecasts, "hi_95").values())))
    timings.update(ours_train_seconds=ours.train_seconds, ours_forecast_seconds=ours.forecast_seconds,
                   ours_train_forecast_seconds=ours.total_seconds, ours_train_forecast_cpu_seconds=ours.total_cpu_seconds,
                   ours_train_cpu_seconds=ours.train_cpu_seconds, ours_forecast_cpu_seconds=ours.forecast_cpu_seconds)  # fmt: skip
    if not skip_peer:
        from benchmarks.peer import forecast_with_peer

        peer = forecast_with_peer(m4.train, m4.calendar, rule.freq, rule.horizon, rule.season_length)
        forecasts[PEER] = forecast_arrays(peer.forecasts)
        timings.update(peer_fit_seconds=peer.fit_seconds, peer_predict_seconds=peer.predict_seconds,
                       peer_fit_predict_seconds=peer.fit_predict_seconds,
                       ours_to_peer_time_ratio=ours.total_seconds / peer.fit_predict_seconds,
                       peer_fit_predict_cpu_seconds=peer.fit_predict_cpu_seconds,
                       ours_to_peer_cpu_ratio=ours.total_cpu_seconds / peer.fit_predict_cpu_seconds)  # fmt: skip

    per_series = {name: score_series(insamples, outsamples, f, rule.season_length,
                                     ours_intervals if name == OURS else None, clip_negative=m3_path is not None)
                  for name, f in forecasts.items()}
    levels = {name: set_level(scores) for name, scores in per_series.items()}
    naive2 = levels["Naive2"]
    for figures in levels.values():
        figures["owa"] = published_owa(figures["smape"], figures["mase"], naive2["smape"], naive2["mase"])
        figures["owa_unrounded"] = owa(figures["smape"], figures["mase"], naive2["smape"], naive2["mase"])

    report = {
        "frequency": m4.frequency,
        "scoring": "M3 (negative forecasts set to zero, ranked by sMAPE)" if m3_path else "M4",
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
    published = m3_published_table(m3_path, m4.frequency) if m3_path else published_results(data_dir)
    if published is not None:
        entries = [{"id": name, "author": name, "type": "this run", **levels[name]} for name in (OURS, PEER) if name in levels]
        table = insert_ranked(published, m4.frequency, entries, rank_by="sMAPE" if m3_path else "OWA")
        report["published_table"] = json.loads(table.to_json(orient="records", double_precision=15))
        report["ranks"] = {entry["id"]: rank_of(table, entry["id"]) for entry in entries}
    return report


def _per_series_records(per_series: dict[str, pd.DataFrame]) -> list[dict]:
    """One record per series: sMAPE and MASE of every method, side by side."""
    merged = None
    for name, scores in per_series.items():
        renamed = scores.rename(columns={c: f"{name}_{c}" for c in scores.columns if c != "series_id"})
        merged = renamed if merged is None else merged.merge(renamed, on="series_id")
    return json.loads(merged.to_json(orient="records", double_precision=15))


def summary_lines(report: dict) -> list[str]:
    """The printed table (method, sMAPE, MASE, OWA, MSIS, coverage, published rank, seconds), then the contract line."""
    timings, ranks = report["timings"], report["ranks"]
    seconds = {OURS: timings.get("ours_train_forecast_seconds"), PEER: timings.get("peer_fit_predict_seconds")}
    lines = [f"{report['frequency']}: {report['series']} series, H={report['horizon']}, m={report['season_length']}, "
             f"scoring {report.get('scoring', 'M4')}, our route: {report['pipeline_route']}"
             + (f", family {report['pipeline_details']['model_family']}"
                if report["pipeline_details"].get("model_family") else ""),
             f"{'method':<20} {'sMAPE':>8} {'MASE':>7} {'OWA':>7} {'MSIS':>7} {'cover95':>7} {'rank':>5} {'seconds':>8}"]  # fmt: skip
    for name, figures in report["set_level"].items():
        rank = ranks.get(name, "")
        took = f"{seconds[name]:.1f}" if seconds.get(name) is not None else ""
        msis = f"{figures['msis']:.3f}" if "msis" in figures else ""
        cover = f"{figures['coverage']:.3f}" if "coverage" in figures else ""
        lines.append(f"{name:<20} {figures['smape']:>8.3f} {figures['mase']:>7.3f} {figures['owa']:>7.3f} {msis:>7} "
                     f"{cover:>7} {rank!s:>5} {took:>8}")
    if "ours_to_peer_time_ratio" in timings:
        lines.append(f"time ours/peer = {timings['ours_to_peer_time_ratio']:.2f} (wall), "
                     f"{timings['ours_to_peer_cpu_ratio']:.2f} (CPU: {timings['ours_train_forecast_cpu_seconds']:.1f} s "
                     f"against {timings['peer_fit_predict_cpu_seconds']:.1f} s)")
    ours = report["set_level"][OURS]
    if "msis" in ours:
        lines.append(f"MSIS={ours['msis']:.3f} coverage95={ours['coverage']:.3f}")
    lines.append(f"sMAPE={ours['smape']:.3f} MASE={ours['mase']:.3f} OWA={ours['owa']:.3f}")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    # As the trainer does: spinning OpenMP workers slow XGBoost several-fold on shared cores (read when it loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = argparse.ArgumentParser(prog="python -m benchmarks.m4",
                                     description="Benchmark of our pipeline on a set in the M4 file layout.")
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with train.csv and test.csv")
    parser.add_argument("--frequency", required=True,
                        help="Yearly, Quarterly, Monthly, Weekly, Daily, Hourly, or Other (M3's)")
    parser.add_argument("--horizon", type=int, default=None, help="forecast horizon H (default: the set's M4 rule)")
    parser.add_argument("--season-length", type=float, default=None,
                        help="seasonality m for MASE, MSIS, Naive2 and the models (default: the set's M4 rule); a "
                        "fractional m such as 52.18 weeks is rounded to whole steps (52)")
    parser.add_argument("--out", type=Path, default=None,
                        help="report JSON (default: benchmarks/results/<competition folder>_<frequency>.json)")
    parser.add_argument("--skip-peer", action="store_true", help="do not run mlforecast")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="m4-bench-") as workdir:
        report = run_benchmark(args.data_dir, args.frequency, Path(workdir), args.skip_peer, args.horizon,
                               args.season_length)
    out = args.out or RESULTS_DIR / f"{args.data_dir.resolve().parent.name}_{report['frequency'].lower()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str))
    lines = summary_lines(report)
    print("\n".join([*lines[:-1], f"report: {out}", lines[-1]]))


if __name__ == "__main__":
    main()
