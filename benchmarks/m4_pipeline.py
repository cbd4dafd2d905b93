"""Our side of the M4 benchmark: forecasts of every series of an M4 set, made by our own pipeline, and how long it took."""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from resources.sources.m4 import M4Rule, m4_rule, read_m4, read_m4_test


@dataclass
class M4Set:
    """One M4 set on disk and in the long format: training values and the H test values that follow each series."""

    frequency: str
    rule: M4Rule
    train_path: Path
    test_path: Path
    train: pd.DataFrame
    test: pd.DataFrame


@dataclass
class PipelineForecasts:
    """Our forecasts (series_id, timestamp, step, forecast) with the wall time of training and of forecasting."""

    forecasts: pd.DataFrame
    train_seconds: float
    forecast_seconds: float
    path: str  # which route produced them: "dagster-assets" or "trainer"
    details: dict = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        """Train plus forecast wall time."""
        return self.train_seconds + self.forecast_seconds


def load_m4_set(data_dir: Path, frequency: str) -> M4Set:
    """train.csv and test.csv of data_dir read with the project's M4 file source; names the missing file."""
    data_dir = Path(data_dir)
    train_path, test_path = data_dir / "train.csv", data_dir / "test.csv"
    for path in (train_path, test_path):
        if not path.is_file():
            raise FileNotFoundError(f"M4 set {frequency}: {path} not found (expected train.csv and test.csv in {data_dir})")
    rule = m4_rule(frequency)
    return M4Set(
        frequency=frequency,
        rule=rule,
        train_path=train_path,
        test_path=test_path,
        train=read_m4(train_path, frequency),
        test=read_m4_test(train_path, test_path, frequency),
    )


def forecast_with_pipeline(m4: M4Set, workdir: Path) -> PipelineForecasts:
    """Train on every training series and forecast H steps after each one's end, through our Dagster assets."""
    from benchmarks.m4_assets import forecast_with_assets

    return forecast_with_assets(m4, Path(workdir))
