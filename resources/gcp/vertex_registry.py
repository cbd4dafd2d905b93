"""The model registry on Vertex AI: one registry model, each training a new version, aliases as Vertex version aliases."""

import json
import uuid
from datetime import datetime

from pydantic import PrivateAttr

from resources.gcp.clients import init_vertex, split_gs_uri, storage_client, vertex_labels
from resources.gcp.gcs_artifacts import GcsArtifactStore, download_prefix
from resources.registry import ModelRegistry, ModelVersion

DEFAULT_ALIAS = "default"  # Vertex's own alias on the newest upload; not one of ours


class VertexModelRegistry(ModelRegistry):
    """Versions of one Vertex AI registry model (id = model_name); artifacts copied to gs://bucket/prefix/registry/."""

    project: str
    location: str
    model_name: str  # VERTEX_MODEL_NAME: the registry model's id and display name
    bucket: str  # where immutable copies of each version's artifacts are kept
    prefix: str = ""
    serving_image: str = ""  # Vertex requires a container with artifacts; empty = the trainer image
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1
    storage_endpoint: str = ""  # empty = the real GCS (or STORAGE_EMULATOR_HOST)

    _artifacts: GcsArtifactStore | None = PrivateAttr(default=None)

    @property
    def resource_name(self) -> str:
        """The registry model's full resource name."""
        return f"projects/{self.project}/locations/{self.location}/models/{self.model_name}"

    def _sdk(self):
        return init_vertex(self.project, self.location, api_endpoint=self.api_endpoint or None)

    def _store(self) -> GcsArtifactStore:
        if self._artifacts is None:
            self._artifacts = GcsArtifactStore(bucket=self.bucket, prefix=self.prefix, project=self.project,
                                               endpoint=self.storage_endpoint)
        return self._artifacts

    def register(self, model_dir, dataset_version, code_version, trainer_image, params, metrics) -> ModelVersion:
        from google.api_core.exceptions import NotFound

        aiplatform = self._sdk()
        artifact_uri = self._copy_artifacts(model_dir, f"registry/{self.model_name}/{uuid.uuid4().hex[:12]}")
        try:
            aiplatform.Model(model_name=self.resource_name)
            parent, model_id = self.resource_name, None
        except NotFound:
            parent, model_id = None, self.model_name  # the first version creates the registry model
        details = {"dataset_version": dataset_version, "code_version": code_version,
                   "trainer_image": trainer_image, "params": params, "metrics": metrics}
        model = aiplatform.Model.upload(
            display_name=self.model_name, artifact_uri=artifact_uri,
            serving_container_image_uri=self.serving_image or trainer_image,
            parent_model=parent, model_id=model_id, is_default_version=True,
            labels=vertex_labels({"dataset_version": dataset_version, "code_version": code_version,
                                 "model_family": metrics.get("family", "xgboost")}),
            version_description=json.dumps(details, sort_keys=True, default=str), sync=True,
        )
        return self.get(model.version_id)

    def get(self, version: str) -> ModelVersion:
        found = self._fetch(version)
        if found is None:
            raise KeyError(f"no version {version!r} of Vertex AI model {self.resource_name}")
        return found

    def versions(self) -> list[ModelVersion]:
        from google.api_core.exceptions import NotFound

        aiplatform = self._sdk()
        try:
            infos = aiplatform.models.ModelRegistry(model=self.resource_name).list_versions()
        except NotFound:
            return []
        return sorted((self.get(info.version_id) for info in infos), key=lambda v: int(v.version))

    def alias(self, alias: str) -> ModelVersion | None:
        return self._fetch(alias)

    def set_alias(self, alias: str, version: str) -> None:
        self.get(version)  # KeyError names a missing version before anything moves
        # One mergeVersionAliases call: Vertex takes the alias from whichever version held it.
        self._sdk().models.ModelRegistry(model=self.resource_name).add_version_aliases([alias], version)

    def local_copy(self, version: str, local_dir: str) -> str:
        uri = self.get(version).uri
        bucket, prefix = split_gs_uri(uri)
        client = storage_client(self.project, self.storage_endpoint or None)
        if download_prefix(client.bucket(bucket), prefix + "/", local_dir) == 0:
            raise FileNotFoundError(f"no artifacts under {uri} for version {version}")
        return local_dir

    def _fetch(self, version_or_alias: str) -> ModelVersion | None:
        from google.api_core.exceptions import NotFound

        aiplatform = self._sdk()
        try:
            model = aiplatform.Model(model_name=self.resource_name, version=version_or_alias)
        except NotFound:
            return None
        resource = model.gca_resource
        details = json.loads(resource.version_description or "{}")
        created = resource.version_create_time
        return ModelVersion(
            version=resource.version_id, uri=resource.artifact_uri,
            dataset_version=details.get("dataset_version", resource.labels.get("dataset_version", "")),
            code_version=details.get("code_version", resource.labels.get("code_version", "")),
            trainer_image=details.get("trainer_image", resource.container_spec.image_uri),
            params=details.get("params", {}), metrics=details.get("metrics", {}),
            aliases=[a for a in resource.version_aliases if a != DEFAULT_ALIAS],
            created_at=created.isoformat() if isinstance(created, datetime) else "",
        )

    def _copy_artifacts(self, model_dir: str, key_prefix: str) -> str:
        """Copy model_dir (gs:// or local) under key_prefix, so a version never changes after registration."""
        store = self._store()
        if not model_dir.startswith("gs://"):
            return store.upload_dir(model_dir, key_prefix)
        source_bucket, source_prefix = split_gs_uri(model_dir)
        client = storage_client(self.project, self.storage_endpoint or None)
        source = client.bucket(source_bucket)
        target = client.bucket(self.bucket)
        copied = 0
        for blob in source.list_blobs(prefix=source_prefix + "/"):
            relative = blob.name[len(source_prefix) + 1:]
            if relative:
                source.copy_blob(blob, target, new_name=store.object_name(f"{key_prefix}/{relative}"))
                copied += 1
        if copied == 0:
            raise FileNotFoundError(f"no model artifacts under {model_dir}")
        return store.uri(key_prefix)
