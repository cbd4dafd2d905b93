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

    before = len(frame)
    frame = frame.groupby(["series_id", "timestamp"], as_index=False, sort=True)["value"].mean()
    report.duplicates_averaged = before - len(frame)

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


def rows_hash(dataset: pd.DataFrame) -> str:
    """A stable hash of a cleaned shard's rows (series_id, timestamp, value, in order)."""
    import hashlib

    rows = pd.util.hash_pandas_object(dataset[["series_id", "timestamp", "value"]], index=False)
    return hashlib.sha256(rows.to_numpy().tobytes()).hexdigest()


def content_hash(shard_hashes: list[str], policy: dict) -> str:
    """A stable hash of every shard's rows (rows_hash, in shard order) and the policy that made them: the dataset
    version. The same raw window and policy give the same shards, so the same version."""
    import hashlib

    digest = hashlib.sha256()
    for shard in shard_hashes:
        digest.update(shard.encode())
    digest.update(repr(sorted(policy.items())).encode())
    return digest.hexdigest()
