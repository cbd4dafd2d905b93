"""Experiment tracking on Vertex AI Experiments: one experiment run per training, with params and metrics."""

import re

import pandas as pd

from resources.experiments import ExperimentTracker
from resources.gcp.clients import init_vertex


def run_id(run_name: str) -> str:
    """run_name as a Vertex experiment run id: lowercase letters, digits and dashes, starting with a letter or digit."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", run_name.lower()).strip("-")
    if not cleaned:
        raise ValueError(f"run name {run_name!r} has no letters or digits to name a Vertex experiment run")
    return cleaned[:100]


def curve_summary(time_series: dict[str, list[float]]) -> dict[str, float]:
    """Per-step curves as the summary metrics Vertex can hold without a TensorBoard: last, min and the step of min."""
    summary = {}
    for name, values in time_series.items():
        if values:
            best = min(range(len(values)), key=values.__getitem__)
            summary.update({f"{name}_last": float(values[-1]), f"{name}_min": float(values[best]),
                            f"{name}_argmin": float(best)})
    return summary


class VertexExperimentTracker(ExperimentTracker):
    """Runs in a Vertex AI experiment (VERTEX_EXPERIMENT); per-step curves go to its TensorBoard when one is set."""

    project: str
    location: str
    tensorboard: str = ""  # a Vertex TensorBoard resource name; empty = curves are logged as summary metrics
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1

    def _sdk(self):
        return init_vertex(self.project, self.location, api_endpoint=self.api_endpoint or None,
                           experiment=self.experiment, experiment_tensorboard=self.tensorboard or False)

    def log_run(self, run_name, params, metrics, time_series=None) -> str:
        aiplatform = self._sdk()
        run = aiplatform.start_run(run_id(run_name))
        try:
            # Vertex keeps params and metrics as flat str/float values.
            aiplatform.log_params({key: _param(value) for key, value in params.items()})
            numeric = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if self.tensorboard:
                for name, values in (time_series or {}).items():
                    for step, value in enumerate(values):
                        aiplatform.log_time_series_metrics({name: float(value)}, step=step)
            else:
                numeric.update(curve_summary(time_series or {}))
            aiplatform.log_metrics(numeric)
        except Exception:
            aiplatform.end_run(state=aiplatform.gapic.Execution.State.FAILED)
            raise
        aiplatform.end_run()
        return run.resource_name

    def runs(self) -> pd.DataFrame:
        """One row per run: run_name, run_id (as log_run returned it), `param.*` and `metric.*`, as the local tracker."""
        frame = self._sdk().get_experiment_df(self.experiment)
        if frame.empty:
            return pd.DataFrame(columns=["run_name", "run_id"])
        store = f"projects/{self.project}/locations/{self.location}/metadataStores/default/contexts"
        frame.insert(1 + list(frame.columns).index("run_name"), "run_id",
                     [f"{store}/{self.experiment}-{name}" for name in frame["run_name"]])
        keep = ["run_name", "run_id"] + [c for c in frame.columns if c.startswith(("param.", "metric."))]
        return frame[keep].reset_index(drop=True)


def _param(value):
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    return str(value)
