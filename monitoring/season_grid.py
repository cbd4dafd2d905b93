"""Where a timestamp sits for the drift tests, at any frequency: its seasonal slot and its monitoring window.

A slot is the position in the season counted in grid steps (hour of week for hourly data, day of week for daily,
month of year for monthly, quarter of year for quarterly; one slot for yearly data). A window is the monitored
period (a partition of the data's cadence: a day for hourly data, a week for daily, a month for weekly and monthly,
a year for quarterly and yearly). Steps are counted on the data's own grid (pandas periods for calendar steps), so a
month is a calendar month and a yearly series older than 1677 (seconds resolution) still works.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from resources.frequency import cadence_start

_PERIOD_ALIASES = {"M": "M", "Q": "Q", "Y": "Y", "A": "Y"}  # calendar offsets (MS, ME, QS-JAN, YE, ...) as periods


@dataclass(frozen=True)
class SeasonGrid:
    """The data's step (pandas offset alias), its seasonal periods in steps (longest first) and the window cadence.

    The default is hourly data seen by the hour of the week (falling back to the hour of the day), monitored by day."""

    freq: str = "h"
    periods: tuple = (168, 24)
    cadence: str = "daily"

    def steps(self, timestamps) -> np.ndarray:
        """Grid step ordinals of the timestamps (one grid for all calls: differences count steps)."""
        index = pd.DatetimeIndex(timestamps)
        offset = pd.tseries.frequencies.to_offset(self.freq)
        if isinstance(offset, pd.offsets.Tick):
            whole_seconds = offset.nanos % 1_000_000_000 == 0
            unit, size = ("s", offset.nanos // 1_000_000_000) if whole_seconds else ("ns", offset.nanos)
            return index.as_unit(unit).asi8 // size
        name = offset.name
        alias = name if name.startswith("W") or name in ("D", "B") else _PERIOD_ALIASES.get(name[0], name)
        return index.to_period(alias).asi8

    def season_for(self, reference_timestamps) -> int:
        """The longest seasonal period the reference spans at least twice (1: none, a plain mean)."""
        steps = self.steps(reference_timestamps)
        span = int(steps.max() - steps.min()) + 1 if len(steps) else 0
        return next((int(p) for p in self.periods if p > 1 and span >= 2 * p), 1)

    def slots(self, timestamps, season: int) -> np.ndarray:
        """Position of each timestamp in the season (0..season-1)."""
        return self.steps(timestamps) % max(int(season), 1)

    def windows(self, timestamps) -> np.ndarray:
        """An int64 key per timestamp: the start of its monitoring window (partition), comparable across calls."""
        starts = cadence_start(self.cadence, pd.Series(pd.DatetimeIndex(timestamps)))
        return pd.DatetimeIndex(starts).as_unit("s").asi8

    def window_start(self, timestamp) -> pd.Timestamp:
        """The start of the monitoring window holding timestamp."""
        return pd.Timestamp(cadence_start(self.cadence, pd.Series([pd.Timestamp(timestamp)])).iloc[0])
