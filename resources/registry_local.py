"""The local model registry: immutable version folders and an index.json, changed only under a file lock."""

import fcntl
import json
import os
import shutil
import stat
import uuid
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from resources.registry import ModelRegistry, ModelVersion

REQUIRED_ARTIFACTS = ("model.ubj", "feature_spec.json", "metrics.json")
_READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_READ_ONLY_DIR = _READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


class LocalModelRegistry(ModelRegistry):
    """Versions in `<root>/versions/vN/`, read-only once registered; `<root>/index.json` holds versions and aliases."""

    root: str

    @property
    def _root(self) -> Path:
        return Path(self.root).resolve()

    @property
    def _index_path(self) -> Path:
        return self._root / "index.json"

    @contextmanager
    def _locked(self):
        # One exclusive lock serialises every change to index.json and versions/, across processes.
        self._root.mkdir(parents=True, exist_ok=True)
        with open(self._root / ".lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _read_index(self) -> dict:
        if not self._index_path.exists():
            return {"versions": [], "aliases": {}}
        try:
            index = json.loads(self._index_path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"model registry index {self._index_path} is not valid JSON: {error}") from error
        return self._checked_shape(index)

    def _checked_shape(self, index) -> dict:
        """index as read, or a ValueError naming the file and the key that is missing or of the wrong type."""
        def wrong(where: str, expected: str) -> ValueError:
            return ValueError(f"model registry index {self._index_path}: {where} must be {expected}")

        if not isinstance(index, dict):
            raise wrong("the top level", "an object with keys 'versions' and 'aliases'")
        if not isinstance(index.get("versions"), list):
            raise wrong("key 'versions'", "a list of version entries")
        if not isinstance(index.get("aliases"), dict):
            raise wrong("key 'aliases'", "an object mapping alias to version")
        required = [key for key, field in ModelVersion.model_fields.items() if field.is_required()]
        for position, entry in enumerate(index["versions"]):
            missing = [key for key in required if key not in entry] if isinstance(entry, dict) else required
            if missing:
                raise wrong(f"versions[{position}]", f"an object with keys {', '.join(required)} (missing: "
                            f"{', '.join(missing)})")
        return index

    def _write_index(self, index: dict) -> None:
        # Every version entry carries its aliases, derived from the one alias map so the two never disagree.
        for entry in index["versions"]:
            entry["aliases"] = sorted(a for a, v in index["aliases"].items() if v == entry["version"])
        tmp = self._index_path.with_name(f".index.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(index, indent=2, sort_keys=True))
        os.replace(tmp, self._index_path)  # atomic: readers see the old index or the new one

    def _next_version(self, index: dict) -> str:
        # Folders count too, so a version folder left by a crash is never reused.
        taken = [entry["version"] for entry in index["versions"]]
        versions_dir = self._root / "versions"
        if versions_dir.exists():
            taken += [path.name for path in versions_dir.iterdir()]
        numbers = [int(name[1:]) for name in taken if name.startswith("v") and name[1:].isdigit()]
        return f"v{max(numbers, default=0) + 1}"

    def _stage(self, model_dir: str) -> Path:
        """Check model_dir has every required artifact and copy it into a private staging folder."""
        source = Path(model_dir)
        if not source.is_dir():
            raise FileNotFoundError(f"cannot register {source}: it is not a directory")
        missing = [name for name in REQUIRED_ARTIFACTS if not (source / name).is_file()]
        if missing:
            raise FileNotFoundError(f"cannot register {source}: missing {', '.join(missing)}")
        staging = self._root / ".staging" / uuid.uuid4().hex
        staging.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, staging)
        return staging

    def register(self, model_dir, dataset_version, code_version, trainer_image, params, metrics) -> ModelVersion:
        """Copy model_dir into the next version folder vN, read-only, and add it to the index."""
        staging = self._stage(model_dir)
        try:
            with self._locked():
                index = self._read_index()
                version = self._next_version(index)
                target = self._root / "versions" / version
                target.parent.mkdir(parents=True, exist_ok=True)
                entry = ModelVersion(
                    version=version, uri=str(target), dataset_version=dataset_version, code_version=code_version,
                    trainer_image=trainer_image, params=_plain(params), metrics=_plain(metrics),
                    created_at=pd.Timestamp.now(tz="UTC").isoformat(),
                )
                os.rename(staging, target)
                try:
                    # Read-only after the move (moving a folder needs it writable), before the index lists it.
                    _make_read_only(target)
                    index["versions"].append(entry.model_dump())
                    self._write_index(index)
                except BaseException:
                    _remove(target)  # the index never listed it: take the folder back out
                    raise
            return self.get(version)
        finally:
            if staging.exists():
                _remove(staging)

    def get(self, version: str) -> ModelVersion:
        """The registered version with this id; KeyError names it when there is none."""
        index = self._read_index()
        for entry in index["versions"]:
            if entry["version"] == version:
                return ModelVersion(**entry)
        raise KeyError(f"model version {version!r} is not registered in {self._root}")

    def versions(self) -> list[ModelVersion]:
        """Every registered version, oldest first."""
        return [ModelVersion(**entry) for entry in self._read_index()["versions"]]

    def alias(self, alias: str) -> ModelVersion | None:
        """The version alias points at, or None when it is unset."""
        version = self._read_index()["aliases"].get(alias)
        return self.get(version) if version else None

    def set_alias(self, alias: str, version: str) -> None:
        """Point alias at version in one atomic index write, taking it from whichever version held it."""
        with self._locked():
            index = self._read_index()
            if not any(entry["version"] == version for entry in index["versions"]):
                raise KeyError(f"cannot set alias {alias!r}: model version {version!r} is not registered "
                               f"in {self._root}")
            index["aliases"][alias] = version
            self._write_index(index)

    def local_copy(self, version: str, local_dir: str) -> str:
        """Copy the version's artifacts into local_dir (writable copies) and return local_dir."""
        source = Path(self.get(version).uri)
        target = Path(local_dir)
        target.mkdir(parents=True, exist_ok=True)
        for path in source.rglob("*"):
            destination = target / path.relative_to(source)
            if path.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
            else:
                shutil.copyfile(path, destination)  # copyfile, not copy2: the copy must not inherit read-only bits
        return str(target)


def _make_read_only(folder: Path) -> None:
    """Remove every write bit under folder, deepest first so the folder stays traversable until the end."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.chmod(_READ_ONLY_DIR if path.is_dir() else _READ_ONLY_FILE)
    folder.chmod(_READ_ONLY_DIR)


def _remove(folder: Path) -> None:
    """Delete a folder that may have been made read-only."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(stat.S_IRWXU)
    shutil.rmtree(folder, ignore_errors=True)


def _plain(values: dict) -> dict:
    """values as plain JSON types (numpy numbers and the like become numbers or strings)."""
    return json.loads(json.dumps(values, default=lambda value: value.item() if hasattr(value, "item") else str(value)))
