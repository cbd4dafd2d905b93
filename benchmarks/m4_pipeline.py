"""Our side of the M4 benchmark: forecasts of every series of a set in the M4 file layout (M4, M3, ...), made by our
own pipeline, and how long it took."""

import resource
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from resources.sources.m4 import M4_RULES, M4Rule, m4_rule, read_m4, read_m4_test

# Sets named by other competitions that have no M4 rule: the M4 calendar their steps are laid out on, and the rule.
# M3 "other" (174 series of unstated frequency, h = 8, m = 1) is laid out on a daily calendar.
OTHER_RULES: dict[str, tuple[str, M4Rule]] = {"Other": ("Daily", M4Rule("D", 8, 1))}


@dataclass
class M4Set:
    """One set on disk and in the long format: training values and the H test values that follow each series.

    `calendar` is the M4 frequency name whose synthetic calendar the file is read on (the frequency itself for the
    M4 names)."""

    frequency: str
    rule: M4Rule
    calendar: str
    train_path: Path
    test_path: Path
    train: pd.DataFrame
    test: pd.DataFrame


@dataclass
class PipelineForecasts:
    """Our forecasts (series_id, timestamp, step, forecast, lo_95, hi_95) with the wall times of training and forecasting."""

    forecasts: pd.DataFrame
    train_seconds: float
    forecast_seconds: float
    path: str  # which route produced them: "dagster-assets" or "trainer"
    details: dict = field(default_factory=dict)
    train_cpu_seconds: float = float("nan")  # CPU time of this process and the trainer's, while training
    forecast_cpu_seconds: float = float("nan")

    @property
    def total_seconds(self) -> float:
        """Train plus forecast wall time."""
        return self.train_seconds + self.forecast_seconds

    @property
    def total_cpu_seconds(self) -> float:
        """Train plus forecast CPU time."""
        return self.train_cpu_seconds + self.forecast_cpu_seconds


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (the trainer subprocess) so far.

    Why beside wall time: on cores shared with other work the wall time of both sides swings with their load (the
    same run took 2.0 s and 3.9 s for the peer), while the CPU time each side spends stays put."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def set_rule(frequency: str, horizon: int | None = None, season_length: float | None = None) -> tuple[str, M4Rule]:
    """(canonical frequency name, rule) of a set: the M4 rule or OTHER_RULES, with the horizon and m overridden.

    A fractional m (52.18 weeks a year) becomes the nearest whole number of steps (52): lags, the seasonal naive and
    MASE's scaling all step through the series' own points."""
    key = str(frequency).strip().lower()
    other = {name.lower(): (name, rule) for name, (_, rule) in OTHER_RULES.items()}
    if key in other:
        name, rule = other[key]
    else:
        rule = m4_rule(frequency)  # names the known frequencies when this one is not
        name = next(n for n in M4_RULES if n.lower() == key)
    for value, what in ((horizon, "--horizon"), (season_length, "--season-length")):
        if value is not None and value < 1:
            raise ValueError(f"{what} must be at least 1, got {value}")
    whole = int(round(season_length)) if season_length is not None else None
    return name, M4Rule(rule.freq, horizon or rule.horizon, whole or rule.season_length)


def load_m4_set(data_dir: Path, frequency: str, horizon: int | None = None, season_length: float | None = None) -> M4Set:
    """train.csv and test.csv of data_dir read with the project's M4 file source; names the missing file.

    The test file must hold at least H values per series; with a shorter --horizon only the first H are scored."""
    data_dir = Path(data_dir)
    train_path, test_path = data_dir / "train.csv", data_dir / "test.csv"
    for path in (train_path, test_path):
        if not path.is_file():
            raise FileNotFoundError(f"M4 set {frequency}: {path} not found (expected train.csv and test.csv in {data_dir})")
    name, rule = set_rule(frequency, horizon, season_length)
    calendar = OTHER_RULES[name][0] if name in OTHER_RULES else name
    test = read_m4_test(train_path, test_path, calendar)
    steps = test.groupby("series_id").size()
    if (steps < rule.horizon).any():
        short = steps[steps < rule.horizon]
        raise ValueError(f"{test_path}: {len(short)} series have fewer than H={rule.horizon} test values "
                         f"(e.g. {short.index[0]} has {int(short.iloc[0])}); pass a smaller --horizon")
    test = test[test.groupby("series_id").cumcount() < rule.horizon].reset_index(drop=True)
    return M4Set(frequency=name, rule=rule, calendar=calendar, train_path=train_path, test_path=test_path,
                 train=read_m4(train_path, calendar), test=test)


def forecast_with_pipeline(m4: M4Set, workdir: Path) -> PipelineForecasts:
    """Train on every training series and forecast H steps after each one's end, through our Dagster assets."""
    from benchmarks.m4_assets import forecast_with_assets

    return forecast_with_assets(m4, Path(workdir))
