"""Drift detection benchmark: how soon the per-series detector catches known breaks, and how often it cries wolf.

    python -m benchmarks.drift_detection [--detector scan|combined|one_day] [--seed 0] [--series-per-case 12] [--pjm FILE]

Synthetic hourly panels (daily cycle, weekend dip, AR(1) hourly noise and a day-level AR "weather" term) get one
break each on a known live day: level shifts of 5, 10, 20 and 35% up and down, a trend change (+1.5%/day), a
daily-shape change (cycle amplitude x1.6), a weekly-shape change (the weekend dip gone) and a variance change
(noise x3); untouched controls, and series with a one-day holiday-like dip (-25%) that is not drift. The detector
is the production code (monitoring/series_drift.py), run once per live day against the 28 days before the live
period (the scan's day-level model: the 56 days before it), as drift_report runs it against the champion's
training window. Reported: per-series recall within 1 and 3 days by kind, median delay, false alarms per
series-month on controls, on holiday series and on PJM's last 20 full days (reference: the days before them).
Last line: `name=value` figures. One seed's figures have a standard error of ~0.05: compare detectors on several.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from monitoring.drift import DriftThresholds
from monitoring.season_grid import SeasonGrid
from monitoring.series_drift import add_deviation_columns, per_series_drift, recent_level_shift

REFERENCE_DAYS, LIVE_DAYS = 28, 30
START = pd.Timestamp("2024-01-01")
CASES = [("level", s) for s in (0.05, 0.10, 0.20, 0.35, -0.05, -0.10, -0.20, -0.35)] + [
    ("trend", 0.015), ("daily_shape", 1.6), ("weekly_shape", 1.0), ("variance", 3.0),
    ("holiday", -0.25), ("control", 0.0)]
GRID = SeasonGrid()  # hourly data, hour-of-week slots, daily windows (as drift_report sees hourly data)
SEASON = GRID.periods[0]


def synthetic_cases(series_per_case: int, seed: int = 0,
                    reference_days: int = REFERENCE_DAYS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long panel, truth: series_id, kind, size, break_day) for every case; breaks on live days 3-12."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(START, periods=(reference_days + LIVE_DAYS) * 24, freq="h")
    hour, dow = ts.hour.to_numpy(), ts.dayofweek.to_numpy()
    day_index = ((ts - START) // pd.Timedelta(days=1)).to_numpy()
    live0 = reference_days
    frames, truth = [], []
    for case_no, (kind, size) in enumerate(CASES):
        for j in range(series_per_case):
            sid = f"{kind}{size:+g}_{j:02d}"
            brk = int(rng.integers(3, 13))
            after = day_index >= live0 + brk
            amplitude = np.where(after & (kind == "daily_shape"), 0.3 * size, 0.3)
            weekend = np.where(dow >= 5, np.where(after & (kind == "weekly_shape"), size, 0.8), 1.0)
            profile = (1 + amplitude * np.sin(2 * np.pi * (hour - 6) / 24)) * weekend
            sd = np.where(after & (kind == "variance"), 0.03 * size, 0.03)
            hourly = np.zeros(len(ts))
            shocks = rng.normal(0, 1, len(ts)) * sd
            for t in range(1, len(ts)):
                hourly[t] = 0.6 * hourly[t - 1] + shocks[t]
            weather = np.zeros(day_index.max() + 1)
            for d in range(1, len(weather)):
                weather[d] = 0.7 * weather[d - 1] + rng.normal(0, 0.025)
            factor = np.ones(len(ts))
            if kind == "level":
                factor = np.where(after, 1 + size, 1.0)
            elif kind == "trend":
                factor = 1 + size * np.clip(day_index - (live0 + brk) + hour / 24, 0, None)
            elif kind == "holiday":
                factor = np.where(day_index == live0 + brk, 1 + size, 1.0)
            values = rng.uniform(50, 5000) * profile * factor * (1 + weather[day_index] + hourly)
            frames.append(pd.DataFrame({"series_id": sid, "timestamp": ts, "value": values}))
            truth.append({"series_id": sid, "kind": kind, "size": size, "break_day": brk})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(truth)


def daily_flags(panel: pd.DataFrame, live_start: pd.Timestamp, days: int, detector: str,
                reference_days: int = REFERENCE_DAYS, **scan) -> pd.DataFrame:
    """series_id x live day (0..days-1): True where the detector flags the series on that day's monitoring run."""
    thresholds = DriftThresholds()
    reference = panel[(panel["timestamp"] >= live_start - pd.Timedelta(days=reference_days)) &
                      (panel["timestamp"] < live_start)]
    scan_days = reference_days * DriftThresholds().scan_reference_factor
    scan_reference = panel[(panel["timestamp"] >= live_start - pd.Timedelta(days=scan_days)) &
                           (panel["timestamp"] < live_start)]
    columns = {}
    for d in range(days):
        day = live_start + pd.Timedelta(days=d)
        flagged = pd.Series(False, index=pd.Index(sorted(panel["series_id"].unique())))
        if detector in ("one_day", "combined"):
            current = panel[(panel["timestamp"] >= day) & (panel["timestamp"] < day + pd.Timedelta(days=1))]
            ref, cur = add_deviation_columns(reference, current, series="series_id", timestamp="timestamp",
                                             target="value", residual="residual", grid=GRID, season=SEASON)
            out = per_series_drift(ref, cur, features=[], series="series_id", timestamp="timestamp", target="value",
                                   residual="residual", thresholds=thresholds, grid=GRID)
            flagged |= out.set_index("series_id")["target_drifted"].reindex(flagged.index, fill_value=False)
        if detector in ("scan", "combined"):
            # The scan reads its longest span and the window before it, and is fit on the longer scan reference.
            first = day - pd.Timedelta(days=max(scan.get("spans", DriftThresholds().scan_spans)))
            recent = panel[(panel["timestamp"] >= first) & (panel["timestamp"] < day + pd.Timedelta(days=1))]
            out = recent_level_shift(scan_reference, recent, series="series_id", timestamp="timestamp", target="value",
                                     grid=GRID, season=SEASON, **scan)
            flagged |= out.set_index("series_id")["level_shifted"].reindex(flagged.index, fill_value=False)
        columns[d] = flagged
    return pd.DataFrame(columns).fillna(False).astype(bool)


def score_synthetic(flags: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per series: first flag on or after the break (delay, NaN if never) and false-alarm days before it / overall."""
    rows = []
    for r in truth.itertuples():
        f = flags.loc[r.series_id].to_numpy()
        drift = r.kind not in ("control", "holiday")
        hits = np.flatnonzero(f[r.break_day:]) if drift else []
        rows.append({"series_id": r.series_id, "kind": r.kind, "size": r.size,
                     "delay": float(hits[0]) if len(hits) else np.nan,
                     "false_alarms": int(f[: r.break_day].sum() if drift else f.sum()),
                     "clean_days": r.break_day if drift else len(f)})
    return pd.DataFrame(rows)


def pjm_false_alarms(path: Path, detector: str, live_days: int = 20, reference_days: int = REFERENCE_DAYS,
                     **scan) -> tuple[float, int]:
    """(alarms per series-month, days with any alarm) on the last `live_days` full days of the PJM file."""
    pjm = pd.read_parquet(path)
    pjm = pjm.groupby(["series_id", "timestamp"], as_index=False)["value"].mean()
    last_day = pjm["timestamp"].max().normalize()
    live_start = last_day - pd.Timedelta(days=live_days)
    scan_days = reference_days * DriftThresholds().scan_reference_factor
    recent = pjm[pjm["timestamp"] >= live_start - pd.Timedelta(days=max(reference_days, scan_days))]
    active = recent.loc[recent["timestamp"] >= live_start, "series_id"].unique()
    flags = daily_flags(recent[recent["series_id"].isin(active)], live_start, live_days, detector, reference_days,
                        **scan)
    return float(flags.to_numpy().sum() / (len(flags) * live_days / 30)), int(flags.any(axis=0).sum())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detector", choices=("scan", "combined", "one_day"), default="scan",
                        help="scan (drift_report's label drift): the 2-3 day level-shift GLR; one_day: the one-day "
                             "test (context in drift_report's table); combined: either")
    parser.add_argument("--series-per-case", type=int, default=12)
    parser.add_argument("--reference-days", type=int, default=REFERENCE_DAYS,
                        help="days of reference before the live period (drift_report: drift_reference_periods)")
    defaults = DriftThresholds()
    parser.add_argument("--z", type=float, default=defaults.scan_z, help="scan: least |score| of a span")
    parser.add_argument("--relative-shift", type=float, default=defaults.scan_relative_shift,
                        help="scan: least |relative level shift| of a span")
    parser.add_argument("--spans", default=",".join(map(str, defaults.scan_spans)), help="scan: spans in days")
    parser.add_argument("--persistent-shift", type=float, default=defaults.scan_persistent_shift,
                        help="scan: least |level - reference level| of every day of a span, the same way")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic panel")
    parser.add_argument("--pjm", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "pjm"
                        / "pjm_hourly_load.parquet", help="PJM hourly load (long format); skipped if missing")
    args = parser.parse_args(argv)

    scan = {"spans": tuple(int(k) for k in args.spans.split(",")), "z": args.z, "relative_shift": args.relative_shift,
            "persistent_shift": args.persistent_shift}
    scan_days = args.reference_days * defaults.scan_reference_factor
    panel, truth = synthetic_cases(args.series_per_case, seed=args.seed,
                                   reference_days=max(args.reference_days, scan_days))
    flags = daily_flags(panel, START + pd.Timedelta(days=max(args.reference_days, scan_days)), LIVE_DAYS, args.detector,
                        args.reference_days, **scan)
    scored = score_synthetic(flags, truth)
    scored["within_1"], scored["within_3"] = scored["delay"] <= 1, scored["delay"] <= 3
    drift = scored[~scored["kind"].isin(["control", "holiday"])]
    by_case = drift.groupby(["kind", "size"])[["within_1", "within_3"]].mean()
    by_case["median_delay"] = drift.groupby(["kind", "size"])["delay"].median()
    print(by_case.round(2).to_string())
    big = drift[(drift["kind"] == "level") & (drift["size"].abs() >= 0.10)]

    def per_month(kinds):
        part = scored[scored["kind"].isin(kinds)]
        return float(part["false_alarms"].sum() / (part["clean_days"].sum() / 30))

    figures = {
        "detector": args.detector if args.detector == "one_day" else f"{args.detector}:" + f"scan(spans={args.spans},z={args.z},rel={args.relative_shift},persist={args.persistent_shift})",
        "seed": args.seed,
        "recall3_level_ge10": round(float(big["within_3"].mean()), 3),
        "recall1_level_ge10": round(float(big["within_1"].mean()), 3),
        "recall3_all": round(float(drift["within_3"].mean()), 3),
        "recall1_all": round(float(drift["within_1"].mean()), 3),
        "median_delay_days": float(np.nanmedian(drift["delay"])) if drift["delay"].notna().any() else "na",
        "false_alarms_per_series_month_controls": round(per_month(["control"]), 3),
        "false_alarms_per_series_month_holiday": round(per_month(["holiday"]), 3),
        "false_alarms_per_series_month_before_breaks": round(per_month([k for k, _ in CASES]), 3),
    }
    if args.pjm.is_file():
        rate, days = pjm_false_alarms(args.pjm, args.detector, reference_days=args.reference_days, **scan)
        figures.update(pjm_false_alarms_per_series_month=round(rate, 3), pjm_alarm_days=days)
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
