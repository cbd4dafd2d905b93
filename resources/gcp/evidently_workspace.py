"""The monitoring workspace on a bucket: the same Evidently workspace format, opened through fsspec (gcsfs)."""

from resources.monitoring_local import _OPEN_WORKSPACES, LocalEvidentlyWorkspace


class GcsEvidentlyWorkspace(LocalEvidentlyWorkspace):
    """Evidently snapshots under gs://bucket/prefix/evidently, which the dashboard service serves with `evidently ui`."""

    storage_endpoint: str = ""  # empty = the real GCS (or STORAGE_EMULATOR_HOST); e.g. 127.0.0.1:9023 for the emulator

    def _workspace(self):
        from evidently.ui.workspace import Workspace

        from resources.gcp.gcs_filesystem import route_gs_urls

        if not self.path.startswith("gs://"):
            raise ValueError(f"GcsEvidentlyWorkspace needs a gs:// path, not {self.path!r}")
        key = (self.path, self.storage_endpoint)
        if key not in _OPEN_WORKSPACES:
            # Evidently builds its filesystems from the URL: gs:// must be the plain gcsfs (no gRPC bucket probe).
            route_gs_urls(self.storage_endpoint or None)
            _OPEN_WORKSPACES[key] = Workspace(self.path)  # no local folder is made
        return _OPEN_WORKSPACES[key]

    def location(self) -> str:
        return self.path
