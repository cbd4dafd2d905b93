"""The release record names the image, the commit and a hash that changes exactly when the definitions do."""

import importlib
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deploy.release import ReleaseError, build_release_record, fingerprint_hash, load_repository, main

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DIGEST = "sha256:" + "ab" * 32
IMAGE = f"europe-west1-docker.pkg.dev/my-project/forecast/code-location@{DIGEST}"

TINY_DEFINITIONS = """
import dagster as dg

@dg.asset(group_name="ingestion", code_version="{version}",
          partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
def raw_series():
    return 1

@dg.asset(group_name="datasets", deps=[raw_series])
def training_dataset():
    return 2

@dg.asset_check(asset=training_dataset)
def enough_rows():
    return dg.AssetCheckResult(passed=True)

refresh = dg.define_asset_job("refresh", selection=[training_dataset])
defs = dg.Definitions(
    assets=[{order}],
    asset_checks=[enough_rows],
    jobs=[refresh],
    schedules=[dg.ScheduleDefinition(name="daily_refresh", job=refresh, cron_schedule="0 6 * * *")],
    sensors=[dg.SensorDefinition(name="drift_watch", job=refresh, evaluation_fn=lambda context: None)],
)
"""


@pytest.fixture
def write_module(tmp_path, monkeypatch):
    """Writes a small definitions module (a stand-in for forecast_assets.definitions) and returns its name."""
    monkeypatch.chdir(tmp_path)  # the working directory the module is imported from, as with `dagster -m`
    counter = iter(range(100))

    def write(version: str = "1", order: str = "raw_series, training_dataset") -> str:
        name = f"tiny_defs_{next(counter)}"
        (tmp_path / f"{name}.py").write_text(TINY_DEFINITIONS.format(version=version, order=order))
        importlib.invalidate_caches()
        return name

    return write


def test_the_record_holds_image_digest_git_sha_and_what_the_definitions_serve(write_module):
    module = write_module()
    created = datetime(2025, 3, 1, 6, 0, tzinfo=timezone.utc)
    record = build_release_record(load_repository(module), IMAGE, "0123abcd", module, created_at=created)
    assert record["image"] == IMAGE
    assert record["image_digest"] == DIGEST
    assert record["git_sha"] == "0123abcd"
    assert record["created_at"] == "2025-03-01T06:00:00+00:00"
    served = record["definitions"]
    assert [(a["key"], a["code_version"], a["group"]) for a in served["assets"]] == [
        ("raw_series", "1", "ingestion"), ("training_dataset", None, "datasets")]
    assert served["assets"][1]["deps"] == ["raw_series"]
    assert served["assets"][0]["partitions"].startswith("Daily")
    assert served["asset_checks"] == ["training_dataset:enough_rows"]
    assert served["jobs"] == ["refresh"]
    assert served["schedules"] == [{"name": "daily_refresh", "cron": "0 6 * * *", "timezone": None}]
    assert served["sensors"] == ["drift_watch"]
    assert record["definitions_hash"] == fingerprint_hash(served)


def test_the_hash_ignores_declaration_order_and_changes_with_a_code_version(write_module):
    first = build_release_record(load_repository(write_module()), IMAGE, "0123abc", "m")
    reordered = build_release_record(load_repository(write_module(order="training_dataset, raw_series")),
                                     IMAGE, "0123abc", "m")
    bumped = build_release_record(load_repository(write_module(version="2")), IMAGE, "0123abc", "m")
    assert reordered["definitions_hash"] == first["definitions_hash"]
    assert bumped["definitions_hash"] != first["definitions_hash"]


@pytest.mark.parametrize("image", ["code-location:latest", "repo@sha256:abc", "sha256:" + "G" * 64])
def test_an_image_without_a_full_digest_is_refused_by_name(write_module, image):
    with pytest.raises(ReleaseError, match=r"--image '.*': expected NAME@sha256:<64 hex>"):
        build_release_record(load_repository(write_module()), image, "0123abc", "m")


def test_a_malformed_git_sha_is_refused_by_name(write_module):
    with pytest.raises(ReleaseError, match="--git-sha 'main': expected 7 to 40 lowercase hex"):
        build_release_record(load_repository(write_module()), IMAGE, "main", "m")


def test_the_trainer_image_is_recorded_only_when_pinned_by_digest(write_module):
    repository = load_repository(write_module())
    trainer = f"europe-west1-docker.pkg.dev/my-project/forecast/trainer@{DIGEST}"
    assert build_release_record(repository, IMAGE, "0123abc", "m", trainer_image=trainer)["trainer_image"] == trainer
    with pytest.raises(ReleaseError, match="--trainer-image '.*trainer:latest': expected NAME@sha256"):
        build_release_record(repository, IMAGE, "0123abc", "m", trainer_image=trainer.split("@")[0] + ":latest")


def test_a_module_without_definitions_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "no_defs_here.py").write_text("VALUE = 1\n")
    importlib.invalidate_caches()
    with pytest.raises(ReleaseError, match="module no_defs_here must hold exactly one Definitions object, found: none"):
        load_repository("no_defs_here")


def test_the_command_writes_the_record_and_prints_its_hash(write_module, tmp_path, capsys):
    module = write_module()
    out = tmp_path / "release" / "release.json"
    assert main(["--image", IMAGE, "--git-sha", "0123abc", "--module", module, "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["module"] == module and record["code_location"] == "forecast_platform"
    assert f"definitions_hash={record['definitions_hash']}" in capsys.readouterr().out


def test_the_command_runs_as_a_module_and_exits_2_on_bad_input(tmp_path):
    done = subprocess.run([sys.executable, "-m", "deploy.release", "--image", "latest", "--git-sha", "0123abc",
                           "--out", str(tmp_path / "r.json")], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "release: --image 'latest'" in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_the_real_code_location_gets_a_record(forecast_home, tmp_path):
    out = tmp_path / "release.json"
    assert main(["--image", IMAGE, "--git-sha", "0123abc", "--out", str(out)]) == 0
    keys = {asset["key"] for asset in json.loads(out.read_text())["definitions"]["assets"]}
    assert {"raw_series", "training_dataset"} <= keys
