"""The monitoring workspace on a bucket: the same Evidently workspace format, opened through fsspec (gcsfs)."""

from resources.monitoring_local import LocalEvidentlyWorkspace


class GcsEvidentlyWorkspace(LocalEvidentlyWorkspace):
    """Evidently snapshots under gs://bucket/prefix/evidently, which the dashboard service serves with `evidently ui`."""

    def _workspace(self):
        from evidently.ui.workspace import Workspace

        if not self.path.startswith("gs://"):
            raise ValueError(f"GcsEvidentlyWorkspace needs a gs:// path, not {self.path!r}")
        return Workspace(self.path)  # fsspec opens gs:// with gcsfs; no local folder is made

    def location(self) -> str:
        return self.path
