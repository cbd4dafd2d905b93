"""The SeriesSource interface and the data contract every source delivers."""

from abc import ABC, abstractmethod

import dagster as dg
import pandas as pd

# Data contract (DESIGN section 4): long format, one row per observation.
SERIES_COLUMNS = ["series_id", "timestamp", "value"]


class SourceError(ValueError):
    """Bad input from a source; the message names the file or URL and the problem (column, row, value)."""


class SeriesSource(dg.ConfigurableResource, ABC):
    """Delivers raw observations in the long format (series_id: str, timestamp: datetime64[ns], value: float64)."""

    @abstractmethod
    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Every observation with start <= timestamp < end, as delivered: duplicates, gaps and bad values kept."""

    @abstractmethod
    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last timestamp this source can deliver."""

    def ground_truth_events(self) -> pd.DataFrame:
        """Injected events (series_id, kind, start, params) where the source knows them; none for real data."""
        return pd.DataFrame(columns=["series_id", "kind", "start", "params"])


def naive_utc(value) -> pd.Timestamp:
    """A timestamp as the contract stores it: naive, in UTC when it carried a zone."""
    stamp = pd.Timestamp(value)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp
