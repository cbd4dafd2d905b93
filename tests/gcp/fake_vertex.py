"""Vertex AI REST routes for the fake server: custom jobs and the model registry, with just enough state."""

import itertools
import re

from fake_rest import FakeRestServer, not_found

LOCATION_PATH = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"


class FakeCustomJobs:
    """customJobs.create/get: each job walks through the states given (last one sticks) and may carry an error."""

    def __init__(self, server: FakeRestServer, states=("JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"),
                 error: str = ""):
        self.states, self.error, self.jobs = list(states), error, {}
        ids = itertools.count(4242)

        @server.route("POST", LOCATION_PATH + "/customJobs")
        def create(request, match):
            job_id = str(next(ids))
            job = {**request.json, "name": f"projects/{match['project']}/locations/{match['location']}/customJobs/{job_id}",
                   "state": self.states[0]}
            self.jobs[job_id] = {"job": job, "polls": 0}
            return 200, job

        @server.route("GET", LOCATION_PATH + r"/customJobs/(?P<job_id>\d+)")
        def get(request, match):
            entry = self.jobs.get(match["job_id"])
            if entry is None:
                return not_found(f"customJob {match['job_id']}")
            entry["polls"] += 1
            state = self.states[min(entry["polls"], len(self.states) - 1)]
            job = {**entry["job"], "state": state}
            if state != "JOB_STATE_SUCCEEDED" and state == self.states[-1] and self.error:
                job["error"] = {"code": 3, "message": self.error}
            return 200, job


class FakeModelRegistry:
    """models.upload/get/listVersions/mergeVersionAliases over models held in memory, aliases unique per model."""

    def __init__(self, server: FakeRestServer):
        self.models: dict[str, list[dict]] = {}  # model id -> versions, oldest first

        @server.route("POST", LOCATION_PATH + r"/models:upload")
        def upload(request, match):
            body = request.json
            parent = f"projects/{match['project']}/locations/{match['location']}"
            if body.get("parentModel"):
                model_id = body["parentModel"].rsplit("/", 1)[-1]
                if model_id not in self.models:
                    return not_found(f"parent model {body['parentModel']}")
            else:
                model_id = body.get("modelId") or str(len(self.models) + 1)
                if model_id in self.models:
                    return 409, {"error": {"code": 409, "message": f"model {model_id} exists", "status": "ALREADY_EXISTS"}}
                self.models[model_id] = []
            versions = self.models[model_id]
            version_id = str(len(versions) + 1)
            aliases = list(body["model"].get("versionAliases", []))
            self._take_aliases(model_id, aliases)
            versions.append({**body["model"], "name": f"{parent}/models/{model_id}", "versionId": version_id,
                             "versionAliases": aliases, "versionCreateTime": f"2024-01-0{version_id}T00:00:00Z"})
            return 200, {"name": f"{parent}/models/{model_id}/operations/{version_id}", "done": True,
                         "response": {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.UploadModelResponse",
                                      "model": f"{parent}/models/{model_id}", "modelVersionId": version_id}}

        @server.route("GET", LOCATION_PATH + r"/models/(?P<model_id>[^/@:]+)(@(?P<ref>[^/:]+))?")
        def get(request, match):
            version = self._find(match["model_id"], match["ref"])
            return (200, version) if version else not_found(f"model {match['model_id']}@{match['ref']}")

        @server.route("GET", LOCATION_PATH + r"/models/(?P<model_id>[^/@:]+):listVersions")
        def list_versions(request, match):
            if match["model_id"] not in self.models:
                return not_found(f"model {match['model_id']}")
            return 200, {"models": self.models[match["model_id"]]}

        @server.route("POST", LOCATION_PATH + r"/models/(?P<model_id>[^/@:]+)@(?P<ref>[^/:]+):mergeVersionAliases")
        def merge_aliases(request, match):
            version = self._find(match["model_id"], match["ref"])
            if version is None:
                return not_found(f"model {match['model_id']}@{match['ref']}")
            for alias in request.json.get("versionAliases", []):
                if alias.startswith("-"):
                    if alias[1:] in version["versionAliases"]:
                        version["versionAliases"].remove(alias[1:])
                else:
                    # As documented: applying an alias another version holds moves it here.
                    self._take_aliases(match["model_id"], [alias])
                    version["versionAliases"].append(alias)
            return 200, version

    def _find(self, model_id: str, ref: str | None):
        versions = self.models.get(model_id) or []
        if not versions:
            return None
        if ref is None or ref == "default":
            return versions[-1]
        for version in versions:
            if version["versionId"] == ref or ref in version["versionAliases"]:
                return version
        return None

    def _take_aliases(self, model_id: str, aliases: list[str]) -> None:
        for version in self.models[model_id]:
            version["versionAliases"] = [a for a in version["versionAliases"] if a not in aliases]


class FakeMetadataStore:
    """The default metadata store's contexts (experiments and their runs): create, get, patch, list, add children."""

    def __init__(self, server: FakeRestServer):
        self.contexts: dict[str, dict] = {}
        self.children: dict[str, list[str]] = {}
        store = LOCATION_PATH + r"/metadataStores/default"

        @server.route("GET", store)
        def get_store(request, match):
            return 200, {"name": request.path.removeprefix("/v1/")}

        @server.route("POST", store + r"/contexts")
        def create(request, match):
            name = request.path.removeprefix("/v1/") + "/" + request.query["contextId"][0]
            if name in self.contexts:
                return 409, {"error": {"code": 409, "message": f"{name} exists", "status": "ALREADY_EXISTS"}}
            self.contexts[name] = {**request.json, "name": name}
            return 200, self.contexts[name]

        @server.route("GET", store + r"/contexts/(?P<context>[^/:]+)")
        def get(request, match):
            name = request.path.removeprefix("/v1/")
            return (200, self.contexts[name]) if name in self.contexts else not_found(name)

        @server.route("PATCH", store + r"/contexts/(?P<context>[^/:]+)")
        def update(request, match):
            name = request.path.removeprefix("/v1/")
            if name not in self.contexts:
                return not_found(name)
            self.contexts[name] = {**self.contexts[name], **request.json, "name": name}
            return 200, self.contexts[name]

        @server.route("POST", store + r"/contexts/(?P<context>[^/:]+):addContextChildren")
        def add_children(request, match):
            parent = request.path.removeprefix("/v1/").rsplit(":", 1)[0]
            self.children.setdefault(parent, []).extend(request.json["childContexts"])
            return 200, {}

        @server.route("GET", store + r"/contexts")
        def list_contexts(request, match):
            # The SDK lists an experiment's runs as: schema_title=... AND parent_contexts:"<experiment>".
            wanted = re.findall(r'parent_contexts:"([^"]+)"', request.query.get("filter", [""])[0])
            names = self.children.get(wanted[0], []) if wanted else list(self.contexts)
            return 200, {"contexts": [self.contexts[n] for n in names if n in self.contexts]}

        @server.route("GET", store + r"/executions")
        def list_executions(request, match):
            return 200, {}  # only legacy (pre-context) runs are executions; this store has none
