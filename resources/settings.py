"""What is being forecast: frequency, horizon, seasonality, the cadence around them, and step arithmetic.

A user sets the frequency once (FORECAST_FREQ, or the settings resource); horizon, seasonality, partition cadence
and the dataset window then default to the conventions of that frequency (resources/frequency.py), each overridable.
Steps are pandas offsets, so a month or a year is a calendar step, never a fixed number of hours.
"""

import os

import dagster as dg
import pandas as pd
from pydantic import model_validator

from resources.frequency import DERIVED_FIELDS, RETRAIN_COOLDOWN_DAYS, frequency_defaults, steps_between

# The settings a user may set from the environment, and their types (FORECAST_<NAME>).
ENV_SETTINGS = {"freq": str, "horizon": int, "season_length": int, "dataset_window_periods": int,
                "serving_lookback_periods": int, "drift_reference_periods": int, "cadence": str,
                "retrain_cooldown_days": int}


class ForecastSettings(dg.ConfigurableResource):
    """Frequency, horizon H, seasonality m, cadence and the data-quality and dataset policy; never constants in code."""

    freq: str = "h"  # pandas offset alias of the series' regular step (h, 15min, D, W-SUN, MS, ME, QS, YE, ...)
    # 0 below means "derived from freq" (resources/frequency.py); any positive value (or cadence name) overrides.
    horizon: int = 0  # H: steps forecast ahead from each origin (M4: 48 hourly, 14 daily, 13 weekly, 18 monthly, ...)
    season_length: int = 0  # m: main seasonal period in steps (MASE scale, seasonal naive)
    cadence: str = ""  # partition granularity: daily, weekly, monthly or yearly (hourly data: daily partitions)
    dataset_window_periods: int = 0  # steps of raw data that make one training dataset (hourly: 90 days)
    serving_lookback_periods: int = 0  # steps of history read before a forecast origin or a scored period
    drift_reference_periods: int = 0  # steps at the end of the champion's training data that drift is compared with
    max_interpolate_steps: int = 3  # gaps up to this many steps are interpolated; longer ones stay missing
    allow_negative_values: bool = False  # whether the negative-value check passes negative observations
    flatline_steps: int = 6  # this many identical consecutive values are flagged as a stuck sensor
    stale_after_steps: int = 2  # a partition whose last observation is this many steps short of its end is stale
    shard_series: int = 2000  # series per shard: ingestion writes and the dataset's Parquet shards hold this many at a time
    gate_series: int = 4000  # the gate backtests at most about this many series: whole dataset shards, a stable hash sample
    interval_levels: list[int] = [80, 95]  # prediction interval levels (%)
    backtest_windows: int = 2  # H-step windows at the end of the dataset the gate decides on (see forecast_assets/promotion.py)
    primary_metric: str = "mase"  # the metric a candidate must win on to replace the champion
    retrain_consecutive_days: int = 2  # monitored partitions the alarm must hold before a retrain is requested
    error_alarm_ratio: float = 1.5  # realised sMAPE above this multiple of the champion's test sMAPE raises the alarm
    retrain_cooldown_days: int = 0  # least days between two drift-triggered retrains (hourly data: 7, monthly: 91)
    trainer_image: str = "forecast-trainer:local"  # recorded with every model version; the image Vertex AI runs

    @model_validator(mode="before")
    @classmethod
    def _derive_from_freq(cls, data):
        """Fill the unset frequency-dependent fields from the frequency's conventions (fails on an unknown freq)."""
        if not isinstance(data, dict):
            return data
        defaults = frequency_defaults(data.get("freq") or "h")
        filled = {**data, **{name: getattr(defaults, name) for name in DERIVED_FIELDS if not data.get(name)}}
        if not filled.get("retrain_cooldown_days"):  # from the cadence in use, the user's own included
            filled["retrain_cooldown_days"] = RETRAIN_COOLDOWN_DAYS.get(filled["cadence"], 7)
        return filled

    @property
    def offset(self) -> pd.DateOffset:
        """The regular step as a pandas offset (a Tick for fixed steps, a calendar offset for weeks, months, years)."""
        return pd.tseries.frequencies.to_offset(self.freq)

    @property
    def step(self) -> pd.DateOffset:
        """The regular step; the same offset as `offset` (add it to timestamps, never divide durations by it)."""
        return self.offset

    def steps_after(self, timestamp, n: int = 1) -> pd.Timestamp:
        """The timestamp n steps after an on-grid timestamp (n may be negative)."""
        return pd.Timestamp(timestamp) + n * self.offset

    def steps_before(self, timestamp, n: int = 1) -> pd.Timestamp:
        """The timestamp n steps before an on-grid timestamp."""
        return pd.Timestamp(timestamp) - n * self.offset

    def first_step_at_or_after(self, timestamp) -> pd.Timestamp:
        """The first grid point at or after timestamp (a partition's end is rolled onto the data's grid)."""
        return self.offset.rollforward(pd.Timestamp(timestamp))

    def grid(self, start, end) -> pd.DatetimeIndex:
        """Every grid point in [start, end)."""
        return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=self.offset, inclusive="left")

    def future(self, origin, periods: int) -> pd.DatetimeIndex:
        """`periods` grid points starting at the origin (the origin is the first forecast step)."""
        return pd.date_range(self.first_step_at_or_after(origin), periods=periods, freq=self.offset)

    def periods_between(self, earlier, later) -> "int | pd.Series":
        """Steps from earlier (a timestamp or a Series of them) to the grid point `later`."""
        return steps_between(self.offset, earlier, later)


def settings_from_env(source=None, **overrides) -> ForecastSettings:
    """ForecastSettings from FORECAST_FREQ, FORECAST_HORIZON, ... (see ENV_SETTINGS), then explicit overrides.

    Without FORECAST_FREQ the frequency is the one the source's data has (SeriesSource.observed_freq), else hourly
    (also when the source cannot be read yet)."""
    values = {}
    for name, kind in ENV_SETTINGS.items():
        raw = os.getenv(f"FORECAST_{name.upper()}", "").strip()
        if raw:
            try:
                values[name] = kind(raw)
            except ValueError:
                raise ValueError(f"FORECAST_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
    if "freq" not in values and "freq" not in overrides and source is not None:
        try:
            observed = source.observed_freq()
        except (ValueError, OSError):  # an unreadable source fails the runs that read it, with its own message
            observed = None
        if observed:
            values["freq"] = observed
    return ForecastSettings(**{**values, **{k: v for k, v in overrides.items() if v is not None}})
