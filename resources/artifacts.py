"""The artifact store: datasets, models and reports as files under one root (a local folder, or a GCS bucket)."""

import shutil
from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg


class ArtifactStore(dg.ConfigurableResource, ABC):
    """Files addressed by a relative key; each one also has a URI that other tools (the trainer, Vertex) can open."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """The URI of key: an absolute path locally, gs://bucket/prefix/key on GCP."""

    @abstractmethod
    def write_bytes(self, key: str, data: bytes) -> str:
        """Store data at key, replacing what was there; return its URI."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The bytes stored at key; FileNotFoundError names the URI when there are none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether something is stored at key."""

    @abstractmethod
    def upload_dir(self, local_dir: str, key_prefix: str) -> str:
        """Copy every file under local_dir to key_prefix; return the prefix's URI."""

    @abstractmethod
    def download_dir(self, key_prefix: str, local_dir: str) -> str:
        """Copy every file under key_prefix into local_dir; return local_dir."""


class LocalArtifactStore(ArtifactStore):
    """Artifacts in a local folder (the default); URIs are absolute paths."""

    root: str

    def _path(self, key: str) -> Path:
        return Path(self.root).resolve() / key.lstrip("/")

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def write_bytes(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees half a file
        return str(path)

    def read_bytes(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no artifact at {path}")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def upload_dir(self, local_dir: str, key_prefix: str) -> str:
        target = self._path(key_prefix)
        if Path(local_dir).resolve() != target:
            shutil.copytree(local_dir, target, dirs_exist_ok=True)
        return str(target)

    def download_dir(self, key_prefix: str, local_dir: str) -> str:
        source = self._path(key_prefix)
        if not source.is_dir():
            raise FileNotFoundError(f"no artifacts under {source}")
        shutil.copytree(source, local_dir, dirs_exist_ok=True)
        return local_dir
