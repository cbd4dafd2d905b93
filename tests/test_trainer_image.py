"""The trainer image's contents suffice: trainer/ plus exactly trainer/requirements.txt in a clean environment."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_trainer_task import FAST, synthetic_series

PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_trainer_runs_in_a_clean_env_built_from_its_requirements_only(tmp_path, project_uv):
    uv = str(project_uv)
    venv, src = tmp_path / "venv", tmp_path / "src"
    subprocess.run([uv, "venv", "--python", "3.11", str(venv)], check=True, capture_output=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--python", str(python), "-r", str(PROJECT / "trainer" / "requirements.txt")],
                   check=True, capture_output=True, timeout=600)
    shutil.copytree(PROJECT / "trainer", src / "trainer", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(src), "HOME": str(tmp_path)}

    def trainer(*args):
        return subprocess.run([str(python), "-m", "trainer.task", *args], cwd=src, env=env, capture_output=True,
                              text=True, timeout=300)

    helped = trainer("--help")
    assert helped.returncode == 0 and "--dataset-uri" in helped.stdout
    imports = subprocess.run([str(python), "-c", "import dagster"], env=env, capture_output=True)
    assert imports.returncode != 0  # the clean env really lacks the platform's packages
    synthetic_series(n_series=2, days=20).to_parquet(tmp_path / "data.parquet")
    trained = trainer("--dataset-uri", str(tmp_path / "data.parquet"), "--model-dir", str(tmp_path / "model"), *FAST)
    assert trained.returncode == 0, trained.stderr
    # the shipped model (refit on all points) and, in holdout/, the model as validated, which the gate scores
    assert {p.name for p in (tmp_path / "model").iterdir()} == {"model.ubj", "feature_spec.json", "intervals.json",
                                                                "family.json", "metrics.json", "holdout"}
