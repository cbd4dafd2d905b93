"""What batch_forecasts scores from: the cleaned recent history of the active series, one shard of series at a time.

Each shard is read from the warehouse over the serving lookback (Warehouse.read_shards), cleaned, padded to the
origin and staged as a local Parquet file, so memory follows the shard (settings.shard_series), not the panel. The
staged shards are read back one at a time by the batch scorer and by the seasonal-naive fallback.
"""

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from forecast_assets.cleaning import clean_series
from forecast_assets.model_inputs import observed_partitions
from resources.settings import ForecastSettings
from resources.shards import shard_of
from resources.warehouse import Warehouse


def serving_history(raw: pd.DataFrame, origin: pd.Timestamp, settings: ForecastSettings) -> pd.DataFrame:
    """raw rows of some series cleaned onto their grid, each series ending one step before origin."""
    history, _ = clean_series(raw, settings.freq, settings.max_interpolate_steps, settings.allow_negative_values)
    # Series whose last hours are missing still forecast from the origin: pad their tail with missing values.
    last_step = settings.steps_before(origin, 1)
    tails = [pd.DataFrame({"series_id": s, "timestamp": settings.grid(settings.steps_after(t, 1), origin), "value": np.nan})
             for s, t in history.groupby("series_id")["timestamp"].max().items() if t < last_step]
    return pd.concat([history, *tails], ignore_index=True).sort_values(["series_id", "timestamp"], ignore_index=True)


def history_shards(warehouse: Warehouse, period_start: pd.Timestamp, origin: pd.Timestamp, settings: ForecastSettings,
                   lookback_steps: int, shard_count) -> tuple[int, Iterator[tuple[int, pd.DataFrame]]]:
    """(number of shards, (shard, cleaned history) of the series active in [period_start, origin) one shard at a
    time), reaching back at least the `lookback_steps` the model's features read (FeatureSpec.lookback_steps).
    shard_count(n_series) says how many shards the active series are split into (a series' shard:
    resources/shards.py shard_of); shards without active series are not yielded."""
    lookback_start = settings.steps_before(origin, max(settings.serving_lookback_periods, lookback_steps))
    active = warehouse.distinct("raw_series", "series_id", time_column="timestamp", start=period_start, end=origin)
    ids = pd.Series(pd.unique(active.astype(str)), dtype=object)
    if ids.empty:
        return 0, iter(())
    count = shard_count(len(ids))
    table = pd.DataFrame({"series_id": ids, "shard": shard_of(ids, count)})

    def cleaned():
        for shard, raw in warehouse.read_shards("raw_series", table, time_column="timestamp", start=lookback_start,
                                                end=origin):
            yield shard, serving_history(raw, origin, settings)

    return count, cleaned()


class StagedHistory:
    """Shards of history staged on local disk; iterating yields (shard, history) in shard order, one at a time.

    Use as a context manager: the files are removed on exit. `series` are every staged series' ids, sorted;
    `count` is how many shards the series were split into (some may have no series)."""

    def __init__(self, shards: Iterable[tuple[int, pd.DataFrame]], count: int, origin: pd.Timestamp):
        self._folder = tempfile.TemporaryDirectory(prefix="serving-history-")
        self.count, self._paths, series, partitions = count, [], [], set()
        for shard, history in shards:
            path = Path(self._folder.name, f"shard-{shard:05d}.parquet")
            history.to_parquet(path, index=False)
            self._paths.append((shard, path))
            series.append(history["series_id"].unique())
            partitions.update(observed_partitions(history, origin))
        self.series = sorted(np.concatenate(series).tolist()) if series else []
        self._partitions = sorted(partitions)

    def __enter__(self) -> "StagedHistory":
        return self

    def __exit__(self, *exc) -> None:
        self._folder.cleanup()

    def __iter__(self) -> Iterator[tuple[int, pd.DataFrame]]:
        for shard, path in self._paths:
            yield shard, pd.read_parquet(path)

    def recent_origins(self, partitions: int) -> list[pd.Timestamp]:
        """The starts of the last `partitions` partitions with observations in any shard, oldest first:
        model_inputs.recent_origins over the whole panel, so every shard scores the same origins."""
        return self._partitions[-partitions:]
