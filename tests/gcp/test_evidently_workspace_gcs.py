"""The Evidently monitoring workspace on a bucket (gcp-storage-emulator): snapshots land as objects, gs:// is plain gcsfs."""

import pandas as pd
import pytest

from benchmarks.drift_report import feature_columns, synthetic_panel
from monitoring.drift import drift_report
from resources.gcp.evidently_workspace import GcsEvidentlyWorkspace
from resources.gcp.gcs_filesystem import gcs_filesystem, gcs_options

DAY = pd.Timestamp("2024-01-20")


@pytest.fixture(scope="module")
def snapshot():
    """One day's drift report of 3 series against the days before it."""
    panel = synthetic_panel(series=3, days=21)
    day = panel["timestamp"].dt.floor("D")
    return drift_report(panel[day < DAY], panel[day == DAY], feature_columns(panel)).snapshot


def test_a_snapshot_is_stored_as_objects_under_the_workspace_path_in_the_bucket(gcs_bucket, snapshot):
    endpoint, bucket = gcs_bucket
    workspace = GcsEvidentlyWorkspace(path=f"gs://{bucket}/platform/evidently", storage_endpoint=endpoint)

    run_id = workspace.add_snapshot(snapshot)

    from evidently.ui.workspace import Workspace

    project_id = workspace.project_id()
    reopened = Workspace(workspace.location())  # a fresh reader, as the dashboard service opens it
    assert [str(run) for run in reopened.list_runs(project_id)] == [run_id]
    stored = gcs_filesystem(endpoint).find(f"{bucket}/platform/evidently")
    assert any(run_id in name for name in stored), stored


def test_gs_urls_open_with_the_plain_json_api_filesystem_anonymously_on_the_emulator(gcs_bucket, snapshot):
    import fsspec
    from gcsfs.core import GCSFileSystem

    endpoint, bucket = gcs_bucket
    GcsEvidentlyWorkspace(path=f"gs://{bucket}/evidently", storage_endpoint=endpoint).add_snapshot(snapshot)

    filesystem, _ = fsspec.core.url_to_fs(f"gs://{bucket}/evidently")
    assert type(filesystem) is GCSFileSystem  # not gcsfs' default ExtendedGcsFileSystem, which probes over gRPC
    assert gcs_options(endpoint) == {"endpoint_url": f"http://{endpoint}", "token": "anon"}
    assert filesystem.ls(f"{bucket}/evidently")


def test_the_workspace_refuses_a_path_that_is_not_on_a_bucket(tmp_path, snapshot):
    with pytest.raises(ValueError, match="needs a gs:// path"):
        GcsEvidentlyWorkspace(path=str(tmp_path)).add_snapshot(snapshot)
