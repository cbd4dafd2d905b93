"""Series sources: where raw observations come from (synthetic scenario, files or a URL, M4 wide CSV, a warehouse table, the EIA API)."""

from resources.sources.base import SeriesSource, SourceError

__all__ = ["SeriesSource", "SourceError"]
