"""Where the trainer runs: one job spec, run as a local subprocess or as a Vertex AI custom job."""

from abc import ABC, abstractmethod

import dagster as dg
from pydantic import BaseModel, Field


class TrainingJobSpec(BaseModel):
    """Everything needed to run the trainer once, the same for every backend (the container's command is `python -m trainer.task ARGS`)."""

    display_name: str
    args: list[str]  # arguments to `python -m trainer.task`, e.g. ["--dataset-uri", URI, "--model-dir", DIR, ...]
    model_dir: str  # where the trainer writes its model (AIP_MODEL_DIR on Vertex)
    env: dict[str, str] = Field(default_factory=dict)
    image_uri: str = "forecast-trainer:local"
    staging_bucket: str | None = None
    service_account: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class TrainingResult(BaseModel):
    """What a finished training job left behind."""

    model_dir: str  # URI of the directory holding model, feature spec and metrics.json
    metrics: dict  # the trainer's metrics.json
    materialize_result: object | None = None  # the Pipes MaterializeResult, when the backend ran through Pipes
    job_link: str | None = None  # console link of a remote job


class TrainingBackend(dg.ConfigurableResource, ABC):
    """Runs the trainer and returns its result; raises dg.Failure with the job's log tail or console link on failure."""

    @abstractmethod
    def run(self, context: dg.AssetExecutionContext, spec: TrainingJobSpec) -> TrainingResult:
        """Run spec to completion, streaming the trainer's log and metrics into the Dagster run."""
