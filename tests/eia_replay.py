"""A stand-in for the EIA API v2 on 127.0.0.1 that answers in the API's documented format.

It serves one route's metadata (`/v2/<route>/`) and its data (`/v2/<route>/data/`): rows filtered by the
inclusive hourly `start`/`end`, the `type` and `respondent` facets, sorted by period, paged by offset/length
(at most 5,000), with `response.total` as a string, as the real API sends it. A wrong key gets the gateway's 403
body; `failures` queues status codes (429, 503, ...) to answer before serving normally.
"""

import http.server
import json
import threading
from urllib.parse import parse_qs, urlparse

KEY = "replay-key"
ROUTE = "electricity/rto/region-data"


class EIAReplay:
    """Rows in the API's record format; `requests` records each query's parameters."""

    def __init__(self, rows: list[dict]):
        self.rows, self.requests, self.failures = rows, [], []
        self.drop_fields: tuple[str, ...] = ()
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                """Keep the test output free of access-log lines."""

            def do_GET(self):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                replay.requests.append(query)
                status, body, headers = replay.answer(url.path, query)
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v2"

    def answer(self, path: str, query: dict) -> tuple[int, dict, dict]:
        if self.failures:
            status = self.failures.pop(0)
            return status, {"error": f"status {status}"}, {"Retry-After": "0"} if status == 429 else {}
        if query.get("api_key") != [KEY]:
            return 403, {"error": {"code": "API_KEY_INVALID", "message": "An invalid api_key was supplied. Get one at "
                                   "https://www.eia.gov/opendata/register.php"}}, {}  # fmt: skip
        periods = sorted(row["period"] for row in self.rows)
        if path == f"/v2/{ROUTE}/":
            return 200, {"response": {"id": "region-data", "name": "Hourly Demand By Balancing Authority",
                                      "frequency": [{"id": "hourly", "format": "YYYY-MM-DD\"T\"HH24"}],
                                      "startPeriod": periods[0], "endPeriod": periods[-1]}}, {}  # fmt: skip
        if path != f"/v2/{ROUTE}/data/":
            return 404, {"error": "Not found", "code": 404}, {}
        start, end = query.get("start", [""])[0], query.get("end", ["9999"])[0]
        types, respondents = query.get("facets[type][]"), query.get("facets[respondent][]")
        chosen = [row for row in self.rows if start <= row["period"] <= end
                  and (not types or row["type"] in types) and (not respondents or row["respondent"] in respondents)]
        chosen.sort(key=lambda row: (row["period"], row["respondent"]))
        offset, length = int(query.get("offset", ["0"])[0]), min(int(query.get("length", ["5000"])[0]), 5000)
        page = [{k: v for k, v in row.items() if k not in self.drop_fields} for row in chosen[offset:offset + length]]
        return 200, {"response": {"total": str(len(chosen)), "dateFormat": "YYYY-MM-DD\"T\"HH24",
                                  "frequency": "hourly", "data": page,
                                  "description": "Hourly demand, day-ahead demand forecast, net generation, and "
                                                 "interchange by balancing authority."},
                     "request": {"command": f"/v2/{ROUTE}/data/"}, "apiVersion": "2.1.8"}, {}  # fmt: skip

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def demand_rows(respondents: dict[str, str], first_period: str, hours: int) -> list[dict]:
    """Demand records (type D) for each respondent code -> name, hourly from first_period."""
    import pandas as pd

    periods = pd.date_range(pd.to_datetime(first_period, format="%Y-%m-%dT%H"), periods=hours, freq="h")
    return [{"period": period.strftime("%Y-%m-%dT%H"), "respondent": code, "respondent-name": name, "type": "D",
             "type-name": "Demand", "value": str(1000 * (index + 1) + period.hour), "value-units": "megawatthours"}
            for index, (code, name) in enumerate(respondents.items()) for period in periods]  # fmt: skip
