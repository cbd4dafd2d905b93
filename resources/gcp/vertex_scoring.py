"""Batch scoring on Vertex AI: one custom job of the trainer image per shard of series (`python -m trainer.predict`).

The orchestrator writes each shard's history to GCS as it reads it, one shard at a time (a series' shard is a
stable hash of its id, resources/shards.py shard_of), so it never builds any shard's features: each job loads the
registered model files itself, scores its shard and writes forecasts and interval scores beside its history; the
jobs run in parallel.
"""

import io
import json

import dagster as dg
import pandas as pd

from resources.gcp.clients import init_vertex, storage_client, vertex_labels
from resources.gcp.gcs_artifacts import GcsArtifactStore
from resources.gcp.vertex_job_control import SUCCEEDED, console_link, remove_objects, run_labels, wait_for_jobs
from resources.scoring import BatchScorer, ScoredForecasts, merged_shards

PREDICT_COMMAND = ["python", "-m", "trainer.predict"]  # replaces the trainer image's entrypoint (trainer.task)


class VertexBatchScorer(BatchScorer):
    """Scores the champion in one Vertex AI custom job of the trainer image per shard; cancels them if the run stops."""

    project: str
    location: str
    bucket: str  # where the shards' history and outputs go: gs://bucket/prefix/scoring/<run>/<partition>/shard-NNN/
    prefix: str = ""
    image_uri: str  # the trainer image
    staging_bucket: str = ""  # gs://bucket for Vertex's staging files; empty = gs://<bucket>
    service_account: str = ""
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1
    storage_endpoint: str = ""  # empty = the real GCS (or STORAGE_EMULATOR_HOST)
    machine_type: str = "n1-standard-4"
    # At least this many jobs per batch_forecasts partition (VERTEX_SCORING_SHARDS), more when a shard would hold
    # over settings.shard_series series (the orchestrator reads one shard at a time); empty shards start no job.
    shards: int = 4
    poll_seconds: float = 30.0
    cancel_wait_seconds: float = 5.0
    timeout_seconds: int = 86400  # each job's scheduling.timeout (VERTEX_JOB_TIMEOUT_SECONDS); 0 = Vertex's 7 days

    def _store(self) -> GcsArtifactStore:
        return GcsArtifactStore(bucket=self.bucket, prefix=self.prefix, project=self.project,
                                endpoint=self.storage_endpoint)

    def shard_count(self, n_series: int, shard_series: int) -> int:
        """At least `shards` jobs, so they run in parallel, and none holding more than about shard_series series."""
        return max(self.shards, super().shard_count(n_series, shard_series))

    def score(self, context, model, version, history, origin, recent_origins, levels) -> ScoredForecasts:
        if self.shards < 1:
            raise dg.Failure(description=f"VertexBatchScorer.shards must be at least 1, not {self.shards}")
        if not version.uri.startswith("gs://"):
            raise dg.Failure(description=f"model version {version.version} is at {version.uri}, not on GCS: "
                                         "a Vertex AI job cannot read it (register it with the Vertex registry)")
        store = self._store()
        part = context.partition_key if context.has_partition_key else "unpartitioned"
        run_key = f"scoring/{context.run_id}/{part}"
        options = ["--origin", pd.Timestamp(origin).isoformat(), "--levels", ",".join(str(level) for level in levels)]
        for first in recent_origins:
            options += ["--recent-origin", pd.Timestamp(first).isoformat()]
        aiplatform = init_vertex(self.project, self.location, self.staging_bucket or f"gs://{self.bucket}",
                                 self.api_endpoint or None)
        jobs, links, keys = [], [], []
        # One shard at a time: its rows are written and dropped before the next shard is read.
        for shard, rows in history:
            key = f"{run_key}/shard-{shard:03d}"
            history_uri = store.write_bytes(f"{key}/history.parquet", rows.to_parquet(index=False))
            args = ["--model-dir", version.uri, "--history-uri", history_uri, "--output-dir", store.uri(f"{key}/output"),
                    *options]
            job = self._submit(aiplatform, f"score-{part}-shard-{shard}-of-{history.count}", args,
                               run_labels({"asset": "batch_forecasts", "partition": part, "shard": str(shard)},
                                          context.run_id))
            jobs.append(job)
            links.append(console_link(self.project, self.location, job.name))
            keys.append(key)
            context.log.info(f"scoring shard {shard} of {history.count} ({rows['series_id'].nunique()} series) in "
                             f"Vertex AI custom job {job.resource_name}: {links[-1]}")
        states = wait_for_jobs(context, jobs, links, self.poll_seconds, self.cancel_wait_seconds)
        failed = [(job, link, state) for job, link, state in zip(jobs, links, states) if state != SUCCEEDED]
        if failed:
            lines = [f"{job.display_name} ended in {state}: {job.gca_resource.error.message or 'no error message'} "
                     f"({link})" for job, link, state in failed]
            raise dg.Failure(description=f"{len(failed)} of {len(jobs)} scoring jobs failed (their inputs are kept "
                                         f"under {store.uri(run_key)}):\n" + "\n".join(lines),
                             metadata={"vertex_jobs": dg.MetadataValue.json(links)})
        scored = self._collect(store, keys, levels)
        remove_objects(storage_client(self.project, self.storage_endpoint or None), self.bucket,
                       store.object_name(run_key) + "/")
        return scored

    def _submit(self, aiplatform, display_name: str, args: list[str], labels: dict):
        """Create one scoring job (the trainer image, its predict entry point) and return the submitted CustomJob."""
        container = {"image_uri": self.image_uri, "command": PREDICT_COMMAND, "args": args}
        job = aiplatform.CustomJob(
            display_name=display_name, labels=vertex_labels(labels),
            worker_pool_specs=[{"machine_spec": {"machine_type": self.machine_type}, "replica_count": 1,
                                "container_spec": container}],
            staging_bucket=self.staging_bucket or f"gs://{self.bucket}")
        job.submit(service_account=self.service_account or None, timeout=self.timeout_seconds or None)
        return job

    @staticmethod
    def _collect(store: GcsArtifactStore, keys: list[str], levels) -> ScoredForecasts:
        """Every shard's outputs as one result, forecasts in series order as the in-process scorer gives them."""
        from trainer.predict import FORECASTS_FILE, SCORES_FILE, SKIPPED_FILE, scores_from_frame

        forecasts, scores, skipped = [], [], []
        for key in keys:
            forecasts.append(pd.read_parquet(io.BytesIO(store.read_bytes(f"{key}/output/{FORECASTS_FILE}"))))
            frame = pd.read_parquet(io.BytesIO(store.read_bytes(f"{key}/output/{SCORES_FILE}")))
            scores.append(scores_from_frame(frame, levels))
            skipped += json.loads(store.read_bytes(f"{key}/output/{SKIPPED_FILE}"))
        return merged_shards(forecasts, skipped, scores, levels)
