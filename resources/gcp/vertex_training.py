"""The training backend on Vertex AI: the trainer image runs as a custom job with the same arguments as locally.

The job reports through Dagster Pipes over GCS (a context file and message chunks beside the model dir), so its log lines and
metadata reach the Dagster run while it runs, as the local subprocess's do.
"""

import json

import dagster as dg

from resources.gcp.clients import init_vertex, split_gs_uri, storage_client, vertex_labels
from resources.gcp.gcs_artifacts import read_gcs_uri
from resources.gcp.vertex_job_control import (
    SUCCEEDED,
    console_link,
    remove_objects,
    run_labels,
    wait_for_jobs,
)
from resources.training import TrainingBackend, TrainingJobSpec, TrainingResult


def worker_pool_specs(spec: TrainingJobSpec, machine: dict, replica_count: int, env: dict[str, str]) -> list[dict]:
    """The trainer image's worker pools: its entrypoint is `python -m trainer.task`, so only args and env are given.

    Vertex AI wants exactly one replica in the first (chief) pool; further replicas form a second pool.
    """
    container = {"image_uri": spec.image_uri, "args": list(spec.args),
                 "env": [{"name": name, "value": value} for name, value in env.items()]}
    pools = [{"machine_spec": machine, "replica_count": 1, "container_spec": container}]
    if replica_count > 1:
        pools.append({"machine_spec": machine, "replica_count": replica_count - 1, "container_spec": container})
    return pools


def base_output_dir(model_dir: str) -> str:
    """The job's base output directory: Vertex sets AIP_MODEL_DIR to <base>/model, so base is model_dir's parent."""
    bucket, path = split_gs_uri(model_dir)  # Vertex workers can only write to gs:// model dirs
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    return f"gs://{bucket}/{parent}" if parent else f"gs://{bucket}"


class VertexCustomJobBackend(TrainingBackend):
    """Runs the trainer image as a Vertex AI custom job connected through Dagster Pipes over GCS; cancels it if the run stops."""

    project: str
    location: str
    staging_bucket: str  # gs://bucket for Vertex's staging files
    service_account: str = ""
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1
    storage_endpoint: str = ""  # empty = the real GCS (or STORAGE_EMULATOR_HOST)
    machine_type: str = "n1-standard-4"
    accelerator_type: str = ""  # e.g. "NVIDIA_TESLA_T4"; the trainer then runs XGBoost with device="cuda"
    accelerator_count: int = 0
    replica_count: int = 1  # the trainer trains on the chief replica only: more replicas would idle
    poll_seconds: float = 30.0
    pipes_interval_seconds: float = 10.0  # how often the trainer uploads message chunks and Dagster reads them
    cancel_wait_seconds: float = 5.0  # after cancelling, how long to wait for CANCELLED (Cloud Run kills 10 s after SIGTERM)
    timeout_seconds: int = 86400  # the job's scheduling.timeout (VERTEX_JOB_TIMEOUT_SECONDS); 0 = Vertex's 7 days

    def machine_spec(self) -> dict:
        """The worker machine: machine type, plus the accelerator when one is configured."""
        if self.accelerator_count < 0 or bool(self.accelerator_type) != (self.accelerator_count > 0):
            raise dg.Failure(description=f"accelerator_type ({self.accelerator_type!r}) and accelerator_count "
                                         f"({self.accelerator_count}) must be set together")
        if self.replica_count < 1:
            raise dg.Failure(description=f"replica_count must be at least 1, not {self.replica_count}")
        machine = {"machine_type": self.machine_type}
        if self.accelerator_count:
            machine |= {"accelerator_type": self.accelerator_type, "accelerator_count": self.accelerator_count}
        return machine

    def compute(self) -> dict:
        """What the job ran on, recorded with the model version's metrics."""
        return {"machine_type": self.machine_type, "accelerator_type": self.accelerator_type or None,
                "accelerator_count": self.accelerator_count, "replica_count": self.replica_count}

    def submit(self, spec: TrainingJobSpec, env: dict[str, str]):
        """Create the custom job for spec with env in its container and return the submitted aiplatform.CustomJob."""
        machine = self.machine_spec()
        aiplatform = init_vertex(self.project, self.location, self.staging_bucket, self.api_endpoint or None)
        args = list(spec.args) + (["--device", "cuda"] if self.accelerator_count else [])
        job = aiplatform.CustomJob(
            display_name=spec.display_name,
            worker_pool_specs=worker_pool_specs(spec.model_copy(update={"args": args}), machine,
                                                self.replica_count, env),
            base_output_dir=base_output_dir(spec.model_dir),
            labels=vertex_labels(spec.labels),
            staging_bucket=spec.staging_bucket or self.staging_bucket,
        )
        job.submit(service_account=spec.service_account or self.service_account or None,
                   timeout=self.timeout_seconds or None)
        return job

    def run(self, context: dg.AssetExecutionContext, spec: TrainingJobSpec) -> TrainingResult:
        self.machine_spec()  # a bad machine configuration fails before anything is written or submitted
        if self.replica_count > 1:
            context.log.warning(f"replica_count {self.replica_count}: the trainer trains on the chief replica only; "
                                f"the other {self.replica_count - 1} exit at once")
        from dagster_gcp.pipes import PipesGCSContextInjector  # lazily: it loads the Google clients

        from resources.gcp.pipes_gcs import PrefixedGCSMessageReader

        client = storage_client(self.project, self.storage_endpoint or None)
        # Beside the model dir: the trainer already writes there, and Dagster reads metrics.json from there.
        bucket, base = split_gs_uri(base_output_dir(spec.model_dir))
        prefix = f"{base}/dagster-pipes/" if base else "dagster-pipes/"
        with dg.open_pipes_session(
            context=context,
            context_injector=PipesGCSContextInjector(bucket=bucket, client=client, key_prefix=prefix),
            message_reader=PrefixedGCSMessageReader(bucket=bucket, client=client, key_prefix=prefix,
                                                     interval=self.pipes_interval_seconds),
        ) as session:
            env = {**spec.env, **session.get_bootstrap_env_vars(),
                   "TRAINER_PIPES_UPLOAD_SECONDS": str(self.pipes_interval_seconds)}
            # The full run id, so a run that dies without cancelling its job can be found by it (sensors/vertex_orphans.py).
            job = self.submit(spec.model_copy(update={"labels": run_labels(spec.labels, context.run_id)}), env)
            link = console_link(self.project, self.location, job.name)
            context.log.info(f"Vertex AI custom job {job.resource_name} submitted: {link}")
            (state,) = wait_for_jobs(context, [job], [link], self.poll_seconds, self.cancel_wait_seconds)
        remove_objects(client, bucket, session.message_reader_params["key_prefix"] + "/")  # this session's chunks only
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
        invocation = dg.PipesClientCompletedInvocation(session, metadata={
            "vertex_job": dg.MetadataValue.url(link), "model_dir": dg.MetadataValue.path(spec.model_dir),
            "compute": dg.MetadataValue.json(self.compute())})
        return TrainingResult(model_dir=spec.model_dir, metrics={**metrics, "compute": self.compute()},
                              job_link=link, materialize_result=invocation.get_materialize_result())
