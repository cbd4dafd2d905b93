"""Data-quality checks on raw_series: each names the failing series and timestamps; schema and non-finite block.

The checks are partitioned like raw_series, so each partition has its own check history: a run of one partition
reports one result per check, and a run of a range (a backfill) one evaluation per check and partition.
"""

import warnings

import dagster as dg
import numpy as np
import pandas as pd

from forecast_assets import quality
from forecast_assets.partitions import time_partitions
from resources.settings import ForecastSettings

RAW = dg.AssetKey("raw_series")
MAX_LISTED = 50  # rows listed in a check's metadata; the count is always complete

CHECKS = [  # (name, blocking, description)
    ("schema", True, "Columns series_id, timestamp, value with their types."),
    ("non_finite_values", True, "No infinite values."),
    ("missing_values", False, "Every row has a value (empty ones are kept; the dataset cleaning policy fills them)."),
    ("duplicate_timestamps", False, "Each (series_id, timestamp) delivered once."),
    ("missing_steps", False, "Every series present delivers every step of the partition."),
    ("negative_values", False, "No negative values unless settings allow them."),
    ("stale_series", False, "Every series delivers up to the end of the partition (freshness)."),
    ("flatlines", False, "No run of identical values long enough to mean a stuck sensor."),
]
# Partitioned checks are a Dagster preview feature; they are what gives each partition its own check history.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    RAW_SERIES_CHECKS = [dg.AssetCheckSpec(name, asset=RAW, partitions_def=time_partitions, blocking=blocking,
                                           description=description) for name, blocking, description in CHECKS]


def _listing(rows: pd.DataFrame) -> dict:
    """Metadata naming the offending series and rows; a passing check shows only its count of 0."""
    if rows.empty:
        return {"failing_rows": dg.MetadataValue.int(0)}
    return {
        "failing_rows": dg.MetadataValue.int(len(rows)),
        "series": dg.MetadataValue.json(sorted(rows["series_id"].astype(str).unique().tolist())),
        "rows": dg.MetadataValue.md(rows.head(MAX_LISTED).to_markdown(index=False)),
    }


def _result(name: str, rows: pd.DataFrame, blocking: bool = False) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(check_name=name, asset_key=RAW, passed=rows.empty, severity=severity,
                               metadata=_listing(rows))


def _schema(problems: list[str]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(check_name="schema", asset_key=RAW, passed=not problems,
                               severity=dg.AssetCheckSeverity.ERROR,
                               metadata={"problems": dg.MetadataValue.json(problems)})


def _skipped_after_schema() -> list[dg.AssetCheckResult]:
    """The other rules need the contract's columns to mean anything."""
    return [dg.AssetCheckResult(check_name=spec.name, asset_key=RAW, passed=False, severity=dg.AssetCheckSeverity.WARN,
                                metadata={"skipped": "schema check failed"}) for spec in RAW_SERIES_CHECKS[1:]]


def _stale(raw: pd.DataFrame, grid: pd.DatetimeIndex, settings: ForecastSettings) -> pd.DataFrame:
    if raw.empty:  # nothing arrived at all: the most stale a window can be
        return pd.DataFrame({"series_id": ["<all series>"], "last_timestamp": [pd.NaT], "steps_behind": [None]})
    return quality.stale_series(raw, grid[-1], settings.offset, settings.stale_after_steps) if len(grid) else raw.iloc[:0]


def _problem_rows(raw: pd.DataFrame, grid: pd.DatetimeIndex, settings: ForecastSettings) -> dict[str, pd.DataFrame]:
    """The offending rows of every rule after schema, on observations whose window has the steps `grid`."""
    negatives = quality.negative_rows(raw)
    return {
        "non_finite_values": quality.non_finite_rows(raw),
        "missing_values": quality.missing_value_rows(raw),
        "duplicate_timestamps": quality.duplicated_rows(raw),
        "missing_steps": quality.missing_steps(raw, grid),
        "negative_values": negatives.iloc[:0] if settings.allow_negative_values else negatives,
        "stale_series": _stale(raw, grid, settings),
        "flatlines": quality.flatlines(raw, settings.flatline_steps),
    }


BLOCKING = {spec.name: spec.blocking for spec in RAW_SERIES_CHECKS}


def evaluate_raw_checks(raw: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                        settings: ForecastSettings) -> list[dg.AssetCheckResult]:
    """Run every raw_series check on the observations of the window [start, end)."""
    problems = quality.schema_problems(raw)
    if problems:
        return [_schema(problems)] + _skipped_after_schema()
    rows = _problem_rows(raw, settings.grid(start, end), settings)  # the window's steps, on the data's calendar
    return [_schema(problems)] + [_result(name, frame, BLOCKING[name]) for name, frame in rows.items()]


def raw_check_results(context: dg.AssetExecutionContext, raw: pd.DataFrame, settings: ForecastSettings):
    """The checks of the run's partitions, after raw_series' output: results for one partition, or for a range run
    one evaluation per check and partition (each against that partition's materialization) and the check outputs."""
    if context.has_partition_key:
        window = context.partition_time_window
        yield from evaluate_raw_checks(raw, _naive(window.start), _naive(window.end), settings)
    else:
        yield from _range_evaluations(context, raw, settings)


def _naive(moment) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_localize(None)


def _in_window(rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The rows of [start, end): by timestamp, or for a flatline every run that overlaps the window."""
    if rows.empty:
        return rows
    if "timestamp" in rows:
        return rows[(rows["timestamp"] >= start) & (rows["timestamp"] < end)]
    return rows[(rows["start"] < end) & (rows["end"] >= start)]


def _range_results(raw: pd.DataFrame, windows: dict, settings: ForecastSettings) -> dict[str, list]:
    """Each partition's results from one pass of the rules over the whole range (a backfill of years stays fast):
    the rows each rule found, split by partition; staleness judged at each partition's own end."""
    problems = quality.schema_problems(raw)
    if problems:
        return {key: [_schema(problems)] + _skipped_after_schema() for key in windows}
    first, last = min(s for s, _ in windows.values()), max(e for _, e in windows.values())
    rows = _problem_rows(raw, settings.grid(first, last), settings)
    # Each series' last observation in each partition, in one pass: what staleness is judged on.
    starts = np.array([start.value for start, _ in windows.values()])
    bucket = np.searchsorted(starts, raw["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64), "right") - 1
    last = {i: frame.droplevel(0).rename("timestamp").reset_index() for i, frame in
            raw.groupby([bucket, raw["series_id"]])["timestamp"].max().groupby(level=0)}
    results = {}
    for i, (key, (start, end)) in enumerate(windows.items()):
        part = {name: _in_window(frame, start, end) for name, frame in rows.items() if name != "stale_series"}
        part["stale_series"] = _stale(last.get(i, raw.iloc[:0]), settings.grid(start, end), settings)
        results[key] = [_schema(problems)] + [_result(name, part[name], BLOCKING[name]) for name in rows]
    return results


def _range_evaluations(context: dg.AssetExecutionContext, raw: pd.DataFrame, settings: ForecastSettings):
    partitions = context.assets_def.partitions_def
    windows = {key: (_naive(w.start), _naive(w.end))
               for key in context.partition_keys for w in [partitions.time_window_for_partition_key(key)]}
    for key, results in _range_results(raw, windows, settings).items():
        target = _materialization(context.instance, key)
        for result in results:
            yield dg.AssetCheckEvaluation(asset_key=RAW, check_name=result.check_name, passed=result.passed,
                                          metadata=result.metadata, severity=result.severity,
                                          blocking=BLOCKING[result.check_name], partition=key,
                                          target_materialization_data=target)
    # The step's check outputs (required); their evaluations are the per-partition ones above.
    for output_name in context.assets_def.check_specs_by_output_name:
        yield dg.Output(None, output_name=output_name)


def _materialization(instance: dg.DagsterInstance, partition_key: str):
    """The partition's latest raw_series materialization, which its check evaluation refers to."""
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData)

    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=RAW, asset_partitions=[partition_key]),
                                              limit=1).records
    if not records:
        return None
    return AssetCheckEvaluationTargetMaterializationData(storage_id=records[0].storage_id, run_id=records[0].run_id,
                                                         timestamp=records[0].timestamp)
