"""Under Dagster Pipes the trainer logs progress and reports its metrics as the asset's materialization."""

import sys
from pathlib import Path

import dagster as dg

from test_trainer_task import FAST, synthetic_series

PROJECT = Path(__file__).resolve().parents[1]


def test_pipes_run_reports_flat_metrics_and_per_round_validation_rmse(tmp_path):
    synthetic_series(n_series=3).to_parquet(tmp_path / "data.parquet")
    command = [sys.executable, "-m", "trainer.task", "--dataset-uri", str(tmp_path / "data.parquet"),
               "--model-dir", str(tmp_path / "model"), "--no-refit", *FAST]

    @dg.asset
    def candidate_model(context: dg.AssetExecutionContext, pipes: dg.PipesSubprocessClient):
        """Train through the trainer process."""
        return pipes.run(command=command, context=context, cwd=str(PROJECT)).get_materialize_result()

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([candidate_model], resources={"pipes": dg.PipesSubprocessClient()}, instance=instance)
    assert result.success
    [materialization] = result.asset_materializations_for_node("candidate_model")
    metadata = materialization.metadata
    for key in ("test_smape", "test_mase", "test_rmse", "validation_rmse", "snaive_test_smape",
                "snaive_test_mase", "best_iteration", "fit_seconds"):
        assert key in metadata, key
    per_round = metadata["validation_rmse_per_round"].value
    assert isinstance(per_round, list) and len(per_round) > metadata["best_iteration"].value
    assert metadata["test_mase"].value < metadata["snaive_test_mase"].value
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any("early stopping chose" in message for message in messages)
