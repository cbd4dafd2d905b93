"""The local model registry: immutable versions, an index that survives concurrent writers and failed registrations, aliases."""

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from resources.registry import CHALLENGER, CHAMPION
from resources.registry_local import LocalModelRegistry

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def model_dir(tmp_path) -> Path:
    """A trainer-shaped output folder: a real (tiny) XGBoost model, its feature spec and metrics."""
    folder = tmp_path / "model"
    folder.mkdir()
    rng = np.random.default_rng(0)
    features = rng.normal(size=(64, 3))
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(features, label=features @ [1.0, 2.0, -1.0]), num_boost_round=3)
    booster.save_model(folder / "model.ubj")
    (folder / "feature_spec.json").write_text(json.dumps({"lags": [1, 2, 24], "freq": "h"}))
    (folder / "metrics.json").write_text(json.dumps({"test_smape": 12.5, "test_mase": 0.9}))
    return folder


def register(registry: LocalModelRegistry, folder: Path, dataset_version: str = "ds-1"):
    return registry.register(str(folder), dataset_version=dataset_version, code_version="abc123",
                             trainer_image="forecast-trainer:local", params={"max_depth": 2},
                             metrics={"test_smape": np.float64(12.5)})


def test_registering_twice_gives_v1_then_v2_with_their_lineage(tmp_path, model_dir):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    first = register(registry, model_dir, "ds-1")
    second = register(registry, model_dir, "ds-2")
    assert (first.version, second.version) == ("v1", "v2")
    assert [v.version for v in registry.versions()] == ["v1", "v2"]
    assert registry.get("v2").dataset_version == "ds-2"
    assert registry.get("v1").metrics == {"test_smape": 12.5}
    assert (Path(first.uri) / "model.ubj").read_bytes() == (model_dir / "model.ubj").read_bytes()


def ignores_permission_bits(folder: Path) -> bool:
    """Whether this process can write a file whose write bits are all off (root with CAP_DAC_OVERRIDE can)."""
    probe = folder / "permission_probe"
    probe.write_text("")
    probe.chmod(stat.S_IRUSR)
    try:
        probe.write_text("x")
        return True
    except PermissionError:
        return False


def test_a_version_folder_is_read_only(tmp_path, model_dir):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    folder = Path(register(registry, model_dir).uri)
    for path in [folder, *folder.rglob("*")]:
        assert path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0, path
    if not ignores_permission_bits(tmp_path):  # root (CAP_DAC_OVERRIDE) may write anyway; everyone else is refused
        with pytest.raises(PermissionError):
            (folder / "model.ubj").write_bytes(b"overwritten")
        with pytest.raises(PermissionError):
            (folder / "new_file").write_text("x")


def test_registering_the_same_folder_again_creates_a_new_version_and_leaves_the_old_one(tmp_path, model_dir):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    first = register(registry, model_dir)
    original = (Path(first.uri) / "metrics.json").read_text()
    (model_dir / "metrics.json").write_text(json.dumps({"test_smape": 99.0}))
    second = register(registry, model_dir)
    assert second.version == "v2" and second.uri != first.uri
    assert (Path(first.uri) / "metrics.json").read_text() == original
    assert json.loads((Path(second.uri) / "metrics.json").read_text()) == {"test_smape": 99.0}


CONCURRENT_WRITER = """
import sys, time
from pathlib import Path
from resources.registry_local import LocalModelRegistry
root, model_dir, go, name = sys.argv[1:5]
registry = LocalModelRegistry(root=root)
Path(go + "." + name).touch()
while not Path(go).exists():
    time.sleep(0.01)
for i in range(5):
    print(registry.register(model_dir, name, "sha", "img", {}, {}).version)
"""


def test_two_processes_registering_at_once_get_distinct_versions_and_an_intact_index(tmp_path, model_dir):
    root, go = tmp_path / "registry", tmp_path / "go"
    writers = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(root), str(model_dir), str(go), name],
                         cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("writer-a", "writer-b")
    ]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{name}").exists() for name in ("writer-a", "writer-b")):
        assert time.monotonic() < deadline, "writers did not start"
        time.sleep(0.02)
    go.touch()  # both writers start registering at the same moment
    outputs = [writer.communicate(timeout=60) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], [err for _, err in outputs]
    returned = [line for out, _ in outputs for line in out.split()]
    assert sorted(returned, key=lambda v: int(v[1:])) == [f"v{i}" for i in range(1, 11)]
    index = json.loads((root / "index.json").read_text())
    assert sorted(entry["version"] for entry in index["versions"]) == sorted(returned)
    assert sorted(path.name for path in (root / "versions").iterdir()) == sorted(returned)
    assert sorted(entry["dataset_version"] for entry in index["versions"]) == ["writer-a"] * 5 + ["writer-b"] * 5


def test_a_registration_missing_an_artifact_raises_and_changes_nothing(tmp_path, model_dir):
    root = tmp_path / "registry"
    registry = LocalModelRegistry(root=str(root))
    register(registry, model_dir)
    index_before = (root / "index.json").read_bytes()
    (model_dir / "feature_spec.json").unlink()
    with pytest.raises(FileNotFoundError, match="feature_spec.json"):
        register(registry, model_dir)
    assert (root / "index.json").read_bytes() == index_before
    assert [path.name for path in (root / "versions").iterdir()] == ["v1"]
    assert not any((root / ".staging").iterdir())


def test_moving_the_champion_alias_takes_it_from_the_previous_version(tmp_path, model_dir):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    register(registry, model_dir)
    register(registry, model_dir)
    registry.set_alias(CHAMPION, "v1")
    assert registry.alias(CHAMPION).version == "v1"
    registry.set_alias(CHAMPION, "v2")
    registry.set_alias(CHALLENGER, "v1")
    assert registry.alias(CHAMPION).version == "v2"
    assert registry.get("v1").aliases == [CHALLENGER]
    assert registry.get("v2").aliases == [CHAMPION]


def test_an_unset_alias_is_none_and_an_unknown_version_is_a_key_error_naming_it(tmp_path, model_dir):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    assert registry.alias(CHAMPION) is None
    register(registry, model_dir)
    with pytest.raises(KeyError, match="v7"):
        registry.get("v7")
    with pytest.raises(KeyError, match="v7"):
        registry.set_alias(CHAMPION, "v7")
    assert registry.alias(CHAMPION) is None


def test_local_copy_fetches_a_writable_copy_of_the_artifacts(tmp_path, model_dir):
    registry = LocalModelRegistry(root=str(tmp_path / "registry"))
    version = register(registry, model_dir)
    copy = Path(registry.local_copy(version.version, str(tmp_path / "copy")))
    assert sorted(p.name for p in copy.iterdir()) == ["feature_spec.json", "metrics.json", "model.ubj"]
    booster = xgb.Booster()
    booster.load_model(copy / "model.ubj")
    assert booster.num_boosted_rounds() == 3
    (copy / "metrics.json").write_text("{}")  # the copy is the caller's to change
