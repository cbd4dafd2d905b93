"""Synthetic M4-format sets: wide train.csv/test.csv exactly shaped like the published files, for any M4 frequency.

Every field is quoted, column V1 holds the ids (first letter of the frequency + a number, as D1, D2, ...),
training rows are right-padded with empty fields to the longest series, and each test row holds the H values
that follow its training row. Values are positive: a level, a trend, a cycle at the set's seasonality (a weekly
one for Daily data) and multiplicative noise.
"""

import argparse
from pathlib import Path

import numpy as np

from resources.sources.m4 import m4_rule


def synthetic_series(length: int, cycle: int, rng: np.random.Generator) -> np.ndarray:
    """One positive series of length points with a trend and (when cycle > 1) a multiplicative cycle."""
    t = np.arange(length)
    level = rng.uniform(200, 5000)
    trend = 1 + rng.uniform(-0.3, 0.6) * t / length
    season = 1 + rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * t / cycle + rng.uniform(0, 2 * np.pi)) if cycle > 1 else 1
    noise = np.exp(rng.normal(0, 0.03, length))
    return np.round(level * trend * season * noise, 2)


def write_synthetic_m4(
    directory: Path, frequency: str, n_series: int = 24, min_length: int = 120, max_length: int = 240, seed: int = 0
) -> tuple[Path, Path]:
    """Write train.csv and test.csv of n_series synthetic series into directory; returns their paths."""
    rule = m4_rule(frequency)
    cycle = 7 if frequency.lower() == "daily" else rule.season_length
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_length, max_length + 1, n_series)
    prefix = frequency.strip()[0].upper()
    ids = [f"{prefix}{i + 1}" for i in range(n_series)]
    series = [synthetic_series(int(n) + rule.horizon, cycle, rng) for n in lengths]
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    train_path, test_path = directory / "train.csv", directory / "test.csv"
    width = int(lengths.max())
    _write_wide(train_path, width, ([sid, *values[: len(values) - rule.horizon]] for sid, values in zip(ids, series)))
    _write_wide(test_path, rule.horizon, ([sid, *values[-rule.horizon :]] for sid, values in zip(ids, series)))
    return train_path, test_path


def _write_wide(path: Path, width: int, rows) -> None:
    """A wide M4 CSV: header V1..V{width+1}, every non-empty field quoted, short rows padded with bare empty fields."""
    lines = [",".join(f'"V{i + 1}"' for i in range(width + 1))]
    for sid, *values in rows:
        cells = [f'"{sid}"', *(f'"{v:g}"' for v in values)]
        lines.append(",".join(cells + [""] * (width - len(values))))
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Command line: python -m benchmarks.m4_synthetic --out DIR --frequency Daily [--series N]."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--frequency", default="Daily")
    parser.add_argument("--series", type=int, default=24)
    args = parser.parse_args(argv)
    train, test = write_synthetic_m4(args.out, args.frequency, args.series)
    print(f"train={train} test={test}")


if __name__ == "__main__":
    main()
