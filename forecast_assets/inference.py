"""Inference: batch_forecasts, H steps ahead from each partition's origin for every active series, with intervals."""

import tempfile

import dagster as dg
import numpy as np
import pandas as pd

from forecast_assets.champion import champion_model
from forecast_assets.forecast_checks import FORECAST_CHECKS, evaluate_forecast_checks
from forecast_assets.ingestion import raw_series
from forecast_assets.model_inputs import rescaled_intervals
from forecast_assets.partitions import LOOKBACK_PARTITIONS, time_partitions
from forecast_assets.serving_history import StagedHistory, history_shards
from resources.registry import CHAMPION, ModelRegistry, serves_seasonal_naive
from resources.scoring import BatchScorer
from resources.settings import ForecastSettings
from resources.shards import shard_count
from resources.warehouse import WAREHOUSE_POOL, Warehouse

RECENT_PARTITIONS = 7  # partitions of recent errors the served intervals are rescaled on (a week of hourly data)


def seasonal_naive_forecasts(history: pd.DataFrame, origin: pd.Timestamp, settings: ForecastSettings) -> pd.DataFrame:
    """The fallback for series too short for the model: the last season repeated, intervals from seasonal differences.

    A series shorter than one season and a step (a young weekly series, m=52) repeats its last value (m=1), as the
    MASE scale does."""
    from trainer.metrics import seasonal_naive

    rows = []
    steps = np.arange(1, settings.horizon + 1)
    for series_id, group in history.groupby("series_id"):
        values = group["value"].interpolate(limit_direction="both").to_numpy()
        m = settings.season_length if len(values) > settings.season_length else 1
        point = seasonal_naive(values, settings.horizon, m)
        diffs = np.abs(values[m:] - values[:-m])
        frame = {"series_id": series_id, "timestamp": settings.future(origin, settings.horizon), "step": steps,
                 "forecast": point}
        for level in settings.interval_levels:
            width = np.nanquantile(diffs, level / 100) if len(diffs) else 0.0
            frame[f"lo_{level}"], frame[f"hi_{level}"] = point - width, point + width
        rows.append(pd.DataFrame(frame))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def recent_history(warehouse: Warehouse, period_start: pd.Timestamp, origin: pd.Timestamp,
                   settings: ForecastSettings, lookback_steps: int = 0) -> pd.DataFrame:
    """Cleaned history of the series active in [period_start, origin), each on a grid ending one step before origin,
    as one frame: the shards batch_forecasts scores (serving_history.history_shards), put together."""
    _, pieces = history_shards(warehouse, period_start, origin, settings, lookback_steps,
                               lambda n: shard_count(n, settings.shard_series))
    shards = [rows for _, rows in pieces]
    return pd.concat(shards, ignore_index=True).sort_values(["series_id", "timestamp"], ignore_index=True) \
        if shards else pd.DataFrame()


def fallback_forecasts(history: StagedHistory, series: list[str], origin: pd.Timestamp,
                       settings: ForecastSettings) -> pd.DataFrame:
    """The seasonal naive for `series`, computed shard by shard, in series order."""
    wanted, parts = set(series), []
    for _, rows in history:
        mine = rows[rows["series_id"].isin(wanted)]
        if not mine.empty:
            parts.append(seasonal_naive_forecasts(mine, origin, settings))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True).sort_values(["series_id", "step"], kind="stable", ignore_index=True)


def served_forecasts(context, batch_scorer: BatchScorer, model, champion, history: StagedHistory,
                     origin: pd.Timestamp, settings: ForecastSettings) -> tuple[pd.DataFrame, list[str], dict]:
    """(forecasts with a method column, series served the seasonal naive, interval factors) of the staged history."""
    from trainer.predict import interval_factors

    if serves_seasonal_naive(champion):  # the gate found no model that beats the seasonal naive
        forecasts, skipped, factors = None, history.series, {}
    else:
        scored = batch_scorer.score(context, model, champion, history, origin,
                                    history.recent_origins(RECENT_PARTITIONS), tuple(settings.interval_levels))
        skipped = scored.skipped
        # Conformal rescaling on the champion's errors over the last 7 partitions (a week of hourly data), pooled
        # over every series however they were sharded.
        factors = interval_factors(scored.scores)
        forecasts = rescaled_intervals(scored.forecasts, factors, model.floor)
        forecasts["method"] = "model"
    if skipped:
        fallback = fallback_forecasts(history, skipped, origin, settings)
        forecasts = pd.concat([forecasts, fallback.assign(method="seasonal_naive")], ignore_index=True)
    return forecasts, skipped, factors


@dg.asset(
    partitions_def=time_partitions,
    pool=WAREHOUSE_POOL,
    group_name="inference",
    kinds={"xgboost", "pandas"},
    # Partition P holds the forecasts made after period P (column forecast_day, P's start); their origin is the
    # first step of the data's grid at or after P's end (hourly data: D+1 00:00).
    metadata={"partition_expr": "forecast_day"},
    # Partition P is the forecast made once P's data is in, from the raw partitions of the serving lookback.
    deps=[champion_model, dg.AssetDep(raw_series, partition_mapping=dg.TimeWindowPartitionMapping(
        start_offset=-(LOOKBACK_PARTITIONS - 1), end_offset=0))],
    check_specs=FORECAST_CHECKS,
)
def batch_forecasts(context: dg.AssetExecutionContext, settings: ForecastSettings, registry: ModelRegistry,
                    warehouse: Warehouse, batch_scorer: BatchScorer):
    """H steps from the partition's end (its origin) for every series active in it, with intervals and lineage.

    The history is read, cleaned and scored one shard of series at a time (settings.shard_series; in this process,
    or in one Vertex AI job per shard); the served intervals' rescaling (pooled over every shard) and the
    seasonal-naive fallback are computed here from what the scorer returns, so the forecasts do not depend on where
    or in how many shards they were scored."""
    from trainer.model import ForecastModel

    window = context.partition_time_window
    period_start = pd.Timestamp(window.start).tz_localize(None)
    origin = settings.first_step_at_or_after(pd.Timestamp(window.end).tz_localize(None))
    champion = registry.alias(CHAMPION)
    if champion is None:
        raise dg.Failure("batch_forecasts: there is no champion model yet; run the training job first")
    with tempfile.TemporaryDirectory() as local:
        model = ForecastModel.load(registry.local_copy(champion.version, local))
    count, shards = history_shards(warehouse, period_start, origin, settings, model.spec.lookback_steps,
                                   lambda n: batch_scorer.shard_count(n, settings.shard_series))
    with StagedHistory(shards, count, origin) as history:
        if not history.series:
            raise dg.Failure(f"batch_forecasts: no series delivered observations in partition {context.partition_key} "
                             f"(before origin {origin}); collect that raw_series partition first")
        forecasts, skipped, factors = served_forecasts(context, batch_scorer, model, champion, history, origin,
                                                       settings)
        active, n_shards = history.series, history.count
    forecasts = forecasts.assign(forecast_day=period_start, origin=origin, model_version=champion.version, dataset_version=champion.dataset_version)
    yield dg.Output(forecasts, metadata={
        "dagster/row_count": len(forecasts),
        "series": len(active),
        "shards": n_shards,
        "fallback_series": dg.MetadataValue.json(sorted(skipped)),
        "fallback_count": len(skipped),
        "model_version": champion.version,
        "served_by": "seasonal_naive" if serves_seasonal_naive(champion) else "model",
        "scored_by": type(batch_scorer).__name__,
        "interval_factors": dg.MetadataValue.json({str(level): round(f, 3) for level, f in factors.items()}),
        "dataset_version": champion.dataset_version,
        "preview": dg.MetadataValue.md(forecasts.head(8).round(2).to_markdown(index=False)),
    })
    yield from evaluate_forecast_checks(forecasts, active, settings)


defs = dg.Definitions(assets=[batch_forecasts])
