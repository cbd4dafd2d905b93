"""The artifact store on Google Cloud Storage: keys become objects under gs://bucket/prefix/."""

from pathlib import Path

from pydantic import PrivateAttr

from resources.artifacts import ArtifactStore
from resources.gcp.clients import split_gs_uri, storage_client


class GcsArtifactStore(ArtifactStore):
    """Artifacts as objects in a GCS bucket under a prefix; URIs are gs://bucket/prefix/key."""

    bucket: str
    prefix: str = ""
    project: str = ""
    endpoint: str = ""  # e.g. 127.0.0.1:9023 for gcp-storage-emulator; empty = the real service (or STORAGE_EMULATOR_HOST)

    _client: object = PrivateAttr(default=None)

    def _bucket(self):
        if self._client is None:
            self._client = storage_client(self.project or None, self.endpoint or None)
        return self._client.bucket(self.bucket)

    def object_name(self, key: str) -> str:
        """The object name of key inside the bucket (prefix/key)."""
        parts = [self.prefix.strip("/"), key.strip("/")]
        return "/".join(part for part in parts if part)

    def uri(self, key: str) -> str:
        return f"gs://{self.bucket}/{self.object_name(key)}"

    def write_bytes(self, key: str, data: bytes) -> str:
        # A single-request upload replaces the object atomically: readers see the old or the new bytes.
        self._bucket().blob(self.object_name(key)).upload_from_string(data)
        return self.uri(key)

    def read_bytes(self, key: str) -> bytes:
        from google.api_core.exceptions import NotFound

        try:
            return self._bucket().blob(self.object_name(key)).download_as_bytes()
        except NotFound:
            raise FileNotFoundError(f"no artifact at {self.uri(key)}") from None

    def exists(self, key: str) -> bool:
        name = self.object_name(key)
        if self._bucket().blob(name).exists():
            return True
        # A "directory" exists when any object lives under it.
        return any(True for _ in self._bucket().list_blobs(prefix=name.rstrip("/") + "/", max_results=1))

    def upload_dir(self, local_dir: str, key_prefix: str) -> str:
        root = Path(local_dir)
        if not root.is_dir():
            raise FileNotFoundError(f"no directory to upload at {root}")
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            self._bucket().blob(self.object_name(f"{key_prefix.strip('/')}/{relative}")).upload_from_filename(str(path))
        return self.uri(key_prefix)

    def download_dir(self, key_prefix: str, local_dir: str) -> str:
        prefix = self.object_name(key_prefix).rstrip("/") + "/"
        count = download_prefix(self._bucket(), prefix, local_dir)
        if count == 0:
            raise FileNotFoundError(f"no artifacts under {self.uri(key_prefix)}")
        return local_dir


def download_prefix(bucket, prefix: str, local_dir: str) -> int:
    """Copy every object under prefix in bucket into local_dir, keeping relative paths; return how many."""
    count = 0
    for blob in bucket.list_blobs(prefix=prefix):
        relative = blob.name[len(prefix):]
        if not relative or relative.endswith("/"):
            continue  # folder placeholder objects
        target = Path(local_dir) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        blob.download_to_filename(str(target))
        count += 1
    return count


def read_gcs_uri(uri: str, project: str | None = None, endpoint: str | None = None) -> bytes:
    """The bytes of the object at a gs:// URI; FileNotFoundError names the URI when there is none."""
    from google.api_core.exceptions import NotFound

    bucket, name = split_gs_uri(uri)
    try:
        return storage_client(project, endpoint).bucket(bucket).blob(name).download_as_bytes()
    except NotFound:
        raise FileNotFoundError(f"no object at {uri}") from None
