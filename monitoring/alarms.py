"""The alarm log: one row per series and signal that a monitoring run flagged, so every alarm names what fired.

Signals: "label drift" (the series' level stepped away from its own seasonal reference in the last days:
level_shift_score, the GLR score of the level-step test in innovation standard deviations), "concept drift" (its
residuals shifted the same way: residual_drift_score) and
"error" (realised sMAPE of the issued forecasts above error_alarm_ratio x the champion's test sMAPE: the row names
each series over that bar, or "*" for the panel when only the panel mean is). `alarm` says whether the row raises
the day's retrain alarm: error rows always; drift rows against a champion that has not seen the drifted level
always, and against one that has (trained on the scanned days, or its last training days were already at the level
the scan found: level_in_reference) while the series' realised sMAPE is above that same bar.
"""

import numpy as np
import pandas as pd

from trainer.metrics import smape

ALARM_COLUMNS = ["day", "series_id", "signal", "statistic", "threshold", "alarm", "champion"]
LABEL_DRIFT, CONCEPT_DRIFT, ERROR = "label drift", "concept drift", "error"
PANEL = "*"


def series_smape(current: pd.DataFrame) -> pd.Series:
    """series_id -> realised sMAPE (trainer.metrics.smape) of the rows with an actual and a forecast."""
    rows = current.dropna(subset=["value", "forecast"])
    return rows.groupby("series_id").apply(lambda g: smape(g["value"], g["forecast"]), include_groups=False)


def alarm_rows(day, per_series: pd.DataFrame, series_z: float, *, panel_smape: float, baseline_smape: float,
               error_ratio: float, by_series_smape: pd.Series, champion: str, scan_z: float = float("nan"),
               champion_saw_scan: bool = True) -> pd.DataFrame:
    """The day's alarms (columns ALARM_COLUMNS): drift rows from the per-series table, error rows from sMAPE.

    champion_saw_scan: whether the champion's training data reaches into the days the drift scan looked at; a
    champion that never saw them cannot have learnt the new level, so drift against it raises the alarm as it is."""
    rows = []
    known_bar = bool(np.isfinite(baseline_smape) and baseline_smape > 0)
    bar = error_ratio * baseline_smape if known_bar else np.nan
    # Label drift is the persistent level-shift scan where it ran (level_shifted), else the one-day test.
    label = ("level_shifted", "level_shift_score", scan_z) if "level_shifted" in per_series else (
        "target_drifted", "target_drift_score", series_z)
    for flag, score, threshold, signal in ((*label, LABEL_DRIFT),
                                           ("residual_drifted", "residual_drift_score", series_z, CONCEPT_DRIFT)):
        for _, r in per_series[per_series[flag].astype(bool)].iterrows():
            # A drifted series raises the alarm only while the champion's error on it is out of its normal range:
            # once a retrained champion forecasts the new level well, the drift (measured against its mostly older
            # training window) is context, and the alarm clears.
            error = by_series_smape.get(r["series_id"], np.nan)
            seen = champion_saw_scan or (signal == LABEL_DRIFT and bool(r.get("level_in_reference", False)))
            raises = not seen or not known_bar or not np.isfinite(error) or error > bar
            rows.append((r["series_id"], signal, float(r[score]), threshold, raises))
    if known_bar and panel_smape > bar:
        over = by_series_smape[by_series_smape > bar]
        rows += [(sid, ERROR, float(value), bar, True) for sid, value in over.items()] or [
            (PANEL, ERROR, panel_smape, bar, True)]
    frame = pd.DataFrame(rows, columns=["series_id", "signal", "statistic", "threshold", "alarm"])
    frame.insert(0, "day", pd.Timestamp(day))
    frame["champion"] = champion
    # Explicit types: an alarm-free day still creates a typed table (no NULL-typed text columns).
    types = {"day": "datetime64[ns]", "series_id": "string", "signal": "string", "statistic": float,
             "threshold": float, "alarm": bool, "champion": "string"}
    return frame[ALARM_COLUMNS].astype(types).sort_values(["signal", "series_id"], ignore_index=True)
