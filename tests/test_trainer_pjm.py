"""On real PJM hourly load the trained model beats the seasonal naive on the holdout."""

from pathlib import Path

import pandas as pd
import pytest

from trainer.config import TrainConfig
from trainer.features import FeatureSpec
from trainer.panel import SeriesPanel
from trainer.training import fit

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REGIONS = ["AEP", "COMED", "DAYTON", "DOM"]


def pjm_regions() -> pd.DataFrame:
    """Four regions, mid-May to July 2018, on a clean hourly grid: duplicate DST hours averaged, single gaps interpolated."""
    raw = pd.read_parquet(DATA / "pjm" / "pjm_hourly_load.parquet")
    raw = raw[raw["series_id"].isin(REGIONS) & (raw["timestamp"] >= "2018-05-15") & (raw["timestamp"] < "2018-08-01")]
    deduplicated = raw.groupby(["series_id", "timestamp"], as_index=False)["value"].mean()
    parts = []
    for sid, group in deduplicated.groupby("series_id"):
        series = group.set_index("timestamp")["value"].asfreq("h").interpolate(limit=1)
        parts.append(pd.DataFrame({"series_id": sid, "timestamp": series.index, "value": series.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.slow
def test_model_beats_the_seasonal_naive_on_the_holdout_in_smape_and_mase():
    data = pjm_regions()
    assert data["value"].notna().all() and set(data["series_id"]) == set(REGIONS)
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    config = TrainConfig(max_train_rows=10_000)  # the shipped round budget; small enough for a quick test
    result = fit(SeriesPanel.from_frame(data, "h", spec.pad), spec, config)
    model, naive = result.metrics["test"], result.metrics["seasonal_naive"]["test"]
    assert model["smape"] < naive["smape"] and model["mase"] < naive["mase"]
    assert result.metrics["validation"]["mase"] < result.metrics["seasonal_naive"]["validation"]["mase"]
