"""`python -m demo`: run the forecasting lifecycle on the local default and print where to look."""

import argparse
import os
import sys
from datetime import datetime, timezone


def parse_args(argv=None, prog: str = "python -m demo", where: str = "locally") -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"Run the whole forecasting lifecycle {where}: collect history, build a dataset version, train and "
        "promote a champion, then live partitions (days for hourly data) of forecasts and monitoring. The frequency is "
        "the data's own (or FORECAST_FREQ); the cadence, horizon and seasonality follow from it. Runs land in DAGSTER_HOME for `make ui`.",
    )
    parser.add_argument("--source", default=os.getenv("FORECAST_SOURCE", ""),
                        help="where the data lives, instead of the synthetic scenario (columns series_id, "
                        "timestamp, value): a CSV/Parquet file (data/load.parquet), a glob ('exports/*.parquet') or "
                        "folder of files (exports/), gs://bucket/exports/, an http(s) URL, a warehouse table "
                        "(duckdb:grid.duckdb?table=main.load&series_id=region&timestamp=hour&value=mw, "
                        "bigquery:project.dataset.table) or the EIA API (eia:PJM,MISO with EIA_API_KEY); the demo "
                        "uses the window at the end of the data")
    parser.add_argument("--timestamp-format", default=os.getenv("FORECAST_TIMESTAMP_FORMAT", ""),
                        help="strftime format of the source's timestamps, e.g. '%%d/%%m/%%Y %%H:%%M' (needed when its "
                        "dates read both day-first and month-first); default: ISO 8601 or the one order that fits")
    parser.add_argument("--history-periods", type=int, default=None,
                        help="steps of the data's frequency before the first live partition (default: the dataset "
                        "window, FORECAST_DATASET_WINDOW_PERIODS; hourly data: 2160, 90 days)")
    parser.add_argument("--live-partitions", type=int, default=None,
                        help="partitions of the data's cadence replayed one by one after the history (default: 20 "
                        "days for hourly data, 8 weeks for daily, 12 months for weekly or monthly, 3 years for "
                        "quarterly or yearly)")
    return parser.parse_args(argv)


def main(argv=None, args: argparse.Namespace | None = None) -> int:
    """The demo; args already parsed (by demo.gcp) are used as they are."""
    args = args or parse_args(argv)
    if args.source:
        os.environ["FORECAST_SOURCE"] = args.source  # read by resources.environment when definitions load
    if args.timestamp_format:
        os.environ["FORECAST_TIMESTAMP_FORMAT"] = args.timestamp_format
    from demo.interrupts import DemoInterrupted, cancel_unfinished_runs, run_status, stop_on_signals
    from demo.lifecycle import run_lifecycle

    started = datetime.now(timezone.utc)
    with stop_on_signals():
        try:
            summary = run_lifecycle(history_periods=args.history_periods, live_partitions=args.live_partitions)
        except DemoInterrupted as stop:
            status = "not kept (no DAGSTER_HOME)"
            if os.getenv("DAGSTER_HOME"):
                import dagster as dg

                instance = dg.DagsterInstance.get()
                canceled = cancel_unfinished_runs(instance, started)
                status = run_status(instance, stop.run_id) + (f"; canceled {len(canceled)} unfinished" if canceled else "")
            print(f"[demo] {stop}: stopped; interrupted run {stop.run_id or '-'}: {status}", file=sys.stderr, flush=True)
            return stop.exit_code
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
