"""Refit after validation: the shipped booster learns the last 2H points it was judged on; the model as validated is
kept beside it for the gate."""

import numpy as np

from test_trainer_task import synthetic_series
from trainer.config import TrainConfig
from trainer.features import FeatureSpec
from trainer.panel import SeriesPanel
from trainer.training import fit

CONFIG = dict(n_estimators=40, early_stopping_rounds=10, max_train_rows=15_000, families=("xgboost",))


def shifted_panel():
    """Three hourly series over 30 days; s0 and s1 are 40% higher over the last 4 days (the validation and test)."""
    data = synthetic_series(n_series=3, days=30)
    late = data["timestamp"] > data["timestamp"].max() - np.timedelta64(96, "h")
    data.loc[late & data["series_id"].isin(["s0", "s1"]), "value"] *= 1.4
    return data


def test_the_shipped_booster_is_refit_on_all_points_and_the_validated_model_is_kept():
    data = shifted_panel()
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    panel = SeriesPanel.from_frame(data, "h", spec.pad)
    result = fit(panel, spec, TrainConfig(**CONFIG))
    assert result.validated is not None and result.validated.booster is not result.model.booster
    assert result.metrics["rows"]["refit"] > result.metrics["rows"]["train"]
    assert result.model.booster.num_boosted_rounds() == result.metrics["best_iteration"] + 1
    # The refit model has seen the new level; forecasting on, it stays nearer to it than the validated model.
    history = data[data["series_id"].isin(["s0", "s1"])]
    recent = history.groupby("series_id")["value"].apply(lambda v: np.nanmean(v.to_numpy()[-48:]))
    refit = result.model.predict(history, levels=()).groupby("series_id")["forecast"].mean()
    validated = result.validated.predict(history, levels=()).groupby("series_id")["forecast"].mean()
    assert ((recent - refit).abs() <= (recent - validated).abs() + 1e-9).all()


def test_without_refit_the_validated_model_is_the_shipped_one():
    data = synthetic_series(n_series=2, days=12)
    spec = FeatureSpec.default("h", 48, 24, nonnegative=True)
    result = fit(SeriesPanel.from_frame(data, "h", spec.pad), spec, TrainConfig(**CONFIG, refit=False))
    assert result.validated is None and "refit" not in result.metrics["rows"]
