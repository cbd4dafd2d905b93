"""Data-quality rules for raw observations: each returns the offending rows, so a check can name them."""

import numpy as np
import pandas as pd

from resources.frequency import steps_between
from resources.sources.base import SERIES_COLUMNS

EXPECTED_DTYPES = {"series_id": "string", "timestamp": "datetime", "value": "numeric"}


def schema_problems(raw: pd.DataFrame) -> list[str]:
    """Missing columns and wrong types, as sentences naming the column."""
    problems = [f"column {c!r} is missing" for c in SERIES_COLUMNS if c not in raw.columns]
    if "series_id" in raw.columns and not (
        pd.api.types.is_string_dtype(raw["series_id"]) or pd.api.types.is_object_dtype(raw["series_id"])
    ):
        problems.append(f"column 'series_id' has type {raw['series_id'].dtype}, expected string")
    if "timestamp" in raw.columns and not pd.api.types.is_datetime64_any_dtype(raw["timestamp"]):
        problems.append(f"column 'timestamp' has type {raw['timestamp'].dtype}, expected datetime")
    if "value" in raw.columns and not pd.api.types.is_float_dtype(raw["value"]):
        problems.append(f"column 'value' has type {raw['value'].dtype}, expected float")
    return problems


def duplicated_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Every row whose (series_id, timestamp) occurs more than once."""
    return raw[raw.duplicated(["series_id", "timestamp"], keep=False)].sort_values(["series_id", "timestamp"])


MISSING_BLOCK = 2000  # series per block of the (series x grid step) table missing_steps builds


def missing_steps(raw: pd.DataFrame, grid: pd.DatetimeIndex) -> pd.DataFrame:
    """(series_id, timestamp) of every step of the window's grid that a series present in the window did not deliver.

    In numbers, a block of series at a time (a loop per series took most of an ingestion of 100,000 series)."""
    codes, ids = pd.factorize(raw["series_id"], sort=True)
    at = grid.get_indexer(pd.DatetimeIndex(raw["timestamp"]))  # -1: not a step of the grid
    missing = []
    for first in range(0, len(ids), MISSING_BLOCK):
        inside = (codes >= first) & (codes < first + MISSING_BLOCK) & (at >= 0)
        seen = np.zeros((min(MISSING_BLOCK, len(ids) - first), len(grid)), dtype=bool)
        seen[codes[inside] - first, at[inside]] = True
        series, step = np.nonzero(~seen)
        missing.append(pd.DataFrame({"series_id": np.asarray(ids, dtype=object)[first + series], "timestamp": grid[step]}))
    return pd.concat(missing, ignore_index=True) if missing else pd.DataFrame(columns=["series_id", "timestamp"])


def non_finite_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows whose value is infinite (a broken feed); a missing value (NaN) is missing_value_rows."""
    return raw[np.isinf(raw["value"].to_numpy(dtype=float))]


def missing_value_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows delivered without a value (an empty cell): kept, and filled or left missing by the cleaning policy."""
    return raw[np.isnan(raw["value"].to_numpy(dtype=float))]


def negative_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows whose value is below zero."""
    return raw[raw["value"] < 0]


def stale_series(raw: pd.DataFrame, expected_last: pd.Timestamp, offset: pd.DateOffset,
                 stale_after_steps: int) -> pd.DataFrame:
    """Series whose last observation is stale_after_steps or more steps (of `offset`, calendar-aware) short of
    expected_last, the window's last grid point (they stopped delivering)."""
    last = raw.groupby("series_id")["timestamp"].max().rename("last_timestamp").reset_index()
    last["steps_behind"] = steps_between(offset, last["last_timestamp"], expected_last).astype(int)
    return last[last["steps_behind"] >= stale_after_steps]


def flatlines(raw: pd.DataFrame, min_steps: int) -> pd.DataFrame:
    """Runs of at least min_steps identical consecutive values per series (a stuck sensor): series, start, end, length."""
    ordered = raw.dropna(subset=["value"])
    codes, ids = pd.factorize(ordered["series_id"], sort=True)
    stamps = ordered["timestamp"].to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((stamps, codes))
    codes, stamps, values = codes[order], stamps[order], ordered["value"].to_numpy()[order]
    first = np.flatnonzero(np.r_[True, (values[1:] != values[:-1]) | (codes[1:] != codes[:-1])])
    length = np.diff(np.r_[first, len(values)])
    run = first[length >= min_steps]
    return pd.DataFrame({"series_id": np.asarray(ids, dtype=object)[codes[run]], "start": stamps[run],
                         "end": stamps[run + length[length >= min_steps] - 1], "length": length[length >= min_steps],
                         "value": values[run]})