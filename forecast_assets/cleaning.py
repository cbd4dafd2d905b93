"""The dataset cleaning policy: how raw observations become a regular grid the trainer can use.

Policy, in order (raw data is never changed; this builds a new table):
1. A repeated (series_id, timestamp) is averaged: the daylight-saving fall-back hour delivers two values for one label.
2. Non-finite values, and negative ones unless allowed, become missing.
3. Each series is put on a regular grid at the frequency, from its first to its last observation.
4. Gaps of at most `max_interpolate_steps` steps are interpolated linearly between their neighbours.
5. Longer gaps stay missing (NaN) and are counted; the trainer skips targets it cannot see.
"""

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd


@dataclass
class CleaningReport:
    """How many observations each rule of the policy touched."""

    raw_rows: int = 0
    duplicates_averaged: int = 0
    invalid_values_removed: int = 0
    steps_inserted: int = 0
    interpolated: int = 0
    left_missing: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def add(self, other: "CleaningReport") -> None:
        """Count another shard's report in."""
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _short_gap_mask(values: pd.Series, max_steps: int) -> pd.Series:
    """True on missing values that sit in an interior gap of at most max_steps."""
    missing = values.isna()
    run_id = (missing != missing.shift()).cumsum()
    run_length = missing.groupby(run_id).transform("size")
    interior = values.ffill().notna() & values.bfill().notna()
    return missing & interior & (run_length <= max_steps)


def clean_series(raw: pd.DataFrame, freq: str, max_interpolate_steps: int,
                 allow_negative: bool = False) -> tuple[pd.DataFrame, CleaningReport]:
    """Apply the policy to raw (series_id, timestamp, value); return the regular-grid dataset and what it did."""
    report = CleaningReport(raw_rows=len(raw))
    frame = raw[["series_id", "timestamp", "value"]].copy()
    frame["value"] = frame["value"].astype(float)
    invalid = ~np.isfinite(frame["value"]) | (False if allow_negative else frame["value"] < 0)
    report.invalid_values_removed = int(invalid.sum() - frame["value"].isna().sum())
    frame.loc[invalid, "value"] = np.nan

    ids, codes, stamps, values = _averaged(frame)
    report.duplicates_averaged = len(frame) - len(values)
    on_grid = _tick_grid(ids, codes, stamps, values, freq)
    if on_grid is not None:  # the common case, in whole-array steps: a Python loop per series cost minutes at 100,000
        return _fill_short_gaps(*on_grid, max_interpolate_steps, report)
    frame = pd.DataFrame({"series_id": ids[codes], "timestamp": stamps.astype("datetime64[ns]"), "value": values})
    pieces = []
    for series_id, group in frame.groupby("series_id", sort=True):
        grid = pd.date_range(group["timestamp"].min(), group["timestamp"].max(), freq=freq)
        values = group.set_index("timestamp")["value"].reindex(grid)
        report.steps_inserted += len(grid) - len(group)
        fill = _short_gap_mask(values, max_interpolate_steps)
        values = values.where(~fill, values.interpolate(method="linear", limit_area="inside"))
        report.interpolated += int(fill.sum())
        report.left_missing += int(values.isna().sum())
        pieces.append(pd.DataFrame({"series_id": series_id, "timestamp": grid, "value": values.to_numpy()}))
    columns = {"series_id": pd.Series(dtype=str), "timestamp": pd.Series(dtype="datetime64[ns]"),
               "value": pd.Series(dtype=float)}
    dataset = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns)
    dataset["series_id"] = dataset["series_id"].astype(str)
    dataset["timestamp"] = pd.to_datetime(dataset["timestamp"]).astype("datetime64[ns]")
    return dataset, report


def _averaged(frame: pd.DataFrame):
    """(ids, series number, int64 timestamps, values) sorted by series and time, a repeated (series, timestamp)
    averaged over its finite values (NaN when it has none), in numbers: a pandas groupby on the string ids took
    most of the cleaning's time."""
    codes, ids = pd.factorize(frame["series_id"], sort=True)
    stamps = frame["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    order = np.lexsort((stamps, codes))
    codes, stamps, values = codes[order], stamps[order], frame["value"].to_numpy(dtype=float)[order]
    new = np.r_[True, (codes[1:] != codes[:-1]) | (stamps[1:] != stamps[:-1])]
    if not new.all():
        group, seen = np.cumsum(new) - 1, ~np.isnan(values)
        with np.errstate(invalid="ignore"):  # 0 / 0: a group with no finite value stays missing
            values = np.bincount(group, np.where(seen, values, 0.0)) / np.bincount(group, seen)
        codes, stamps = codes[new], stamps[new]
    return np.asarray(ids, dtype=object), codes, stamps, values


def _tick_grid(ids, codes, stamps, values, freq: str):
    """(ids, series number, timestamps, values) of every series on its regular grid, inserted steps NaN; None where
    it does not apply: a calendar step (months have no fixed length) or a timestamp off its series' grid (the
    per-series path drops it, as date_range does)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if not isinstance(offset, pd.offsets.Tick) or not len(values):
        return None
    first_row = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    first, last = stamps[first_row], stamps[np.r_[first_row[1:], len(stamps)] - 1]
    delta = stamps - first[codes]
    if (delta % offset.nanos).any():
        return None
    lengths = (last - first) // offset.nanos + 1
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    grid = np.full(int(lengths.sum()), np.nan)
    grid[starts[codes] + delta // offset.nanos] = values
    series = np.repeat(np.arange(len(ids)), lengths)
    steps = np.arange(len(grid)) - np.repeat(starts, lengths)
    return ids, series, np.repeat(first, lengths) + steps * offset.nanos, grid


def _fill_short_gaps(ids, series, stamps, values, max_steps: int, report: CleaningReport):
    """Interpolate every interior gap of at most max_steps linearly (as np.interp does), count, and build the frame."""
    report.steps_inserted = len(values) - (report.raw_rows - report.duplicates_averaged)  # grid minus observed
    at = np.arange(len(values))
    seen = ~np.isnan(values)
    before = np.maximum.accumulate(np.where(seen, at, -1))  # the last observed point at or before each step
    after = np.minimum.accumulate(np.where(seen, at, len(values))[::-1])[::-1]  # the next one at or after
    fill = ~seen & (before >= 0) & (after < len(values))
    fill[fill] = (series[before[fill]] == series[fill]) & (series[after[fill]] == series[fill])  # inside one series
    fill &= (after - before - 1) <= max_steps
    left, right = before[fill], after[fill]
    slope = (values[right] - values[left]) / (right - left)
    values = values.copy()
    values[fill] = slope * (at[fill] - left) + values[left]
    report.interpolated = int(fill.sum())
    report.left_missing = int(np.isnan(values).sum())
    dataset = pd.DataFrame({"series_id": ids[series], "timestamp": stamps.astype("datetime64[ns]"), "value": values})
    return dataset, report


def series_hashes(dataset: pd.DataFrame) -> dict[str, str]:
    """A stable hash of each series' rows (timestamp, value, in order) in a cleaned dataset or shard of it."""
    import hashlib

    rows = pd.util.hash_pandas_object(dataset[["series_id", "timestamp", "value"]], index=False).to_numpy()
    ids = dataset["series_id"].to_numpy()
    bounds = np.r_[np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]), len(ids)]  # cleaned rows are sorted by series
    return {str(ids[a]): hashlib.sha256(rows[a:b].tobytes()).hexdigest()[:32] for a, b in zip(bounds[:-1], bounds[1:])}


def content_hash(hashes: dict[str, str], policy: dict) -> str:
    """A stable hash of every series' rows (series_hashes, by series id) and the policy that made them: the dataset
    version. It does not depend on how the series are sharded: the same content is the same version."""
    import hashlib

    digest = hashlib.sha256()
    for series_id in sorted(hashes):
        digest.update(f"{series_id}\0{hashes[series_id]}\n".encode())
    digest.update(repr(sorted(policy.items())).encode())
    return digest.hexdigest()
