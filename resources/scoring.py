"""Where batch forecasts are scored: in the orchestrator's process, or as remote jobs of the trainer image per shard.

Either way the same trainer code runs (trainer/predict.py score_history: ForecastModel.predict plus the interval
scores the served intervals are rescaled on); the caller pools the scores, rescales and adds the seasonal-naive
fallback, so the forecasts do not depend on where they were scored.
"""

import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass

import dagster as dg
import numpy as np
import pandas as pd

from resources.registry import ModelVersion


@dataclass
class ScoredForecasts:
    """What scoring a panel produced: the model's forecasts (its own intervals, sorted by series and step), the
    series too short for it, and {level: interval scores} over the recent origins."""

    forecasts: pd.DataFrame
    skipped: list[str]
    scores: dict


def shard_of(series_ids, shards: int) -> np.ndarray:
    """Each series' shard: a stable hash of its id (CRC-32, the same in every process and release) mod shards."""
    ids = pd.Series(series_ids, dtype=object).astype(str)
    codes, uniques = pd.factorize(ids)
    hashed = np.array([zlib.crc32(s.encode("utf-8")) % shards for s in uniques], dtype=np.int64)
    return hashed[codes]


class BatchScorer(dg.ConfigurableResource, ABC):
    """Scores the champion on the recent history of every active series, for batch_forecasts."""

    @abstractmethod
    def score(self, context: dg.AssetExecutionContext, model, version: ModelVersion, history: pd.DataFrame,
              origin: pd.Timestamp, recent_origins: list, levels: tuple) -> ScoredForecasts:
        """Forecast H steps after each series' history (model is version loaded) and score the recent origins."""


class InProcessBatchScorer(BatchScorer):
    """Scores in the orchestrator's own process (the default: panels that fit its memory)."""

    def score(self, context, model, version, history, origin, recent_origins, levels) -> ScoredForecasts:
        from trainer.predict import score_history

        forecasts, skipped, scores = score_history(model, history, origin, recent_origins, levels)
        context.log.info(f"scored {history['series_id'].nunique()} series in-process with model {version.version}")
        return ScoredForecasts(forecasts, sorted(skipped), scores)
