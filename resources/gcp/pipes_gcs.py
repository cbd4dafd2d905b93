"""The Pipes message reader of Vertex training: dagster-gcp's GCS reader, with its chunks under a prefix.

Its own module because dagster_gcp.pipes loads the Google client libraries, which definitions must not load.
"""

from contextlib import contextmanager

from dagster_gcp.pipes import PipesGCSMessageReader


class PrefixedGCSMessageReader(PipesGCSMessageReader):
    """PipesGCSMessageReader whose chunks go under key_prefix instead of the bucket's root, so they can be found and removed."""

    def __init__(self, *, key_prefix: str, **kwargs):
        super().__init__(**kwargs)
        self.key_prefix = key_prefix

    @contextmanager
    def get_params(self):
        with super().get_params() as params:
            yield {**params, "key_prefix": self.key_prefix + params["key_prefix"]}
