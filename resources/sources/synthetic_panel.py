"""The numbers behind the synthetic source: load-like series built from time-unit seasonality, noise and events."""

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

EVENT_KINDS = ("level_shift", "seasonal_shape", "noise_increase", "stuck_sensor", "missing_hours")

# Fixed-date public holidays (month, day): load drops to a Sunday's level on these days.
HOLIDAYS = ((1, 1), (1, 6), (5, 1), (8, 15), (11, 1), (12, 25), (12, 26))

DAY = pd.Timedelta(days=1)
NOISE_MEMORY = pd.Timedelta(hours=6)  # AR(1) time constant, in time so the noise looks alike at any freq
YEAR_DAYS = 365.2425
EPOCH = pd.Timestamp("2000-01-01")  # phase origin of the yearly cycle, so it does not depend on the scenario's start


@dataclass(frozen=True)
class EventWindow:
    """A validated event: kind, affected series, [start, end) with end None = open, and magnitude."""

    kind: str
    series: tuple[str, ...]
    start: pd.Timestamp
    end: Optional[pd.Timestamp]
    magnitude: float

    def mask(self, timestamps: pd.DatetimeIndex) -> np.ndarray:
        """Which timestamps the event covers."""
        inside = timestamps >= self.start
        if self.end is not None:
            inside &= timestamps < self.end
        return np.asarray(inside)


@dataclass(frozen=True)
class SeriesShape:
    """One series' character, drawn from its own random stream so adding series never changes the others."""

    level: float
    morning_peak: float
    evening_peak: float
    morning_hour: float
    evening_hour: float
    weekend_factor: float
    yearly_amplitude: float
    trend_per_year: float
    noise_sd: float


def draw_shape(rng: np.random.Generator) -> SeriesShape:
    """A random but plausible load series: 500..5000 units, two daily peaks, lower weekends, winter high."""
    return SeriesShape(
        level=rng.uniform(500, 5000),
        morning_peak=rng.uniform(0.15, 0.35),
        evening_peak=rng.uniform(0.25, 0.5),
        morning_hour=rng.uniform(7, 9),
        evening_hour=rng.uniform(18, 20),
        weekend_factor=rng.uniform(0.78, 0.9),
        yearly_amplitude=rng.uniform(0.05, 0.15),
        trend_per_year=rng.uniform(-0.03, 0.05),
        noise_sd=rng.uniform(0.015, 0.035),
    )


def daily_profile(hours: np.ndarray, shape: SeriesShape, shift: float = 0.0) -> np.ndarray:
    """Two-peak daily profile with mean 1 over the day; shift moves weight from the morning to the evening peak."""

    def unnormalized(h: np.ndarray) -> np.ndarray:
        def bump(centre: float, width: float) -> np.ndarray:
            distance = np.abs((h - centre + 12) % 24 - 12)  # circular: 23:00 is close to 01:00
            return np.exp(-0.5 * (distance / width) ** 2)

        morning = shape.morning_peak * (1 - shift) * bump(shape.morning_hour, 1.5)
        evening = shape.evening_peak * (1 + shift) * bump(shape.evening_hour, 2.5)
        return 1 + morning + evening

    day_mean = unnormalized(np.linspace(0, 24, 24 * 12, endpoint=False)).mean()
    return unnormalized(hours) / day_mean


def generate_panel(
    calendar: pd.DatetimeIndex, series_ids: list[str], seed: int, events: list[EventWindow], first_index: int = 0
) -> pd.DataFrame:
    """Long frame (series_id, timestamp, value) of every series over calendar, with the events applied.

    series_ids[i] is the scenario's series number first_index + i: each draws from its own random stream, so a chunk
    of consecutive series comes out exactly as it does within the whole panel."""
    step = calendar[1] - calendar[0] if len(calendar) > 1 else pd.Timedelta(hours=1)
    hours = np.asarray((calendar - calendar.normalize()) / pd.Timedelta(hours=1))
    weekend = np.asarray(calendar.dayofweek >= 5)
    holiday = np.isin(np.asarray(calendar.month * 100 + calendar.day), [m * 100 + d for m, d in HOLIDAYS])
    years_since_start = np.asarray((calendar - calendar[0]) / DAY) / YEAR_DAYS
    yearly_phase = 2 * np.pi * (np.asarray((calendar - EPOCH) / DAY) - 15) / YEAR_DAYS  # peak in mid-January
    # Seasonal terms exist only where the step resolves them: daily data has no hour of day, weekly none of weekday.
    resolves_day, resolves_week = step < DAY, step < 7 * DAY

    numbers = range(first_index, first_index + len(series_ids))
    shapes = [draw_shape(np.random.default_rng([seed, index])) for index in numbers]
    innovations = np.stack([np.random.default_rng([seed, index, 1]).standard_normal(len(calendar)) for index in numbers])
    noise = _ar1(innovations, float(np.exp(-(step / NOISE_MEMORY))))

    values = np.empty((len(series_ids), len(calendar)))
    for row, (series_id, shape) in enumerate(zip(series_ids, shapes)):
        daily = daily_profile(hours, shape) if resolves_day else np.ones(len(calendar))
        series_noise = noise[row] * shape.noise_sd
        for event in events:
            if series_id not in event.series:
                continue
            inside = event.mask(calendar)
            if event.kind == "seasonal_shape" and resolves_day:
                daily = np.where(inside, daily_profile(hours, shape, event.magnitude), daily)
            elif event.kind == "noise_increase":
                series_noise = np.where(inside, series_noise * (1 + event.magnitude), series_noise)
        week = np.where((weekend | holiday) & resolves_week, shape.weekend_factor, 1.0)
        yearly = 1 + shape.yearly_amplitude * np.cos(yearly_phase)
        trend = 1 + shape.trend_per_year * years_since_start
        # exp(noise) keeps every value positive whatever the noise does.
        values[row] = shape.level * daily * week * yearly * trend * np.exp(series_noise)

    delivered = np.ones_like(values, dtype=bool)
    for kind in ("level_shift", "stuck_sensor", "missing_hours"):  # the order in which a real signal would suffer them
        for event in (e for e in events if e.kind == kind):
            inside = event.mask(calendar)
            for row in [series_ids.index(s) for s in event.series if s in series_ids]:  # a chunk may lack some
                _apply(kind, event.magnitude, values[row], delivered[row], inside)

    series_column = np.repeat(np.asarray(series_ids, dtype=object), len(calendar))
    timestamps = np.tile(calendar.to_numpy(), len(series_ids))
    panel = pd.DataFrame({"series_id": series_column, "timestamp": timestamps, "value": values.ravel()})
    return panel[delivered.ravel()].reset_index(drop=True)


def _apply(kind: str, magnitude: float, values: np.ndarray, delivered: np.ndarray, inside: np.ndarray) -> None:
    """Apply one post-generation event to one series in place."""
    if not inside.any():
        return
    if kind == "level_shift":
        values[inside] *= 1 + magnitude
    elif kind == "stuck_sensor":
        first = int(np.argmax(inside))
        values[inside] = values[max(first - 1, 0)]  # frozen at the last value read before the fault
    elif kind == "missing_hours":
        delivered[inside] = False


def _ar1(innovations: np.ndarray, phi: float) -> np.ndarray:
    """Stationary AR(1) paths with unit variance, one per row, stepping all series together."""
    scaled = innovations * np.sqrt(1 - phi**2)
    paths = np.empty_like(innovations)
    paths[:, 0] = innovations[:, 0]
    for t in range(1, innovations.shape[1]):
        paths[:, t] = phi * paths[:, t - 1] + scaled[:, t]
    return paths
