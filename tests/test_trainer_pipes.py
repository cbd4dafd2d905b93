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


def test_bootstrap_variables_naming_a_bucket_make_the_trainer_use_the_gcs_loader_and_writer(monkeypatch):
    from dagster_pipes import PipesGCSContextLoader, PipesGCSMessageWriter, encode_param

    from trainer.reporting import pipes_channels

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9")  # the client is built, never used here
    on_vertex = {"DAGSTER_PIPES_CONTEXT": encode_param({"bucket": "staging", "key": "dagster-pipes/r/ctx.json"}),
                 "TRAINER_PIPES_UPLOAD_SECONDS": "2"}
    channels = pipes_channels(on_vertex)
    assert isinstance(channels["context_loader"], PipesGCSContextLoader)
    assert isinstance(channels["message_writer"], PipesGCSMessageWriter) and channels["message_writer"].interval == 2
    # Locally Dagster names temp files: open_dagster_pipes' defaults read and write those.
    assert pipes_channels({"DAGSTER_PIPES_CONTEXT": encode_param({"path": "/tmp/ctx.json"})}) == {}


def test_a_replica_other_than_the_chief_exits_at_once_without_training(tmp_path):
    import json
    import os
    import subprocess

    synthetic_series(n_series=2, days=10).to_parquet(tmp_path / "data.parquet")
    env = {**os.environ, "CLUSTER_SPEC": json.dumps({"task": {"type": "workerpool1", "index": 0}})}
    done = subprocess.run([sys.executable, "-m", "trainer.task", "--dataset-uri", str(tmp_path / "data.parquet"),
                           "--model-dir", str(tmp_path / "model"), *FAST], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "only the chief (workerpool0) trains" in done.stderr
    assert not (tmp_path / "model").exists()
