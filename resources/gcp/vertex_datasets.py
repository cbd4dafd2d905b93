"""The dataset catalog on GCP: each dataset version is also a Vertex AI forecasting dataset.

Why a CSV copy: a Vertex AI tabular dataset (here the forecasting kind, metadata schema `time_series`) reads
its rows from CSV files in Cloud Storage or from a BigQuery table; Parquet is not an accepted source. Naming
the Parquet object as `gcsSource` would be accepted at creation and fail at training, so each version gets
a CSV copy of the same rows next to each of its Parquet shards (`.../shard-0000.csv`), written once, and the
Vertex dataset points at those copies. The Parquet shards stay the version our own trainer reads.

Order: the Vertex dataset is created first and the warehouse row written after it, so a `dataset_versions`
row always means "registered everywhere". A failed create leaves no row; rerunning the asset finds or
creates the Vertex dataset (looked up by its `dataset_version` label, so never twice) and then writes the row.
"""

import io

import pandas as pd

from resources.datasets import DatasetCatalog
from resources.gcp.clients import init_vertex, split_gs_uri, storage_client, vertex_labels

HASH_LABEL_CHARS = 16  # enough of the content hash to tell versions apart at a glance in the console
CSV_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # RFC 3339, which Vertex reads; naive timestamps here are UTC


class VertexDatasetCatalog(DatasetCatalog):
    """Dataset versions in the warehouse, each also a Vertex AI time-series dataset named after its version."""

    project: str
    location: str
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1
    storage_endpoint: str = ""  # empty = the real GCS (or STORAGE_EMULATOR_HOST)

    def register(self, record: dict) -> dict:
        """Register the version in Vertex AI (once), then record it in the warehouse; return its Vertex name."""
        name = self.vertex_dataset(record)
        super().register(record)
        return {"vertex_dataset": name}

    def vertex_dataset(self, record: dict) -> str:
        """The Vertex dataset of record's version: the existing one, else a new one over a CSV copy of its rows."""
        from google.api_core.exceptions import GoogleAPICallError

        version = record["version"]
        labels = self.labels(record)
        aiplatform = init_vertex(self.project, self.location, api_endpoint=self.api_endpoint or None)
        try:
            existing = aiplatform.TimeSeriesDataset.list(
                filter=f'labels.dataset_version="{labels["dataset_version"]}"')
            if existing:
                return existing[0].resource_name
            created = aiplatform.TimeSeriesDataset.create(display_name=version, gcs_source=self.csv_copies(record),
                                                          labels=labels, sync=True)
        except GoogleAPICallError as error:
            raise RuntimeError(f"registering dataset version {version} in Vertex AI Datasets "
                               f"(projects/{self.project}/locations/{self.location}) failed: {error}") from error
        return created.resource_name

    @staticmethod
    def labels(record: dict) -> dict[str, str]:
        """The Vertex labels of a version: its name and a prefix of its content hash, made label-safe."""
        return vertex_labels({"dataset_version": record["version"],
                              "content_hash": str(record["hash"])[:HASH_LABEL_CHARS]})

    def csv_copies(self, record: dict) -> list[str]:
        """gs:// URIs of CSV copies of the version's Parquet rows, each beside its Parquet file and written only when
        missing: one per shard for a sharded version (a folder URI; Vertex takes several CSV sources), one for a
        single .parquet file. A shard at a time is in memory."""
        version, uri = record["version"], str(record["uri"]).rstrip("/")
        try:
            bucket_name, name = split_gs_uri(uri)
        except ValueError as error:
            raise ValueError(f"dataset version {version}: Vertex AI reads datasets from Cloud Storage: "
                             f"{error}") from None
        bucket = storage_client(self.project, self.storage_endpoint or None).bucket(bucket_name)
        if name.endswith(".parquet"):
            parquet_names = [name]
        else:  # a folder of shards; _manifest.json and the CSV copies are not shards
            parquet_names = sorted(blob.name for blob in bucket.list_blobs(prefix=name + "/")
                                   if blob.name.endswith(".parquet") and not blob.name.rpartition("/")[2].startswith("_"))
            if not parquet_names:
                raise FileNotFoundError(f"dataset version {version}: no Parquet file at {uri}")
        copies = []
        for parquet_name in parquet_names:
            csv_blob = bucket.blob(parquet_name.removesuffix(".parquet") + ".csv")
            if not csv_blob.exists():  # a version's content never changes, so an existing copy is current
                csv_blob.upload_from_string(parquet_as_csv(bucket.blob(parquet_name), version, f"gs://{bucket_name}/{parquet_name}"),
                                            content_type="text/csv")
            copies.append(f"gs://{bucket_name}/{csv_blob.name}")
        return copies


def parquet_as_csv(parquet_blob, version: str, uri: str) -> bytes:
    """The rows of a Parquet object as CSV with a header row, timestamps in RFC 3339."""
    from google.api_core.exceptions import NotFound

    try:
        rows = pd.read_parquet(io.BytesIO(parquet_blob.download_as_bytes()))
    except NotFound:
        raise FileNotFoundError(f"dataset version {version}: no Parquet file at {uri}") from None
    if rows.empty:
        raise ValueError(f"dataset version {version}: {uri} holds no rows; Vertex AI cannot use an empty dataset")
    return rows.to_csv(index=False, date_format=CSV_TIMESTAMP_FORMAT).encode()
