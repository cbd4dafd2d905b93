"""Local experiment tracking: training runs and their metric curves as warehouse tables."""

import json
import uuid

import dagster as dg
import pandas as pd

from resources.experiments import ExperimentTracker
from resources.warehouse import Warehouse

RUNS_TABLE = "experiment_runs"
SERIES_TABLE = "experiment_metric_series"


class LocalExperimentTracker(ExperimentTracker):
    """Runs in `experiment_runs` (params, final metrics as JSON); curves in `experiment_metric_series`, a row per step."""

    warehouse: dg.ResourceDependency[Warehouse]

    def log_run(self, run_name: str, params: dict, metrics: dict[str, float],
                time_series: dict[str, list[float]] | None = None) -> str:
        """Record one run with its parameters, final metrics and per-step series; return its run id."""
        run_id = f"{run_name}-{uuid.uuid4().hex[:12]}"
        final = {name: _number(value, run_name, name) for name, value in metrics.items()}
        self.warehouse.write(RUNS_TABLE, pd.DataFrame([{
            "experiment": self.experiment,
            "run_name": run_name,
            "run_id": run_id,
            "created_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
            "params": json.dumps(params, sort_keys=True, default=str),
            "metrics": json.dumps(final, sort_keys=True),
        }]))
        series = [
            {"run_id": run_id, "metric": metric, "step": step, "value": _number(value, run_name, metric)}
            for metric, values in (time_series or {}).items()
            for step, value in enumerate(values)
        ]
        if series:
            self.warehouse.write(SERIES_TABLE, pd.DataFrame(series).astype({"step": "int64", "value": "float64"}))
        return run_id

    def runs(self) -> pd.DataFrame:
        """One row per run of this experiment, oldest first: run_name, run_id, created_at, `param.*`, `metric.*`."""
        stored = self.warehouse.read(RUNS_TABLE, where={"experiment": self.experiment})
        if stored.empty:
            return pd.DataFrame(columns=["run_name", "run_id", "created_at"])
        stored = stored.sort_values("created_at", kind="stable").reset_index(drop=True)
        params = pd.json_normalize(stored["params"].map(json.loads).tolist()).add_prefix("param.")
        metrics = pd.DataFrame(stored["metrics"].map(json.loads).tolist()).add_prefix("metric.")
        return pd.concat([stored[["run_name", "run_id", "created_at"]], params, metrics], axis=1)

    def metric_series(self, run_id: str) -> pd.DataFrame:
        """The per-step curves of one run: metric, step, value, in step order."""
        series = self.warehouse.read(SERIES_TABLE, where={"run_id": run_id})
        if series.empty:
            return pd.DataFrame(columns=["metric", "step", "value"])
        return series.sort_values(["metric", "step"])[["metric", "step", "value"]].reset_index(drop=True)


def _number(value, run_name: str, metric: str) -> float:
    """value as a float; a clear error names the run and metric when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"experiment run {run_name!r}: metric {metric!r} is not a number: {value!r}") from error
