"""One format for a whole timestamp column: given, ISO 8601, or the one day/month order that fits every row.

Per-value guessing reads `13/02/2024` day-first and `01/02/2024` month-first in the same column, so a partition can
silently hold another day's data; here the column is parsed with one format or the run stops and says why.
"""

import re
import warnings
from typing import Callable, Optional

import dagster as dg
import pandas as pd

from resources.sources.base import SourceError

_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_TIME_WITH_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*" + _OFFSET + "$"  # an offset only counts after a time
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)?(?:\s*" + _OFFSET + r")?$")
_SLASH_OR_DOT = r"^(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?P<rest>(?:[T ].*)?)$"


def parse_timestamp_column(text: pd.Series, timestamp_format: Optional[str], name: str, column: str,
                           labels: Callable[[int], str]) -> pd.Series:
    """text (strings, no empties) as timestamps with one format; NaT where a row does not fit it (the caller names it).

    Offsets are kept (the result is UTC-aware when the column has them); a column mixing naive and offset values,
    or slash/dot dates that read both day-first and month-first, is a SourceError naming the file and column.
    """
    aware = _offsets(text, name, column, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when it infers a format; inferring one is the point here
        if timestamp_format:
            return pd.to_datetime(text, format=timestamp_format, errors="coerce", utc=aware)
        if text.str.match(_ISO).all():
            return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=aware)
        parts = text.str.extract(_SLASH_OR_DOT)
        if parts["a"].notna().all():
            return _day_month(text, parts, aware, name, column)
        # Anything else: pandas infers a format from the first row and applies that one to every row.
        return pd.to_datetime(text, errors="coerce", utc=aware)


def _offsets(text: pd.Series, name: str, column: str, labels: Callable[[int], str]) -> bool:
    """Whether the column carries UTC offsets; all or none, else a named error at the first row that differs."""
    has_offset = text.str.contains(_TIME_WITH_OFFSET).to_numpy()
    if has_offset.all() or not has_offset.any():
        return bool(has_offset.all()) and len(has_offset) > 0
    first_kind = has_offset[0]
    position = int((has_offset != first_kind).argmax())
    kinds = ("has none", "has one") if first_kind else ("has one", "has none")
    raise SourceError(
        f"{name}: column {column!r} mixes timestamps with and without a UTC offset: {text.iloc[position]!r} at "
        f"{labels(position)} {kinds[0]}, the first row {text.iloc[0]!r} {kinds[1]}; give every value an offset "
        "(or none)"
    )


def _day_month(text: pd.Series, parts: pd.DataFrame, aware: bool, name: str, column: str) -> pd.Series:
    """Slash/dot dates read day-first and month-first; the one order that fits every row, or a named error."""
    readings = {order: _as_iso(parts, day, month, aware) for order, (day, month) in
                {"day-first": ("a", "b"), "month-first": ("b", "a")}.items()}
    fits = [order for order, parsed in readings.items() if parsed.notna().all()]
    sep, year = parts["sep"].iloc[0], "%Y" if len(parts["year"].iloc[0]) == 4 else "%y"
    formats = {"day-first": f"%d{sep}%m{sep}{year}", "month-first": f"%m{sep}%d{sep}{year}"}
    if len(fits) == 2:
        raise SourceError(
            f"{name}: the dates in column {column!r} read both day-first and month-first (e.g. {text.iloc[0]!r}); "
            f"say which with --timestamp-format (timestamp_format), e.g. {formats['day-first']!r} for day-first "
            f"or {formats['month-first']!r} for month-first, plus the time part such as ' %H:%M'"
        )
    if len(fits) == 1:
        dg.get_dagster_logger().info(f"{name}: column {column!r} read {fits[0]} ({formats[fits[0]]}...), the only "
                                     "day/month order that fits every row")
        return readings[fits[0]]
    # Neither fits everywhere: the reading with fewer misfits lets the caller name the first bad row.
    return min(readings.values(), key=lambda parsed: int(parsed.isna().sum()))


def _as_iso(parts: pd.DataFrame, day: str, month: str, aware: bool) -> pd.Series:
    """The dates rebuilt as ISO text with the given day and month fields, parsed strictly (31/02 becomes NaT)."""
    year = parts["year"].where(parts["year"].str.len() == 4, None)
    short = pd.to_numeric(parts["year"].where(parts["year"].str.len() == 2), errors="coerce")
    year = year.fillna((short + 2000).where(short < 69, short + 1900).astype("Int64").astype(str))
    iso = year + "-" + parts[month].str.zfill(2) + "-" + parts[day].str.zfill(2) + parts["rest"].fillna("")
    return pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=aware)
