"""Our pipeline on an M4 set: the platform's own assets materialized with Dagster in a throw-away FORECAST_HOME.

raw_series (every daily partition, one single-run backfill) -> training_dataset -> candidate_model run exactly as
in production, with the file source reading the M4 wide CSV. The forecasts come from the registered candidate model
applied to the dataset version it was trained on, H steps after each series' own last value: batch_forecasts is
not used because it forecasts every active series from one daily origin with a 15-day lookback, while an M4 set's
series end at different times (Hourly: after 700 or 960 hours) and M4 scores each from its own end.
"""

import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd

from benchmarks.m4_pipeline import M4Set, PipelineForecasts, cpu_seconds

DEFAULT_START = pd.Timestamp("2000-01-01")  # the partitions' default start (forecast_assets.partitions)
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def calendar_start(m4: M4Set, today: pd.Timestamp | None = None) -> pd.Timestamp:
    """Where every series starts on the synthetic calendar: 2000-01-01 unless the longest would then end after today."""
    today = (today or pd.Timestamp.now()).normalize()
    longest = int(m4.train.groupby("series_id").size().max())
    end = pd.date_range(DEFAULT_START, periods=longest, freq=m4.rule.freq)[-1]
    if end < today:
        return DEFAULT_START
    # Daily partitions end today: start early enough (a year start, valid for every M4 step) for the longest series.
    offset = pd.tseries.frequencies.to_offset(m4.rule.freq)
    return pd.Timestamp(year=(today - offset * (longest + 1)).year - 1, month=1, day=1)


# The user's own FORECAST_* settings that would steer the benchmark's run away from the set: unset for its duration,
# so the cadence and windows derive from the set's frequency and the partitions open on the benchmark's own source.
CLEARED_SETTINGS = ("FORECAST_SOURCE", "FORECAST_CADENCE", "FORECAST_DATASET_WINDOW_PERIODS",
                    "FORECAST_SERVING_LOOKBACK_PERIODS", "FORECAST_DRIFT_REFERENCE_PERIODS", "FORECAST_PARTITIONS_END")


@contextmanager
def pipeline_environment(home: Path, partitions_start: pd.Timestamp, rule=None):
    """FORECAST_HOME, the partitions' start and the set's frequency, horizon and m (so the partitions follow the
    data's cadence: yearly partitions for yearly data) set for the duration, CLEARED_SETTINGS unset; restored
    afterwards. Partitions loaded earlier in this process for another start or frequency raise RuntimeError."""
    wanted = {"FORECAST_HOME": str(home), "FORECAST_ENV": "local",
              "FORECAST_PARTITIONS_START": partitions_start.strftime("%Y-%m-%d")}  # fmt: skip
    if rule is not None:
        wanted.update(FORECAST_FREQ=rule.freq, FORECAST_HORIZON=str(rule.horizon),
                      FORECAST_SEASON_LENGTH=str(rule.season_length))
    if "forecast_assets.partitions" in sys.modules:
        _check_loaded_partitions(sys.modules["forecast_assets.partitions"], partitions_start, rule)
    saved = {name: os.environ.get(name) for name in (*wanted, *CLEARED_SETTINGS)}
    for name in CLEARED_SETTINGS:
        os.environ.pop(name, None)
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _check_loaded_partitions(partitions, start: pd.Timestamp, rule) -> None:
    """The partitions are fixed when their module loads: one loaded for a later start or another frequency, horizon
    or m cannot serve this set."""
    loaded = pd.Timestamp(partitions.PARTITIONS_START)
    if loaded > start:
        raise RuntimeError(f"partitions were already loaded from {loaded.date()}; this set needs them from "
                           f"{start.date()}: run the benchmark in a fresh process")
    settings = partitions.SETTINGS
    if rule is not None and (pd.tseries.frequencies.to_offset(settings.freq) != pd.tseries.frequencies.to_offset(rule.freq)
                             or (settings.horizon, settings.season_length) != (rule.horizon, rule.season_length)):
        raise RuntimeError(f"partitions were already loaded for freq={settings.freq} H={settings.horizon} "
                           f"m={settings.season_length}; this set is freq={rule.freq} H={rule.horizon} "
                           f"m={rule.season_length}: run the benchmark in a fresh process")


def _materialize(assets: list, instance: dg.DagsterInstance, resources: dict, **kwargs) -> float:
    """Materialize assets in one run; returns its wall time, and raises naming the asset when the run fails."""
    started = time.perf_counter()
    result = dg.materialize(assets, instance=instance, resources=resources, raise_on_error=True, **kwargs)
    if not result.success:
        raise RuntimeError(f"materializing {', '.join(a.key.to_user_string() for a in assets)} failed")
    return time.perf_counter() - started


def short_series_fallback(history: pd.DataFrame, settings) -> pd.DataFrame:
    """batch_forecasts' fallback (the seasonal naive) from each series' own end, for series shorter than the model's
    min_history (a weekly set at m = 52 has series of fewer than 2 x 52 points)."""
    from forecast_assets.inference import seasonal_naive_forecasts

    return pd.concat([seasonal_naive_forecasts(group, settings.steps_after(group["timestamp"].max()), settings)
                      for _, group in history.groupby("series_id")], ignore_index=True)


def forecast_with_assets(m4: M4Set, workdir: Path) -> PipelineForecasts:
    """Materialize raw_series, training_dataset and candidate_model on the M4 training file; forecast with the candidate."""
    start = calendar_start(m4)
    home = Path(workdir) / "forecast_home"
    from resources.frequency import cadence_start, frequency_defaults

    # The partitions begin with the period (day, week, month, year) that holds the calendar's first step.
    first_partition = cadence_start(frequency_defaults(m4.rule.freq).cadence, pd.Series([start])).iloc[0]
    with pipeline_environment(home, first_partition, m4.rule):
        from forecast_assets.datasets import load_dataset, training_dataset
        from forecast_assets.ingestion import raw_series
        from forecast_assets.partitions import partition_key_for
        from forecast_assets.training import candidate_model
        from resources.environment import build_resources
        from resources.registry import CHALLENGER
        from resources.settings import ForecastSettings
        from resources.sources.file import FileSeriesSource
        from trainer.model import ForecastModel

        source = FileSeriesSource(path=str(m4.train_path), format="m4", m4_frequency=m4.calendar,
                                  m4_start=start.strftime("%Y-%m-%d %H:%M"))  # fmt: skip
        first, last = source.time_range()
        end = pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
        window_periods = len(pd.date_range(first, last, freq=m4.rule.freq))  # every step of the longest series
        settings = ForecastSettings(freq=m4.rule.freq, horizon=m4.rule.horizon, season_length=m4.rule.season_length,
                                    dataset_window_periods=window_periods)  # fmt: skip
        resources = {**build_resources(), "source": source, "settings": settings}
        instance = dg.DagsterInstance.ephemeral(tempdir=str(Path(workdir) / "dagster"))
        range_tags = {RANGE_START_TAG: partition_key_for(first), RANGE_END_TAG: partition_key_for(last)}
        ingest_seconds = _materialize([raw_series], instance, resources, tags=range_tags)
        dataset_config = {"ops": {"training_dataset": {"config": {"end_date": end.strftime("%Y-%m-%d"),
                                                                  "window_periods": window_periods}}}}  # fmt: skip
        dataset_seconds = _materialize([training_dataset], instance, resources, run_config=dataset_config)
        train_cpu = cpu_seconds()
        train_seconds = _materialize([candidate_model], instance, resources)
        train_cpu = cpu_seconds() - train_cpu

        started, forecast_cpu = time.perf_counter(), cpu_seconds()
        registry, artifacts = resources["registry"], resources["artifacts"]
        candidate = registry.alias(CHALLENGER)
        history = load_dataset(artifacts, candidate.dataset_version)
        with tempfile.TemporaryDirectory() as local:
            model = ForecastModel.load(registry.local_copy(candidate.version, local))
        levels = tuple(sorted({*settings.interval_levels, 95}))  # 95: MSIS
        forecasts = model.predict(history, levels=levels, on_short="skip")
        skipped = forecasts.attrs["skipped_series"]
        if skipped:  # as batch_forecasts does: the seasonal naive for series shorter than the model needs
            fallback = short_series_fallback(history[history["series_id"].isin(skipped)], settings)
            forecasts = pd.concat([forecasts, fallback], ignore_index=True)
        forecast_seconds, forecast_cpu = time.perf_counter() - started, cpu_seconds() - forecast_cpu

    return PipelineForecasts(
        forecasts=forecasts[["series_id", "timestamp", "step", "forecast", "lo_95", "hi_95"]],
        train_seconds=train_seconds,
        forecast_seconds=forecast_seconds,
        train_cpu_seconds=train_cpu,
        forecast_cpu_seconds=forecast_cpu,
        path="dagster-assets",
        details={"assets": ["raw_series", "training_dataset", "candidate_model"], "model_version": candidate.version,
                 "model_family": model.family, "family_scores": model.family_info.get("relative_to_seasonal_naive"),
                 "dataset_version": candidate.dataset_version, "calendar_start": str(start),
                 "raw_partitions": f"{range_tags[RANGE_START_TAG]}..{range_tags[RANGE_END_TAG]}",
                 "fallback_series": sorted(skipped), "ingest_seconds": ingest_seconds, "dataset_seconds": dataset_seconds,
                 "trainer_fit_seconds": float(candidate.metrics.get("fit_seconds", float("nan")))},
    )
