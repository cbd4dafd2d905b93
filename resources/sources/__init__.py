"""Series sources: where raw observations come from (synthetic scenario, a file or URL, M4 wide CSV)."""

from resources.sources.base import SeriesSource, SourceError

__all__ = ["SeriesSource", "SourceError"]
