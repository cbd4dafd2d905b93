"""ForecastModel: the XGBoost booster, its feature spec and its interval calibration, saved in XGBoost's format."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from trainer import intervals
from trainer.features import FeatureBuilder, FeatureSpec
from trainer.panel import SeriesPanel

MODEL_FILE, SPEC_FILE, INTERVALS_FILE = "model.ubj", "feature_spec.json", "intervals.json"


class ShortHistoryError(ValueError):
    """Raised by predict when series have fewer points than the model's min_history."""

    def __init__(self, series: list[str], min_history: int):
        self.series = series
        shown = ", ".join(series[:10]) + (f" and {len(series) - 10} more" if len(series) > 10 else "")
        super().__init__(f"{len(series)} series have fewer than {min_history} points of history: {shown}")


class ForecastModel:
    """A global direct multi-step XGBoost forecaster with split-conformal intervals.

    `predict(history)` forecasts `spec.horizon` steps after each series' last timestamp. Series shorter than
    `min_history` raise ShortHistoryError (default, on_short="raise"); with on_short="skip" they are left out and
    their ids are listed in `result.attrs["skipped_series"]`, so the caller can fall back to the seasonal naive.
    """

    def __init__(self, booster: xgb.Booster, spec: FeatureSpec, calibration: dict, floor: float | None = None):
        self.booster, self.spec, self.calibration, self.floor = booster, spec, calibration, floor

    @property
    def min_history(self) -> int:
        """Points of history each series needs."""
        return self.spec.min_history

    @property
    def horizon(self) -> int:
        """Steps forecast after each series' last timestamp."""
        return self.spec.horizon

    def predict_rows(self, builder: FeatureBuilder, series, origins, steps) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts in the data's units for (series, origin, step) rows of the builder's panel, and scales."""
        features, scale = builder.rows(series, origins, steps)
        output = self.booster.inplace_predict(features, base_margin=self.spec.base_margin(features))
        point = self.spec.decode(output.astype(float), scale)
        return (np.maximum(point, self.floor) if self.floor is not None else point), scale

    def short_series(self, history: pd.DataFrame) -> list[str]:
        """Ids of the series in history with fewer than min_history points."""
        panel = SeriesPanel.from_frame(history, self.spec.freq, self.spec.pad, source="history")
        return [str(s) for s in panel.series_ids[panel.lengths < self.min_history]]

    def predict(self, history: pd.DataFrame, levels=(80, 95), on_short: str = "raise") -> pd.DataFrame:
        """Forecast H steps after each series' last timestamp: series_id, timestamp, step, forecast, lo_L, hi_L."""
        if on_short not in ("raise", "skip"):
            raise ValueError(f"on_short must be 'raise' or 'skip', got {on_short!r}")
        panel = SeriesPanel.from_frame(history, self.spec.freq, self.spec.pad, source="history")
        short = panel.lengths < self.min_history
        if short.any() and on_short == "raise":
            raise ShortHistoryError([str(s) for s in panel.series_ids[short]], self.min_history)
        kept = np.flatnonzero(~short)
        h = self.spec.horizon
        series = np.repeat(kept, h)
        origins = panel.lengths[series] - 1
        steps = np.tile(np.arange(1, h + 1), len(kept))
        builder = FeatureBuilder(panel, self.spec)
        point, scale = self.predict_rows(builder, series, origins, steps) if len(series) else (np.empty(0),) * 2
        out = pd.DataFrame({"series_id": panel.series_ids[series].astype(str),
                            "timestamp": panel.timestamps(series, origins + steps) if len(series) else
                            pd.DatetimeIndex([]), "step": steps, "forecast": point})
        for level in levels:
            width = intervals.half_widths(self.calibration, steps, level) * scale
            lo, hi = point - width, point + width
            out[f"lo_{level:g}"] = np.maximum(lo, self.floor) if self.floor is not None else lo
            out[f"hi_{level:g}"] = hi
        out.attrs["skipped_series"] = [str(s) for s in panel.series_ids[short]]
        return out

    def save(self, directory) -> Path:
        """Write model.ubj (XGBoost's own format), feature_spec.json and intervals.json into directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / MODEL_FILE))
        (directory / SPEC_FILE).write_text(self.spec.to_json())
        (directory / INTERVALS_FILE).write_text(json.dumps({**self.calibration, "floor": self.floor}, indent=1))
        return directory

    @classmethod
    def load(cls, directory) -> "ForecastModel":
        """Read a model written by save; names the missing file if the directory is incomplete."""
        directory = Path(directory)
        for name in (MODEL_FILE, SPEC_FILE, INTERVALS_FILE):
            if not (directory / name).is_file():
                raise FileNotFoundError(f"model directory {directory} has no {name}")
        booster = xgb.Booster()
        booster.load_model(str(directory / MODEL_FILE))
        calibration = json.loads((directory / INTERVALS_FILE).read_text())
        floor = calibration.pop("floor", None)
        return cls(booster, FeatureSpec.from_json((directory / SPEC_FILE).read_text()), calibration, floor)
