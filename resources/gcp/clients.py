"""Google Cloud clients built from plain settings; an endpoint redirects a client to an emulator or fake.

Each client takes an explicit endpoint, else the environment's: STORAGE_EMULATOR_HOST (GCS),
BIGQUERY_EMULATOR_HOST (BigQuery) and VERTEX_API_ENDPOINT (Vertex AI), as `make demo-gcp` sets them.

Nothing here runs at import time: every client is created when a resource first needs it, so loading the
definitions never touches the network. Credentials are Application Default Credentials, except for a
loopback endpoint (an emulator or a test server), which gets anonymous credentials.
"""

import os
from urllib.parse import urlparse

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(endpoint: str | None) -> bool:
    """Whether endpoint (host:port or a URL) points at this machine."""
    if not endpoint:
        return False
    url = endpoint if "://" in endpoint else f"http://{endpoint}"
    return urlparse(url).hostname in LOOPBACK_HOSTS


def with_scheme(endpoint: str) -> str:
    """endpoint as a URL: a bare host:port on this machine speaks plain http, anything else https."""
    if "://" in endpoint:
        return endpoint.rstrip("/")
    return ("http://" if is_loopback(endpoint) else "https://") + endpoint.rstrip("/")


def credentials_for(endpoint: str | None):
    """Anonymous credentials for a loopback endpoint; None (Application Default Credentials) otherwise."""
    if is_loopback(endpoint):
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    return None


def storage_endpoint(endpoint: str | None = None) -> str | None:
    """The GCS endpoint to use: the explicit one, else STORAGE_EMULATOR_HOST, else the real service (None)."""
    return endpoint or os.getenv("STORAGE_EMULATOR_HOST") or None


def storage_client(project: str | None = None, endpoint: str | None = None):
    """A google-cloud-storage client, pointed at endpoint (or STORAGE_EMULATOR_HOST) when one is set."""
    from google.cloud import storage

    endpoint = storage_endpoint(endpoint)
    if endpoint is None:
        return storage.Client(project=project or None)
    return storage.Client(
        project=project or "local-emulator",
        credentials=credentials_for(endpoint),
        client_options={"api_endpoint": with_scheme(endpoint)},
    )


def bigquery_client(project: str, location: str | None = None, api_endpoint: str | None = None):
    """A google-cloud-bigquery client for project, pointed at api_endpoint (or BIGQUERY_EMULATOR_HOST) when set."""
    from google.cloud import bigquery

    api_endpoint = api_endpoint or os.getenv("BIGQUERY_EMULATOR_HOST") or None
    options = {"api_endpoint": with_scheme(api_endpoint)} if api_endpoint else None
    return bigquery.Client(
        project=project,
        location=location or None,
        credentials=credentials_for(api_endpoint),
        client_options=options,
    )


def init_vertex(project: str, location: str, staging_bucket: str | None = None,
                api_endpoint: str | None = None, **extra):
    """Configure the aiplatform SDK (REST transport) for project/location and return the module.

    The endpoint is api_endpoint, else VERTEX_API_ENDPOINT, else the regional Vertex AI endpoint.

    aiplatform keeps this configuration in one process-wide object, so every Vertex resource calls this
    before each use with its own settings; an endpoint left over from an earlier call is cleared.
    """
    from google.cloud import aiplatform
    from google.cloud.aiplatform import initializer

    api_endpoint = api_endpoint or os.getenv("VERTEX_API_ENDPOINT") or None
    if not api_endpoint:
        # aiplatform.init cannot unset an endpoint or credentials once given: clear them so the regional
        # endpoint and Application Default Credentials apply again.
        initializer.global_config._api_endpoint = None
        initializer.global_config._credentials = None
    aiplatform.init(
        project=project,
        location=location,
        staging_bucket=staging_bucket or None,
        credentials=credentials_for(api_endpoint),
        api_endpoint=with_scheme(api_endpoint) if api_endpoint else None,
        api_transport="rest",
        **extra,
    )
    return aiplatform


def split_gs_uri(uri: str) -> tuple[str, str]:
    """gs://bucket/path -> (bucket, path); ValueError names the URI when it is not a gs:// URI."""
    if not uri.startswith("gs://"):
        raise ValueError(f"not a gs:// URI: {uri!r}")
    bucket, _, path = uri[len("gs://"):].partition("/")
    if not bucket:
        raise ValueError(f"gs:// URI without a bucket: {uri!r}")
    return bucket, path.strip("/")


def vertex_labels(labels: dict) -> dict[str, str]:
    """labels made valid for Vertex AI and GCS: lowercase [a-z0-9_-], at most 63 characters, keys start with a letter."""
    import re

    def clean(text: str) -> str:
        return re.sub(r"[^a-z0-9_-]", "-", str(text).lower())[:63]

    cleaned = {}
    for key, value in labels.items():
        name = clean(key)
        if not name or not name[0].isalpha():
            name = ("l-" + name)[:63]
        cleaned[name] = clean(value)
    return cleaned
