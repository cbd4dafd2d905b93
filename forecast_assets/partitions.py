"""Time partitions shared by the partitioned assets: one partition per collection period of the data's cadence.

The cadence follows the frequency (hourly data: daily partitions; daily: weekly; weekly and monthly: monthly;
quarterly and yearly: yearly; or settings.cadence), and the partitions start where the source's data starts
(FORECAST_PARTITIONS_START overrides), so the partition views are filled rather than decades of empty keys.
They run on to today, as a source that keeps delivering needs; FORECAST_PARTITIONS_END=data ends them with the
source's last observation (the demo and `make ui` replay a fixed history), or at a given date.
All of it is fixed when the code location loads: the settings and source of the environment decide it.
"""

import math
import os
import warnings

import dagster as dg
import pandas as pd

from resources.environment import build_source
from resources.frequency import CADENCE_OFFSETS, cadence_start
from resources.settings import ForecastSettings, settings_from_env

FALLBACK_START = "2000-01-01"  # when the source cannot say where its data starts (unreadable at load time)

# The partitions of the data's own clock: naive local timestamps (as PJM publishes them) line up with local midnights.
TIMEZONE = os.getenv("FORECAST_TIMEZONE", "UTC")

# Each cadence's Dagster partitions (the first period's start is the partition start) and its length for mappings.
_LENGTH = {"daily": pd.Timedelta(days=1), "weekly": pd.Timedelta(days=7), "monthly": pd.Timedelta(days=30.44),
           "yearly": pd.Timedelta(days=365.25)}


def source_range(source) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The source's first and last timestamp, or Nones (with a warning) when it cannot be read at load time."""
    try:
        first, last = source.time_range()
    except Exception as error:  # a missing file must not stop the code location from loading
        warnings.warn(f"partitions start at {FALLBACK_START}: the source's time range is unknown ({error})")
        return None, None
    return (None, None) if pd.isna(first) else (pd.Timestamp(first), pd.Timestamp(last))


def partitions_start(cadence: str, first_timestamp: pd.Timestamp | None) -> pd.Timestamp:
    """FORECAST_PARTITIONS_START if set, else the start of the period holding the data's first timestamp."""
    explicit = os.getenv("FORECAST_PARTITIONS_START", "").strip()
    if explicit:
        return pd.Timestamp(explicit)
    if first_timestamp is None:
        return pd.Timestamp(FALLBACK_START)
    return cadence_start(cadence, pd.Series([first_timestamp])).iloc[0]


def partitions_end(cadence: str, last_timestamp: pd.Timestamp | None) -> pd.Timestamp | None:
    """Where the partitions end (exclusive): None (open, on to today) unless FORECAST_PARTITIONS_END is a date, or
    `data`: just after the partition holding the source's last observation."""
    explicit = os.getenv("FORECAST_PARTITIONS_END", "").strip().lower()
    if explicit in ("", "open"):
        return None
    if explicit != "data":
        return pd.Timestamp(explicit)
    if last_timestamp is None:
        return None
    last_start = cadence_start(cadence, pd.Series([last_timestamp])).iloc[0]
    return last_start + pd.tseries.frequencies.to_offset(CADENCE_OFFSETS[cadence])


def build_partitions(cadence: str, start: pd.Timestamp, end: pd.Timestamp | None = None,
                     timezone: str = TIMEZONE) -> dg.TimeWindowPartitionsDefinition:
    """The Dagster partitions of a cadence from start to end (None: today), weeks from Monday, months and years
    from their first day."""
    date, end_date = start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d") if end is not None else None
    if cadence == "daily":
        return dg.DailyPartitionsDefinition(start_date=date, end_date=end_date, timezone=timezone)
    if cadence == "weekly":
        return dg.WeeklyPartitionsDefinition(start_date=date, end_date=end_date, day_offset=1, timezone=timezone)
    if cadence == "monthly":
        return dg.MonthlyPartitionsDefinition(start_date=date, end_date=end_date, timezone=timezone)
    if cadence == "yearly":
        return dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", start=date, end=end_date, fmt="%Y-%m-%d",
                                                 timezone=timezone)
    raise ValueError(f"cadence {cadence!r} is not known: use daily, weekly, monthly or yearly")


def partitions_spanning(settings: ForecastSettings, steps: int) -> int:
    """How many partitions `steps` steps of data can touch (for partition mappings over a lookback or a horizon)."""
    start = pd.Timestamp("2001-01-01")
    span = settings.steps_after(start, steps) - start
    return max(1, math.ceil(span / _LENGTH[settings.cadence]) + (0 if settings.cadence == "daily" else 1))


def partition_starts(timestamps: pd.Series) -> pd.Series:
    """The start of the partition each timestamp belongs to."""
    return cadence_start(SETTINGS.cadence, timestamps)


def partition_key_for(timestamp) -> str:
    """The key of the partition a timestamp belongs to (every cadence's keys are its start date)."""
    return partition_starts(pd.Series([pd.Timestamp(timestamp)])).iloc[0].strftime("%Y-%m-%d")


_SOURCE = build_source()
SETTINGS = settings_from_env(source=_SOURCE)  # the load-time settings the partitions and mappings are built from
_FIRST, _LAST = source_range(_SOURCE)
PARTITIONS_START = partitions_start(SETTINGS.cadence, _FIRST)
time_partitions = build_partitions(SETTINGS.cadence, PARTITIONS_START, partitions_end(SETTINGS.cadence, _LAST))
LOOKBACK_PARTITIONS = partitions_spanning(SETTINGS, SETTINGS.serving_lookback_periods)  # history before an origin
HORIZON_PARTITIONS = partitions_spanning(SETTINGS, SETTINGS.horizon)  # partitions one forecast's H steps can cover
