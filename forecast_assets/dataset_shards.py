"""Building and reading a training dataset as Parquet shards of series: datasets/VERSION/shard-XXXX.parquet.

A shard holds the series whose stable hash falls in it (resources/shards.py); the cleaning policy runs per shard,
so the dataset is built, hashed and read one shard at a time. `_manifest.json`, written last, lists the shards
(file, rows, series): a version whose manifest exists is complete. The version hashes each series' rows, so it
does not depend on the shard size. Parquet readers that take a folder
(pandas, pyarrow, the trainer) skip files starting with an underscore, so the folder reads as one table.
"""

import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast_assets.cleaning import CleaningReport, clean_series, content_hash, series_hashes
from resources.artifacts import ArtifactStore

MANIFEST = "_manifest.json"
LEGACY_FILE = "dataset.parquet"  # versions written before sharding: one file


def dataset_prefix(version: str) -> str:
    """Where a dataset version's shards and manifest live in the artifact store."""
    return f"datasets/{version}"


@dataclass
class ShardedDataset:
    """Cleaned shards written to a local folder, with what the manifest and the asset's metadata need."""

    folder: Path
    policy: dict
    shards: list[dict] = field(default_factory=list)  # {file, shard, rows, series}
    hashes: dict[str, str] = field(default_factory=dict)  # series_id -> hash of its rows
    report: CleaningReport = field(default_factory=CleaningReport)
    preview: pd.DataFrame | None = None

    @property
    def digest(self) -> str:
        """The content hash: of every series' rows and the policy (whatever the shard size)."""
        return content_hash(self.hashes, self.policy)

    @property
    def rows(self) -> int:
        return sum(shard["rows"] for shard in self.shards)

    @property
    def series(self) -> int:
        return sum(shard["series"] for shard in self.shards)

    def add(self, number: int, raw: pd.DataFrame) -> None:
        """Clean one shard's raw rows and write them as its Parquet file."""
        dataset, report = clean_series(raw, self.policy["freq"], self.policy["max_interpolate_steps"],
                                       self.policy["allow_negative"])
        name = f"shard-{number:04d}.parquet"
        dataset.to_parquet(self.folder / name, index=False)
        hashes = series_hashes(dataset)
        self.shards.append({"file": name, "shard": number, "rows": len(dataset), "series": len(hashes)})
        self.hashes.update(hashes)
        self.report.add(report)
        self.preview = dataset.head(10) if self.preview is None else self.preview

    def publish(self, artifacts: ArtifactStore, version: str) -> str:
        """Upload the shards, then the manifest (once per version: same content, same version); the folder's URI."""
        prefix = dataset_prefix(version)
        if not artifacts.exists(f"{prefix}/{MANIFEST}"):
            for shard in self.shards:
                artifacts.write_bytes(f"{prefix}/{shard['file']}", (self.folder / shard["file"]).read_bytes())
            manifest = {"version": version, "hash": self.digest, "policy": self.policy, "shards": self.shards}
            artifacts.write_bytes(f"{prefix}/{MANIFEST}", json.dumps(manifest, indent=1).encode())
        return artifacts.uri(prefix)


@contextmanager
def built_dataset(shards: Iterator[tuple[int, pd.DataFrame]], policy: dict) -> Iterator[ShardedDataset]:
    """Every (shard, raw rows) cleaned into a temporary folder, one shard in memory at a time; removed on exit."""
    with tempfile.TemporaryDirectory(prefix="dataset-shards-") as folder:
        built = ShardedDataset(Path(folder), policy)
        for number, raw in shards:
            built.add(number, raw)
        yield built


def shard_files(artifacts: ArtifactStore, version: str) -> list[str]:
    """The artifact keys of a version's shards, in shard order (the one file of a version from before sharding)."""
    prefix = dataset_prefix(version)
    if not artifacts.exists(f"{prefix}/{MANIFEST}") and artifacts.exists(f"{prefix}/{LEGACY_FILE}"):
        return [f"{prefix}/{LEGACY_FILE}"]
    manifest = json.loads(artifacts.read_bytes(f"{prefix}/{MANIFEST}"))
    return [f"{prefix}/{shard['file']}" for shard in manifest["shards"]]


def read_shard(artifacts: ArtifactStore, key: str) -> pd.DataFrame:
    """One shard's rows."""
    return pd.read_parquet(io.BytesIO(artifacts.read_bytes(key)))
