"""Shards of series: which shard a series belongs to (a stable hash of its id), and how many shards a panel needs.

A shard is the unit of memory: the dataset is written, and the gate samples, one shard of series at a time, so
peak memory follows settings.shard_series, not the number of series. The hash is CRC-32 of the id's UTF-8 bytes:
the same in every process, Python version and environment (Python's hash() is salted per process).
"""

import math
import zlib

import numpy as np
import pandas as pd


def shard_count(n_series: int, shard_series: int) -> int:
    """Shards for n_series series at about shard_series each (at least one)."""
    if shard_series < 1:
        raise ValueError(f"shard_series must be at least 1, got {shard_series}")
    return max(1, math.ceil(n_series / shard_series))


def shard_of(series_ids, n_shards: int) -> np.ndarray:
    """The shard (0 .. n_shards - 1) of each series id."""
    return np.fromiter((zlib.crc32(str(sid).encode()) % n_shards for sid in series_ids), dtype=np.int64,
                       count=len(series_ids))


def shard_table(series_ids, shard_series: int) -> pd.DataFrame:
    """(series_id, shard) for every distinct id, shards sized by shard_series: what warehouse reads split on."""
    ids = pd.Series(pd.unique(pd.Series(series_ids, dtype=object).astype(str)), dtype=object)
    return pd.DataFrame({"series_id": ids, "shard": shard_of(ids, shard_count(len(ids), shard_series))})
