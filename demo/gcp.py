"""`python -m demo.gcp`: the same lifecycle as `python -m demo`, with FORECAST_ENV=gcp against local emulators.

BigQuery (bqemulator), GCS (gcp-storage-emulator) and a Vertex AI REST stand-in that runs each custom job start
on 127.0.0.1 under $FORECAST_HOME/emulators, every Google client is pointed at them, and any attempt to resolve
a host other than this machine fails at once. Every process it started is stopped at the end, also on Ctrl-C.
"""

import os
import signal
import sys

from demo.__main__ import parse_args


def main(argv=None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the emulators' finally block stops them.
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    from emulators.guard import loopback_only
    from emulators.stack import emulated_gcp
    from resources.environment import forecast_home

    with emulated_gcp(forecast_home() / "emulators") as env:
        os.environ.update(env)
        os.environ.setdefault("VERTEX_POLL_SECONDS", "1")
        if args.source:
            os.environ["FORECAST_SOURCE"] = args.source
        print(f"[demo-gcp] BigQuery {env['BIGQUERY_EMULATOR_HOST']}, GCS {env['STORAGE_EMULATOR_HOST']}, "
              f"Vertex AI stand-in {env['VERTEX_API_ENDPOINT']}", flush=True)
        with loopback_only():
            from demo.lifecycle import run_lifecycle

            summary = run_lifecycle(history_days=args.history_days, live_days=args.live_days)
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
