"""Data-quality checks on raw_series: each names the failing series and timestamps; schema and non-finite block.

The checks are partitioned like raw_series, so each partition has its own check history: a run of one partition
reports one result per check, and a run of a range (a backfill) one evaluation per check and partition.
"""

import dagster as dg
import pandas as pd

from forecast_assets import quality
from forecast_assets.partitions import time_partitions
from resources.settings import ForecastSettings

RAW = dg.AssetKey("raw_series")
MAX_LISTED = 50  # rows listed in a check's metadata; the count is always complete

RAW_SERIES_CHECKS = [
    dg.AssetCheckSpec("schema", asset=RAW, partitions_def=time_partitions, blocking=True, description="Columns series_id, timestamp, value with their types."),
    dg.AssetCheckSpec("non_finite_values", asset=RAW, partitions_def=time_partitions, blocking=True, description="No infinite values."),
    dg.AssetCheckSpec("missing_values", asset=RAW, partitions_def=time_partitions,
                      description="Every row has a value (empty ones are kept; the dataset cleaning policy fills them)."),
    dg.AssetCheckSpec("duplicate_timestamps", asset=RAW, partitions_def=time_partitions, description="Each (series_id, timestamp) delivered once."),
    dg.AssetCheckSpec("missing_steps", asset=RAW, partitions_def=time_partitions, description="Every series present delivers every step of the partition."),
    dg.AssetCheckSpec("negative_values", asset=RAW, partitions_def=time_partitions, description="No negative values unless settings allow them."),
    dg.AssetCheckSpec("stale_series", asset=RAW, partitions_def=time_partitions, description="Every series delivers up to the end of the partition (freshness)."),
    dg.AssetCheckSpec("flatlines", asset=RAW, partitions_def=time_partitions, description="No run of identical values long enough to mean a stuck sensor."),
]


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


def evaluate_raw_checks(raw: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                        settings: ForecastSettings) -> list[dg.AssetCheckResult]:
    """Run every raw_series check on the observations of the window [start, end)."""
    problems = quality.schema_problems(raw)
    schema = dg.AssetCheckResult(check_name="schema", asset_key=RAW, passed=not problems,
                                 severity=dg.AssetCheckSeverity.ERROR,
                                 metadata={"problems": dg.MetadataValue.json(problems)})
    if problems:  # the other rules need the contract's columns to mean anything
        skipped = {"skipped": "schema check failed"}
        return [schema] + [dg.AssetCheckResult(check_name=spec.name, asset_key=RAW, passed=False,
                                               severity=dg.AssetCheckSeverity.WARN, metadata=skipped)
                           for spec in RAW_SERIES_CHECKS[1:]]
    grid = settings.grid(start, end)  # the window's steps, on the data's calendar
    negatives = quality.negative_rows(raw).iloc[0:0] if settings.allow_negative_values else quality.negative_rows(raw)
    stale = quality.stale_series(raw, grid[-1], settings.offset, settings.stale_after_steps) if len(grid) else raw.iloc[0:0]
    if raw.empty:  # nothing arrived at all: the most stale a day can be
        stale = pd.DataFrame({"series_id": ["<all series>"], "last_timestamp": [pd.NaT], "steps_behind": [None]})
    return [
        schema,
        _result("non_finite_values", quality.non_finite_rows(raw), blocking=True),
        _result("missing_values", quality.missing_value_rows(raw)),
        _result("duplicate_timestamps", quality.duplicated_rows(raw)),
        _result("missing_steps", quality.missing_steps(raw, grid)),
        _result("negative_values", negatives),
        _result("stale_series", stale),
        _result("flatlines", quality.flatlines(raw, settings.flatline_steps)),
    ]


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


def _range_evaluations(context: dg.AssetExecutionContext, raw: pd.DataFrame, settings: ForecastSettings):
    blocking = {spec.name: spec.blocking for spec in RAW_SERIES_CHECKS}
    for key in context.partition_keys:
        window = context.assets_def.partitions_def.time_window_for_partition_key(key)
        start, end = _naive(window.start), _naive(window.end)
        rows = raw[(raw["timestamp"] >= start) & (raw["timestamp"] < end)] if "timestamp" in raw else raw
        target = _materialization(context.instance, key)
        for result in evaluate_raw_checks(rows, start, end, settings):
            yield dg.AssetCheckEvaluation(asset_key=RAW, check_name=result.check_name, passed=result.passed,
                                          metadata=result.metadata, severity=result.severity,
                                          blocking=blocking[result.check_name], partition=key,
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
