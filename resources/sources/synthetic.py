"""The demo's default source: a reproducible panel of load-like series with injected, documented events."""

import json
from collections.abc import Iterator
from typing import Optional

import dagster as dg
import pandas as pd
from pydantic import Field

from resources.sources.base import SERIES_COLUMNS, SeriesSource, SourceError
from resources.sources.cache import TableCache
from resources.sources.synthetic_panel import EVENT_KINDS, EventWindow, generate_panel


class ScenarioEvent(dg.Config):
    """One injected event: what happens (kind), to which series, from when, how strongly and for how long."""

    kind: str  # level_shift, seasonal_shape, noise_increase, stuck_sensor or missing_hours
    series: list[str] = []  # affected series ids; empty = none
    start: str  # ISO timestamp of the first affected step
    magnitude: float = 0.0  # relative size: level x (1+m), noise sd x (1+m), daily peak ratio moved by m
    duration_hours: Optional[int] = None  # None = until the end of the scenario


# The demo's scenario. History runs up to 2024-03-31 and the live days follow, so:
# - the injected drift, +35% level on three of twelve series, starts in the live period (2024-04-10);
# - two data-quality faults sit early in the history, where the raw-data checks must catch them,
#   and are short enough not to look like drift later: an 8-hour stuck sensor and 3 undelivered hours.
DEFAULT_EVENTS: list[ScenarioEvent] = [
    ScenarioEvent(
        kind="level_shift", series=["s002", "s005", "s009"], start="2024-04-10T00:00", magnitude=0.35
    ),
    ScenarioEvent(kind="stuck_sensor", series=["s007"], start="2024-02-06T10:00", duration_hours=8),
    ScenarioEvent(kind="missing_hours", series=["s004"], start="2024-02-13T09:00", duration_hours=3),
]

_PANELS = TableCache(kept=4)  # a few configurations per process (tests use several); the demo uses one


class SyntheticSeriesSource(SeriesSource):
    """Load-like series at any freq: per-series level, daily/weekly/yearly seasonality, holidays, AR noise, events."""

    n_series: int = 12
    start: str = "2024-01-01"
    days: int = 112
    freq: str = "h"
    seed: int = 7
    events: list[ScenarioEvent] = Field(default_factory=lambda: list(DEFAULT_EVENTS))

    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """The rows with start <= timestamp < end, sliced from the whole panel so every day is identical across calls."""
        panel = self._panel()
        timestamps = panel["timestamp"]
        rows = panel[(timestamps >= pd.Timestamp(start)) & (timestamps < pd.Timestamp(end))]
        return rows.reset_index(drop=True)

    def fetch_chunks(self, start: pd.Timestamp, end: pd.Timestamp, series_per_chunk: int) -> Iterator[pd.DataFrame]:
        """fetch's rows, generated series_per_chunk series at a time (the same numbers: each series has its own
        random stream), so the whole panel is never in memory."""
        calendar, ids = self._calendar(), self.series_ids()
        windows = [self._window(event) for event in self.events]
        step = max(1, series_per_chunk)
        for first in range(0, len(ids), step):
            panel = generate_panel(calendar, ids[first:first + step], self.seed, windows, first_index=first)
            inside = (panel["timestamp"] >= pd.Timestamp(start)) & (panel["timestamp"] < pd.Timestamp(end))
            yield panel.loc[inside, SERIES_COLUMNS].reset_index(drop=True)

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last step of the scenario's calendar."""
        calendar = self._calendar()
        return calendar[0], calendar[-1]

    def ground_truth_events(self) -> pd.DataFrame:
        """One row per (series, event): series_id, kind, start and the event's parameters as JSON."""
        rows = []
        for event in self.events:
            window = self._window(event)
            params = json.dumps(
                {
                    "magnitude": event.magnitude,
                    "duration_hours": event.duration_hours,
                    "end": None if window.end is None else window.end.isoformat(),
                }
            )
            rows += [
                {"series_id": series_id, "kind": event.kind, "start": window.start, "params": params}
                for series_id in event.series
            ]
        frame = pd.DataFrame(rows, columns=["series_id", "kind", "start", "params"])
        frame["start"] = pd.to_datetime(frame["start"])
        return frame

    def series_ids(self) -> list[str]:
        """The ids of the generated series: s000, s001, ..."""
        return [f"s{index:03d}" for index in range(self.n_series)]

    def _calendar(self) -> pd.DatetimeIndex:
        if self.n_series < 1 or self.days < 1:
            raise SourceError(f"synthetic scenario needs n_series >= 1 and days >= 1, got {self.n_series} and {self.days}")
        first = pd.Timestamp(self.start)
        try:
            return pd.date_range(first, first + pd.Timedelta(days=self.days), freq=self.freq, inclusive="left")
        except ValueError as error:
            raise SourceError(f"synthetic scenario: freq {self.freq!r} is not a pandas frequency: {error}") from None

    def _window(self, event: ScenarioEvent) -> EventWindow:
        if event.kind not in EVENT_KINDS:
            raise SourceError(f"synthetic scenario: unknown event kind {event.kind!r}; use one of {', '.join(EVENT_KINDS)}")
        unknown = sorted(set(event.series) - set(self.series_ids()))
        if unknown:
            raise SourceError(
                f"synthetic scenario: {event.kind} event names series {', '.join(unknown)}, "
                f"but the scenario has s000..s{self.n_series - 1:03d}"
            )
        try:
            start = pd.Timestamp(event.start)
        except ValueError:
            raise SourceError(f"synthetic scenario: {event.kind} event start {event.start!r} is not a timestamp") from None
        end = None if event.duration_hours is None else start + pd.Timedelta(hours=event.duration_hours)
        return EventWindow(event.kind, tuple(event.series), start, end, event.magnitude)

    def generate(self) -> pd.DataFrame:
        """The whole panel, computed afresh from the config (fetch slices a per-process cached copy of it)."""
        windows = [self._window(event) for event in self.events]
        return generate_panel(self._calendar(), self.series_ids(), self.seed, windows)[SERIES_COLUMNS]

    def _panel(self) -> pd.DataFrame:
        key = self.model_dump_json()
        return _PANELS.get_or_build(key, self.generate)
