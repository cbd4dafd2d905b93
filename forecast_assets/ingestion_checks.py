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


def _stale(last: pd.DataFrame, grid: pd.DatetimeIndex, settings: ForecastSettings) -> pd.DataFrame:
    """Stale series, judged on each series' last timestamp in the window (`last`: series_id, timestamp)."""
    if last.empty:  # nothing arrived at all: the most stale a window can be
        return pd.DataFrame({"series_id": ["<all series>"], "last_timestamp": [pd.NaT], "steps_behind": [None]})
    return quality.stale_series(last, grid[-1], settings.offset, settings.stale_after_steps) if len(grid) else last.iloc[:0]


def _problem_rows(raw: pd.DataFrame, grid: pd.DatetimeIndex, settings: ForecastSettings) -> dict[str, pd.DataFrame]:
    """The offending rows of every per-row and per-series rule after schema, on observations whose window has the
    steps `grid` (staleness, judged per partition, is RawChecks')."""
    negatives = quality.negative_rows(raw)
    return {
        "non_finite_values": quality.non_finite_rows(raw),
        "missing_values": quality.missing_value_rows(raw),
        "duplicate_timestamps": quality.duplicated_rows(raw),
        "missing_steps": quality.missing_steps(raw, grid),
        "negative_values": negatives.iloc[:0] if settings.allow_negative_values else negatives,
        "flatlines": quality.flatlines(raw, settings.flatline_steps),
    }


BLOCKING = {spec.name: spec.blocking for spec in RAW_SERIES_CHECKS}
RULES = [spec.name for spec in RAW_SERIES_CHECKS[1:]]


class RawChecks:
    """The checks of a run's partitions ({key: [start, end)}), fed chunk by chunk: every rule works per row or per
    series and a chunk holds whole series, so only the offending rows (and each series' last timestamp per
    partition, for staleness) are kept, never the observations. A range (a backfill) is one pass of the rules."""

    def __init__(self, windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]], settings: ForecastSettings):
        self.windows, self.settings = windows, settings
        self.problems: list[str] = []
        self.found: dict[str, list[pd.DataFrame]] = {name: [] for name in RULES if name != "stale_series"}
        self.last: list[pd.Series] = []  # max timestamp by (partition number, series_id)
        self._starts = np.array([start.value for start, _ in windows.values()])
        self._grid = settings.grid(min(s for s, _ in windows.values()), max(e for _, e in windows.values()))

    def add(self, chunk: pd.DataFrame) -> None:
        """Run the rules on one chunk of whole series."""
        problems = quality.schema_problems(chunk)
        self.problems += [problem for problem in problems if problem not in self.problems]
        if self.problems or chunk.empty:
            return
        for name, rows in _problem_rows(chunk, self._grid, self.settings).items():
            self.found[name].append(rows)
        stamps = chunk["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        bucket = np.searchsorted(self._starts, stamps, "right") - 1
        self.last.append(chunk.groupby([bucket, chunk["series_id"]])["timestamp"].max())

    def results(self) -> dict[str, list[dg.AssetCheckResult]]:
        """Each partition's results: the rows the rules found, split by partition; staleness at the partition's end."""
        if self.problems:
            return {key: [_schema(self.problems)] + _skipped_after_schema() for key in self.windows}
        rows = {name: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
                for name, frames in self.found.items()}
        last = pd.concat(self.last) if self.last else pd.Series(dtype="datetime64[ns]")
        by_partition = {i: frame.droplevel(0).rename("timestamp").reset_index()
                        for i, frame in last.groupby(level=0)} if len(last) else {}
        results = {}
        for i, (key, (start, end)) in enumerate(self.windows.items()):
            part = {name: _in_window(frame, start, end) for name, frame in rows.items()}
            part["stale_series"] = _stale(by_partition.get(i, pd.DataFrame(columns=["series_id", "timestamp"])),
                                          self.settings.grid(start, end), self.settings)
            results[key] = [_schema([])] + [_result(name, part[name], BLOCKING[name]) for name in RULES]
        return results


def evaluate_raw_checks(raw: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                        settings: ForecastSettings) -> list[dg.AssetCheckResult]:
    """Run every raw_series check on the observations of the window [start, end)."""
    checks = RawChecks({"window": (start, end)}, settings)
    checks.add(raw)
    return checks.results()["window"]


def run_windows(context: dg.AssetExecutionContext) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """{partition key: [start, end)} of the run's partitions (one, or a range for a backfill)."""
    partitions = context.assets_def.partitions_def
    return {key: (_naive(w.start), _naive(w.end))
            for key in context.partition_keys for w in [partitions.time_window_for_partition_key(key)]}


def raw_check_results(context: dg.AssetExecutionContext, checks: RawChecks):
    """The checks of the run's partitions, after raw_series' output: results for one partition, or for a range run
    one evaluation per check and partition (each against that partition's materialization) and the check outputs."""
    if context.has_partition_key:
        yield from next(iter(checks.results().values()))
        return
    for key, results in checks.results().items():
        target = _materialization(context.instance, key)
        for result in results:
            yield dg.AssetCheckEvaluation(asset_key=RAW, check_name=result.check_name, passed=result.passed,
                                          metadata=result.metadata, severity=result.severity,
                                          blocking=BLOCKING[result.check_name], partition=key,
                                          target_materialization_data=target)
    # The step's check outputs (required); their evaluations are the per-partition ones above.
    for output_name in context.assets_def.check_specs_by_output_name:
        yield dg.Output(None, output_name=output_name)


def _naive(moment) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_localize(None)


def _in_window(rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The rows of [start, end): by timestamp, or for a flatline every run that overlaps the window."""
    if rows.empty:
        return rows
    if "timestamp" in rows:
        return rows[(rows["timestamp"] >= start) & (rows["timestamp"] < end)]
    return rows[(rows["start"] < end) & (rows["end"] >= start)]


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
