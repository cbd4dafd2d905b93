"""Promotion: champion_model, the decision whether the candidate replaces the champion, and its guard."""

import tempfile

import dagster as dg
import pandas as pd

from forecast_assets.datasets import load_dataset
from forecast_assets.forecast_plots import markdown_image, versions_frame, versions_picture
from forecast_assets.promotion import decide_promotion
from forecast_assets.training import candidate_model
from resources.artifacts import ArtifactStore
from resources.registry import CHAMPION, ModelRegistry
from resources.settings import ForecastSettings

GUARD = dg.AssetCheckSpec(
    "champion_beats_seasonal_naive", asset="champion_model", blocking=True,
    description="The champion beats the seasonal naive on sMAPE and MASE on the latest backtest windows.",
)


def candidate_to_judge(context: dg.AssetExecutionContext, registry: ModelRegistry):
    """The version candidate_model registered in this run; the latest candidate_model when this run trained none.

    Never the `challenger` alias: with two training runs at once it may already point at the other run's model.
    """
    events = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    own = [event.asset_materialization for event in events
           if event.asset_materialization and event.asset_materialization.asset_key == candidate_model.key]
    materialization = own[-1] if own else None
    if materialization is None:
        latest = context.instance.get_latest_materialization_event(candidate_model.key)
        materialization = latest.asset_materialization if latest else None
    if materialization is None or "model_version" not in materialization.metadata:
        raise dg.Failure("champion_model: no candidate to judge; materialize candidate_model first")
    return registry.get(materialization.metadata["model_version"].value)


def backtest_summary(registry: ModelRegistry, version: str | None, data: pd.DataFrame, settings: ForecastSettings) -> dict | None:
    """Mean sMAPE, MASE and RMSE of a model version (or the seasonal naive when version is None) on data's last windows."""
    from trainer.backtest import rolling_origin_backtest, summarize
    from trainer.model import ForecastModel

    if version is None:
        forecaster = "seasonal_naive"
    else:
        with tempfile.TemporaryDirectory() as local:
            forecaster = ForecastModel.load(registry.local_copy(version, local))
    scores = rolling_origin_backtest(forecaster, data, windows=settings.backtest_windows,
                                     horizon=settings.horizon, season_length=settings.season_length)
    return {name: float(value) for name, value in summarize(scores).items()}


@dg.asset(group_name="training", kinds={"xgboost", "python"}, deps=[candidate_model], check_specs=[GUARD])
def champion_model(context: dg.AssetExecutionContext, settings: ForecastSettings, registry: ModelRegistry,
                   artifacts: ArtifactStore):
    """The promotion decision: candidate and champion backtested on the same windows, beside the seasonal naive."""
    candidate = candidate_to_judge(context, registry)
    champion = registry.alias(CHAMPION)
    # The candidate's own dataset: its last windows were held out of its training, and are newer than the champion's.
    data = load_dataset(artifacts, candidate.dataset_version)
    candidate_scores = backtest_summary(registry, candidate.version, data, settings)
    naive_scores = backtest_summary(registry, None, data, settings)
    champion_scores = None
    if champion is not None and champion.version != candidate.version:
        champion_scores = backtest_summary(registry, champion.version, data, settings)
    decision = decide_promotion(candidate_scores, champion_scores, naive_scores, settings.primary_metric)
    if decision.promote:
        registry.set_alias(CHAMPION, candidate.version)
    current = registry.alias(CHAMPION)
    context.log.info(f"promotion: {'PROMOTED' if decision.promote else 'kept'} - {decision.reason}")
    current_scores = candidate_scores if current and current.version == candidate.version else champion_scores
    by_version = versions_frame(registry.versions())
    yield dg.MaterializeResult(
        data_version=dg.DataVersion(current.version if current else "none"),
        metadata={
            "champion_version": current.version if current else "none",
            "candidate_version": candidate.version,
            "previous_champion": champion.version if champion else "none",
            "promoted": decision.promote,
            "reason": decision.reason,
            "decision_table": dg.MetadataValue.md(decision.table.round(4).to_markdown(index=False)),
            "dataset_version": candidate.dataset_version,
            **({f"champion_{k}": v for k, v in current_scores.items()} if current_scores else {}),
            **{f"snaive_{k}": v for k, v in naive_scores.items()},
            "quality_by_version": dg.MetadataValue.md(markdown_image(versions_picture(by_version), "metrics by version")),
            "versions": dg.MetadataValue.md(by_version.round(3).to_markdown(index=False)),
        },
    )
    beats = current_scores is not None and all(current_scores[m] < naive_scores[m] for m in ("smape", "mase"))
    yield dg.AssetCheckResult(
        check_name=GUARD.name, passed=beats, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"champion": current.version if current else "none",
                  "champion_scores": dg.MetadataValue.json(current_scores or {}),
                  "seasonal_naive_scores": dg.MetadataValue.json(naive_scores)},
    )


defs = dg.Definitions(assets=[champion_model])
