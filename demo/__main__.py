"""`python -m demo`: run the forecasting lifecycle on the local default and print where to look."""

import argparse
import os
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Run the whole forecasting lifecycle locally: collect history, build a dataset version, train and "
        "promote a champion, then live days of forecasts and monitoring. Runs land in DAGSTER_HOME for `make ui`.",
    )
    parser.add_argument("--source", default=os.getenv("FORECAST_SOURCE", ""),
                        help="a long-format CSV/Parquet file or URL (series_id, timestamp, value) instead of the "
                        "synthetic scenario; the demo uses the window at the end of the file")
    parser.add_argument("--history-days", type=int, default=90, help="days of history before the first live day")
    parser.add_argument("--live-days", type=int, default=20, help="days replayed one by one after the history")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.source:
        os.environ["FORECAST_SOURCE"] = args.source  # read by resources.environment when definitions load
    from demo.lifecycle import run_lifecycle

    summary = run_lifecycle(history_days=args.history_days, live_days=args.live_days)
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
