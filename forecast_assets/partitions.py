"""Time partitions shared by the daily assets: one partition per observation day or forecast origin."""

import os

import dagster as dg

# Early enough for the bundled real data (PJM from 2002); override for older files.
PARTITIONS_START = os.getenv("FORECAST_PARTITIONS_START", "2000-01-01")

# The days of the data's own clock: naive local timestamps (as PJM publishes them) line up with local midnights.
TIMEZONE = os.getenv("FORECAST_TIMEZONE", "UTC")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone=TIMEZONE)
