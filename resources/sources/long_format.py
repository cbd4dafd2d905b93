"""Validating a long table read from a file and normalizing it to the data contract (series_id, timestamp, value)."""

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from resources.sources.base import SERIES_COLUMNS, SourceError
from resources.sources.timestamps import parse_timestamp_column

# Texts that mean "no value": kept as NaN (an observation the checks will flag), unlike any other non-numeric text.
MISSING_VALUE_TEXTS = {"", "na", "nan", "-nan", "n/a", "#n/a", "null", "none"}


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of the file hold the series id, the timestamp and the value."""

    series_id: str = "series_id"
    timestamp: str = "timestamp"
    value: str = "value"

    def columns(self) -> list[str]:
        """The file's column names, in contract order."""
        return [self.series_id, self.timestamp, self.value]


@dataclass(frozen=True)
class RowLabels:
    """How a row is named in errors: data row n, plus its line in the file for text formats."""

    header_lines: Optional[int]  # lines before the first data row (1 for a CSV header); None for binary formats

    def __call__(self, position: int) -> str:
        if self.header_lines is None:
            return f"row {position + 1}"
        return f"row {position + 1} (line {position + 1 + self.header_lines})"


def check_columns(found: list[str], mapping: ColumnMapping, name: str) -> None:
    """SourceError naming the missing mapped columns and listing the columns the file has."""
    missing = [column for column in mapping.columns() if column not in found]
    if missing:
        hint = "; it looks like an M4 wide file: set format='m4'" if found[:1] == ["V1"] else ""
        raise SourceError(
            f"{name}: missing column(s) {', '.join(map(repr, missing))}; columns found: "
            f"{', '.join(map(repr, found))}{hint}"
        )


def normalize_long(
    frame: pd.DataFrame, mapping: ColumnMapping, timestamp_format: Optional[str], name: str, labels: RowLabels
) -> pd.DataFrame:
    """The contract frame: str ids, naive datetime64[ns], float64 values, sorted by series and time; every row kept."""
    if frame.empty:
        raise SourceError(f"{name}: the file has no rows")
    series_ids, series_rank = _series_ids(frame[mapping.series_id], mapping.series_id, name, labels)
    timestamps = _timestamps(frame[mapping.timestamp], mapping.timestamp, timestamp_format, name, labels)
    values = _values(frame[mapping.value], mapping.value, name, labels)
    # lexsort is stable: duplicated timestamps keep their order in the file.
    order = np.lexsort((timestamps.view(np.int64), series_rank))
    return pd.DataFrame(
        {"series_id": series_ids[order], "timestamp": timestamps[order], "value": values[order]}, columns=SERIES_COLUMNS
    )


def _series_ids(raw: pd.Series, column: str, name: str, labels: RowLabels) -> tuple[np.ndarray, np.ndarray]:
    """The ids as str, and each row's rank in sorted id order (an integer sort key, much faster than strings)."""
    codes, uniques = pd.factorize(raw)  # few distinct ids: clean those, not every row
    names = np.array([str(unique).strip() for unique in uniques], dtype=object)
    empty = np.flatnonzero((codes == -1) | np.isin(codes, np.flatnonzero(names == "")))
    if len(empty):
        raise SourceError(f"{name}: empty series id in column {column!r} at {labels(int(empty[0]))}")
    _, rank = np.unique(names.astype(str), return_inverse=True)
    return names[codes], rank[codes]


def _values(raw: pd.Series, column: str, name: str, labels: RowLabels) -> np.ndarray:
    if pd.api.types.is_bool_dtype(raw) or not (
        pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw)
    ):
        raise SourceError(f"{name}: column {column!r} holds {raw.dtype} data, not numbers")
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    # Only the rows that did not parse are looked at as text: a missing-value marker stays NaN, anything else is an error.
    unparsed = np.flatnonzero(np.isnan(numbers))
    text = raw.iloc[unparsed].astype(object).where(raw.iloc[unparsed].notna(), "").astype(str).str.strip()
    bad = np.flatnonzero(~text.str.lower().isin(MISSING_VALUE_TEXTS).to_numpy())
    if len(bad):
        position = int(unparsed[bad[0]])
        raise SourceError(f"{name}: non-numeric value {raw.iloc[position]!r} in column {column!r} at {labels(position)}")
    return numbers


def _timestamps(
    raw: pd.Series, column: str, timestamp_format: Optional[str], name: str, labels: RowLabels
) -> np.ndarray:
    is_datetime = pd.api.types.is_datetime64_any_dtype(raw)
    empty = np.flatnonzero((raw.isna() if is_datetime else raw.isna() | (raw == "")).to_numpy())
    if len(empty):
        raise SourceError(f"{name}: empty timestamp in column {column!r} at {labels(int(empty[0]))}")
    if is_datetime:
        parsed = raw
    else:
        parsed = parse_timestamp_column(raw.astype(str), timestamp_format, name, column, labels)
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if len(bad):
            position = int(bad[0])
            raise SourceError(
                f"{name}: unparseable timestamp {raw.iloc[position]!r} in column {column!r} at {labels(position)}"
                + (f" (expected format {timestamp_format!r})" if timestamp_format else "")
            )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)  # offsets in the file: compare in UTC, stored naive
    try:
        return parsed.to_numpy(dtype="datetime64[ns]")
    except (pd.errors.OutOfBoundsDatetime, OverflowError, ValueError) as error:
        raise SourceError(f"{name}: timestamps in column {column!r} are outside 1677..2262: {error}") from None
