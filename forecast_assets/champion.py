"""Promotion: champion_model, the decision whether the candidate replaces the champion, and its guard."""

import tempfile
from pathlib import Path

import dagster as dg
import pandas as pd

from forecast_assets.datasets import load_dataset
from forecast_assets.forecast_plots import decision_table, markdown_image, versions_frame, versions_picture
from forecast_assets.promotion import GATE_METRICS, PROMOTE, SEASONAL_NAIVE, decide_promotion
from forecast_assets.training import candidate_model
from resources.artifacts import ArtifactStore
from resources.registry import (CHAMPION, SEASONAL_NAIVE_SERVES, SERVED_BY, ModelRegistry, ModelVersion,
                                 serves_seasonal_naive)
from resources.settings import ForecastSettings
from trainer.config import VALIDATED_DIR

GUARD = dg.AssetCheckSpec(
    "champion_beats_seasonal_naive", asset="champion_model", blocking=True,
    description="The champion beats the seasonal naive on sMAPE and MASE on the latest backtest windows (a warning "
                "when no model does and the seasonal naive serves as champion).",
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


def backtest_rows(registry: ModelRegistry, version: ModelVersion | None, data: pd.DataFrame,
                  settings: ForecastSettings, validated: bool = False) -> pd.DataFrame:
    """Per-(window, series) sMAPE, MASE and RMSE of a version (the seasonal naive when None or when it serves the
    seasonal naive) on data's last settings.backtest_windows windows.

    validated: score the model as it was validated (its VALIDATED_DIR files, trained without these windows) rather than
    the shipped model refit on them, which would be scored on its own training data."""
    from trainer.backtest import SEASONAL_NAIVE, rolling_origin_backtest
    from trainer.model import ForecastModel

    if version is None or serves_seasonal_naive(version):
        forecaster = SEASONAL_NAIVE
    else:
        with tempfile.TemporaryDirectory() as local:
            folder = Path(registry.local_copy(version.version, local))
            forecaster = ForecastModel.load(folder / VALIDATED_DIR if validated and (folder / VALIDATED_DIR).is_dir()
                                            else folder)
    return rolling_origin_backtest(forecaster, data, windows=gate_windows(data, settings),
                                   horizon=settings.horizon, season_length=settings.season_length)


def gate_windows(data: pd.DataFrame, settings: ForecastSettings) -> int:
    """settings.backtest_windows, or fewer when the shortest series has fewer H-step windows after its first point."""
    shortest = int(data.groupby("series_id")["value"].size().min())
    return max(1, min(settings.backtest_windows, (shortest - 1) // settings.horizon))


def register_seasonal_naive(registry: ModelRegistry, candidate: ModelVersion) -> ModelVersion:
    """A version that serves the seasonal naive (trainer.metrics.seasonal_naive) for every series, registered beside
    the candidate it replaces: its files are the candidate's (monitoring still builds the model inputs from them),
    its params say what serves, and its test metrics are the seasonal naive's (the error alarm's baseline)."""
    naive_test = (candidate.metrics.get("seasonal_naive") or {}).get("test") or {}
    with tempfile.TemporaryDirectory() as local:
        folder = registry.local_copy(candidate.version, local)
        return registry.register(folder, dataset_version=candidate.dataset_version,
                                 code_version=candidate.code_version, trainer_image=candidate.trainer_image,
                                 params={SERVED_BY: SEASONAL_NAIVE_SERVES, "trained_version": candidate.version},
                                 metrics={**candidate.metrics, "test": naive_test, "family": SEASONAL_NAIVE_SERVES})


@dg.asset(group_name="training", kinds={"xgboost", "python"}, deps=[candidate_model], check_specs=[GUARD])
def champion_model(context: dg.AssetExecutionContext, settings: ForecastSettings, registry: ModelRegistry,
                   artifacts: ArtifactStore):
    """The promotion decision: candidate and champion backtested on the same windows, beside the seasonal naive."""
    from trainer.backtest import summarize

    candidate = candidate_to_judge(context, registry)
    champion = registry.alias(CHAMPION)
    # The candidate's own dataset: its last windows were held out of its validated model, and are newer than the
    # champion's training data. Both are judged as validated (before their refit), so neither has trained on the
    # windows: the champion's refit model may have (retrained two days ago, it saw half of them) and would win
    # on its own training data; the refit of the winner is what serves.
    # A stable sample: whole dataset shards (by series hash) up to settings.gate_series, so memory stays bounded.
    data = load_dataset(artifacts, candidate.dataset_version, max_series=settings.gate_series)
    rows = {"candidate": backtest_rows(registry, candidate, data, settings, validated=True),
            "seasonal_naive": backtest_rows(registry, None, data, settings)}
    if champion is not None and champion.version != candidate.version:
        rows["champion"] = backtest_rows(registry, champion, data, settings, validated=True)
    decision = decide_promotion(rows["candidate"], rows.get("champion"), rows["seasonal_naive"],
                                settings.primary_metric)
    if decision.action == PROMOTE:
        registry.set_alias(CHAMPION, candidate.version)
    elif decision.action == SEASONAL_NAIVE and not (champion and serves_seasonal_naive(champion)):
        registry.set_alias(CHAMPION, register_seasonal_naive(registry, candidate).version)
    current = registry.alias(CHAMPION)
    changed = current is not None and (champion is None or current.version != champion.version)
    context.log.info(f"promotion: {decision.action.upper()} - {decision.reason}")
    scores = {name: summarize(frame) for name, frame in rows.items()}
    naive_scores = scores["seasonal_naive"]
    current_scores = (naive_scores if current and serves_seasonal_naive(current) else scores["candidate"]
                      if current and current.version == candidate.version else scores.get("champion"))
    by_version = versions_frame(registry.versions())
    served_by = SEASONAL_NAIVE_SERVES if current and serves_seasonal_naive(current) else "model"
    yield dg.MaterializeResult(
        data_version=dg.DataVersion(current.version if current else "none"),
        metadata={
            "champion_version": current.version if current else "none",
            "candidate_version": candidate.version,
            "previous_champion": champion.version if champion else "none",
            "promoted": changed,  # a new champion serves (the candidate, or the seasonal naive)
            "gate_action": decision.action,
            "served_by": served_by,
            "reason": decision.reason,
            "decision_table": dg.MetadataValue.md(decision_table(decision.table)),
            "dataset_version": candidate.dataset_version,
            "backtest_windows": gate_windows(data, settings),
            **({f"champion_{k}": v for k, v in current_scores.items()} if current_scores else {}),
            **{f"snaive_{k}": v for k, v in naive_scores.items()},
            "quality_by_version": dg.MetadataValue.md(markdown_image(versions_picture(by_version), "metrics by version")),
            # Narrow enough for the metadata column: the other figures per version are in quality_by_version.
            "versions": dg.MetadataValue.md(by_version[["version", "dataset_version", "aliases", "test sMAPE (%)"]]
                                            .round(3).to_markdown(index=False)),
        },
    )
    beats = current_scores is not None and all(current_scores[m] < naive_scores[m] for m in GATE_METRICS)
    # The seasonal naive serving is a warning, not an error: forecasts go on (a blocking check stops only on ERROR).
    yield dg.AssetCheckResult(
        check_name=GUARD.name, passed=beats,
        severity=dg.AssetCheckSeverity.WARN if served_by == SEASONAL_NAIVE_SERVES else dg.AssetCheckSeverity.ERROR,
        description=decision.reason if served_by == SEASONAL_NAIVE_SERVES else None,
        metadata={"champion": current.version if current else "none", "served_by": served_by,
                  "champion_scores": dg.MetadataValue.json(current_scores or {}),
                  "seasonal_naive_scores": dg.MetadataValue.json(naive_scores)},
    )


defs = dg.Definitions(assets=[champion_model])
