"""`python -m demo.gcp`: the same lifecycle as `python -m demo`, with FORECAST_ENV=gcp against local emulators.

BigQuery (bqemulator), GCS (gcp-storage-emulator) and a Vertex AI REST stand-in that runs each custom job start
on 127.0.0.1 under $FORECAST_HOME/emulators, every Google client is pointed at them, and any attempt to resolve
a host other than this machine fails at once. The lifecycle itself is demo/__main__.py's `main` (its interrupt
handling and summary line); every process started here is stopped at the end, also on Ctrl-C or SIGTERM.
"""

import os
import signal
import sys

from demo.__main__ import main as demo_main
from demo.__main__ import parse_args


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # while the emulators start: unwind so their finally block stops them


def main(argv=None) -> int:
    args = parse_args(argv, prog="python -m demo.gcp",
                      where="with FORECAST_ENV=gcp, offline against local BigQuery, GCS and Vertex AI stand-ins")
    signal.signal(signal.SIGTERM, _interrupt)  # the demo's own handlers take over once it runs
    from emulators.guard import loopback_only
    from emulators.stack import emulated_gcp
    from resources.environment import forecast_home

    with emulated_gcp(forecast_home() / "emulators") as env:
        os.environ.update(env)
        os.environ.setdefault("VERTEX_POLL_SECONDS", "1")
        print(f"[demo-gcp] BigQuery {env['BIGQUERY_EMULATOR_HOST']}, GCS {env['STORAGE_EMULATOR_HOST']}, "
              f"Vertex AI stand-in {env['VERTEX_API_ENDPOINT']}", flush=True)
        with loopback_only():
            return demo_main(args=args)


if __name__ == "__main__":
    sys.exit(main())
