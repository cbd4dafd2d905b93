"""The dataset catalog: every dataset version with its URI and window (a warehouse table; also Vertex AI Datasets on GCP)."""

import dagster as dg
import pandas as pd

from resources.warehouse import Warehouse

DATASET_TABLE = "dataset_versions"


class DatasetCatalog(dg.ConfigurableResource):
    """Records dataset versions in the warehouse table `dataset_versions`; subclasses also register them elsewhere."""

    warehouse: dg.ResourceDependency[Warehouse]

    def register(self, record: dict) -> dict:
        """Record one version (version, uri, rows, series, window_start, window_end, hash, created_at), once per
        version; return metadata about where else it was registered (none locally)."""
        self.warehouse.write(DATASET_TABLE, pd.DataFrame([record]), replace_where={"version": record["version"]})
        return {}

    def versions(self) -> pd.DataFrame:
        """Every recorded dataset version."""
        return self.warehouse.read(DATASET_TABLE)
