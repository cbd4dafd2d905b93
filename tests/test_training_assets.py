"""Training through the assets: a failed run leaves the registry untouched; a good one registers, promotes and
forecasts with rows that trace back to a registered model version and dataset version."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ingested_history import HISTORY, WINDOW, ingested_history
from resources.registry import CHAMPION

@pytest.fixture
def lifecycle(forecast_home):
    return ingested_history(n_series=4)


def test_a_failed_training_run_leaves_the_registry_as_it_was(lifecycle, forecast_home):
    defs, resources, instance = lifecycle
    job = defs.resolve_job_def("training_job")
    job.execute_in_process(instance=instance, run_config=WINDOW, asset_selection=[dg.AssetKey("training_dataset")])
    for dataset in Path(forecast_home, "artifacts", "datasets").rglob("shard-*.parquet"):
        dataset.write_bytes(b"not parquet")  # the trainer cannot read it
    index = Path(forecast_home, "registry", "index.json")
    before = index.read_bytes() if index.exists() else None

    result = job.execute_in_process(instance=instance, raise_on_error=False,
                                    asset_selection=[dg.AssetKey("candidate_model")])

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "shard-0000.parquet" in failure.event_specific_data.error.message
    assert resources["registry"].versions() == []
    assert (index.read_bytes() if index.exists() else None) == before


def test_a_trained_champion_forecasts_rows_that_trace_to_its_model_and_dataset_versions(lifecycle):
    defs, resources, instance = lifecycle
    trained = defs.resolve_job_def("training_job").execute_in_process(instance=instance, run_config=WINDOW)
    candidate = trained.asset_materializations_for_node("candidate_model")[0].metadata
    assert candidate["test_smape"].value < candidate["snaive_test_smape"].value
    assert "validation RMSE" in candidate["validation_curve"].value
    curve = candidate["validation_rmse_per_round"].value
    assert len(curve) > candidate["best_iteration"].value and all(value > 0 for value in curve)
    decision = trained.asset_materializations_for_node("champion_model")[0].metadata
    assert decision["promoted"].value and decision["champion_version"].value == "v1"

    defs.resolve_job_def("inference_job").execute_in_process(instance=instance, partition_key=HISTORY[1])
    forecasts = resources["warehouse"].read("batch_forecasts")
    registry = resources["registry"]
    champion = registry.alias(CHAMPION)
    assert len(forecasts) == 4 * 48
    assert set(forecasts["model_version"]) == {champion.version}
    assert set(forecasts["dataset_version"]) == {champion.dataset_version}
    datasets = resources["warehouse"].read("dataset_versions")
    assert champion.dataset_version in set(datasets["version"])
    assert forecasts["origin"].unique().tolist() == [pd.Timestamp("2024-03-31")]
    runs = resources["experiments"].runs()
    assert len(runs) == 1 and runs.iloc[0]["run_name"].startswith("v1-")
