"""ForecastModel: the chosen model family (the XGBoost booster, per-series statistical models or their mean), its
feature spec and its interval calibration; the booster is saved in XGBoost's format, the family as JSON."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from trainer import intervals, level_shift, statistical
from trainer.families import XGBOOST, combine, members_of, statistical_members
from trainer.features import FeatureBuilder, FeatureSpec
from trainer.panel import SeriesPanel

MODEL_FILE, SPEC_FILE, INTERVALS_FILE, FAMILY_FILE = "model.ubj", "feature_spec.json", "intervals.json", "family.json"


class ShortHistoryError(ValueError):
    """Raised by predict when series have fewer points than the model's min_history."""

    def __init__(self, series: list[str], min_history: int):
        self.series = series
        shown = ", ".join(series[:10]) + (f" and {len(series) - 10} more" if len(series) > 10 else "")
        super().__init__(f"{len(series)} series have fewer than {min_history} points of history: {shown}")


class ForecastModel:
    """A forecaster of one model family with split-conformal intervals.

    The family (trainer/families.py) is the global direct multi-step XGBoost booster, per-series statistical models
    refit on each series' history at prediction, or the mean of several. `predict(history)` forecasts `spec.horizon` steps after each series' last timestamp. Series shorter than
    `min_history` raise ShortHistoryError (default, on_short="raise"); with on_short="skip" they are left out and
    their ids are listed in `result.attrs["skipped_series"]`, so the caller can fall back to the seasonal naive.
    """

    def __init__(self, booster: xgb.Booster, spec: FeatureSpec, calibration: dict, floor: float | None = None,
                 family: str = XGBOOST, family_info: dict | None = None):
        members_of(family)  # names the known families when this one is not
        self.booster, self.spec, self.calibration, self.floor = booster, spec, calibration, floor
        self.family, self.family_info = family, dict(family_info or {})

    @property
    def min_history(self) -> int:
        """Points of history each series needs (the statistical families need only a few)."""
        return self.spec.min_history if XGBOOST in members_of(self.family) else statistical.MIN_POINTS

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

    def member_points(self, builder: FeatureBuilder, series, origins, steps, members) -> tuple[dict, np.ndarray]:
        """{member: point forecasts} for rows laid out as H consecutive steps per (series, origin), and the scales.

        Statistical members are fitted on each series' history up to its origin; XGBoost predicts the rows."""
        points = {}
        if XGBOOST in members:
            points[XGBOOST], scale = self.predict_rows(builder, series, origins, steps)
        else:
            scale = builder.rows(series, origins, steps)[1]
        stat = statistical_members(members)
        if stat:
            h = self.spec.horizon
            firsts = np.arange(0, len(series), h)
            histories = [builder.panel.series_values(k)[: o + 1] for k, o in zip(series[firsts], origins[firsts])]
            fitted = statistical.forecast_panel(histories, h, self.spec.season_length, stat)
            points.update({member: values.reshape(-1) for member, values in fitted.items()})
        return points, scale

    def family_rows(self, builder: FeatureBuilder, series, origins, steps) -> tuple[np.ndarray, np.ndarray]:
        """The family's point forecasts (mean of its members, floored as the data) for H-step rows, and the scales."""
        points, scale = self.member_points(builder, series, origins, steps, members_of(self.family))
        point = combine(points, self.family)
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
        adjusted_for = {}
        if self.spec.level_shift:  # a recent level step: forecast from the history rescaled to the new level
            panel, adjusted_for = level_shift.adjusted(panel, self.spec.season_length, self.spec.seasonal_lags)
        short = panel.lengths < self.min_history
        if short.any() and on_short == "raise":
            raise ShortHistoryError([str(s) for s in panel.series_ids[short]], self.min_history)
        kept = np.flatnonzero(~short)
        h = self.spec.horizon
        series = np.repeat(kept, h)
        origins = panel.lengths[series] - 1
        steps = np.tile(np.arange(1, h + 1), len(kept))
        builder = FeatureBuilder(panel, self.spec)
        point, scale = self.family_rows(builder, series, origins, steps) if len(series) else (np.empty(0),) * 2
        out = pd.DataFrame({"series_id": panel.series_ids[series].astype(str),
                            "timestamp": panel.timestamps(series, origins + steps) if len(series) else
                            pd.DatetimeIndex([]), "step": steps, "forecast": point})
        for level in levels:
            width = intervals.half_widths(self.calibration, steps, level) * scale
            lo, hi = point - width, point + width
            out[f"lo_{level:g}"] = np.maximum(lo, self.floor) if self.floor is not None else lo
            out[f"hi_{level:g}"] = hi
        out.attrs["skipped_series"] = [str(s) for s in panel.series_ids[short]]
        out.attrs["level_shift_factors"] = adjusted_for
        return out

    def save(self, directory) -> Path:
        """Write model.ubj (XGBoost's own format), feature_spec.json, intervals.json and family.json into directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / MODEL_FILE))
        (directory / SPEC_FILE).write_text(self.spec.to_json())
        (directory / INTERVALS_FILE).write_text(json.dumps({**self.calibration, "floor": self.floor}, indent=1))
        family = {"family": self.family, "members": list(members_of(self.family)), **self.family_info}
        (directory / FAMILY_FILE).write_text(json.dumps(family, indent=1))
        return directory

    @classmethod
    def load(cls, directory) -> "ForecastModel":
        """Read a model written by save; names the missing file if the directory is incomplete.

        A directory without family.json (written before families existed) holds an XGBoost model."""
        directory = Path(directory)
        for name in (MODEL_FILE, SPEC_FILE, INTERVALS_FILE):
            if not (directory / name).is_file():
                raise FileNotFoundError(f"model directory {directory} has no {name}")
        booster = xgb.Booster()
        booster.load_model(str(directory / MODEL_FILE))
        calibration = json.loads((directory / INTERVALS_FILE).read_text())
        floor = calibration.pop("floor", None)
        family_path = directory / FAMILY_FILE
        info = json.loads(family_path.read_text()) if family_path.is_file() else {"family": XGBOOST}
        family = info.pop("family")
        info.pop("members", None)
        return cls(booster, FeatureSpec.from_json((directory / SPEC_FILE).read_text()), calibration, floor,
                   family, info)
