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
