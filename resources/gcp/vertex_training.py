"""The training backend on Vertex AI: the trainer image runs as a custom job with the same arguments as locally."""

import json
import time

import dagster as dg

from resources.gcp.clients import init_vertex, split_gs_uri, vertex_labels
from resources.gcp.gcs_artifacts import read_gcs_uri
from resources.training import TrainingBackend, TrainingJobSpec, TrainingResult

SUCCEEDED = "JOB_STATE_SUCCEEDED"
FAILED_STATES = ("JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED")


def console_link(project: str, location: str, job_id: str) -> str:
    """The Cloud console page of a Vertex AI custom job."""
    return f"https://console.cloud.google.com/vertex-ai/locations/{location}/training/{job_id}?project={project}"


def worker_pool_specs(spec: TrainingJobSpec) -> list[dict]:
    """One worker running the trainer image; its entrypoint is `python -m trainer.task`, so only args are given."""
    machine = {"machine_type": spec.machine_type}
    if spec.accelerator_type and spec.accelerator_count > 0:
        machine["accelerator_type"] = spec.accelerator_type
        machine["accelerator_count"] = spec.accelerator_count
    return [{
        "machine_spec": machine,
        "replica_count": 1,
        "container_spec": {
            "image_uri": spec.image_uri,
            "args": list(spec.args),
            "env": [{"name": name, "value": value} for name, value in spec.env.items()],
        },
    }]


def base_output_dir(model_dir: str) -> str:
    """The job's base output directory: Vertex sets AIP_MODEL_DIR to <base>/model, so base is model_dir's parent."""
    bucket, path = split_gs_uri(model_dir)  # Vertex workers can only write to gs:// model dirs
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    return f"gs://{bucket}/{parent}" if parent else f"gs://{bucket}"


def flat_metrics(metrics: dict, prefix: str = "") -> dict[str, float]:
    """The numeric scalars of a nested metrics dict, keyed like test_smape; curves (lists) are left out."""
    flat = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_metrics(value, prefix=f"{name}_"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


class VertexCustomJobBackend(TrainingBackend):
    """Runs the trainer image as a Vertex AI custom job, waits for it, and reads metrics.json from the model dir."""

    project: str
    location: str
    staging_bucket: str  # gs://bucket for Vertex's staging files
    service_account: str = ""
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1
    storage_endpoint: str = ""  # empty = the real GCS (or STORAGE_EMULATOR_HOST)
    poll_seconds: float = 30.0
    timeout_seconds: int = 0  # 0 = Vertex's default limit (7 days)

    def submit(self, spec: TrainingJobSpec):
        """Create the custom job for spec and return the submitted aiplatform.CustomJob."""
        aiplatform = init_vertex(self.project, self.location, self.staging_bucket, self.api_endpoint or None)
        job = aiplatform.CustomJob(
            display_name=spec.display_name,
            worker_pool_specs=worker_pool_specs(spec),
            base_output_dir=base_output_dir(spec.model_dir),
            labels=vertex_labels(spec.labels),
            staging_bucket=spec.staging_bucket or self.staging_bucket,
        )
        job.submit(service_account=spec.service_account or self.service_account or None,
                   timeout=self.timeout_seconds or None)
        return job

    def run(self, context: dg.AssetExecutionContext, spec: TrainingJobSpec) -> TrainingResult:
        job = self.submit(spec)
        link = console_link(self.project, self.location, job.name)
        context.log.info(f"Vertex AI custom job {job.resource_name} submitted: {link}")
        state = self._wait(job)
        if state != SUCCEEDED:
            error = job.gca_resource.error.message or "no error message"
            raise dg.Failure(
                description=f"Vertex AI custom job {spec.display_name} ended in {state}: {error}",
                metadata={"vertex_job": dg.MetadataValue.url(link), "state": state, "error": error},
            )
        metrics_uri = spec.model_dir.rstrip("/") + "/metrics.json"
        try:
            metrics = json.loads(read_gcs_uri(metrics_uri, self.project, self.storage_endpoint or None))
        except FileNotFoundError as missing:
            raise dg.Failure(description=f"job {job.name} succeeded but wrote no metrics: {missing}",
                             metadata={"vertex_job": dg.MetadataValue.url(link)}) from None
        metadata = {**flat_metrics(metrics), "vertex_job": dg.MetadataValue.url(link),
                    "model_dir": dg.MetadataValue.path(spec.model_dir)}
        return TrainingResult(model_dir=spec.model_dir, metrics=metrics, job_link=link,
                              materialize_result=dg.MaterializeResult(metadata=metadata))

    def _wait(self, job) -> str:
        # Our own loop (not CustomJob.wait) so the poll interval is configuration and failures keep their state.
        while True:
            state = job.state.name  # each read fetches the job again
            if state == SUCCEEDED or state in FAILED_STATES:
                return state
            time.sleep(self.poll_seconds)
