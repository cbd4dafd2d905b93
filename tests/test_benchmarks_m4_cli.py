"""`python -m benchmarks.m4` runs our Dagster pipeline on an M4-format set of another frequency and keeps its contract."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from benchmarks.m4_synthetic import write_synthetic_m4
from resources.sources.m4 import read_m4, read_m4_test

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONTRACT_LINE = re.compile(r"^sMAPE=\d+\.\d{3} MASE=\d+\.\d{3} OWA=\d+\.\d{3}$")


def test_synthetic_set_has_the_published_m4_file_shape(tmp_path):
    train_path, test_path = write_synthetic_m4(tmp_path, "Daily", n_series=5, min_length=60, max_length=90, seed=3)
    header, first_row = train_path.read_text().splitlines()[:2]
    assert header.startswith('"V1","V2",') and first_row.startswith('"D1","')
    padded = [line for line in train_path.read_text().splitlines()[1:] if line.endswith(",")]
    assert padded and all(re.search(r'"\d[^"]*",+$', line) for line in padded)  # bare empty fields pad the short rows
    assert test_path.read_text().splitlines()[0] == ",".join(f'"V{i}"' for i in range(1, 16))  # id + H=14 values

    train, test = read_m4(train_path, "Daily"), read_m4_test(train_path, test_path, "Daily")
    lengths = train.groupby("series_id").size()
    assert len(lengths) == 5 and lengths.between(60, 90).all() and lengths.nunique() > 1
    assert (test.groupby("series_id").size() == 14).all()
    assert (train["value"] > 0).all() and np.isfinite(test["value"]).all()


def test_m4_command_runs_the_pipeline_on_a_daily_set_and_prints_the_contract_line_last(tmp_path):
    write_synthetic_m4(tmp_path / "daily", "Daily", n_series=6, min_length=100, max_length=140, seed=7)
    out = tmp_path / "report.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.m4", "--data-dir", str(tmp_path / "daily"), "--frequency", "Daily",
         "--skip-peer", "--out", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    last_line = finished.stdout.strip().splitlines()[-1]
    assert CONTRACT_LINE.match(last_line), last_line

    report = json.loads(out.read_text())
    assert report["pipeline_route"] == "dagster-assets"
    assert report["pipeline_details"]["assets"] == ["raw_series", "training_dataset", "candidate_model"]
    assert (report["frequency"], report["horizon"], report["season_length"], report["series"]) == ("Daily", 14, 1, 6)
    assert {"ours", "sNaive", "Naive2"} == set(report["set_level"])
    ours = report["set_level"]["ours"]
    assert last_line == f"sMAPE={ours['smape']:.3f} MASE={ours['mase']:.3f} OWA={ours['owa']:.3f}"
    assert report["set_level"]["Naive2"]["owa"] == 1.0
    per_series = report["per_series"]
    assert sorted(row["series_id"] for row in per_series) == [f"D{i}" for i in range(1, 7)]
    assert np.mean([row["ours_smape"] for row in per_series]) == pytest.approx(ours["smape"], rel=1e-12)
    assert report["published_table"] is None  # no published results for a synthetic set
    assert report["timings"]["ours_train_seconds"] > 0 and report["timings"]["ours_forecast_seconds"] > 0
    assert report["timings"]["ours_train_forecast_cpu_seconds"] > 0
    assert "peer_fit_seconds" not in report["timings"]


def test_m4_command_names_the_missing_file(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.m4", "--data-dir", str(tmp_path), "--frequency", "Daily", "--skip-peer"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert finished.returncode != 0
    assert f"{tmp_path / 'train.csv'} not found" in finished.stderr


def test_a_short_yearly_set_runs_through_the_assets_with_its_own_horizon_and_reports_the_family_and_msis(tmp_path):
    write_synthetic_m4(tmp_path / "yearly", "Yearly", n_series=8, min_length=14, max_length=20, seed=5)
    out = tmp_path / "report.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.m4", "--data-dir", str(tmp_path / "yearly"), "--frequency", "Yearly",
         "--horizon", "4", "--skip-peer", "--out", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(out.read_text())
    assert (report["horizon"], report["season_length"]) == (4, 1)
    assert all(len(row) for row in report["per_series"]) and len(report["per_series"]) == 8
    details = report["pipeline_details"]
    assert details["model_family"] in details["family_scores"]
    assert details["family_scores"][details["model_family"]] == min(details["family_scores"].values())
    ours = report["set_level"]["ours"]
    assert ours["msis"] > 0 and 0 <= ours["coverage"] <= 1
    assert f"MSIS={ours['msis']:.3f} coverage95={ours['coverage']:.3f}" in finished.stdout


FOLLOWS_THE_SET = """
import os, sys
import pandas as pd
from benchmarks.m4_assets import pipeline_environment
from benchmarks.m4_pipeline import set_rule
_, rule = set_rule("Quarterly", horizon=4, season_length=2)
with pipeline_environment(__import__("pathlib").Path(sys.argv[1]), pd.Timestamp("1990-01-01"), rule):
    from resources.settings import settings_from_env
    settings = settings_from_env()
    print(settings.freq, settings.horizon, settings.season_length, settings.cadence, "FORECAST_SOURCE" in os.environ)
print(os.environ["FORECAST_CADENCE"], os.environ["FORECAST_SOURCE"])
"""


def test_the_benchmark_environment_follows_the_set_and_not_the_users_own_forecast_settings(tmp_path):
    # In a fresh process, as the benchmark runs: partitions are fixed when their module first loads.
    env = {**os.environ, "FORECAST_CADENCE": "daily", "FORECAST_SOURCE": str(tmp_path / "their.parquet")}
    done = subprocess.run([sys.executable, "-c", FOLLOWS_THE_SET, str(tmp_path / "home")], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    inside, after = done.stdout.splitlines()[-2:]
    assert inside == "QS 4 2 yearly False"  # the set's rule, not the user's cadence or source
    assert after == f"daily {tmp_path / 'their.parquet'}"  # and the user's own settings are back afterwards


def test_partitions_loaded_for_another_frequency_refuse_the_set():
    from benchmarks.m4_assets import _check_loaded_partitions
    from benchmarks.m4_pipeline import set_rule
    from resources.settings import ForecastSettings

    loaded = SimpleNamespace(PARTITIONS_START="1990-01-01", SETTINGS=ForecastSettings(freq="MS"))
    _check_loaded_partitions(loaded, pd.Timestamp("1995-01-01"), set_rule("Monthly")[1])  # same rule: fine
    with pytest.raises(RuntimeError, match="freq=MS H=18 m=12; this set is freq=QS H=8 m=4: run the benchmark"):
        _check_loaded_partitions(loaded, pd.Timestamp("1995-01-01"), set_rule("Quarterly")[1])
    with pytest.raises(RuntimeError, match="from 1990-01-01; this set needs them from 1980-01-01"):
        _check_loaded_partitions(loaded, pd.Timestamp("1980-01-01"), set_rule("Monthly")[1])


def test_cpu_time_counts_a_finished_subprocess_as_the_trainers_is_counted():
    from benchmarks.m4_pipeline import cpu_seconds

    before = cpu_seconds()
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True, timeout=60)
    assert cpu_seconds() - before >= 0.3
