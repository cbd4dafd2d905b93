"""Where batch forecasts are scored: in the orchestrator's process, or as remote jobs of the trainer image per shard.

Either way the same trainer code runs on each shard of series (trainer/predict.py score_history: ForecastModel.predict
plus the interval scores the served intervals are rescaled on); the shards' results are merged here, and the caller
pools the scores, rescales and adds the seasonal-naive fallback, so the forecasts depend neither on where they were
scored nor on how the series were sharded.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import dagster as dg
import numpy as np
import pandas as pd

from resources.registry import ModelVersion
from resources.shards import shard_count


@dataclass
class ScoredForecasts:
    """What scoring a panel produced: the model's forecasts (its own intervals, sorted by series and step), the
    series too short for it, and {level: interval scores} over the recent origins."""

    forecasts: pd.DataFrame
    skipped: list[str]
    scores: dict


def merged_shards(forecasts: list[pd.DataFrame], skipped: list[str], scores: list[dict], levels) -> ScoredForecasts:
    """Each shard's (forecasts, skipped, {level: scores}) as one result, forecasts sorted by series and step."""
    # A shard whose series are all too short has an empty frame: left out, so it cannot change the columns' dtypes.
    parts = [frame for frame in forecasts if len(frame)] or forecasts[:1]
    frame = (pd.concat(parts, ignore_index=True).sort_values(["series_id", "step"], kind="stable", ignore_index=True)
             if parts else pd.DataFrame())
    pooled = {level: np.concatenate([part[level] for part in scores]) if scores else np.empty(0) for level in levels}
    return ScoredForecasts(frame, sorted(skipped), pooled)


class BatchScorer(dg.ConfigurableResource, ABC):
    """Scores the champion on the recent history of every active series, one shard of series at a time."""

    def shard_count(self, n_series: int, shard_series: int) -> int:
        """How many shards n_series are scored in: about shard_series series each (settings.shard_series)."""
        return shard_count(n_series, shard_series)

    @abstractmethod
    def score(self, context: dg.AssetExecutionContext, model, version: ModelVersion, history,
              origin: pd.Timestamp, recent_origins: list, levels: tuple) -> ScoredForecasts:
        """Forecast H steps after each series' history (model is version loaded) and score the recent origins.

        history yields (shard, rows) one shard at a time and has `count`, the number of shards
        (forecast_assets/serving_history.py StagedHistory)."""


class InProcessBatchScorer(BatchScorer):
    """Scores in the orchestrator's own process, shard after shard (the default)."""

    def score(self, context, model, version, history, origin, recent_origins, levels) -> ScoredForecasts:
        from trainer.predict import score_history

        forecasts, skipped, scores, n_series = [], [], [], 0
        for _, rows in history:
            shard_forecasts, shard_skipped, shard_scores = score_history(model, rows, origin, recent_origins, levels)
            forecasts.append(shard_forecasts)
            skipped += shard_skipped
            scores.append(shard_scores)
            n_series += rows["series_id"].nunique()
        context.log.info(f"scored {n_series} series in {len(forecasts)} shards in-process with model {version.version}")
        return merged_shards(forecasts, skipped, scores, levels)
