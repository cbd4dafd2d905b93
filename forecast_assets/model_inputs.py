"""The model's own inputs for observed rows, rebuilt with the trainer's feature code (what drift is measured on)."""

import numpy as np
import pandas as pd

from forecast_assets.partitions import partition_starts
from resources.frequency import grid_ordinals


def day_ahead_inputs(model, history: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, levels=(80, 95)) -> pd.DataFrame:
    """For every observed row in [start, end): the features the model used to forecast it from the start of its
    partition (a day for hourly data), its prediction with intervals, and the residual. History must reach back
    min_history steps before start."""
    from trainer import intervals
    from trainer.features import FeatureBuilder
    from trainer.panel import SeriesPanel

    spec = model.spec
    panel = SeriesPanel.from_frame(history, spec.freq, spec.pad, source="monitoring history")
    rows = history[(history["timestamp"] >= start) & (history["timestamp"] < end) & history["value"].notna()]
    code = {sid: k for k, sid in enumerate(panel.series_ids)}
    series = rows["series_id"].astype(str).map(code).to_numpy(dtype=np.int64)
    offset = pd.tseries.frequencies.to_offset(spec.freq)
    starts, stamps, periods = grid_ordinals(offset, panel.starts, rows["timestamp"], partition_starts(rows["timestamp"]))
    first = starts[series]
    position = stamps - first
    origin = periods - 1 - first  # the last step before the row's partition: the batch forecast's origin
    steps = position - origin
    usable = (origin >= spec.min_history - 1) & (steps >= 1) & (steps <= spec.horizon)
    rows, series, origin, steps = rows[usable], series[usable], origin[usable], steps[usable]
    if len(rows) == 0:  # no row has enough history before its origin
        bounds = [f"{side}_{level}" for level in levels for side in ("lo", "hi")]
        return pd.DataFrame(columns=["series_id", "timestamp", "value", *spec.feature_names, "forecast", *bounds,
                                     "residual"])
    builder = FeatureBuilder(panel, spec)
    features, scale = builder.rows(series, origin, steps)
    prediction, _ = model.predict_rows(builder, series, origin, steps)
    out = pd.DataFrame(features, columns=spec.feature_names, index=rows.index)
    out.insert(0, "series_id", rows["series_id"].astype(str).to_numpy())
    out.insert(1, "timestamp", rows["timestamp"].to_numpy())
    out.insert(2, "value", rows["value"].to_numpy(dtype=float))
    out["forecast"] = prediction
    for level in levels:
        width = intervals.half_widths(model.calibration, steps, level) * scale
        out[f"lo_{level}"], out[f"hi_{level}"] = prediction - width, prediction + width
    out["residual"] = out["value"] - out["forecast"]
    return out.reset_index(drop=True)


def observed_partitions(history: pd.DataFrame, origin: pd.Timestamp) -> list[pd.Timestamp]:
    """The starts of the partitions with observations before origin, oldest first."""
    recent = history[(history["timestamp"] < origin) & history["value"].notna()]
    return [pd.Timestamp(t) for t in sorted(partition_starts(recent["timestamp"]).unique())]


def recent_origins(history: pd.DataFrame, origin: pd.Timestamp, partitions: int) -> list[pd.Timestamp]:
    """The starts of the last `partitions` partitions with observations before origin, oldest first: the origins
    the served intervals are rescaled on (chosen over the whole panel, so every shard scores the same ones)."""
    return observed_partitions(history, origin)[-partitions:]


def recent_interval_factors(model, history: pd.DataFrame, origin: pd.Timestamp, partitions: int, levels) -> dict:
    """Per level: the factor that makes the model's intervals cover that level of its own forecasts' errors over the
    last `partitions` partitions before origin (each forecast from its partition's origin, as batch_forecasts issued
    it; trainer.predict.interval_scores, pooled by trainer.predict.interval_factors). The trainer calibrates on one
    held-out window; live errors drift with the season and the weather (PJM: 66% inside the 80% interval), so
    serving rescales on what it just got wrong."""
    from trainer.predict import interval_factors, interval_scores

    return interval_factors(interval_scores(model, history, recent_origins(history, origin, partitions), origin, levels))


def rescaled_intervals(forecasts: pd.DataFrame, factors: dict, floor: float | None) -> pd.DataFrame:
    """forecasts with each level's interval half-width multiplied by its factor around the point forecast."""
    out = forecasts.copy()
    for level, factor in factors.items():
        lo, hi = f"lo_{level}", f"hi_{level}"
        half = (out[hi] - out["forecast"]).clip(lower=0) * factor
        out[lo], out[hi] = out["forecast"] - half, out["forecast"] + half
        if floor is not None:
            out[lo] = out[lo].clip(lower=floor)
    return out
