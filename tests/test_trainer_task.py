"""`python -m trainer.task` as a process: artifacts, metrics, reload, and clear failures on bad input."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trainer.model import ForecastModel

PROJECT = Path(__file__).resolve().parents[1]
FAST = ["--max-train-rows", "20000", "--n-estimators", "60", "--early-stopping-rounds", "10"]


def synthetic_series(n_series: int = 4, days: int = 30, seed: int = 1) -> pd.DataFrame:
    """Hourly series with daily and weekly seasonality, different levels, and a few missing points."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=24 * days, freq="h")
    t = np.arange(len(ts))
    frames = []
    for k in range(n_series):
        value = 100.0 * (k + 1) * (1 + 0.2 * np.sin(2 * np.pi * t / 24) + 0.05 * np.sin(2 * np.pi * t / 168))
        value = value + rng.normal(0, 2, len(t))
        value[rng.choice(len(t) - 100, 5, replace=False)] = np.nan
        frames.append(pd.DataFrame({"series_id": f"s{k}", "timestamp": ts, "value": value}))
    return pd.concat(frames, ignore_index=True)


def run_task(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the trainer entry point from the project root and capture its output."""
    return subprocess.run([sys.executable, "-m", "trainer.task", *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One training run on synthetic data, located through Vertex AI's variables, shared by the tests below."""
    root = tmp_path_factory.mktemp("task")
    data = synthetic_series()
    data.to_parquet(root / "data.parquet")
    env = {"AIP_TRAINING_DATA_URI": str(root / "data.parquet"), "AIP_MODEL_DIR": str(root / "model")}
    result = run_task(*FAST, env=env)
    return result, root, data


def test_training_from_vertex_environment_exits_zero_and_writes_every_artifact(trained):
    result, root, _ = trained
    assert result.returncode == 0, result.stderr
    for name in ("model.ubj", "feature_spec.json", "intervals.json", "metrics.json"):
        assert (root / "model" / name).stat().st_size > 0, name


def test_metrics_json_holds_per_round_validation_error_and_all_splits(trained):
    _, root, _ = trained
    metrics = json.loads((root / "model" / "metrics.json").read_text())
    assert len(metrics["validation_rmse_per_round"]) >= metrics["best_iteration"] + 1
    for split in ("train", "validation", "test"):
        assert set(metrics[split]) == {"rmse", "mse", "smape", "mase"}
        assert all(np.isfinite(v) for v in metrics[split].values())
    assert set(metrics["seasonal_naive"]) == {"validation", "test"}
    assert metrics["n_series"] == 4 and metrics["rows"]["test"] == 4 * 48
    assert metrics["params"]["tree_method"] == "hist" and metrics["fit_seconds"] > 0
    assert metrics["test"]["mase"] < metrics["seasonal_naive"]["test"]["mase"]


def test_feature_spec_records_everything_needed_to_rebuild_features(trained):
    _, root, _ = trained
    spec = json.loads((root / "model" / "feature_spec.json").read_text())
    assert (spec["freq"], spec["horizon"], spec["season_length"]) == ("h", 48, 24)
    assert spec["strategy"] == "direct_step_feature" and "hour" in spec["feature_names"]
    assert {"lags", "seasonal_lags", "windows", "scale_window", "scaling", "target"} <= set(spec)


def test_saved_model_reloads_and_predicts_the_same_values_as_before_saving(trained, tmp_path):
    _, root, data = trained
    model = ForecastModel.load(root / "model")
    before = model.predict(data)
    model.save(tmp_path / "again")
    after = ForecastModel.load(tmp_path / "again").predict(data)
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert len(before) == 4 * 48 and before["forecast"].notna().all()
    assert (before.groupby("series_id")["timestamp"].min() > data.groupby("series_id")["timestamp"].max()).all()


def test_by_default_a_booster_is_refit_on_all_points_and_the_validated_model_kept_in_holdout(trained):
    _, root, _ = trained
    metrics = json.loads((root / "model" / "metrics.json").read_text())
    assert metrics["params"]["refit"] is True
    refit = "xgboost" in metrics["family"]  # a statistical family fits on each history anyway: nothing to refit
    assert ("refit" in metrics["rows"]) == refit == (root / "model" / "holdout" / "model.ubj").is_file()


def test_no_refit_ships_the_early_stopped_model(tmp_path):
    synthetic_series(n_series=2, days=12).to_parquet(tmp_path / "data.parquet")
    result = run_task("--dataset-uri", str(tmp_path / "data.parquet"), "--model-dir", str(tmp_path / "model"),
                      "--no-refit", *FAST)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["params"]["refit"] is False and "refit" not in metrics["rows"]
    assert not (tmp_path / "model" / "holdout").exists()


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="scikit-learn is not installed here")
def test_the_trainer_process_trains_without_importing_scikit_learn(tmp_path):
    synthetic_series(n_series=2, days=12).to_parquet(tmp_path / "data.parquet")
    args = ["--dataset-uri", str(tmp_path / "data.parquet"), "--model-dir", str(tmp_path / "model"), *FAST]
    # The entry point as `python -m` runs it, then report which modules the process loaded.
    script = ("import runpy, sys; sys.argv = ['trainer.task', *sys.argv[1:]]\n"
              "try:\n    runpy.run_module('trainer.task', run_name='__main__', alter_sys=True)\n"
              "except SystemExit as done:\n"
              "    print('exit', done.code, 'xgboost' in sys.modules, 'sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=PROJECT, capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.split() == ["exit", "0", "True", "False"], result.stderr[-2000:]
    assert (tmp_path / "model" / "model.ubj").is_file()


def test_gs_uris_are_read_through_the_vertex_fuse_mount():
    from trainer.task import local_path

    assert local_path("gs://bucket/data/v1.parquet") == Path("/gcs/bucket/data/v1.parquet")
    assert local_path("/tmp/x.parquet") == Path("/tmp/x.parquet")


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("trainer: error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_missing_dataset_file_fails_with_a_message_naming_it(tmp_path):
    line = _one_line_error(run_task("--dataset-uri", str(tmp_path / "nope.parquet"), "--model-dir", str(tmp_path)))
    assert "nope.parquet" in line and "not found" in line


def test_malformed_parquet_fails_with_a_message_naming_the_file(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    line = _one_line_error(run_task("--dataset-uri", str(tmp_path / "broken.parquet"), "--model-dir", str(tmp_path)))
    assert "broken.parquet" in line and "cannot read Parquet" in line


def test_missing_column_fails_with_a_message_naming_the_column(tmp_path):
    synthetic_series().rename(columns={"value": "load"}).to_parquet(tmp_path / "cols.parquet")
    line = _one_line_error(run_task("--dataset-uri", str(tmp_path / "cols.parquet"), "--model-dir", str(tmp_path)))
    assert "cols.parquet" in line and "'value'" in line


def test_when_every_series_is_too_short_for_the_horizon_the_run_fails_with_their_names(tmp_path):
    # One short series among long ones is only left out (tests/test_faults.py); with none left there is nothing to train.
    data = synthetic_series(n_series=2)
    data = data[data["timestamp"] < "2024-01-02"]  # 24 points each: under horizon + the points to fit on
    data.to_parquet(tmp_path / "short.parquet")
    line = _one_line_error(run_task("--dataset-uri", str(tmp_path / "short.parquet"), "--model-dir", str(tmp_path)))
    assert "2 series shorter than" in line and "s0, s1" in line


def test_short_yearly_series_stay_in_the_family_choice_and_only_those_without_a_test_window_are_left_out(tmp_path):
    # min_history 8 + H 6: 14 points give a test window; 20 (8 + 2H) would be needed for a validation window too.
    rng = np.random.default_rng(3)
    frames = [pd.DataFrame({"series_id": f"y{k}", "timestamp": pd.date_range("1980-01-01", periods=n, freq="YS"),
                            "value": 100 * np.cumprod(1 + rng.normal(0.05, 0.03, n))})
              for k, n in enumerate([30, 28, 25, 22, 16, 15, 14, 14, 13])]
    pd.concat(frames, ignore_index=True).to_parquet(tmp_path / "yearly.parquet")
    done = run_task("--dataset-uri", str(tmp_path / "yearly.parquet"), "--model-dir", str(tmp_path / "model"),
                    "--freq", "YS", "--horizon", "6", "--season-length", "1", *FAST)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["skipped_series"] == ["y8"] and metrics["n_series"] == 8
    assert metrics["family_series"] == 8  # the four series without a validation window are judged on test
    assert metrics["rows"]["test"] == 8 * 6
