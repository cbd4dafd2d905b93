"""The conventions of each frequency (horizon, seasonality, partition cadence, windows) and calendar-step arithmetic.

Defaults follow the M4 competition where it has a set (Hourly 48/24, Daily 14/7, Weekly 13/52, Monthly 18/12,
Quarterly 8/4, Yearly 6/1); sub-hourly data forecasts two days ahead with a daily season, as hourly data does.
The cadence is how much data one partition (one collection, one forecast, one monitoring run) holds.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trainer.features import FeatureSpec

CADENCES = ("daily", "weekly", "monthly", "yearly")
DERIVED_FIELDS = ("horizon", "season_length", "cadence", "dataset_window_periods", "serving_lookback_periods",
                  "drift_reference_periods")
# The least days between two drift-triggered retrains at each cadence: the scheduled retrain's beat (daily partitions:
# weekly; weekly: monthly; monthly: quarterly; yearly: yearly), so drift never retrains more often than the schedule.
RETRAIN_COOLDOWN_DAYS = {"daily": 7, "weekly": 28, "monthly": 91, "yearly": 365}


@dataclass(frozen=True)
class FrequencyDefaults:
    """What a frequency implies unless the user says otherwise; every window is in steps of the data."""

    family: str
    horizon: int
    season_length: int
    cadence: str
    dataset_window_periods: int
    serving_lookback_periods: int
    drift_reference_periods: int


# family -> (horizon, season_length, cadence, dataset window, drift reference); for hourly-like data in days.
_CALENDAR = {
    "daily": (14, 7, "weekly", 3 * 365, 8 * 7),
    "weekly": (13, 52, "monthly", 10 * 52, 2 * 52),
    "monthly": (18, 12, "monthly", 20 * 12, 3 * 12),
    "quarterly": (8, 4, "yearly", 30 * 4, 3 * 4),
    "yearly": (6, 1, "yearly", 60, 10),
}
_QUARTER, _YEAR = ("Q", "BQ", "QS", "BQS", "QE", "BQE"), ("A", "Y", "AS", "YS", "BA", "BY", "BAS", "BYS", "YE", "BYE")
_MONTH = ("M", "MS", "ME", "BM", "BMS", "BME", "SM", "SMS", "SME", "CBMS", "CBME")


def frequency_family(freq: str) -> str:
    """subhourly, hourly, daily, weekly, monthly, quarterly or yearly; ValueError naming the freq otherwise."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        raise ValueError(f"freq {freq!r} is not a pandas frequency (examples: h, 15min, D, W-SUN, MS, QS, YE)") from None
    if isinstance(offset, pd.offsets.Tick):
        seconds = offset.nanos / 1e9
        if seconds < 3600:
            return "subhourly"
        if seconds < 86400:
            return "hourly"
        if seconds < 7 * 86400:
            return "daily"
        return "weekly"
    if isinstance(offset, (pd.offsets.BusinessDay, pd.offsets.CustomBusinessDay)):
        return "daily"
    if isinstance(offset, pd.offsets.Week):
        return "weekly"
    name = offset.name.split("-")[0]
    for family, names in (("monthly", _MONTH), ("quarterly", _QUARTER), ("yearly", _YEAR)):
        if name in names:
            return family
    raise ValueError(f"freq {freq!r}: no defaults for this frequency; set horizon, season_length and cadence")


def frequency_defaults(freq: str) -> FrequencyDefaults:
    """The defaults for a frequency (see the module docstring)."""
    family = frequency_family(freq)
    if family in ("subhourly", "hourly"):
        per_day = max(int(pd.Timedelta(days=1) / pd.Timedelta(pd.tseries.frequencies.to_offset(freq))), 1)
        horizon, season, cadence = 2 * per_day, per_day, "daily"
        window, reference = 90 * per_day, 28 * per_day
    else:
        horizon, season, cadence, window, reference = _CALENDAR[family]
        if family == "daily" and isinstance(pd.tseries.frequencies.to_offset(freq), pd.offsets.BusinessDay):
            season = 5  # business days: the week has five steps
    # Serving reads what the default feature spec reads before an origin (hourly: 3 weeks for season168_3).
    lookback = max(FeatureSpec.default(freq, horizon, season).lookback_steps, 4 * horizon, 32)
    return FrequencyDefaults(family, horizon, season, cadence, window, lookback, reference)


def steps_between(offset: pd.DateOffset, earlier, later):
    """Steps from earlier (a timestamp or a Series of them, on or off the grid) to the grid point `later`.

    Fixed steps divide; calendar steps count the grid points in between (a month is not 30 days)."""
    later = pd.Timestamp(later)
    scalar = not isinstance(earlier, pd.Series)
    stamps = pd.Series([pd.Timestamp(earlier)]) if scalar else pd.to_datetime(earlier)
    if isinstance(offset, pd.offsets.Tick):
        counts = ((later - stamps) // pd.Timedelta(offset)).astype("Int64")
    else:
        first = offset.rollback(stamps.min()) if len(stamps) else later
        grid = pd.date_range(min(first, later), later, freq=offset)
        counts = pd.Series(len(grid) - 1 - np.searchsorted(grid.asi8, stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)),
                           index=stamps.index).astype("Int64")
        counts = counts.where(stamps.notna())
    return int(counts.iloc[0]) if scalar else counts


def cadence_start(cadence: str, timestamps: pd.Series) -> pd.Series:
    """The start of the partition (day, ISO week from Monday, month, year) each timestamp falls in."""
    stamps = pd.to_datetime(timestamps)
    if cadence == "daily":
        return stamps.dt.normalize()
    if cadence == "weekly":
        return (stamps - pd.to_timedelta(stamps.dt.dayofweek, unit="D")).dt.normalize()
    if cadence == "monthly":
        return stamps.dt.to_period("M").dt.start_time
    if cadence == "yearly":
        return stamps.dt.to_period("Y").dt.start_time
    raise ValueError(f"cadence {cadence!r} is not known: use one of {', '.join(CADENCES)}")


def infer_freq(frame: pd.DataFrame, candidates: int = 5, stretch: int = 7) -> str | None:
    """The pandas frequency of long-format data: the alias most stretches of `stretch` consecutive timestamps of its
    longest series agree on (a gap spoils only the stretches that hold it); None when none is regular."""
    if frame.empty:
        return None
    longest = frame.groupby("series_id")["timestamp"].size().nlargest(candidates).index
    found = []
    for series_id in longest:
        stamps = pd.DatetimeIndex(frame.loc[frame["series_id"] == series_id, "timestamp"]).unique().sort_values()
        starts = np.unique(np.linspace(0, max(len(stamps) - stretch, 0), num=10).astype(int))
        found += [f for f in (pd.infer_freq(stamps[k:k + stretch]) if len(stamps[k:k + stretch]) >= 3 else None
                              for k in starts) if f]
    return max(set(found), key=found.count) if found else None

def grid_ordinals(offset: pd.DateOffset, *stamps) -> list[np.ndarray]:
    """For each array of timestamps, the index of the first grid point at or after each one, on ONE grid of `offset`
    shared by all arrays: differences of ordinals count steps, calendar steps included."""
    arrays = [pd.DatetimeIndex(s).asi8 for s in stamps]
    joined = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)
    if isinstance(offset, pd.offsets.Tick):
        return [-(-a // offset.nanos) for a in arrays]
    low, high = pd.Timestamp(joined.min()), pd.Timestamp(joined.max())
    grid = pd.date_range(offset.rollback(low), offset.rollforward(high), freq=offset).asi8
    return [np.searchsorted(grid, a, side="left") for a in arrays]

# One partition of each cadence as a pandas offset (weeks from Monday, as the Dagster weekly partitions here).
CADENCE_OFFSETS = {"daily": "D", "weekly": "W-MON", "monthly": "MS", "yearly": "YS"}
