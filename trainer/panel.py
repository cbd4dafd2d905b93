"""Pack long-format series (series_id, timestamp, value) into one padded array that features index into.

Every series gets its own slot in a single float64 array, preceded by `pad` NaNs, so rolling statistics never
mix two series and positions past a series' end (the forecast steps) still have a timestamp.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("series_id", "timestamp", "value")


def validate_frame(frame: pd.DataFrame, source: str = "data") -> None:
    """Raise ValueError naming `source` and the column when the long-format contract is not met."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}; expected {list(REQUIRED_COLUMNS)}")
    if not pd.api.types.is_numeric_dtype(frame["value"]):
        raise ValueError(f"{source}: column 'value' must be numeric, got {frame['value'].dtype}")
    if frame["timestamp"].isna().any():
        row = int(np.flatnonzero(frame["timestamp"].isna().to_numpy())[0])
        raise ValueError(f"{source}: column 'timestamp' is empty at row {row}")
    if frame["series_id"].isna().any():
        row = int(np.flatnonzero(frame["series_id"].isna().to_numpy())[0])
        raise ValueError(f"{source}: column 'series_id' is empty at row {row}")


def _on_grid(grid: np.ndarray, nanos: np.ndarray) -> np.ndarray:
    """Index of each timestamp (int64 nanoseconds) in the sorted grid, -1 where it is not a grid point."""
    at = np.searchsorted(grid, nanos)
    inside = at < len(grid)
    hit = inside & (grid[np.minimum(at, len(grid) - 1)] == nanos)
    return np.where(hit, at, -1)


def _grid_positions(ts: pd.DatetimeIndex, codes: np.ndarray, n_series: int, freq: str):
    """First timestamp per series and each row's position on its series' grid at `freq` (-1 when off grid).

    Calendar steps: one date_range shared by all series when every series starts on it (per series otherwise, e.g.
    two-month steps from different months): a date_range per series was the trainer's largest cost on M3."""
    offset = pd.tseries.frequencies.to_offset(freq)
    nanos = ts.asi8
    first = np.full(n_series, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, nanos)
    starts = pd.DatetimeIndex(first)
    if isinstance(offset, pd.offsets.Tick):
        delta = nanos - first[codes]
        off_grid = delta % offset.nanos != 0
        delta //= offset.nanos  # in place: at 100,000 series each row-sized temporary is 1.7 GB
        delta[off_grid] = -1
        return starts, delta
    grid = pd.date_range(starts.min(), ts.max(), freq=offset).asi8
    start_at = _on_grid(grid, first)
    if (start_at >= 0).all():  # every series starts on the one grid: its own grid is that grid from its start on
        at = _on_grid(grid, nanos)
        return starts, np.where(at >= 0, at - start_at[codes], -1)
    positions = np.empty(len(ts), dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    for k, rows in enumerate(np.split(order, np.cumsum(np.bincount(codes, minlength=n_series))[:-1])):
        grid = pd.date_range(starts[k], ts[rows].max(), freq=offset)
        positions[rows] = grid.get_indexer(ts[rows])
    return starts, positions


def series_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's series number and the distinct ids (str, sorted). A categorical column (read_dataset's) is
    recoded from its categories, so no string is built per row: at 100,000 series that was gigabytes."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, ids = pd.factorize(column.astype(str).to_numpy(), sort=True)  # hashing: np.unique's sort was slower
        return codes, np.asarray(ids, dtype=object)
    raw_codes = column.cat.codes.to_numpy()
    used = np.flatnonzero(np.bincount(raw_codes, minlength=len(column.cat.categories)))  # a filtered frame keeps all
    names = np.asarray(column.cat.categories.astype(str), dtype=object)[used]
    order = np.argsort(names, kind="stable")
    recode = np.full(len(column.cat.categories), -1, dtype=np.int32)  # half of int64, per row
    recode[used[order]] = np.arange(len(used))
    return recode[raw_codes], names[order]


def _check_unique_slots(slots: np.ndarray, size: int, message) -> None:
    """ValueError(message(row)) naming a row whose slot another row also takes (a repeated series and timestamp).

    Each slot keeps the last row written to it, so an earlier row that finds another there is a duplicate; int32
    rows where they fit, not a count per slot (an int64 array the size of the panel)."""
    index = np.int32 if len(slots) < 2**31 else np.int64
    owner = np.full(size, -1, dtype=index)
    rows = np.arange(len(slots), dtype=index)
    owner[slots] = rows
    clash = np.flatnonzero(owner[slots] != rows)
    if len(clash):
        raise ValueError(message(int(clash[0])))


@dataclass
class SeriesPanel:
    """Series packed side by side: values[offsets[k] + i] is point i of series k; the pads are NaN."""

    series_ids: np.ndarray  # str, one per series, in sorted order
    starts: pd.DatetimeIndex  # first timestamp of each series
    lengths: np.ndarray  # points per series, gaps included
    offsets: np.ndarray  # index of each series' first point in values
    values: np.ndarray
    freq: str
    pad: int

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, freq: str, pad: int, source: str = "data") -> "SeriesPanel":
        """Validate a long frame and lay it out on each series' regular grid (missing rows become NaN)."""
        validate_frame(frame, source)
        if frame.empty:
            raise ValueError(f"{source}: no rows")
        raw = frame["value"].to_numpy(dtype=float)
        if np.isinf(raw).any():
            row = int(np.flatnonzero(np.isinf(raw))[0])
            raise ValueError(f"{source}: series '{frame['series_id'].iloc[row]}' has an infinite value at row {row}")
        ts = pd.DatetimeIndex(pd.to_datetime(frame["timestamp"].to_numpy()))
        codes, series_ids = series_codes(frame["series_id"])
        starts, positions = _grid_positions(ts, codes, len(series_ids), freq)
        if (positions < 0).any():
            row = int(np.flatnonzero(positions < 0)[0])
            raise ValueError(f"{source}: series '{series_ids[codes[row]]}' has timestamp {ts[row]} off the '{freq}' grid")
        lengths = np.zeros(len(series_ids), dtype=np.int64)
        np.maximum.at(lengths, codes, positions)  # every series has its first point at position 0
        lengths += 1
        offsets = pad + np.concatenate([[0], np.cumsum(lengths + pad)[:-1]])
        values = np.full(int(offsets[-1] + lengths[-1] + pad), np.nan)
        positions += offsets[codes]  # now each row's slot in values
        _check_unique_slots(positions, len(values), lambda row: f"{source}: series '{series_ids[codes[row]]}' "
                            f"has duplicate timestamp {ts[row]}")
        values[positions] = raw
        observed = np.bincount(codes[np.isfinite(raw)], minlength=len(series_ids))
        if (observed == 0).any():
            raise ValueError(f"{source}: series '{series_ids[np.flatnonzero(observed == 0)[0]]}' has no values")
        return cls(series_ids, starts, lengths, offsets, values, freq, pad)

    def series_values(self, k: int) -> np.ndarray:
        """The points of series k on its grid (NaN where missing)."""
        return self.values[self.offsets[k] : self.offsets[k] + self.lengths[k]]

    def timestamps(self, series: np.ndarray, positions: np.ndarray) -> pd.DatetimeIndex:
        """Timestamp of position `positions[i]` (may lie past the end) of series `series[i]`."""
        offset = pd.tseries.frequencies.to_offset(self.freq)
        if isinstance(offset, pd.offsets.Tick):
            return pd.DatetimeIndex(self.starts.asi8[series] + positions * offset.nanos)
        if len(series) == 0:
            return pd.DatetimeIndex([], dtype="datetime64[ns]")
        starts = self.starts.asi8
        start_at = _on_grid(pd.date_range(self.starts.min(), self.starts.max(), freq=offset).asi8, starts)
        if (start_at >= 0).all():  # one calendar grid for all series (a few hundred months, not one per series)
            need = start_at[series] + positions
            return pd.DatetimeIndex(pd.date_range(self.starts.min(), periods=int(need.max()) + 1, freq=offset)
                                    .asi8[need])
        out = np.empty(len(series), dtype="datetime64[ns]")
        for k in np.unique(series):
            rows = np.flatnonzero(series == k)
            grid = pd.date_range(self.starts[k], periods=int(positions[rows].max()) + 1, freq=offset)
            out[rows] = grid.to_numpy()[positions[rows]]
        return pd.DatetimeIndex(out)
