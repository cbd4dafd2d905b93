"""Vertex AI Experiments (the default metadata store's contexts) and Datasets in the stand-in."""

import itertools
import re

from emulators.rest_server import ApiError, RestServer, not_found
from emulators.vertex_jobs import LOCATION, now

STORE = LOCATION + r"/metadataStores/(?P<store>[^/:]+)"


class MetadataStore:
    """Contexts (an experiment and its runs) with create/get/patch/list/addContextChildren; no executions."""

    def __init__(self, server: RestServer):
        self.contexts: dict[str, dict] = {}
        self.children: dict[str, list[str]] = {}

        @server.route("GET", STORE)
        def get_store(request, match):
            return {"name": request.path.removeprefix("/v1/"), "createTime": now()}

        @server.route("POST", LOCATION + r"/metadataStores")
        def create_store(request, match):
            name = request.path.removeprefix("/v1/") + "/" + request.arg("metadataStoreId", "default")
            return {"name": f"{name}/operations/create", "done": True, "response": {"name": name}}

        @server.route("POST", STORE + r"/contexts")
        def create(request, match):
            name = request.path.removeprefix("/v1/") + "/" + request.arg("contextId")
            if name in self.contexts:
                raise ApiError(409, "ALREADY_EXISTS", f"context {name} already exists")
            self.contexts[name] = {**request.body, "name": name, "createTime": now(), "updateTime": now()}
            return self.contexts[name]

        @server.route("GET", STORE + r"/contexts/(?P<context>[^/:]+)")
        def get(request, match):
            return self._context(request.path.removeprefix("/v1/"))

        @server.route("PATCH", STORE + r"/contexts/(?P<context>[^/:]+)")
        def update(request, match):
            context = self._context(request.path.removeprefix("/v1/"))
            context.update({**request.body, "name": context["name"], "updateTime": now()})
            return context

        @server.route("POST", STORE + r"/contexts/(?P<context>[^/:]+):addContextChildren")
        def add_children(request, match):
            parent = request.path.removeprefix("/v1/").rsplit(":", 1)[0]
            self._context(parent)
            self.children.setdefault(parent, []).extend(request.body.get("childContexts", []))
            return {}

        @server.route("GET", STORE + r"/contexts")
        def list_contexts(request, match):
            # The SDK lists an experiment's runs as: schema_title="system.ExperimentRun" AND parent_contexts:"<exp>".
            query = request.arg("filter")
            parents = re.findall(r'parent_contexts:"([^"]+)"', query)
            schemas = re.findall(r'schema_title\s*=\s*"([^"]+)"', query)
            names = self.children.get(parents[0], []) if parents else list(self.contexts)
            found = [self.contexts[n] for n in names if n in self.contexts]
            return {"contexts": [c for c in found if not schemas or c.get("schemaTitle") in schemas]}

        @server.route("GET", STORE + r"/(executions|artifacts)")
        def list_none(request, match):
            return {}  # runs here are contexts only; the SDK reads legacy runs from executions

    def _context(self, name: str) -> dict:
        if name not in self.contexts:
            raise not_found(f"context {name}")
        return self.contexts[name]


class Datasets:
    """datasets.create/get/list; list honours the labels.<key>="<value>" filter the SDK sends."""

    def __init__(self, server: RestServer):
        self.datasets: dict[str, dict] = {}
        ids = itertools.count(7001)

        @server.route("POST", LOCATION + "/datasets")
        def create(request, match):
            parent = f"projects/{match['project']}/locations/{match['location']}"
            dataset_id = str(next(ids))
            dataset = {**request.body, "name": f"{parent}/datasets/{dataset_id}", "createTime": now(),
                       "updateTime": now()}
            self.datasets[dataset_id] = dataset
            return {"name": f"{dataset['name']}/operations/create", "done": True,
                    "response": {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.Dataset", **dataset}}

        @server.route("GET", LOCATION + r"/datasets/(?P<dataset_id>\d+)")
        def get(request, match):
            if match["dataset_id"] not in self.datasets:
                raise not_found(f"dataset {match['dataset_id']}")
            return self.datasets[match["dataset_id"]]

        @server.route("GET", LOCATION + "/datasets")
        def list_datasets(request, match):
            wanted = dict(re.findall(r'labels\.(\w+)="([^"]*)"', request.arg("filter")))
            return {"datasets": [d for d in self.datasets.values()
                                 if all(d.get("labels", {}).get(k) == v for k, v in wanted.items())]}
