"""A small per-process cache of whole tables: a source is read or generated once and sliced many times."""

import threading
from collections import OrderedDict
from typing import Callable, Hashable

import pandas as pd


class TableCache:
    """The most recently used tables, at most `kept` of them, safe to share between threads."""

    def __init__(self, kept: int):
        self._tables: OrderedDict[Hashable, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()
        self._kept = kept

    def get_or_build(self, key: Hashable, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """The table cached under key, built (outside the lock) on a miss."""
        with self._lock:
            if key in self._tables:
                self._tables.move_to_end(key)
                return self._tables[key]
        table = build()
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > self._kept:
                self._tables.popitem(last=False)
        return table
