"""The GCP implementations of the resource interfaces: GCS, BigQuery, Vertex AI and Cloud Logging.

Importing this package loads no Google client library; each resource creates its client on first use.
"""

from resources.gcp.bigquery_warehouse import BigQueryWarehouse
from resources.gcp.cloud_logging_alerts import CloudLoggingAlerter
from resources.gcp.evidently_workspace import GcsEvidentlyWorkspace
from resources.gcp.gcs_artifacts import GcsArtifactStore
from resources.gcp.vertex_experiments import VertexExperimentTracker
from resources.gcp.vertex_registry import VertexModelRegistry
from resources.gcp.vertex_training import VertexCustomJobBackend

__all__ = ["BigQueryWarehouse", "CloudLoggingAlerter", "GcsArtifactStore", "GcsEvidentlyWorkspace", "VertexCustomJobBackend",
           "VertexExperimentTracker", "VertexModelRegistry"]
