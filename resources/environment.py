"""The one place that knows which environment we run in: FORECAST_ENV=local (default) or gcp picks every resource."""

import os
from pathlib import Path

import dagster as dg

ENVIRONMENTS = ("local", "gcp")

# Every setting the gcp environment reads (deploy/gcp.env.example lists them with placeholders).
GCP_REQUIRED = (
    "GCP_PROJECT",
    "GCP_REGION",
    "BIGQUERY_DATASET",
    "GCS_BUCKET",
    "VERTEX_STAGING_BUCKET",
    "VERTEX_SERVICE_ACCOUNT",
    "TRAINER_IMAGE_URI",
    "VERTEX_EXPERIMENT",
    "VERTEX_MODEL_NAME",
)

# Where batch_forecasts scores the model in the gcp environment (FORECAST_BATCH_SCORER): in the code location's
# process (default), or in Vertex AI custom jobs of the trainer image, at least VERTEX_SCORING_SHARDS of them per partition.
BATCH_SCORERS = ("in_process", "vertex")

# Where local emulators listen (host:port or URL), as `make demo-gcp` sets them; unset on a real project.
EMULATOR_SETTINGS = ("BIGQUERY_EMULATOR_HOST", "STORAGE_EMULATOR_HOST", "VERTEX_API_ENDPOINT")


class ForecastEnvironmentError(RuntimeError):
    """FORECAST_ENV or the settings it needs are wrong; the message says which."""


def current_environment() -> str:
    """FORECAST_ENV, validated: local (the default) or gcp."""
    env = os.getenv("FORECAST_ENV", "local").strip().lower() or "local"
    if env not in ENVIRONMENTS:
        raise ForecastEnvironmentError(f"FORECAST_ENV={env!r} is not known: use one of {', '.join(ENVIRONMENTS)}")
    return env


def forecast_home() -> Path:
    """The git-ignored folder holding all local state (FORECAST_HOME, default ./.forecast)."""
    return Path(os.getenv("FORECAST_HOME", ".forecast")).resolve()


def build_resources() -> dict:
    """The resource dict of the current environment."""
    env = current_environment()
    return _local_resources() if env == "local" else _gcp_resources()


def build_executor() -> dg.ExecutorDefinition:
    """One process locally (DuckDB is a single-writer file); parallel steps on GCP."""
    return dg.in_process_executor if current_environment() == "local" else dg.multiprocess_executor


def build_source():
    """The series source FORECAST_SOURCE names (resources/sources/spec.py; FORECAST_TIMESTAMP_FORMAT for a file's dates), else the synthetic scenario (at FORECAST_FREQ)."""
    from resources.sources.spec import source_from_spec
    from resources.sources.synthetic import SyntheticSeriesSource

    spec = os.getenv("FORECAST_SOURCE", "").strip()
    if spec and spec != "synthetic":
        return source_from_spec(spec, bigquery_endpoint=os.getenv("BIGQUERY_EMULATOR_HOST", ""),
                                timestamp_format=os.getenv("FORECAST_TIMESTAMP_FORMAT", "").strip() or None)
    return SyntheticSeriesSource(freq=os.getenv("FORECAST_FREQ", "").strip() or "h")


def _local_resources() -> dict:
    from resources.alerts_local import LocalAlerter
    from resources.artifacts import LocalArtifactStore
    from resources.datasets import DatasetCatalog
    from resources.duckdb_io import AtomicDuckDBPandasIOManager
    from resources.experiments_local import LocalExperimentTracker
    from resources.monitoring_local import LocalEvidentlyWorkspace
    from resources.registry_local import LocalModelRegistry
    from resources.scoring import InProcessBatchScorer
    from resources.settings import settings_from_env
    from resources.training_local import LocalProcessBackend
    from resources.warehouse import DuckDBWarehouse

    home = forecast_home()
    home.mkdir(parents=True, exist_ok=True)
    source = build_source()
    database = str(home / "warehouse.duckdb")
    warehouse = DuckDBWarehouse(database=database)
    return {
        "io_manager": AtomicDuckDBPandasIOManager(database=database, schema="forecast"),
        "warehouse": warehouse,
        "artifacts": LocalArtifactStore(root=str(home / "artifacts")),
        "dataset_catalog": DatasetCatalog(warehouse=warehouse),
        "source": source,
        "settings": settings_from_env(source=source),
        "training_backend": LocalProcessBackend(),
        "batch_scorer": InProcessBatchScorer(),
        "experiments": LocalExperimentTracker(warehouse=warehouse),
        "registry": LocalModelRegistry(root=str(home / "registry")),
        "monitoring_workspace": LocalEvidentlyWorkspace(path=str(home / "evidently")),
        "alerter": LocalAlerter(warehouse=warehouse, webhook_url=_webhook()),
    }


def _gcp_resources() -> dict:
    missing = [name for name in GCP_REQUIRED if not os.getenv(name)]
    if missing:
        raise ForecastEnvironmentError(
            "FORECAST_ENV=gcp needs these settings, which are not set: "
            + ", ".join(missing)
            + " (see deploy/gcp.env.example)"
        )
    from resources.gcp import (
        BigQueryWarehouse,
        CloudLoggingAlerter,
        GcsArtifactStore,
        GcsEvidentlyWorkspace,
        VertexCustomJobBackend,
        VertexExperimentTracker,
        VertexModelRegistry,
    )
    from resources.gcp.bigquery_io_manager import BigQueryAssetIOManager  # imports dagster-gcp: only here
    from resources.gcp.vertex_datasets import VertexDatasetCatalog
    from resources.gcp.vertex_run_jobs import VertexRunJobs
    from resources.settings import settings_from_env

    def env(name: str) -> dg.EnvVar:
        return dg.EnvVar(name)  # resolved when a run starts; nothing here touches the network

    def optional(name: str) -> str:
        return os.getenv(name, "")

    source = build_source()
    project, region, bucket, prefix = env("GCP_PROJECT"), env("GCP_REGION"), env("GCS_BUCKET"), optional("GCS_PREFIX")
    # Emulators (make demo-gcp) are named explicitly to every resource, not left for each client to find.
    bigquery_at, storage_at, vertex_at = (optional(name) for name in EMULATOR_SETTINGS)
    timeout_seconds = int(optional("VERTEX_JOB_TIMEOUT_SECONDS") or 86400)  # every custom job's scheduling.timeout
    warehouse = BigQueryWarehouse(project=project, dataset=env("BIGQUERY_DATASET"), location=optional("BIGQUERY_LOCATION"),
                                  api_endpoint=bigquery_at)
    return {
        "io_manager": BigQueryAssetIOManager(project=project, dataset=env("BIGQUERY_DATASET"),
                                             location=optional("BIGQUERY_LOCATION") or None, api_endpoint=bigquery_at),
        "warehouse": warehouse,
        "artifacts": GcsArtifactStore(bucket=bucket, prefix=prefix, project=project, endpoint=storage_at),
        "dataset_catalog": VertexDatasetCatalog(warehouse=warehouse, project=project, location=region,
                                                api_endpoint=vertex_at, storage_endpoint=storage_at),
        "source": source,
        "settings": settings_from_env(source=source, trainer_image=env("TRAINER_IMAGE_URI")),
        "training_backend": VertexCustomJobBackend(project=project, location=region,
                                                   staging_bucket=env("VERTEX_STAGING_BUCKET"),
                                                   service_account=env("VERTEX_SERVICE_ACCOUNT"),
                                                   poll_seconds=float(optional("VERTEX_POLL_SECONDS") or 30),
                                                   machine_type=optional("VERTEX_MACHINE_TYPE") or "n1-standard-4",
                                                   accelerator_type=optional("VERTEX_ACCELERATOR_TYPE"),
                                                   accelerator_count=int(optional("VERTEX_ACCELERATOR_COUNT") or 0),
                                                   replica_count=int(optional("VERTEX_REPLICA_COUNT") or 1),
                                                   timeout_seconds=timeout_seconds,
                                                   api_endpoint=vertex_at, storage_endpoint=storage_at),
        "batch_scorer": _batch_scorer(project, region, bucket, prefix, timeout_seconds, vertex_at, storage_at),
        "vertex_jobs": VertexRunJobs(project=project, location=region, api_endpoint=vertex_at),
        "experiments": VertexExperimentTracker(project=project, location=region, experiment=env("VERTEX_EXPERIMENT"),
                                               api_endpoint=vertex_at),
        "registry": VertexModelRegistry(project=project, location=region, model_name=env("VERTEX_MODEL_NAME"),
                                        bucket=bucket, prefix=prefix, api_endpoint=vertex_at, storage_endpoint=storage_at),
        "monitoring_workspace": GcsEvidentlyWorkspace(
            path=f"gs://{os.environ['GCS_BUCKET']}/{prefix + '/' if prefix else ''}evidently", storage_endpoint=storage_at),
        "alerter": CloudLoggingAlerter(webhook_url=_webhook()),
    }


def _batch_scorer(project, region, bucket, prefix: str, timeout_seconds: int, vertex_at: str, storage_at: str):
    """The batch scorer FORECAST_BATCH_SCORER names: in_process (default) or vertex (one job per shard of series)."""
    from resources.gcp.vertex_scoring import VertexBatchScorer
    from resources.scoring import InProcessBatchScorer

    choice = os.getenv("FORECAST_BATCH_SCORER", "").strip().lower() or "in_process"
    if choice not in BATCH_SCORERS:
        raise ForecastEnvironmentError(f"FORECAST_BATCH_SCORER={choice!r} is not known: use one of "
                                       f"{', '.join(BATCH_SCORERS)}")
    if choice == "in_process":
        return InProcessBatchScorer()
    return VertexBatchScorer(project=project, location=region, bucket=bucket, prefix=prefix,
                             image_uri=dg.EnvVar("TRAINER_IMAGE_URI"), staging_bucket=dg.EnvVar("VERTEX_STAGING_BUCKET"),
                             service_account=dg.EnvVar("VERTEX_SERVICE_ACCOUNT"),
                             machine_type=os.getenv("VERTEX_SCORING_MACHINE_TYPE", "") or "n1-standard-4",
                             shards=int(os.getenv("VERTEX_SCORING_SHARDS", "") or 4),
                             poll_seconds=float(os.getenv("VERTEX_POLL_SECONDS", "") or 30),
                             timeout_seconds=timeout_seconds, api_endpoint=vertex_at, storage_endpoint=storage_at)


def uses_vertex_jobs() -> bool:
    """Whether runs submit Vertex AI custom jobs, which a run that dies can leave running (the orphan sensor's case)."""
    return current_environment() == "gcp"


def _webhook():
    """The alert webhook (a secret) through dg.EnvVar when set; alerts stay local otherwise."""
    return dg.EnvVar("ALERT_WEBHOOK_URL") if os.getenv("ALERT_WEBHOOK_URL") else ""
