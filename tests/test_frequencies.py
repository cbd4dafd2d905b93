"""Any regular frequency runs through the same assets: partitions at the data's cadence that start where the data
starts, quality checks on calendar steps, forecasts on the data's own calendar, accuracy joined to the actuals, and
the demo on a daily and a monthly long-format file.

Partitions are fixed when the code location loads, so each frequency runs in its own process, as a user's would,
with nothing set but the source: the frequency is read off the data.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.tseries.frequencies import to_offset

from resources.frequency import CADENCE_OFFSETS, cadence_start

PROJECT = Path(__file__).resolve().parents[1]

# freq: (points, first timestamp, the cadence its partitions follow, the calendar its forecasts must lie on)
FREQUENCIES = {
    "15min": (96 * 14, "2024-01-01", "daily", "15min"),
    "D": (400, "2001-01-01", "weekly", "D"),
    "W-SUN": (260, "2001-01-07", "monthly", "W-SUN"),
    "MS": (120, "2001-01-01", "monthly", "MS"),
    "QE": (60, "2001-03-31", "yearly", "QE-DEC"),
    "YS": (30, "1990-01-01", "yearly", "YS-JAN"),
}
HORIZON_AND_SEASON = {"15min": (192, 96), "D": (14, 7), "W-SUN": (13, 52), "MS": (18, 12), "QE": (8, 4), "YS": (6, 1)}
SEASON = {"15min": 96, "D": 7, "W-SUN": 52, "MS": 12, "QE": 4, "YS": 1}


def write_long_file(path: Path, freq: str, short_series: bool = True) -> pd.DataFrame:
    """Three seasonal series with a trend over the whole range, and a short one (as M3's yearly: a few points beyond
    one horizon in the training dataset) that ends with them."""
    points, start, cadence, _ = FREQUENCIES[freq]
    rng = np.random.default_rng(0)
    stamps = pd.date_range(start, periods=points, freq=freq)
    t = np.arange(points)
    season = 1 + 0.2 * np.sin(2 * np.pi * t / SEASON[freq]) if SEASON[freq] > 1 else 1.0
    frames = [pd.DataFrame({"series_id": f"s{k}", "timestamp": stamps,
                            "value": 100 * (k + 1) * season * (1 + 0.003 * t) + rng.normal(0, 2, points)})
              for k in range(3)]
    # The dataset ends before the last full partition (see PIPELINE): count the points after it.
    last_full = cadence_start(cadence, pd.Series([stamps[-1]])).iloc[0] - to_offset(CADENCE_OFFSETS[cadence])
    short = HORIZON_AND_SEASON[freq][0] + 4 + int((stamps >= last_full).sum())
    if short_series:
        frames.append(pd.DataFrame({"series_id": "short", "timestamp": stamps[-short:], "value": 50 + rng.normal(0, 1, short)}))
    data = pd.concat(frames, ignore_index=True)
    data.to_csv(path, index=False)
    return data


# Runs in a fresh process: collect every full partition in one backfill, train and judge on them, forecast from the
# end of the second-last full partition and score the last one. Prints one JSON line.
PIPELINE = """
import json
import dagster as dg
import pandas as pd
from forecast_assets import partitions
from forecast_assets.accuracy import forecast_accuracy
from forecast_assets.definitions import defs

settings, source = defs.resources["settings"], defs.resources["source"]
first, last = source.time_range()
keys = partitions.time_partitions.get_partition_keys()
last_full = keys.index(partitions.partition_key_for(last)) - 1  # the file may end inside its last partition
instance = dg.DagsterInstance.ephemeral()
collect = defs.resolve_job_def("ingestion_job").execute_in_process(instance=instance, tags={
    "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[last_full]})
end = pd.Timestamp(keys[last_full])  # the dataset holds everything before the last full partition
window = {"end_date": str(end), "window_periods": settings.periods_between(first, settings.first_step_at_or_after(end))}
defs.resolve_job_def("training_job").execute_in_process(
    instance=instance, run_config={"ops": {"training_dataset": {"config": window}}})
defs.resolve_job_def("inference_job").execute_in_process(instance=instance, partition_key=keys[last_full - 1])
dg.materialize([forecast_accuracy], partition_key=keys[last_full], resources=defs.resources, instance=instance)
warehouse = defs.resources["warehouse"]
forecasts = warehouse.read("batch_forecasts")
accuracy = warehouse.read("forecast_accuracy")
print(json.dumps({
    "freq": settings.freq, "cadence": settings.cadence, "horizon": settings.horizon,
    "season_length": settings.season_length, "first_key": keys[0],
    "failed_checks": {c.check_name: c.metadata["series"].value for c in collect.get_asset_check_evaluations()
                      if not c.passed},
    "origin": str(forecasts["origin"].iloc[0]),
    "forecasts": {s: [str(t) for t in g.sort_values("step")["timestamp"]] for s, g in forecasts.groupby("series_id")},
    "accuracy_series": sorted(accuracy["series_id"]), "accuracy_smape": float(accuracy["smape"].mean()),
}, default=str))
"""


def run_here(args: list[str], home: Path, source: Path) -> subprocess.CompletedProcess:
    """A fresh process of the project with only the source and a private FORECAST_HOME set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORECAST_")}
    env.update(FORECAST_HOME=str(home), FORECAST_ENV="local", FORECAST_SOURCE=str(source))
    done = subprocess.run([sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
@pytest.mark.parametrize("freq", list(FREQUENCIES))
def test_each_frequency_runs_through_the_assets_on_its_own_calendar(tmp_path, freq):
    data = write_long_file(tmp_path / f"{freq}.csv", freq)
    _, start, cadence, calendar = FREQUENCIES[freq]

    out = json.loads(run_here(["-c", PIPELINE], tmp_path / "home", tmp_path / f"{freq}.csv").stdout.strip().splitlines()[-1])

    assert (out["freq"], out["cadence"]) == (calendar, cadence)  # read off the data; the cadence follows
    assert (out["horizon"], out["season_length"]) == HORIZON_AND_SEASON[freq]
    period = {"daily": "D", "weekly": "W-SUN", "monthly": "M", "yearly": "Y"}[cadence]  # weeks run Monday to Sunday
    first_period = pd.Timestamp(start).to_period(period).start_time
    assert out["first_key"] == str(first_period.date())  # partitions start where the data starts (issue 16)
    # Clean data passes missing_steps and stale_series on calendar steps; the one backfill run spans the whole range,
    # so only the short series, which starts late, misses steps of it.
    assert out["failed_checks"] == {"missing_steps": ["short"]}
    expected = [str(t) for t in pd.date_range(out["origin"], periods=out["horizon"], freq=calendar)]
    assert set(out["forecasts"]) == set(data["series_id"])  # every series is forecast, the short one included
    for series_id, stamps in out["forecasts"].items():
        assert stamps == expected, series_id
    assert set(out["accuracy_series"]) == set(data["series_id"]) and 0 < out["accuracy_smape"] < 20


@pytest.mark.slow
@pytest.mark.parametrize("freq", ["D", "MS"])
def test_the_demo_runs_end_to_end_on_a_daily_and_a_monthly_file(tmp_path, freq):
    write_long_file(tmp_path / f"{freq}.csv", freq, short_series=False)  # the demo trains before its live partitions

    done = run_here(["-m", "demo", "--live-partitions", "2"], tmp_path / "home", tmp_path / f"{freq}.csv")

    summary = dict(pair.split("=", 1) for pair in done.stdout.strip().splitlines()[-1].split())
    assert summary["champion"] != "none"
    horizon = {"D": 14, "MS": 18}[freq]
    assert int(summary["forecasts"]) % (3 * horizon) == 0 and int(summary["forecasts"]) >= 2 * 3 * horizon
    assert f"2 live {FREQUENCIES[freq][2]} partitions" in done.stdout
