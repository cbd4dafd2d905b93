"""gs:// for the code that reads buckets through fsspec (DuckDB's file scans, the Evidently workspace).

gcsfs' default class (ExtendedGcsFileSystem) first asks the Storage Control API over gRPC what kind of bucket a
path is in; gRPC resolves names itself (so loopback guards do not see it) and no emulator serves that API, so the
first read stalls. The plain JSON-API filesystem (gcsfs.core.GCSFileSystem) needs neither and reads a standard
bucket the same way. Against a loopback endpoint (an emulator) it is anonymous.
"""

from resources.gcp.clients import credentials_for, storage_endpoint, with_scheme

PROTOCOLS = ("gs", "gcs")


def gcs_options(endpoint: str | None = None) -> dict:
    """gcsfs settings for endpoint (or STORAGE_EMULATOR_HOST); none for the real service (ambient credentials)."""
    endpoint = storage_endpoint(endpoint)
    if endpoint is None:
        return {}
    options = {"endpoint_url": with_scheme(endpoint)}
    if credentials_for(endpoint) is not None:
        options["token"] = "anon"
    return options


def gcs_filesystem(endpoint: str | None = None):
    """A plain JSON-API gcsfs filesystem on endpoint (or STORAGE_EMULATOR_HOST), else on the ambient credentials."""
    from gcsfs.core import GCSFileSystem

    return GCSFileSystem(**gcs_options(endpoint))


def route_gs_urls(endpoint: str | None = None) -> None:
    """Make fsspec open gs:// and gcs:// URLs with gcs_filesystem's class and settings, in this process.

    For libraries that take a URL, not a filesystem (Evidently's workspace builds its own from the path).
    """
    import fsspec
    from fsspec.config import conf
    from gcsfs.core import GCSFileSystem

    options = gcs_options(endpoint)
    for protocol in PROTOCOLS:
        fsspec.register_implementation(protocol, GCSFileSystem, clobber=True)
        conf.pop(protocol, None)
    if options:
        conf["gs"] = options  # fsspec applies these to every GCSFileSystem (its protocols are gs and gcs)
