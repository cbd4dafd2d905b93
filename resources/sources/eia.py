"""The EIA Open Data API v2 source: hourly demand by balancing authority (electricity/rto/region-data).

Each window is one query (`start`/`end` in the API's hourly UTC periods), read page by page with offset/length
until `response.total` rows have arrived; 429 and 5xx answers are retried with exponential backoff. The key is a
secret: it comes from EIA_API_KEY through dg.EnvVar and never appears in an error message.
"""

import time
from typing import Optional

import dagster as dg
import pandas as pd

from resources.sources.base import SeriesSource, SourceError, naive_utc
from resources.sources.long_format import ColumnMapping, normalize_long

ROW_FIELDS = ("period", "respondent", "value")
PERIOD_FORMAT = "%Y-%m-%dT%H"  # the API's hourly periods, in UTC
KEY_HELP = "set EIA_API_KEY to a key from https://www.eia.gov/opendata/register.php"


class EIASeriesSource(SeriesSource):
    """Hourly values of one type (D = demand) per respondent (balancing authority), from the EIA API v2."""

    api_key: str  # dg.EnvVar("EIA_API_KEY")
    base_url: str = "https://api.eia.gov/v2"  # tests point it at a replay server on 127.0.0.1
    route: str = "electricity/rto/region-data"
    respondents: list[str] = []  # balancing authorities, e.g. ["PJM", "MISO", "CISO"]; empty = all of them
    series_type: str = "D"  # D demand, DF day-ahead demand forecast, NG net generation, TI total interchange
    page_length: int = 5000  # rows per request; the API's maximum
    max_attempts: int = 5  # per request, counting the first
    backoff_seconds: float = 2.0  # wait before the second attempt; doubles each time (Retry-After wins)
    timeout_seconds: float = 30

    def fetch(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Every value reported for start <= period < end, each page of the answer requested in turn."""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        last = end.ceil("h") - pd.Timedelta(hours=1)  # the API's end is inclusive
        params = {"frequency": "hourly", "data[0]": "value", "facets[type][]": self.series_type,
                  "start": start.floor("h").strftime(PERIOD_FORMAT), "end": last.strftime(PERIOD_FORMAT),
                  "sort[0][column]": "period", "sort[0][direction]": "asc",
                  "sort[1][column]": "respondent", "sort[1][direction]": "asc", "length": self.page_length}  # fmt: skip
        if self.respondents:
            params["facets[respondent][]"] = list(self.respondents)
        rows, total = [], None
        while total is None or len(rows) < total:
            answer = self._get(f"{self.route}/data/", {**params, "offset": len(rows)})
            page, total = _page(answer, self.name(), first_row=len(rows))
            if not page:
                break  # the API ran out of rows before `total`: keep what arrived, the checks see the gaps
            rows += page
        if not rows:
            raise SourceError(f"{self.name()}: no rows with {start} <= period < {end} (empty window)")
        frame = pd.DataFrame(rows, columns=list(ROW_FIELDS))
        table = normalize_long(frame, ColumnMapping("respondent", "period", "value"), PERIOD_FORMAT, self.name(),
                               lambda position: f"record {position + 1}")  # fmt: skip
        inside = (table["timestamp"] >= start) & (table["timestamp"] < end)
        return table[inside.to_numpy()].reset_index(drop=True)

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The route's first and last period, from its metadata (startPeriod, endPeriod)."""
        response = self._get(f"{self.route}/", {}).get("response")
        try:
            return tuple(naive_utc(pd.to_datetime(response[field], format=PERIOD_FORMAT))
                         for field in ("startPeriod", "endPeriod"))  # fmt: skip
        except (TypeError, KeyError, ValueError):
            raise SourceError(f"{self.name()}: the route's metadata has no startPeriod/endPeriod (response changed?)") from None

    def name(self) -> str:
        """How errors name this source (never with the key)."""
        return f"EIA {self.route}"

    def _get(self, path: str, params: dict) -> dict:
        """One JSON answer; retried on 429, 5xx and lost connections; SourceError on a refused key or bad answer."""
        import requests

        url = f"{self.base_url.rstrip('/')}/{path}"
        problem, retry_after = "", None
        for attempt in range(self.max_attempts):
            if attempt:
                time.sleep(_delay(self.backoff_seconds, attempt, retry_after))
            try:
                response = requests.get(url, params={**params, "api_key": self._key()}, timeout=self.timeout_seconds)
            except requests.exceptions.RequestException as error:
                problem, retry_after = type(error).__name__, None
                continue
            if response.status_code == 429 or response.status_code >= 500:
                problem, retry_after = f"HTTP {response.status_code}", response.headers.get("Retry-After")
                continue
            return self._json(response)
        raise SourceError(f"{self.name()}: gave up after {self.max_attempts} attempts (last: {problem})")

    def _key(self) -> str:
        # Outside a run (e.g. reading the range when definitions load) the field may still be the EnvVar itself.
        key = self.api_key.get_value() if isinstance(self.api_key, dg.EnvVar) else self.api_key
        if not key:
            raise SourceError(f"{self.name()}: no API key; {KEY_HELP}")
        return key

    def _json(self, response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        message = (error.get("message") or error.get("code")) if isinstance(error, dict) else error
        if response.status_code in (401, 403):
            raise SourceError(f"{self.name()}: the API key was refused (HTTP {response.status_code}: "
                              f"{message or response.reason}); {KEY_HELP}")  # fmt: skip
        if response.status_code >= 400 or error:
            raise SourceError(f"{self.name()}: the API answered HTTP {response.status_code}: {message or response.reason}")
        if not isinstance(body, dict):
            raise SourceError(f"{self.name()}: the answer is not JSON (response changed?)")
        return body


def _delay(backoff_seconds: float, attempt: int, retry_after: Optional[str]) -> float:
    """Seconds before attempt n (1-based retries): the server's Retry-After when it gives one, else doubling."""
    if retry_after and retry_after.isdigit():
        return float(retry_after)
    return backoff_seconds * 2 ** (attempt - 1)


def _page(answer: dict, name: str, first_row: int) -> tuple[list[dict], int]:
    """The rows and `total` of one answer; SourceError naming what is missing when the format changed."""
    response = answer.get("response")
    if not isinstance(response, dict) or "data" not in response or "total" not in response:
        raise SourceError(f"{name}: the answer has no response.data/response.total (response changed?)")
    for number, row in enumerate(response["data"], start=first_row + 1):
        missing = [field for field in ROW_FIELDS if field not in row]
        if missing:
            raise SourceError(f"{name}: record {number} lacks {', '.join(map(repr, missing))} (response changed?); "
                              f"it has {', '.join(map(repr, row))}")  # fmt: skip
    try:
        total = int(response["total"])  # the API sends it as a string
    except (TypeError, ValueError):
        raise SourceError(f"{name}: response.total is {response['total']!r}, not a count (response changed?)") from None
    return [{field: row[field] for field in ROW_FIELDS} for row in response["data"]], total
