"""The local training backend: the real trainer as a subprocess through Dagster Pipes, its failures as dg.Failure."""

import json
import textwrap
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from resources.training import TrainingBackend, TrainingJobSpec, TrainingResult
from resources.training_local import LocalProcessBackend

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REGIONS = ["AEP", "DAYTON", "DUQ"]


@pytest.fixture(scope="module")
def dataset_uri(tmp_path_factory) -> str:
    """Three PJM regions over their last 20 days (July 2018: no daylight-saving hours), as a long-format parquet."""
    frame = pd.read_parquet(DATA / "pjm" / "pjm_hourly_load.parquet", filters=[("series_id", "in", REGIONS)])
    frame = frame[frame["timestamp"] > frame["timestamp"].max() - pd.Timedelta(days=20)]
    path = tmp_path_factory.mktemp("dataset") / "dataset.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


def training_spec(dataset_uri: str, model_dir: Path, **overrides) -> TrainingJobSpec:
    args = ["--dataset-uri", dataset_uri, "--model-dir", str(model_dir),
            "--freq", "h", "--horizon", "48", "--season-length", "24", "--seed", "7", "--n-estimators", "40"]
    return TrainingJobSpec(display_name="candidate", args=args, model_dir=str(model_dir), **overrides)


def materialize_training(backend: LocalProcessBackend, spec: TrainingJobSpec):
    """Materialize one asset that trains through the backend; return the run result and the TrainingResult it got."""
    results: list[TrainingResult] = []

    @dg.asset
    def candidate_model(context: dg.AssetExecutionContext, training: TrainingBackend) -> dg.MaterializeResult:
        result = training.run(context, spec)
        results.append(result)
        return result.materialize_result

    run = dg.materialize([candidate_model], resources={"training": backend}, raise_on_error=False)
    return run, (results[0] if results else None)


def failure_message(run) -> str:
    [failure] = run.get_step_failure_events()
    return failure.step_failure_data.error.message


def test_the_real_trainer_reports_its_metrics_as_the_assets_materialization(tmp_path, dataset_uri):
    run, result = materialize_training(LocalProcessBackend(), training_spec(dataset_uri, tmp_path / "model"))
    assert run.success
    model_dir = tmp_path / "model"
    assert {"model.ubj", "feature_spec.json", "intervals.json", "metrics.json"} <= {p.name for p in model_dir.iterdir()}
    assert result.model_dir == str(model_dir)
    assert result.metrics == json.loads((model_dir / "metrics.json").read_text())
    [materialization] = run.asset_materializations_for_node("candidate_model")
    metadata = materialization.metadata
    assert metadata["test_smape"].value == pytest.approx(result.metrics["test"]["smape"])
    assert 0 < metadata["test_smape"].value < 200
    assert metadata["model_dir"].value == str(model_dir)


def test_a_missing_dataset_fails_the_run_with_the_trainers_message_naming_the_file(tmp_path):
    missing = tmp_path / "no_such_dataset.parquet"
    run, result = materialize_training(LocalProcessBackend(), training_spec(str(missing), tmp_path / "model"))
    assert not run.success and result is None
    message = failure_message(run)
    assert "exited with code" in message
    assert "no_such_dataset.parquet" in message


FAILING_TRAINER = """
import os, sys
for i in range(30):
    print(f"progress line {i}", file=sys.stderr)
print("bad input: " + os.environ["EXTRA_SETTING"], file=sys.stderr)
sys.exit(3)
"""


def test_a_failure_carries_only_the_last_lines_of_stderr_and_sees_the_specs_environment(tmp_path):
    """A stand-in trainer (same module path, in its own working dir) that writes 31 lines to stderr and exits 3."""
    (tmp_path / "trainer").mkdir()
    (tmp_path / "trainer" / "__init__.py").write_text("")
    (tmp_path / "trainer" / "task.py").write_text(textwrap.dedent(FAILING_TRAINER))
    spec = training_spec("unused.parquet", tmp_path / "model", env={"EXTRA_SETTING": "from-spec"})
    run, _ = materialize_training(LocalProcessBackend(working_dir=str(tmp_path), log_tail_lines=20), spec)
    assert not run.success
    message = failure_message(run)
    assert "exited with code 3" in message
    assert "bad input: from-spec" in message
    assert "progress line 11" in message and "progress line 10" not in message
