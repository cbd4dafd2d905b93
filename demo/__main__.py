"""`python -m demo`: run the forecasting lifecycle on the local default and print where to look."""

import argparse
import os
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Run the whole forecasting lifecycle locally: collect history, build a dataset version, train and "
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
    parser.add_argument("--history-periods", type=int, default=None,
                        help="steps of the data's frequency before the first live partition (default: the dataset "
                        "window, FORECAST_DATASET_WINDOW_PERIODS; hourly data: 2160, 90 days)")
    parser.add_argument("--live-partitions", type=int, default=None,
                        help="partitions of the data's cadence replayed one by one after the history (default: 20 "
                        "days for hourly data, 8 weeks for daily, 12 months for weekly or monthly, 3 years for "
                        "quarterly or yearly)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.source:
        os.environ["FORECAST_SOURCE"] = args.source  # read by resources.environment when definitions load
    from demo.lifecycle import run_lifecycle

    summary = run_lifecycle(history_periods=args.history_periods, live_partitions=args.live_partitions)
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
