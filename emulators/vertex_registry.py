"""The Vertex AI Model Registry in the stand-in: models:upload, get (by version or alias), listVersions, aliases."""

from emulators.rest_server import ApiError, RestServer, not_found
from emulators.vertex_jobs import LOCATION, now

DEFAULT_ALIAS = "default"  # Vertex moves it to the newest upload made with is_default_version


class ModelRegistry:
    """Registry models held in memory, each a list of versions; an alias is held by at most one version."""

    def __init__(self, server: RestServer):
        self.models: dict[str, list[dict]] = {}

        @server.route("POST", LOCATION + r"/models:upload")
        def upload(request, match):
            parent = f"projects/{match['project']}/locations/{match['location']}"
            body = request.body
            if body.get("parentModel"):
                model_id = body["parentModel"].rsplit("/", 1)[-1]
                if model_id not in self.models:
                    raise not_found(f"parent model {body['parentModel']}")
            else:
                model_id = body.get("modelId") or str(len(self.models) + 1)
                if model_id in self.models:
                    raise ApiError(409, "ALREADY_EXISTS", f"model {parent}/models/{model_id} already exists")
                self.models[model_id] = []
            versions = self.models[model_id]
            version_id = str(len(versions) + 1)
            aliases = [a for a in body["model"].get("versionAliases", []) if not a.startswith("-")]
            aliases = [DEFAULT_ALIAS, *aliases] if DEFAULT_ALIAS not in aliases else aliases
            self._take(model_id, aliases)
            stamp = now()
            versions.append({**body["model"], "name": f"{parent}/models/{model_id}", "versionId": version_id,
                             "versionAliases": aliases, "createTime": versions[0]["createTime"] if versions else stamp,
                             "versionCreateTime": stamp, "versionUpdateTime": stamp, "updateTime": stamp})
            return {"name": f"{parent}/models/{model_id}/operations/upload-{version_id}", "done": True,
                    "response": {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.UploadModelResponse",
                                 "model": f"{parent}/models/{model_id}", "modelVersionId": version_id}}

        @server.route("GET", LOCATION + r"/models/(?P<model_id>[^/@:]+)(@(?P<ref>[^/:]+))?")
        def get(request, match):
            return self._find(match["model_id"], match["ref"])

        @server.route("GET", LOCATION + r"/models/(?P<model_id>[^/@:]+):listVersions")
        def list_versions(request, match):
            if match["model_id"] not in self.models:
                raise not_found(f"model {match['model_id']}")
            return {"models": self.models[match["model_id"]]}

        @server.route("POST", LOCATION + r"/models/(?P<model_id>[^/@:]+)@(?P<ref>[^/:]+):mergeVersionAliases")
        def merge_aliases(request, match):
            version = self._find(match["model_id"], match["ref"])
            for alias in request.body.get("versionAliases", []):
                if alias.startswith("-"):
                    if alias[1:] in version["versionAliases"]:
                        version["versionAliases"].remove(alias[1:])
                elif alias not in version["versionAliases"]:
                    self._take(match["model_id"], [alias])  # an alias another version holds moves here
                    version["versionAliases"].append(alias)
            return version

    def _find(self, model_id: str, ref: str | None) -> dict:
        versions = self.models.get(model_id) or []
        wanted = ref or DEFAULT_ALIAS
        for version in versions:
            if version["versionId"] == wanted or wanted in version["versionAliases"]:
                return version
        raise not_found(f"model {model_id}" + (f"@{ref}" if ref else ""))

    def _take(self, model_id: str, aliases: list[str]) -> None:
        for version in self.models[model_id]:
            version["versionAliases"] = [a for a in version["versionAliases"] if a not in aliases]
