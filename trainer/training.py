"""Fitting on time-ordered splits: train, early stopping on validation, interval calibration, refit, test, and the
choice of the model family.

Per series: test = its last H points, validation = the H points before them, train = the rest (targets only; the
features of every row look back from its origin, so no row sees a value after its origin). The booster is
early-stopped on validation, intervals are calibrated on the validation residuals, and that model is scored on
test. With config.refit (the default) the shipped booster is then refit on all points with the best iteration count,
and the model as scored is returned beside it (TrainResult.validated): the gate judges that one on the last windows,
which the refit model has trained on. The refit costs about a second fit; it matters after a drift, when the
last 2H points are the only ones at the new level.
Then every candidate family (XGBoost, per-series statistical models, their means: trainer/families.py) forecasts
the same validation and test windows of a seeded sample of series (config.family_rows rows per window) and the best
against the seasonal naive is shipped (trainer/family_choice.py); families far behind on a pilot quarter of those series
are dropped before the rest are fitted.
A series too short for a validation window (fewer than min_history points before it) is judged on test only.
"""

import time
from dataclasses import dataclass

import numpy as np
import xgboost as xgb

from trainer import intervals
from trainer.config import DEFAULT_PARAMS, TrainConfig  # noqa: F401  (re-exported)
from trainer.evaluation import score_rows, seasonal_naive_rows
from trainer.families import FAMILIES, XGBOOST, members_of
from trainer.family_choice import PILOT_FRACTION, backtest_window, choose_family, merge_windows, screen_families
from trainer.features import FeatureBuilder, FeatureSpec, sample_rows
from trainer.model import ForecastModel
from trainer.panel import SeriesPanel


@dataclass
class TrainResult:
    """The shipped model and the metrics of the run (the metrics.json content)."""

    model: ForecastModel
    metrics: dict
    validated: ForecastModel | None = None  # with config.refit: the model as scored, before the refit on all points


def holdout_rows(origins: np.ndarray, horizon: int):
    """(series, origin, step) rows forecasting H steps from one origin per series."""
    series = np.repeat(np.arange(len(origins)), horizon)
    return series, origins[series], np.tile(np.arange(1, horizon + 1), len(origins))


def _matrix(builder: FeatureBuilder, spec: FeatureSpec, rows) -> tuple[np.ndarray, np.ndarray, tuple]:
    features, scale = builder.rows(*rows)
    target = spec.encode(builder.targets(*rows), scale)
    keep = np.isfinite(target)
    return features[keep], target[keep], tuple(r[keep] for r in rows)


def _training_matrix(spec: FeatureSpec, features: np.ndarray, target: np.ndarray, params: dict) -> xgb.QuantileDMatrix:
    """Binned training matrix; every row starts from the spec's baseline (base_margin), as at prediction."""
    return xgb.QuantileDMatrix(features, target, base_margin=spec.base_margin(features),
                               feature_names=spec.feature_names, max_bin=params.get("max_bin", 256))


def fit(panel: SeriesPanel, spec: FeatureSpec, config: TrainConfig, log=lambda msg: None) -> TrainResult:
    """Train, early-stop, calibrate, refit and score; returns the shipped model and the metrics."""
    started = time.perf_counter()
    h, m = spec.horizon, spec.season_length
    builder = FeatureBuilder(panel, spec)
    valid_origin, test_origin = panel.lengths - 2 * h - 1, panel.lengths - h - 1
    has_validation = valid_origin >= 0
    train_rows = sample_rows(spec, valid_origin, config.max_train_rows, config.seed)
    x_train, y_train, train_rows = _matrix(builder, spec, train_rows)
    x_valid, y_valid, valid_rows = _matrix(builder, spec, _rows_of(holdout_rows(valid_origin, h), has_validation))
    if len(y_train) == 0 or len(y_valid) == 0:
        raise ValueError("no finite training or validation targets: the series are all missing there")
    log(f"training on {len(y_train)} rows, validating on {len(y_valid)} rows, {len(panel.series_ids)} series")
    dtrain = _training_matrix(spec, x_train, y_train, config.params)
    dvalid = xgb.DMatrix(x_valid, y_valid, base_margin=spec.base_margin(x_valid), feature_names=spec.feature_names)
    history: dict = {}
    booster = xgb.train(_with_rmse(config.params), dtrain, config.n_estimators, evals=[(dvalid, "validation")],
                        early_stopping_rounds=config.early_stopping_rounds, evals_result=history,
                        verbose_eval=False)
    best = int(booster.best_iteration)
    log(f"early stopping chose {best + 1} rounds")
    floor = 0.0 if np.nanmin(panel.values) >= 0 else None
    model = ForecastModel(booster[: best + 1], spec, {}, floor)
    valid_pred, valid_scale = model.predict_rows(builder, *valid_rows)
    actual_valid = builder.targets(*valid_rows)
    model.calibration = intervals.calibrate(np.abs(actual_valid - valid_pred) / valid_scale, valid_rows[2], h)
    train_eval = _subsample(train_rows, 50_000, config.seed)
    train_pred, _ = model.predict_rows(builder, *train_eval)
    candidates = tuple(config.families or FAMILIES)
    sample = _family_sample(len(panel.series_ids), -(-config.family_rows // h), config.seed)
    pilot = sample & _family_sample(len(panel.series_ids), int(np.ceil(PILOT_FRACTION * sample.sum())), config.seed)
    in_validation = sample & (valid_origin + 1 >= spec.min_history)
    pilot_window = backtest_window(model, builder, "validation", valid_origin, in_validation & pilot,
                                   _members(candidates))
    kept, pilot_scores = screen_families(pilot_window, panel, m, floor, candidates)
    if len(kept) < len(candidates):
        log(f"model families screened out on a pilot of {int(pilot.sum())} series: "
            f"{', '.join(f for f in candidates if f not in kept)}")
    members = _members(kept)
    windows = [merge_windows(pilot_window, backtest_window(model, builder, "validation", valid_origin,
                                                           in_validation & ~pilot, members))]
    metrics = {"train": score_rows(panel, train_eval, builder.targets(*train_eval), train_pred, valid_origin, m),
               "validation": score_rows(panel, valid_rows, actual_valid, valid_pred, valid_origin, m)}
    rows = {"train": int(len(y_train)), "validation": int(len(y_valid))}
    windows.append(backtest_window(model, builder, "test", test_origin, sample & (test_origin >= 0), members))
    choice = choose_family(windows, panel, m, floor, kept)
    model.family = choice.family
    if choice.family != XGBOOST:
        model.calibration = choice.calibration
    model.family_info = {"chosen_on": [w.name for w in windows if w is not None], "candidates": list(candidates),
                         "relative_to_seasonal_naive": {f: choice.scores[f]["relative_to_seasonal_naive"]
                                                        for f in candidates if f in choice.scores},
                         "screened_out": [f for f in candidates if f not in kept],
                         "pilot_relative_to_seasonal_naive": pilot_scores}
    log(f"model family: {choice.family} (relative to the seasonal naive on the backtest windows: "
        f"{model.family_info['relative_to_seasonal_naive'][choice.family]:.3f})")
    test_rows = holdout_rows(test_origin, h)
    test_actual = builder.targets(*test_rows)
    if choice.family == XGBOOST:  # every series (cheap); a statistical family: the series the choice was made on
        metrics["test"] = score_rows(panel, test_rows, test_actual, model.family_rows(builder, *test_rows)[0],
                                     test_origin, m)
    else:
        metrics["test"] = choice.scores[choice.family]["test"]
    rows["test"] = int(np.isfinite(test_actual).sum())
    metrics["seasonal_naive"] = {
        "validation": score_rows(panel, valid_rows, actual_valid, seasonal_naive_rows(panel, valid_rows, m),
                                 valid_origin, m),
        "test": score_rows(panel, test_rows, test_actual, seasonal_naive_rows(panel, test_rows, m), test_origin, m)}
    metrics.update({"validation_rmse_per_round": [float(v) for v in history["validation"]["rmse"]],
                    "best_iteration": best, "params": {**config.params, "n_estimators": config.n_estimators,
                    "early_stopping_rounds": config.early_stopping_rounds, "max_train_rows": config.max_train_rows,
                    "seed": config.seed, "refit": config.refit}, "rows": rows, "family": choice.family,
                    "families": choice.scores, "family_series": int(sample.sum()),
                    "family_pilot_series": int(pilot.sum()),
                    "n_series": int(len(panel.series_ids))})
    validated = None
    if config.refit and XGBOOST in members_of(model.family):
        # After every score: the shipped booster also learns the last 2H points it was judged on (after a drift,
        # the only points at the new level); the validated model is kept for the gate's backtest.
        validated = ForecastModel(model.booster, spec, model.calibration, floor, model.family, model.family_info)
        del dtrain
        x_refit, y_refit, _ = _matrix(builder, spec, sample_rows(spec, panel.lengths - 1, config.max_train_rows,
                                                                 config.seed + 1))
        booster = xgb.train(config.params, _training_matrix(spec, x_refit, y_refit, config.params), best + 1)
        model = ForecastModel(booster, spec, model.calibration, floor, model.family, model.family_info)
        rows["refit"] = int(len(y_refit))
        log(f"refit on all points (train+validation+test): {len(y_refit)} rows, {best + 1} rounds")
    metrics["fit_seconds"] = round(time.perf_counter() - started, 3)
    return TrainResult(model, metrics, validated)


def _members(families) -> tuple[str, ...]:
    """Every member the families average, each once, in order."""
    return tuple(dict.fromkeys(member for family in families for member in members_of(family)))


def _family_sample(n_series: int, size: int, seed: int) -> np.ndarray:
    """A seeded sample of `size` series (all of them when there are fewer), as a mask."""
    mask = np.zeros(n_series, dtype=bool)
    mask[np.random.default_rng(seed).permutation(n_series)[:size]] = True
    return mask


def _rows_of(rows: tuple, include: np.ndarray) -> tuple:
    """The rows whose series is included."""
    keep = include[rows[0]]
    return tuple(r[keep] for r in rows)


def _with_rmse(params: dict) -> dict:
    """Always record validation RMSE per round; early stopping uses the last metric, the one asked for."""
    asked = params.get("eval_metric", "rmse")
    asked = [asked] if isinstance(asked, str) else list(asked)
    return {**params, "eval_metric": ["rmse", *(m for m in asked if m != "rmse")]}


def _subsample(rows: tuple, size: int, seed: int) -> tuple:
    if len(rows[0]) <= size:
        return rows
    pick = np.sort(np.random.default_rng(seed).choice(len(rows[0]), size, replace=False))
    return tuple(r[pick] for r in rows)
