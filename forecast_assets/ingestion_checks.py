"""Data-quality checks on raw_series: each names the failing series and timestamps; schema and non-finite block."""

import dagster as dg
import pandas as pd

from forecast_assets import quality
from resources.settings import ForecastSettings

RAW = dg.AssetKey("raw_series")
MAX_LISTED = 50  # rows listed in a check's metadata; the count is always complete

RAW_SERIES_CHECKS = [
    dg.AssetCheckSpec("schema", asset=RAW, blocking=True, description="Columns series_id, timestamp, value with their types."),
    dg.AssetCheckSpec("non_finite_values", asset=RAW, blocking=True, description="No NaN or infinite values."),
    dg.AssetCheckSpec("duplicate_timestamps", asset=RAW, description="Each (series_id, timestamp) delivered once."),
    dg.AssetCheckSpec("missing_steps", asset=RAW, description="Every series present delivers every step of the partition."),
    dg.AssetCheckSpec("negative_values", asset=RAW, description="No negative values unless settings allow them."),
    dg.AssetCheckSpec("stale_series", asset=RAW, description="Every series delivers up to the end of the partition (freshness)."),
    dg.AssetCheckSpec("flatlines", asset=RAW, description="No run of identical values long enough to mean a stuck sensor."),
]


def _listing(rows: pd.DataFrame) -> dict:
    """Metadata naming the offending series and rows."""
    return {
        "failing_rows": dg.MetadataValue.int(len(rows)),
        "series": dg.MetadataValue.json(sorted(rows["series_id"].astype(str).unique().tolist())) if len(rows) else [],
        **({"rows": dg.MetadataValue.md(rows.head(MAX_LISTED).to_markdown(index=False))} if len(rows) else {}),
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
        _result("duplicate_timestamps", quality.duplicated_rows(raw)),
        _result("missing_steps", quality.missing_steps(raw, grid)),
        _result("negative_values", negatives),
        _result("stale_series", stale),
        _result("flatlines", quality.flatlines(raw, settings.flatline_steps)),
    ]
