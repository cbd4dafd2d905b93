"""What is being forecast: frequency, horizon, seasonality and the windows around them."""

import dagster as dg


class ForecastSettings(dg.ConfigurableResource):
    """Frequency, horizon H, seasonality m and the data-quality and dataset policy; configuration, never constants in code."""

    freq: str = "h"  # pandas offset alias of the series' regular step
    horizon: int = 48  # H: steps forecast ahead from each origin
    season_length: int = 24  # m: main seasonal period in steps (MASE scale, seasonal naive)
    dataset_window_days: int = 90  # raw partitions that make one training dataset (the demo's history too)
    max_interpolate_steps: int = 3  # gaps up to this many steps are interpolated; longer ones stay missing
    allow_negative_values: bool = False  # whether the negative-value check passes negative observations
    flatline_steps: int = 6  # this many identical consecutive values are flagged as a stuck sensor
    stale_after_steps: int = 2  # a partition whose last observation is this many steps short of the day's end is stale
    interval_levels: list[int] = [80, 95]  # prediction interval levels (%)
    backtest_windows: int = 1  # H-step windows at the end of the dataset that no contender trained on (see promotion)
    primary_metric: str = "mase"  # the metric a candidate must win on to replace the champion
    retrain_consecutive_days: int = 2  # days the monitoring alarm must hold before a retrain is requested
    error_alarm_ratio: float = 1.5  # realised sMAPE above this multiple of the champion's test sMAPE raises the alarm
    retrain_cooldown_days: int = 7  # least days between two drift-triggered retrains
    trainer_image: str = "forecast-trainer:local"  # recorded with every model version; the image Vertex AI runs

    @property
    def step(self):
        """The regular step as a pandas Timedelta."""
        import pandas as pd

        return pd.Timedelta(pd.tseries.frequencies.to_offset(self.freq))
