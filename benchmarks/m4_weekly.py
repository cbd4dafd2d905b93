"""A weekly check set in the M4 file layout, built from real data: PJM's regional hourly load summed per week.

    python -m benchmarks.m4_weekly --out-dir DIR [--source PARQUET] [--chunk-weeks N] [--horizon H]

Why: M4's weekly set is not in ../shared/data and the held-out weekly set is not ours to see, so the weekly route is
checked on the nearest real weekly demand we have. Each region's hourly load (MW) becomes weekly energy (MWh, weeks
ending Sunday; duplicated hours averaged; a week with fewer than MIN_HOURS hours is dropped as incomplete, the rest
scaled to 168 hours). Each region's weekly history is cut from its end into non-overlapping chunks of --chunk-weeks
weeks, so the set holds many series that end in different seasons, as M4's do; a remainder of at least
MIN_CHUNK_WEEKS is kept as a shorter series. Every chunk's last H weeks go to test.csv, the rest to train.csv.
Then: `python -m benchmarks.m4 --data-dir DIR --frequency Weekly [--season-length 52]`.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

PJM_SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pjm" / "pjm_hourly_load.parquet"
HOURS_PER_WEEK = 168
MIN_HOURS = 160  # a week missing more than 8 hours is incomplete (the data's gaps are single hours, and its ends)
MIN_CHUNK_WEEKS = 120  # a shorter remainder would hold fewer than two years of training weeks
M4_WEEKLY_HORIZON = 13


def weekly_energy(hourly: pd.DataFrame) -> pd.DataFrame:
    """Long frame (series_id, timestamp = week end, value = MWh) of complete weeks from hourly MW readings."""
    frame = hourly.groupby(["series_id", "timestamp"], as_index=False, observed=True)["value"].mean()
    frame["week"] = frame["timestamp"].dt.to_period("W-SUN").dt.end_time.dt.normalize()
    weeks = frame.groupby(["series_id", "week"], observed=True)["value"].agg(["sum", "count"]).reset_index()
    weeks = weeks[weeks["count"] >= MIN_HOURS]
    weeks = weeks.assign(value=weeks["sum"] * HOURS_PER_WEEK / weeks["count"])
    return weeks.rename(columns={"week": "timestamp"})[["series_id", "timestamp", "value"]]


def consecutive_run(weeks: pd.DataFrame) -> np.ndarray:
    """The values of a region's latest run of consecutive weeks (a dropped week would break the weekly grid)."""
    stamps = weeks["timestamp"].to_numpy()
    breaks = np.flatnonzero(np.diff(stamps) != np.timedelta64(7, "D"))
    start = breaks[-1] + 1 if len(breaks) else 0
    return weeks["value"].to_numpy()[start:]


def chunks(values: np.ndarray, chunk_weeks: int) -> list[np.ndarray]:
    """Non-overlapping chunks of chunk_weeks from the end; a remainder of at least MIN_CHUNK_WEEKS is kept too."""
    out, end = [], len(values)
    while end >= MIN_CHUNK_WEEKS:
        start = max(0, end - chunk_weeks)
        out.append(values[start:end])
        end = start
    return out[::-1]


def build_weekly_set(source: Path, chunk_weeks: int, horizon: int) -> tuple[list, list]:
    """(train rows, test rows) of the M4 layout: [id, v1, v2, ...] per series, ids W1..Wn in region order."""
    hourly = pd.read_parquet(source, columns=["series_id", "timestamp", "value"])
    weekly = weekly_energy(hourly).sort_values(["series_id", "timestamp"])
    train, test = [], []
    for _, weeks in weekly.groupby("series_id", observed=True):
        for chunk in chunks(consecutive_run(weeks), chunk_weeks):
            series_id = f"W{len(train) + 1}"
            train.append([series_id, *chunk[:-horizon]])
            test.append([series_id, *chunk[-horizon:]])
    return train, test


def write_m4_wide(path: Path, rows: list) -> None:
    """An M4 wide CSV: header V1..Vk, every value quoted, shorter rows padded with empty fields."""
    width = max(len(row) for row in rows)
    lines = [",".join(f'"V{k}"' for k in range(1, width + 1))]
    for row in rows:
        fields = [f'"{row[0]}"', *(f'"{value:.6f}"' for value in row[1:])]
        lines.append(",".join(fields + [""] * (width - len(row))))
    path.write_text("\n".join(lines) + "\n")


def main(argv=None) -> None:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.m4_weekly", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, required=True, help="folder for train.csv and test.csv")
    parser.add_argument("--source", type=Path, default=PJM_SOURCE, help="long-format hourly Parquet")
    parser.add_argument("--chunk-weeks", type=int, default=260, help="weeks per series (train + test)")
    parser.add_argument("--horizon", type=int, default=M4_WEEKLY_HORIZON, help="test weeks per series (M4: 13)")
    args = parser.parse_args(argv)
    if args.chunk_weeks < MIN_CHUNK_WEEKS:
        parser.error(f"--chunk-weeks must be at least {MIN_CHUNK_WEEKS}")
    train, test = build_weekly_set(args.source, args.chunk_weeks, args.horizon)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_m4_wide(args.out_dir / "train.csv", train)
    write_m4_wide(args.out_dir / "test.csv", test)
    lengths = [len(row) - 1 for row in train]
    print(f"series={len(train)} train_weeks_min={min(lengths)} train_weeks_max={max(lengths)} horizon={args.horizon} "
          f"out={args.out_dir}")


if __name__ == "__main__":
    main()
