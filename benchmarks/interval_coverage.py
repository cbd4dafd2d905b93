"""Interval coverage on real data: how often PJM's live days fall inside the shipped 80% and 95% intervals.

    python -m benchmarks.interval_coverage [--pjm FILE] [--live-days 20] [--history-days 90]

Trains the shipped trainer (trainer.training.fit, default config) on the `history_days` before PJM's last
`live_days` full days, then forecasts each live day from its midnight origin, as batch_forecasts does, and scores the
day-ahead steps (1-24) that drift_report judges, with the trainer's intervals and with them rescaled on the model's
errors over the 7 days before each origin (forecast_assets/model_inputs.py, as batch_forecasts serves them).
Reported: coverage per level over all live rows and the range of the daily coverage. Last line: `name=value` figures (target: within 5 points of nominal).
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from forecast_assets.model_inputs import recent_interval_factors, rescaled_intervals
from trainer.metrics import interval_hits

LEVELS = (80, 95)
RECENT_DAYS = 7


def live_coverage(pjm: pd.DataFrame, live_days: int, history_days: int) -> pd.DataFrame:
    """One row per live day: coverage of each level over the day-ahead rows of every active series, with the
    trainer's intervals and with them rescaled on the last RECENT_DAYS days (as batch_forecasts serves them)."""
    from trainer.config import TrainConfig
    from trainer.features import FeatureSpec
    from trainer.panel import SeriesPanel
    from trainer.training import fit

    live_start = pjm["timestamp"].max().normalize() - pd.Timedelta(days=live_days)
    active = pjm.loc[pjm["timestamp"] >= live_start, "series_id"].unique()
    pjm = pjm[pjm["series_id"].isin(active)]
    train = pjm[(pjm["timestamp"] >= live_start - pd.Timedelta(days=history_days)) & (pjm["timestamp"] < live_start)]
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    model = fit(SeriesPanel.from_frame(train, "h", spec.pad), spec, TrainConfig()).model
    lookback = pd.Timedelta(hours=max(spec.lookback_steps, 24 * history_days))
    days = []
    for d in range(live_days):
        origin = live_start + pd.Timedelta(days=d)
        history = pjm[(pjm["timestamp"] >= origin - lookback) & (pjm["timestamp"] < origin)]
        forecast = model.predict(history, levels=LEVELS, on_short="skip")
        factors = recent_interval_factors(model, history, origin, RECENT_DAYS, LEVELS)
        rescaled = rescaled_intervals(forecast, factors, model.floor)
        row = {"day": origin}
        for name, frame in (("trained", forecast), ("rescaled", rescaled)):
            scored = frame[frame["step"] <= 24].merge(pjm, on=["series_id", "timestamp"], how="inner")
            row.update({f"{name}_{lv}": float(np.nanmean(interval_hits(scored["value"], scored[f"lo_{lv}"],
                                                                        scored[f"hi_{lv}"]))) for lv in LEVELS})
        days.append({**row, **{f"factor_{lv}": f for lv, f in factors.items()}, "rows": len(scored)})
    return pd.DataFrame(days)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pjm", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "pjm"
                        / "pjm_hourly_load.parquet", help="PJM hourly load (long format)")
    parser.add_argument("--live-days", type=int, default=20)
    parser.add_argument("--history-days", type=int, default=90)
    args = parser.parse_args(argv)
    pjm = pd.read_parquet(args.pjm).groupby(["series_id", "timestamp"], as_index=False)["value"].mean()
    daily = live_coverage(pjm, args.live_days, args.history_days)
    print(daily.round(3).to_string(index=False))
    figures = {}
    for name in ("trained", "rescaled"):
        for level in LEVELS:
            column = daily[f"{name}_{level}"]
            overall = float(np.average(column, weights=daily["rows"]))
            figures.update({f"{name}_coverage_{level}": round(overall, 3),
                            f"{name}_coverage_{level}_days": f"{column.min():.2f}-{column.max():.2f}",
                            f"{name}_coverage_{level}_within_5_points": abs(overall - level / 100) <= 0.05})
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
