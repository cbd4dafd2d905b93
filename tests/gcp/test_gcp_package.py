"""The GCP package loads no Google client library at import, so definitions load fast and offline."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BUILD_DEFINITIONS = """
import sys
import dagster as dg
from resources.gcp import (BigQueryWarehouse, CloudLoggingAlerter, GcsArtifactStore, VertexCustomJobBackend,
                           VertexExperimentTracker, VertexModelRegistry)
dg.Definitions(resources={
    "warehouse": BigQueryWarehouse(project="p", dataset="d"),
    "artifacts": GcsArtifactStore(bucket="b"),
    "training": VertexCustomJobBackend(project="p", location="europe-west4", staging_bucket="gs://s"),
    "experiments": VertexExperimentTracker(project="p", location="europe-west4"),
    "registry": VertexModelRegistry(project="p", location="europe-west4", model_name="m", bucket="b"),
    "alerter": CloudLoggingAlerter(),
})
heavy = sorted(m for m in sys.modules if m.startswith(("google.cloud.", "google.auth", "vertexai")))
print(",".join(heavy))
"""


def test_importing_the_resources_and_building_definitions_loads_no_google_client():
    done = subprocess.run([sys.executable, "-c", BUILD_DEFINITIONS], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
