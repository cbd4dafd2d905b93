"""Reading the published M4 wide CSV files into the long format, and the M4 rules table (frequency, horizon, seasonality)."""

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from resources.sources.base import SERIES_COLUMNS, SourceError


@dataclass(frozen=True)
class M4Rule:
    """One M4 set's rules: pandas frequency alias, forecast horizon H and seasonality m (for MASE and Naive2)."""

    freq: str
    horizon: int
    season_length: int


# As in the M4 competition guide (and ../shared/data/README.md); the freq is our choice of synthetic calendar.
M4_RULES: dict[str, M4Rule] = {
    "Yearly": M4Rule("YS", 6, 1),
    "Quarterly": M4Rule("QS", 8, 4),
    "Monthly": M4Rule("MS", 18, 12),
    "Weekly": M4Rule("W", 13, 1),
    "Daily": M4Rule("D", 14, 1),
    "Hourly": M4Rule("h", 48, 24),
}

M4_ID_COLUMN = "V1"


def m4_rule(frequency: str) -> M4Rule:
    """The rule of an M4 set by name ("Hourly", "monthly", ...); SourceError lists the known names otherwise."""
    for name, rule in M4_RULES.items():
        if name.lower() == str(frequency).strip().lower():
            return rule
    raise SourceError(f"unknown M4 frequency {frequency!r}: use one of {', '.join(M4_RULES)}")


def read_m4(
    path: str | Path | IO, frequency: str, start: str = "2000-01-01 00:00", name: str | None = None
) -> pd.DataFrame:
    """Long frame (series_id, timestamp, value) of an M4 train file; each series starts at start, one step per value."""
    ids, values, lengths = read_m4_wide(path, name=name or str(path))
    return _to_long(ids, values, lengths, np.zeros(len(ids), dtype=np.int64), m4_rule(frequency).freq, start)


def read_m4_test(
    train_path: str | Path, test_path: str | Path, frequency: str, start: str = "2000-01-01 00:00"
) -> pd.DataFrame:
    """Long frame of an M4 test file: each series' timestamps continue one step after the end of its training values."""
    train_ids, _, train_lengths = read_m4_wide(train_path, name=str(train_path))
    test_ids, test_values, test_lengths = read_m4_wide(test_path, name=str(test_path))
    train_length_by_id = dict(zip(train_ids, train_lengths.tolist()))
    unknown = [series_id for series_id in test_ids if series_id not in train_length_by_id]
    if unknown:
        raise SourceError(f"{test_path}: series {', '.join(unknown[:5])} are not in the training file {train_path}")
    offsets = np.array([train_length_by_id[series_id] for series_id in test_ids], dtype=np.int64)
    return _to_long(test_ids, test_values, test_lengths, offsets, m4_rule(frequency).freq, start)


def read_m4_wide(source: str | Path | IO, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Series ids, the value matrix and each row's length (up to its last non-empty field) of an M4 wide CSV."""
    try:
        wide = pd.read_csv(source, dtype={M4_ID_COLUMN: str})
    except FileNotFoundError:
        raise SourceError(f"{name}: file not found") from None
    except pd.errors.EmptyDataError:
        raise SourceError(f"{name}: the file is empty (no header, no rows)") from None
    if wide.columns[0] != M4_ID_COLUMN:
        raise SourceError(
            f"{name}: not an M4 wide file: its first column is {wide.columns[0]!r}, expected {M4_ID_COLUMN!r}"
        )
    if wide.empty:
        raise SourceError(f"{name}: the file has a header but no rows")
    if wide[M4_ID_COLUMN].isna().any():
        row = int(np.flatnonzero(wide[M4_ID_COLUMN].isna().to_numpy())[0])
        raise SourceError(f"{name}: row {row + 1} (line {row + 2}) has no series id in column {M4_ID_COLUMN}")
    value_columns = wide.columns[1:]
    for column in value_columns:
        if not pd.api.types.is_numeric_dtype(wide[column]):
            _raise_non_numeric(wide[column], column, name)
    values = wide[value_columns].to_numpy(dtype=np.float64)
    present = ~np.isnan(values)
    # A row's length ends at its last non-empty field; everything after it is padding.
    lengths = np.where(present.any(axis=1), values.shape[1] - np.argmax(present[:, ::-1], axis=1), 0)
    return wide[M4_ID_COLUMN].to_numpy(dtype=object), values, lengths.astype(np.int64)


def _raise_non_numeric(column_values: pd.Series, column: str, name: str) -> None:
    numeric = pd.to_numeric(column_values, errors="coerce")
    bad = np.flatnonzero((numeric.isna() & column_values.notna()).to_numpy())
    row = int(bad[0])
    raise SourceError(
        f"{name}: non-numeric value {column_values.iloc[row]!r} in column {column}, row {row + 1} (line {row + 2})"
    )


def _to_long(
    ids: np.ndarray, values: np.ndarray, lengths: np.ndarray, offsets: np.ndarray, freq: str, start: str
) -> pd.DataFrame:
    """Flatten the value matrix row by row, position p of series i at step offsets[i] + p of one shared calendar."""
    positions = np.arange(values.shape[1])
    inside = positions[None, :] < lengths[:, None]
    row_index, position = np.nonzero(inside)
    steps = offsets[row_index] + position
    calendar = _calendar(start, int(steps.max()) + 1 if len(steps) else 0, freq)
    long = pd.DataFrame(
        {
            "series_id": ids[row_index],
            "timestamp": calendar[steps],
            "value": values[row_index, position],
        }
    )
    return long[SERIES_COLUMNS]


def _calendar(start: str, periods: int, freq: str) -> pd.DatetimeIndex:
    """Regular timestamps at freq; in seconds resolution when nanoseconds cannot hold them (long Yearly series)."""
    try:
        return pd.date_range(start=start, periods=periods, freq=freq)
    except pd.errors.OutOfBoundsDatetime:
        # datetime64[ns] ends in 2262: some Yearly M4 series are 800+ years long, which only coarser units can hold.
        return pd.date_range(start=start, periods=periods, freq=freq, unit="s")
    except ValueError as error:
        raise SourceError(f"cannot build a {freq!r} calendar from start {start!r}: {error}") from None
