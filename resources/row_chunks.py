"""RowChunks: an asset table written piecewise, so the IO managers never hold the whole table in memory."""

from collections.abc import Callable, Iterable, Iterator

import pandas as pd


class RowChunks:
    """An asset table delivered as a sequence of frames (chunks of series), so only one chunk is in memory at a time.

    Both IO managers write every chunk inside the one atomic replace of the partition (old rows or all new ones,
    never a part), then add `output_metadata()`: describe() called once the chunks are consumed, which is when a
    summary of them (row counts, previews, check findings) is complete. The chunks can be iterated once."""

    def __init__(self, chunks: Iterable[pd.DataFrame], describe: Callable[[], dict] | None = None):
        self._chunks, self._describe, self._consumed = chunks, describe, False

    def __iter__(self) -> Iterator[pd.DataFrame]:
        if self._consumed:
            raise RuntimeError("RowChunks can be written once: its chunks are generated as they are consumed")
        self._consumed = True
        yield from self._chunks

    def output_metadata(self) -> dict:
        """Metadata about every chunk, after they have all been written."""
        return self._describe() if self._describe else {}
