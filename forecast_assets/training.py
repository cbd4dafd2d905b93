"""Training: candidate_model, a model version trained by the trainer on one dataset version and registered."""

import json

import dagster as dg
import pandas as pd

from forecast_assets.datasets import training_dataset
from forecast_assets.lineage import code_version, latest_metadata
from resources.artifacts import ArtifactStore
from resources.experiments import ExperimentTracker
from resources.registry import CHALLENGER, ModelRegistry
from resources.settings import ForecastSettings
from resources.training import TrainingBackend, TrainingJobSpec

SPARK = "▁▂▃▄▅▆▇█"


class TrainingConfig(dg.Config):
    """Hyperparameters passed to the trainer; unset ones keep the trainer's defaults."""

    n_estimators: int | None = None
    learning_rate: float | None = None
    max_depth: int | None = None
    seed: int = 0


def trainer_args(dataset_uri: str, model_dir: str, settings: ForecastSettings, config: TrainingConfig) -> list[str]:
    """The arguments of `python -m trainer.task`, the same for the local process and the Vertex AI job."""
    args = ["--dataset-uri", dataset_uri, "--model-dir", model_dir, "--freq", settings.freq,
            "--horizon", str(settings.horizon), "--season-length", str(settings.season_length), "--seed", str(config.seed)]
    for name in ("n_estimators", "learning_rate", "max_depth"):
        if getattr(config, name) is not None:
            args += [f"--{name.replace('_', '-')}", str(getattr(config, name))]
    return args


def validation_curve(per_round: list[float], points: int = 40) -> str:
    """The per-round validation RMSE as a sparkline and a short table, readable on the asset page.

    The trainer fits and early-stops on targets divided by each series' scale, so these values are in scaled units
    (1.0 = one series scale), not the data's units of validation_rmse.
    """
    if not per_round:
        return "no validation curve"
    stride = max(1, len(per_round) // points)
    sampled = per_round[::stride]
    low, high = min(sampled), max(sampled)
    spark = "".join(SPARK[int((v - low) / (high - low + 1e-12) * (len(SPARK) - 1))] for v in sampled)
    rows = "\n".join(f"| {i} | {v:.5f} |" for i, v in list(enumerate(per_round))[::max(1, len(per_round) // 10)])
    return (f"`{spark}`\n\nValidation RMSE per boosting round, in scaled units (error / series scale), as early "
            f"stopping saw it; validation_rmse in the metrics table is in the data's units.\n\n"
            f"| round | validation RMSE (scaled) |\n|---|---|\n{rows}\n| {len(per_round) - 1} | {per_round[-1]:.5f} |")


HEADLINE = ("test_smape", "test_mase", "test_rmse", "snaive_test_smape", "snaive_test_mase")  # plotted per run


def metrics_table(metrics: dict) -> str:
    """Every final metric as one markdown table: a row per split (model and seasonal naive), in the data's units."""
    rows = [{"split": split, **(metrics.get(split) or {})} for split in ("train", "validation", "test")]
    rows += [{"split": f"seasonal naive, {split}", **values} for split, values in (metrics.get("seasonal_naive") or {}).items()]
    table = pd.DataFrame([r for r in rows if len(r) > 1])
    if table.empty:
        return "no metrics reported"
    units = {"smape": "sMAPE (%)", "mase": "MASE (vs in-sample seasonal naive)", "rmse": "RMSE (data units)"}
    return table.rename(columns=units).round(4).to_markdown(index=False)


def flat_metrics(metrics: dict) -> dict[str, float]:
    """Final metrics as flat numbers (train_rmse, test_smape, snaive_test_mase, ...) for plots and experiments."""
    flat = {}
    for split in ("train", "validation", "test"):
        for name, value in (metrics.get(split) or {}).items():
            flat[f"{split}_{name}"] = float(value)
    for split, values in (metrics.get("seasonal_naive") or {}).items():
        for name, value in values.items():
            flat[f"snaive_{split}_{name}"] = float(value)
    return flat


@dg.asset(group_name="training", kinds={"xgboost", "python"}, deps=[training_dataset])
def candidate_model(context: dg.AssetExecutionContext, config: TrainingConfig, settings: ForecastSettings,
                    training_backend: TrainingBackend, experiments: ExperimentTracker, registry: ModelRegistry,
                    artifacts: ArtifactStore) -> dg.MaterializeResult:
    """A model version trained by the trainer on the latest dataset version, tracked as an experiment and registered."""
    dataset = latest_metadata(context, "training_dataset")
    dataset_version, dataset_uri = dataset["dataset_version"], dataset["dataset_uri"]
    model_dir = artifacts.uri(f"training_runs/{context.run_id}/model")
    spec = TrainingJobSpec(
        display_name=f"train-{dataset_version}-{context.run_id[:8]}",
        args=trainer_args(dataset_uri, model_dir, settings, config),
        model_dir=model_dir,
        image_uri=settings.trainer_image,
        labels={"dataset_version": dataset_version, "dagster_run": context.run_id[:8]},
    )
    result = training_backend.run(context, spec)  # raises on failure: nothing is registered
    metrics = result.metrics
    skipped = [str(series) for series in metrics.get("skipped_series", [])]
    if skipped:
        context.log.warning(f"skipped_series: {len(skipped)} series too short to train on, forecast by the "
                            f"seasonal-naive fallback: {', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''}")
    params = metrics.get("params", {})
    version = registry.register(result.model_dir, dataset_version=dataset_version, code_version=code_version(),
                                trainer_image=spec.image_uri, params=params, metrics=metrics)
    registry.set_alias(CHALLENGER, version.version)
    flat = flat_metrics(metrics)
    curve = [float(v) for v in metrics.get("validation_rmse_per_round", [])]
    experiments.log_run(run_name=f"{version.version}-{context.run_id[:8]}",
                        params={**params, "dataset_version": dataset_version, "model_version": version.version},
                        metrics=flat, time_series={"validation_rmse": curve})
    reported = dict(result.materialize_result.metadata or {}) if result.materialize_result is not None else {}
    return dg.MaterializeResult(
        data_version=dg.DataVersion(version.version),
        metadata={
            # What the trainer reported through Pipes, less the numbers restated below (one plot per headline).
            **{k: v for k, v in reported.items() if not isinstance(v, (dg.FloatMetadataValue, dg.IntMetadataValue,
                                                                        float, int)) and k not in ("params",)},
            "model_version": version.version,
            "model_family": str(metrics.get("family", "xgboost")),  # chosen by the trainer on its backtest windows
            "dataset_version": dataset_version,
            "code_version": version.code_version,
            "model_uri": dg.MetadataValue.path(version.uri),
            "job_link": dg.MetadataValue.url(result.job_link) if result.job_link else "local process",
            **{k: flat[k] for k in HEADLINE if k in flat},
            "metrics": dg.MetadataValue.md(metrics_table(metrics)),
            "best_iteration": int(metrics.get("best_iteration", len(curve))),
            "fit_seconds": float(metrics.get("fit_seconds", 0.0)),
            "validation_curve": dg.MetadataValue.md(validation_curve(curve)),
            "validation_rmse_per_round": dg.MetadataValue.json(curve),
            "params": dg.MetadataValue.json(json.loads(json.dumps(params, default=str))),
            "skipped_series": dg.MetadataValue.json(skipped),
        },
    )


defs = dg.Definitions(assets=[candidate_model])
