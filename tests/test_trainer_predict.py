"""`python -m trainer.predict` scores a shard as a process (the trainer image's second entry point): the files it
writes hold what score_history gives in-process, and bad input exits 2 naming the file."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from test_trainer_model import train
from test_trainer_task import synthetic_series
from trainer.predict import FORECASTS_FILE, SCORES_FILE, SKIPPED_FILE, score_history, scores_from_frame

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ORIGIN = pd.Timestamp("2024-01-30")
RECENT = [pd.Timestamp("2024-01-28"), pd.Timestamp("2024-01-29")]


def predict(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainer.predict", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    """A saved model, and a history of two of its series plus one too young for it, as Parquet."""
    root = tmp_path_factory.mktemp("predict")
    data = synthetic_series(n_series=3, days=30)
    model = train(data[data["timestamp"] < "2024-01-23"])
    model.save(root / "model")
    history = data[(data["timestamp"] < ORIGIN) & (data["series_id"] != "s0")]
    young = history[history["series_id"] == "s1"].tail(5).assign(series_id="young")
    history = pd.concat([history, young], ignore_index=True)
    history.to_parquet(root / "history.parquet", index=False)
    return root, model, history


def test_the_process_writes_the_forecasts_scores_and_skipped_series_of_score_history(shard):
    root, model, history = shard
    recent = [arg for t in RECENT for arg in ("--recent-origin", t.isoformat())]
    done = predict("--model-dir", str(root / "model"), "--history-uri", str(root / "history.parquet"),
                   "--output-dir", str(root / "out"), "--origin", ORIGIN.isoformat(), *recent)
    assert done.returncode == 0, done.stderr[-2000:]

    forecasts, skipped, scores = score_history(model, history, ORIGIN, RECENT, (80, 95))
    pd.testing.assert_frame_equal(pd.read_parquet(root / "out" / FORECASTS_FILE), forecasts, check_exact=True)
    assert json.loads((root / "out" / SKIPPED_FILE).read_text()) == skipped == ["young"]
    written = scores_from_frame(pd.read_parquet(root / "out" / SCORES_FILE), (80, 95))
    for level in (80, 95):
        assert len(scores[level]) == 2 * 2 * 24  # two series, each on the 24 hours of both recent partitions
        np.testing.assert_array_equal(written[level], scores[level])
    assert "scored 3 series" in done.stderr


def test_a_history_that_is_not_parquet_exits_2_naming_the_file(shard, tmp_path):
    root, _, _ = shard
    (tmp_path / "history.parquet").write_text("series_id,timestamp,value\n")
    done = predict("--model-dir", str(root / "model"), "--history-uri", str(tmp_path / "history.parquet"),
                   "--output-dir", str(tmp_path / "out"), "--origin", ORIGIN.isoformat())
    assert done.returncode == 2
    assert done.stderr.startswith("trainer.predict: error: ") and str(tmp_path / "history.parquet") in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_model_dir_without_the_booster_exits_2_naming_the_missing_file(shard, tmp_path):
    root, _, _ = shard
    done = predict("--model-dir", str(tmp_path), "--history-uri", str(root / "history.parquet"),
                   "--output-dir", str(tmp_path / "out"), "--origin", ORIGIN.isoformat())
    assert done.returncode == 2 and "has no model.ubj" in done.stderr
