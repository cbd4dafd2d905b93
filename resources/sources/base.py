"""The SeriesSource interface and the data contract every source delivers."""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator

import dagster as dg
import pandas as pd

# Data contract (DESIGN section 4): long format, one row per observation.
SERIES_COLUMNS = ["series_id", "timestamp", "value"]


class SourceError(ValueError):
    """Bad input from a source; the message names the file or URL and the problem (column, row, value)."""


class SeriesSource(dg.ConfigurableResource, ABC):
    """Delivers raw observations in the long format (series_id: str, timestamp: datetime64[ns], value: float64)."""

    revision_lookback_partitions: int = 3  # how many of the latest collected partitions the source may still revise

    @abstractmethod
    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Every observation with start <= timestamp < end, as delivered: duplicates, gaps and bad values kept."""

    def fetch_chunks(self, start: pd.Timestamp, end: pd.Timestamp, series_per_chunk: int) -> Iterator[pd.DataFrame]:
        """fetch(start, end)'s rows as frames of at most series_per_chunk whole series each (at least one frame,
        maybe empty). This default reads the window at once; a source that can generate or read a subset of series
        overrides it, so ingestion holds one chunk, not the panel."""
        yield self.fetch(start, end)

    @abstractmethod
    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last timestamp this source can deliver."""

    def ground_truth_events(self) -> pd.DataFrame:
        """Injected events (series_id, kind, start, params) where the source knows them; none for real data."""
        return pd.DataFrame(columns=["series_id", "kind", "start", "params"])

    def window_version(self, start: pd.Timestamp, end: pd.Timestamp) -> str | None:
        """A fingerprint of the window's rows as the source delivers them now; None when the window is empty."""
        try:
            rows = self.fetch(start, end)
        except SourceError as error:
            if "empty window" in str(error):
                return None
            raise
        if rows.empty:
            return None
        hashes = pd.util.hash_pandas_object(rows[SERIES_COLUMNS], index=False).to_numpy()
        return hashlib.sha256(hashes.tobytes()).hexdigest()[:16]

    def observed_freq(self) -> str | None:
        """The pandas frequency of the source's data, inferred from a window at its start that doubles (from a day)
        until it holds enough steps: a large file is never read whole for this. None when irregular."""
        from resources.frequency import infer_freq

        first, last = self.time_range()
        if pd.isna(first):
            return None
        first, end, span = pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(seconds=1), pd.Timedelta(days=1)
        while True:
            sample = self.fetch(first, min(first + span, end))
            enough = len(sample) and sample.groupby("series_id")["timestamp"].nunique().max() >= 24
            if enough or first + span >= end:
                return infer_freq(sample)
            span *= 4


def naive_utc(value) -> pd.Timestamp:
    """A timestamp as the contract stores it: naive, in UTC when it carried a zone."""
    stamp = pd.Timestamp(value)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp
