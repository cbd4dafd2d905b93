"""Daily drift report: data, label and concept drift for the whole panel (Evidently) and for every series (numpy).

Definitions (DESIGN section 6): data drift = shift of the model's input features, current window vs the training
reference; label drift = shift of the target; concept drift = shift of the residuals (actual - forecast) while the
inputs are stable. Every result is also a number in `DriftResult.summary` (and `summary_row()` for the warehouse).

How the Evidently half is kept fast (1,000 series x 24 h against 30 days takes seconds, not the ~16 s that
Evidently needs for 100k rows):
- Reference sample: the per-series statistics use the FULL reference. Evidently gets only the reference windows in
  the same phase of the season as the current window (the Sundays for a Sunday: a weekday against a mix of
  weekdays and weekends "drifts" every day), then a uniform random sample of `reference_sample_rows` of them
  (default 5,000, fixed seed): the normed Wasserstein distance of such a sample is within a few hundredths of
  the full-data value, well inside the 0.1 threshold.
- Columns: calendar features (hour, day of week, ...: columns that take one value per timestamp across all
  series) are left out. A one-day window always "drifts" on them against 30 days, so they would be noise, and
  every column costs Evidently time. Label and concept drift are tested on the per-series deseasonalised,
  level-relative target and residual (see monitoring/series_drift.py), so a Sunday is compared with Sundays and
  a 1,000-unit series does not drown a 10-unit one.
- Only numeric columns are handed over, with an explicit DataDefinition (no type inference).
The snapshot's timestamp is the monitored window's start, so a replay of 20 days plots 20 points in day order.
"""

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from monitoring.evidently_report import (
    COVERAGE_PREFIX,
    INTERVAL_LEVELS,
    SMAPE_TERM,
    add_performance_columns,
    read_results,
    run_report,
)
from monitoring.season_grid import SeasonGrid
from monitoring.series_drift import (
    RESIDUAL_VS_LEVEL,
    TARGET_DEVIATION,
    add_deviation_columns,
    per_series_drift,
    recent_level_shift,
)


@dataclasses.dataclass(frozen=True)
class DriftThresholds:
    """When a score counts as drift; the defaults flag a +35% level shift on its first day and not a weekend."""

    feature_distance: float = 0.1  # normed Wasserstein distance per feature (Evidently's default)
    drifted_feature_share: float = 0.5  # data drift when at least this share of features drifted
    target_distance: float = 0.1  # normed Wasserstein of the deseasonalised target: label drift
    residual_distance: float = 0.1  # normed Wasserstein of residual / level: concept drift
    series_z: float = 4.0  # per series: |level shift| in the reference's day-to-day standard deviations
    series_relative_shift: float = 0.15  # per series: and at least a 15% change of the level
    scan_spans: tuple = (2, 3)  # per series: a level step that began 2 or 3 days ago (the GLR scan)
    scan_z: float = 3.0  # ... significant: the step's GLR score, in innovation standard deviations
    scan_relative_shift: float = 0.07  # ... material: a step of at least 7% of the level
    scan_persistent_shift: float = 0.05  # ... persistent: every day since it at least 5% off the reference, same way
    scan_reference_factor: int = 2  # ... its AR(1) is fit on this many times the drift reference (56 days hourly)


@dataclasses.dataclass
class DriftResult:
    """The outcome of one drift report: numbers, per-series table, Evidently HTML/JSON and the snapshot."""

    summary: dict
    per_series: pd.DataFrame
    html: str
    json: str
    snapshot: object  # evidently Snapshot, for MonitoringWorkspace.add_snapshot

    def summary_row(self) -> pd.DataFrame:
        """The summary as one flat warehouse row: feature scores as `drift_score__<feature>`, lists as text."""
        row = {k: v for k, v in self.summary.items() if not isinstance(v, (dict, list))}
        row.update({f"drift_score__{k}": v for k, v in self.summary["feature_drift_scores"].items()})
        row.update({k: ",".join(map(str, v)) for k, v in self.summary.items() if isinstance(v, list)})
        return pd.DataFrame([row])


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    feature_columns: list[str],
    target_column: str = "value",
    residual_column: str = "residual",
    series_column: str = "series_id",
    thresholds: DriftThresholds = DriftThresholds(),
    *,
    timestamp_column: str = "timestamp",
    forecast_column: str = "forecast",
    grid: SeasonGrid = SeasonGrid(),
    reference_sample_rows: int = 5_000,
    current_sample_rows: int = 50_000,
    seed: int = 0,
    recent: pd.DataFrame | None = None,
    scan_reference: pd.DataFrame | None = None,
) -> DriftResult:
    """Drift of the current window against the reference, globally (Evidently) and per series.

    Both frames are long (one row per series and timestamp) with the target, the features and, optionally, the
    residual (actual - forecast: no residual drift without it in both frames) and the forecast with lo_80/hi_80,
    lo_95/hi_95 (then the snapshot also carries RMSE, sMAPE and interval coverage for the dashboard; computed on
    at most `current_sample_rows` rows, so beyond that they are estimates). `current` is one window of `grid` (a
    partition: a day of hourly data); `grid` also gives the seasonal slots (monitoring/season_grid.py).
    `recent` (series, timestamp, target of the last max(scan_spans) + 1 windows, the current one included) turns on
    the level-shift scan, fit on `scan_reference` (default: `reference`; a longer one estimates the day-level spread
    better, see DriftThresholds.scan_reference_factor).
    """
    needed = [series_column, timestamp_column, target_column, *feature_columns]
    optional = [residual_column, forecast_column, *[f"{b}_{lv}" for lv in INTERVAL_LEVELS for b in ("lo", "hi")]]
    reference = _validated("reference", reference, needed, optional, timestamp_column)
    current = _validated("current", current, needed, optional, timestamp_column)
    season = grid.season_for(reference[timestamp_column])
    ref, cur = add_deviation_columns(
        reference, current, series=series_column, timestamp=timestamp_column, target=target_column,
        residual=residual_column, grid=grid, season=season,
    )  # fmt: skip
    per_series = per_series_drift(
        ref, cur, features=list(feature_columns), series=series_column, timestamp=timestamp_column,
        target=target_column, residual=residual_column, thresholds=thresholds, grid=grid,
    )  # fmt: skip
    if recent is not None:
        # Label drift per series is the persistent level-shift scan over the recent windows (the current one
        # included); the one-day test stays in the table as context (benchmarks/drift_detection.py says why).
        scan_ref = reference if scan_reference is None else scan_reference
        scan = recent_level_shift(
            scan_ref[[series_column, timestamp_column, target_column]],
            recent[[series_column, timestamp_column, target_column]], series=series_column,
            timestamp=timestamp_column, target=target_column, grid=grid, season=season,
            spans=thresholds.scan_spans, z=thresholds.scan_z, relative_shift=thresholds.scan_relative_shift,
            persistent_shift=thresholds.scan_persistent_shift,
        )  # fmt: skip
        per_series = per_series.merge(scan, on=series_column, how="left")
        for flag in ("level_shifted", "level_in_reference"):
            per_series[flag] = per_series[flag].astype("boolean").fillna(False).astype(bool)
        per_series["drifted"] = per_series["level_shifted"] | per_series["residual_drifted"]

    calendar = _calendar_columns(current, feature_columns, series_column, timestamp_column)
    evidently_features = [c for c in feature_columns if c not in calendar]
    ref = _same_phase(ref, cur[timestamp_column], timestamp_column, grid, season)
    ref_sample = ref.sample(n=min(len(ref), reference_sample_rows), random_state=seed)
    cur_sample = cur.sample(n=min(len(cur), current_sample_rows), random_state=seed)
    if forecast_column in ref.columns and forecast_column in cur.columns:
        ref_sample = add_performance_columns(ref_sample, target_column, forecast_column)
        cur_sample = add_performance_columns(cur_sample, target_column, forecast_column)
    # A feature with no value on one side (a lag longer than the history so far) cannot be judged for drift.
    evidently_features = [c for c in evidently_features if ref_sample[c].notna().any() and cur_sample[c].notna().any()]
    window_start = grid.window_start(current[timestamp_column].min())
    snapshot = run_report(
        ref_sample, cur_sample, features=evidently_features, target=target_column, forecast=forecast_column,
        thresholds=thresholds, timestamp=_naive(window_start), name=f"monitoring {window_start.date()}",
    )  # fmt: skip
    numbers = read_results(snapshot)
    summary = _summary(numbers, per_series, thresholds, series_column, evidently_features, calendar)
    summary.update(
        window_start=window_start.isoformat(),
        reference_rows=len(reference),
        current_rows=len(current),
        reference_sample_rows=len(ref_sample),
        current_sample_rows=len(cur_sample),
    )
    return DriftResult(summary, per_series, snapshot.get_html_str(as_iframe=False), snapshot.json(), snapshot)


def _summary(numbers, per_series, thresholds, series_column, features, calendar) -> dict:
    scores = numbers["drift_scores"]
    share = numbers.get("drifted_share", 0.0)
    target_score = scores[TARGET_DEVIATION]
    residual_score = scores.get(RESIDUAL_VS_LEVEL)
    drifted_ids = per_series.loc[per_series["drifted"], series_column].astype(str).tolist()
    flags = {
        "data_drift": bool(features) and share >= thresholds.drifted_feature_share,
        "label_drift": target_score >= thresholds.target_distance,
        "residual_drift": residual_score is not None and residual_score >= thresholds.residual_distance,
        "series_drift": bool(drifted_ids),
    }
    flags["concept_drift"] = flags["residual_drift"] and not flags["data_drift"]
    means = numbers["means"]
    return {
        "drifted_feature_share": share,
        "drifted_feature_count": numbers.get("drifted_count", 0),
        "feature_count": len(features),
        "feature_drift_scores": {c: scores[c] for c in features},
        "calendar_columns": sorted(calendar),
        "target_drift_score": target_score,
        "residual_drift_score": residual_score,
        **flags,
        "drift": any(flags.values()),
        "drift_flags": [name for name, on in flags.items() if on],
        "series_count": len(per_series),
        "drifted_series_count": len(drifted_ids),
        "drifted_series_share": len(drifted_ids) / len(per_series) if len(per_series) else 0.0,
        "drifted_series": drifted_ids,
        "smape": means.get(SMAPE_TERM),
        "rmse": numbers.get("rmse"),
        **{f"coverage_{level}": means.get(f"{COVERAGE_PREFIX}{level}") for level in INTERVAL_LEVELS},
    }


def _same_phase(reference, current_timestamps, timestamp_column, grid: SeasonGrid, season: int):
    """Reference rows in the same windows of the season as the current one (Sundays for a Sunday), if any: the
    windows whose first step sits in the same slot of the season."""
    starts = [pd.Series(grid.windows(t)).astype("datetime64[s]") for t in (reference[timestamp_column],
                                                                           current_timestamps)]
    phase = grid.slots(starts[0], season)
    matching = np.isin(phase, np.unique(grid.slots(starts[1], season)))
    return reference[matching] if matching.any() else reference


def _calendar_columns(current, features, series_column, timestamp_column) -> set[str]:
    """Features that are a function of the clock: one value per timestamp across all series (needs >= 2 series)."""
    if current[series_column].nunique() < 2 or not features:
        return set()
    distinct = current.groupby(timestamp_column)[list(features)].nunique(dropna=False).max()
    return {c for c, n in distinct.items() if n <= 1}


def _validated(name, frame: pd.DataFrame, needed: list[str], optional: list[str], timestamp_column: str):
    """Only the columns the report reads, with a datetime timestamp; a clear error naming frame and column."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"drift_report: the {name} frame has no column(s) {missing}; it has {list(frame.columns)}")
    if frame.empty:
        raise ValueError(f"drift_report: the {name} frame has no rows")
    columns = list(dict.fromkeys(needed + [c for c in optional if c in frame.columns]))
    bad = [c for c in columns if c not in needed[:2] and not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(f"drift_report: the {name} frame has non-numeric column(s) {bad}")
    frame = frame[columns]
    if not pd.api.types.is_datetime64_any_dtype(frame[timestamp_column]):
        try:
            frame = frame.assign(**{timestamp_column: pd.to_datetime(frame[timestamp_column])})
        except (ValueError, TypeError) as err:
            raise ValueError(f"drift_report: {name}.{timestamp_column} is not a timestamp column: {err}") from err
    return frame


def _naive(ts: pd.Timestamp) -> dt.datetime:
    """Evidently stores naive datetimes; an aware timestamp becomes UTC first."""
    return (ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts).to_pydatetime()
