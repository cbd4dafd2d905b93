"""Drift-report speed: 1,000 hourly series, one current day against a 30-day reference, ~13 model features.

    python -m benchmarks.drift_report [--series 1000] [--reference-days 30]

Times one full `monitoring.drift_report()` call (global Evidently report, per-series statistics, HTML and JSON)
after Evidently has been imported (its import alone takes 5-30 s here and is paid once per process, so it is
timed and printed separately); the first call is the headline figure (it is what a daily run pays), a second,
warm call is printed beside it. The last line is `drift_report_seconds=<x> series=<n> reference_rows=<n>
current_rows=<n> ...`.
"""

import argparse
import os
import time

import numpy as np
import pandas as pd

LAGS = (1, 2, 3, 24, 48, 168)
ROLLING = (24, 168)


def synthetic_panel(series: int, days: int, seed: int = 0) -> pd.DataFrame:
    """Hourly series with daily and weekly seasonality and AR noise, plus lag/rolling/calendar features and a
    seasonal naive forecast (lag 168) with residuals and 80/95% intervals; the first week (lag warm-up) dropped."""
    rng = np.random.default_rng(seed)
    hours = days * 24
    ts = pd.date_range("2024-01-01", periods=hours, freq="h")
    hour, dow = ts.hour.to_numpy(), ts.dayofweek.to_numpy()
    profile = (1 + 0.3 * np.sin(2 * np.pi * (hour - 6) / 24)) * np.where(dow >= 5, 0.8, 1.0)
    level = rng.uniform(20, 2000, size=(series, 1))
    shocks = rng.normal(0, 0.04, size=(series, hours))
    noise = np.zeros_like(shocks)
    for t in range(1, hours):  # AR(1): vectorised over series
        noise[:, t] = 0.6 * noise[:, t - 1] + shocks[:, t]
    values = level * profile * (1 + noise)

    wide = pd.DataFrame(values.T, index=ts, columns=[f"S{i:04d}" for i in range(series)])
    features = {f"lag_{k}": wide.shift(k) for k in LAGS}
    for w in ROLLING:
        features[f"rolling_mean_{w}"] = wide.shift(1).rolling(w).mean()
    features["rolling_std_24"] = wide.shift(1).rolling(24).std()
    long = {name: frame.stack(future_stack=True) for name, frame in {"value": wide, **features}.items()}
    panel = pd.DataFrame(long).rename_axis(["timestamp", "series_id"]).reset_index()
    panel["hour"] = panel["timestamp"].dt.hour
    panel["dayofweek"] = panel["timestamp"].dt.dayofweek
    panel["is_weekend"] = (panel["dayofweek"] >= 5).astype(int)
    panel["forecast"] = panel["lag_168"]
    panel["residual"] = panel["value"] - panel["forecast"]
    spread = panel.groupby("series_id")["residual"].transform("std")
    for level_pct, z in ((80, 1.2816), (95, 1.96)):
        panel[f"lo_{level_pct}"] = panel["forecast"] - z * spread
        panel[f"hi_{level_pct}"] = panel["forecast"] + z * spread
    return panel.dropna().reset_index(drop=True)


def feature_columns(panel: pd.DataFrame) -> list[str]:
    """The model's input features in the synthetic panel."""
    return [c for c in panel.columns if c.startswith(("lag_", "rolling_")) or c in ("hour", "dayofweek", "is_weekend")]


def main(argv: list[str] | None = None) -> None:
    """Build the panel, import Evidently, time one drift_report() and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--reference-days", type=int, default=30)
    args = parser.parse_args(argv)

    panel = synthetic_panel(args.series, args.reference_days + 8)  # 7 days of lag warm-up, then reference + 1
    day = panel["timestamp"].dt.floor("D")
    current_day = day.max()
    reference = panel[(day < current_day) & (day >= current_day - pd.Timedelta(days=args.reference_days))]
    current = panel[day == current_day]
    features = feature_columns(panel)

    started = time.perf_counter()
    import evidently  # noqa: F401  (paid once per process; timed apart from the report)

    import_seconds = time.perf_counter() - started
    from monitoring.drift import drift_report

    started = time.perf_counter()
    result = drift_report(reference, current, features)
    seconds = time.perf_counter() - started  # first call: includes Evidently's lazy first-use imports, as in a run
    started = time.perf_counter()
    drift_report(reference, current, features)
    warm_seconds = time.perf_counter() - started

    s = result.summary
    calendar = ",".join(s["calendar_columns"])
    print(f"features={len(features)} evidently_features={s['feature_count']} calendar={calendar}")
    print(f"drift_flags={','.join(s['drift_flags']) or 'none'} drifted_series={s['drifted_series_count']}")
    print(f"html_bytes={len(result.html)} json_bytes={len(result.json)} load_average_1m={os.getloadavg()[0]:.2f}")
    print(
        f"drift_report_seconds={seconds:.2f} series={current['series_id'].nunique()} "
        f"reference_rows={len(reference)} current_rows={len(current)} "
        f"evidently_reference_sample={s['reference_sample_rows']} warm_seconds={warm_seconds:.2f} "
        f"evidently_import_seconds={import_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
