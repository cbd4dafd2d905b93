"""Experiment tracking: every training run with its parameters, per-step metric curves and final metrics."""

from abc import ABC, abstractmethod

import dagster as dg
import pandas as pd


class ExperimentTracker(dg.ConfigurableResource, ABC):
    """Records training runs so they can be compared (local warehouse tables, or Vertex AI Experiments)."""

    experiment: str = "forecast"

    @abstractmethod
    def log_run(self, run_name: str, params: dict, metrics: dict[str, float],
                time_series: dict[str, list[float]] | None = None) -> str:
        """Record one run: parameters, final metrics and per-step series (e.g. validation RMSE per round); return its id."""

    @abstractmethod
    def runs(self) -> pd.DataFrame:
        """One row per run: run_name, params and final metrics as columns."""
