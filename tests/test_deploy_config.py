"""The deployment files are consistent with the repository, Cloud Build's rules and Dagster's instance schema.

Offline: nothing here runs Docker or talks to Google; each check reads the files the way their tool would.
"""

import json
import re
from pathlib import Path

import pytest
import yaml

from resources.environment import GCP_REQUIRED

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPLOY = PROJECT_ROOT / "deploy"
WORKFLOWS = sorted((DEPLOY / "cloudbuild").glob("*.yaml"))
TRIGGERS_SCRIPT = DEPLOY / "scripts" / "create_triggers.sh"
# Cloud Build's built-in substitutions (no leading underscore).
BUILT_INS = {"PROJECT_ID", "PROJECT_NUMBER", "BUILD_ID", "LOCATION", "TRIGGER_NAME", "COMMIT_SHA", "REVISION_ID",
             "SHORT_SHA", "REPO_NAME", "REPO_FULL_NAME", "BRANCH_NAME", "TAG_NAME", "REF_NAME",
             "TRIGGER_BUILD_CONFIG_PATH", "SERVICE_ACCOUNT_EMAIL", "SERVICE_ACCOUNT"}
# $NAME or ${NAME}, but not $$NAME (Cloud Build's escape for a literal $, used for shell variables).
SUBSTITUTION = re.compile(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)")
REGISTRY = "${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}/${_IMAGE}"


def load_workflow(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def workflow_text_without_substitutions_block(workflow: dict) -> str:
    """Every string of the steps and images (where Cloud Build substitutes), as one text."""
    return json.dumps({key: value for key, value in workflow.items() if key in ("steps", "images")})


def repo_files() -> list[str]:
    skip = {".git", ".venv", ".forecast", ".tools", "__pycache__", ".pytest_cache"}
    return [str(path.relative_to(PROJECT_ROOT)) for path in PROJECT_ROOT.rglob("*")
            if path.is_file() and not skip & set(path.relative_to(PROJECT_ROOT).parts)]


def cloud_build_glob(pattern: str) -> re.Pattern:
    """Cloud Build's included-files glob: `**` crosses directories, `*` stays within one."""
    regex = re.escape(pattern).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace("\0", ".*")
    return re.compile(regex + r"\Z")


def triggers() -> list[dict]:
    """The create_trigger calls of deploy/scripts/create_triggers.sh: name, workflow, included-file globs."""
    calls = re.findall(r"^create_trigger (\S+) (\S+) \\\n\s+'([^']+)'", TRIGGERS_SCRIPT.read_text(), re.MULTILINE)
    return [{"name": n, "workflow": w, "included": included.split(",")} for n, w, included in calls]


def dockerfile_of(workflow: dict) -> tuple[Path, Path]:
    """(Dockerfile, build context) of the workflow's docker build step."""
    build = next(step for step in workflow["steps"] if step.get("args", [None])[0] == "build")
    dockerfile = next(arg.split("=", 1)[1] for arg in build["args"] if arg.startswith("--file="))
    return PROJECT_ROOT / dockerfile, PROJECT_ROOT / build["args"][-1]


def copy_sources(dockerfile: Path) -> list[str]:
    """Paths that the Dockerfile COPYs from its build context (not from other images)."""
    sources = []
    for line in dockerfile.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(part.startswith("--from") for part in parts):
            sources += [part for part in parts[1:-1] if not part.startswith("--")]
    return sources


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.yaml")), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_under_deploy_parses(path):
    assert list(yaml.safe_load_all(path.read_text())), f"{path} is empty"


def test_devcontainer_uses_python_311_sets_up_with_make_and_forwards_both_uis():
    config = json.loads((PROJECT_ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert "3.11" in config["image"]
    assert "make setup" in config["postCreateCommand"]
    assert {3000, 8000} <= set(config["forwardPorts"])


def test_there_is_one_workflow_per_image():
    assert {path.stem for path in WORKFLOWS} == {"trainer", "code-location", "dashboard"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_every_substitution_a_workflow_uses_is_defined_and_every_defined_one_is_used(path):
    workflow = load_workflow(path)
    defined = set(workflow.get("substitutions", {}))
    used = set(SUBSTITUTION.findall(workflow_text_without_substitutions_block(workflow)))
    # Defaults may refer to other substitutions (dynamicSubstitutions).
    used |= set(SUBSTITUTION.findall(json.dumps(workflow.get("substitutions", {}))))
    assert used - BUILT_INS - defined == set(), f"{path.name} uses undefined substitutions"
    assert {name for name in used if not name.startswith("_")} <= BUILT_INS
    assert defined - used == set(), f"{path.name} defines substitutions it never uses"
    assert all(name.startswith("_") for name in defined)
    assert workflow["options"]["dynamicSubstitutions"] is True


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_every_workflow_builds_a_dockerfile_whose_copied_files_exist(path):
    dockerfile, context = dockerfile_of(load_workflow(path))
    assert dockerfile.is_file(), f"{path.name} builds {dockerfile}, which does not exist"
    assert context.is_dir(), f"{path.name} builds in context {context}, which does not exist"
    for source in copy_sources(dockerfile):
        assert (context / source).exists(), f"{dockerfile} copies {source}, missing from context {context}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_images_are_tagged_with_the_commit_sha_and_latest_in_artifact_registry(path):
    build = next(step for step in load_workflow(path)["steps"] if step.get("args", [None])[0] == "build")
    assert f"--tag={REGISTRY}:$COMMIT_SHA" in build["args"]
    assert f"--tag={REGISTRY}:latest" in build["args"]


@pytest.mark.parametrize("name", ["code-location", "dashboard"])
def test_services_are_deployed_to_cloud_run_by_digest_and_require_authentication(name):
    steps = load_workflow(DEPLOY / "cloudbuild" / f"{name}.yaml")["steps"]
    step_ids = [step["id"] for step in steps]
    deploy = steps[step_ids.index("deploy")]
    command = " ".join(deploy["args"])
    assert "gcloud run deploy ${_SERVICE}" in command
    assert "--no-allow-unauthenticated" in command and "--allow-unauthenticated" not in command.replace("--no-", "")
    assert "--image=\"$$(cat /workspace/" in command
    assert step_ids.index("push") < step_ids.index("digest") < step_ids.index("deploy")


def test_the_code_location_release_is_recorded_before_it_is_deployed():
    steps = load_workflow(DEPLOY / "cloudbuild" / "code-location.yaml")["steps"]
    step_ids = [step["id"] for step in steps]
    assert step_ids.index("release-record") < step_ids.index("store-release") < step_ids.index("deploy")
    record = steps[step_ids.index("release-record")]
    assert record["name"] == f"{REGISTRY}:$COMMIT_SHA", "the record is made inside the image just built"
    command = " ".join(record["args"])
    assert "python -m deploy.release" in command
    inline = set(re.findall(r"\b([A-Z_]+)=\"", command.split("python -m deploy.release")[0]))
    assert set(GCP_REQUIRED) <= {entry.split("=", 1)[0] for entry in record["env"]} | inline


def test_the_code_location_release_pins_the_trainer_image_by_its_digest():
    steps = load_workflow(DEPLOY / "cloudbuild" / "code-location.yaml")["steps"]
    step_ids = [step["id"] for step in steps]
    assert step_ids.index("trainer-digest") < step_ids.index("release-record") < step_ids.index("deploy")
    resolve = " ".join(steps[step_ids.index("trainer-digest")]["args"])
    assert "gcloud artifacts docker images describe ${_TRAINER_IMAGE}:${_TRAINER_TAG}" in resolve
    assert "fully_qualified_digest" in resolve and "grep -q '@sha256:'" in resolve
    record = " ".join(steps[step_ids.index("release-record")]["args"])
    assert 'TRAINER_IMAGE_URI="$$(cat /workspace/release/trainer-image.txt)"' in record
    assert '--trainer-image="$$(cat /workspace/release/trainer-image.txt)"' in record
    deploy = " ".join(steps[step_ids.index("deploy")]["args"])
    assert 'trainer_image="$$(cat /workspace/release/trainer-image.txt)"' in deploy
    assert "TRAINER_IMAGE_URI=$$trainer_image," in deploy
    assert ":latest" not in env_example()["TRAINER_IMAGE_URI"] and "@sha256:" in env_example()["TRAINER_IMAGE_URI"]


def test_the_code_location_image_reports_the_commit_it_was_built_from_as_code_version(tmp_path):
    import subprocess
    import sys

    build = next(s for s in load_workflow(DEPLOY / "cloudbuild" / "code-location.yaml")["steps"] if s["id"] == "build")
    assert "--build-arg=GIT_SHA=$COMMIT_SHA" in build["args"]
    dockerfile = (DEPLOY / "code-location" / "Dockerfile").read_text().splitlines()
    assert "ARG GIT_SHA=unknown" in dockerfile and "ENV FORECAST_CODE_VERSION=${GIT_SHA}" in dockerfile
    # In the image there is no .git: the environment variable alone must name the commit.
    probe = "from forecast_assets.lineage import code_version; print(code_version())"
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "FORECAST_CODE_VERSION": "0123abc"})
    assert done.stdout.strip() == "0123abc", done.stderr[-2000:]


def test_the_code_location_service_gets_every_setting_of_gcp_env_example():
    deploy = next(s for s in load_workflow(DEPLOY / "cloudbuild" / "code-location.yaml")["steps"] if s["id"] == "deploy")
    command = " ".join(deploy["args"])
    assert command.count("--update-env-vars=$$settings") == 2, "the run worker job and the service get the same settings"
    env_vars = re.search(r"settings=(\S+)", command).group(1)
    plain = {pair.split("=", 1)[0] for pair in env_vars.split(",")}
    secrets = set(re.findall(r"([A-Z_]+)=\$\{_[A-Z_]+_SECRET\}:latest", command))
    assert secrets == {"DAGSTER_PG_PASSWORD", "ALERT_WEBHOOK_URL"}
    assert plain | secrets == set(env_example()), "the service and deploy/gcp.env.example disagree"


def test_each_workflow_has_a_trigger_whose_filters_match_real_files():
    files = repo_files()
    found = triggers()
    assert {trigger["workflow"] for trigger in found} == {str(p.relative_to(PROJECT_ROOT)) for p in WORKFLOWS}
    for trigger in found:
        for pattern in trigger["included"]:
            assert any(cloud_build_glob(pattern).match(f) for f in files), (
                f"trigger {trigger['name']}: filter {pattern!r} matches no file in the repository")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_a_change_to_anything_an_image_copies_or_builds_from_triggers_its_workflow(path):
    trigger = next(t for t in triggers() if t["workflow"] == str(path.relative_to(PROJECT_ROOT)))
    dockerfile, context = dockerfile_of(load_workflow(path))
    owned = [str(dockerfile.relative_to(PROJECT_ROOT)), str(path.relative_to(PROJECT_ROOT))]
    for source in copy_sources(dockerfile):
        source_path = context / source
        inside = [source_path] if source_path.is_file() else [p for p in source_path.rglob("*") if p.is_file()]
        owned += [str(p.relative_to(PROJECT_ROOT)) for p in inside]
    patterns = [cloud_build_glob(pattern) for pattern in trigger["included"]]
    untriggered = [file for file in owned if not any(p.match(file) for p in patterns)]
    assert untriggered == [], f"trigger {trigger['name']} misses changes to {untriggered}"


def env_example() -> dict[str, str]:
    """deploy/gcp.env.example as name -> value; fails naming the line that is neither comment nor NAME=value."""
    settings, previous = {}, ""
    for number, line in enumerate((DEPLOY / "gcp.env.example").read_text().splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            # An empty value is an optional setting left unset (VERTEX_ACCELERATOR_TYPE=: no GPU).
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=\S*", line), f"gcp.env.example line {number}: {line!r}"
            assert previous.startswith("# "), f"gcp.env.example line {number}: no comment above {line!r}"
            name, value = line.split("=", 1)
            settings[name] = value
        previous = line
    return settings


def test_gcp_env_example_lists_every_setting_the_gcp_environment_and_the_instance_read():
    settings = env_example()
    instance_env = set(re.findall(r"\{env: ([A-Z_]+)\}", (DEPLOY / "dagster.yaml").read_text()))
    assert set(GCP_REQUIRED) <= set(settings)
    assert instance_env <= set(settings)
    assert {"FORECAST_ENV", "BIGQUERY_LOCATION", "GCS_PREFIX", "ALERT_WEBHOOK_URL"} <= set(settings)
    assert settings["FORECAST_ENV"] == "gcp"
    assert all(settings[name] for name in GCP_REQUIRED), "a required setting has no placeholder"
    assert settings["VERTEX_STAGING_BUCKET"].startswith("gs://")
    assert not settings["GCS_BUCKET"].startswith("gs://")


@pytest.fixture
def instance_env(monkeypatch) -> dict[str, str]:
    settings = env_example()
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


def test_production_dagster_yaml_passes_dagsters_instance_schema_with_every_class_config(instance_env, tmp_path):
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config
    from dagster._serdes.config_class import class_from_code_pointer
    from dagster_postgres import DagsterPostgresStorage

    (tmp_path / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text())
    config, custom_instance_class = dagster_instance_config(str(tmp_path))
    assert custom_instance_class is None
    assert config["telemetry"] == {"enabled": False}

    storage = process_config(DagsterPostgresStorage.config_type(), config["storage"]["postgres"])
    assert storage.success, storage.errors
    assert storage.value["postgres_db"]["hostname"] == instance_env["DAGSTER_PG_HOST"]
    assert storage.value["postgres_db"]["port"] == int(instance_env["DAGSTER_PG_PORT"])
    for section in ("run_launcher", "compute_logs"):
        klass = class_from_code_pointer(config[section]["module"], config[section]["class"])
        processed = process_config(klass.config_type(), config[section].get("config", {}))
        assert processed.success, f"{section}: {processed.errors}"
    compute_logs = process_config(
        class_from_code_pointer(config["compute_logs"]["module"], config["compute_logs"]["class"]).config_type(),
        config["compute_logs"]["config"])
    assert compute_logs.value["bucket"] == instance_env["GCS_BUCKET"]


def test_the_storage_url_names_psycopg2_because_sqlalchemy_21_defaults_to_psycopg3(instance_env):
    from dagster_postgres.utils import pg_url_from_config
    from sqlalchemy.engine import make_url

    storage = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["storage"]["postgres"]
    resolved = {key: instance_env[value["env"]] if isinstance(value, dict) else value
                for key, value in storage["postgres_db"].items()}
    url = make_url(pg_url_from_config({"postgres_db": resolved}))
    assert url.get_dialect().driver == "psycopg2"
    assert make_url("postgresql://dagster@127.0.0.1/dagster").get_dialect().driver == "psycopg"
    assert (url.host, url.port, url.database) == ("10.0.0.3", 5432, "dagster")


def test_every_deploy_path_the_guide_mentions_exists():
    guide = (PROJECT_ROOT / "docs" / "deploy.md").read_text()
    mentioned = set(re.findall(r"\b((?:deploy|trainer|\.devcontainer)/[\w./-]*\w)", guide))
    assert mentioned, "docs/deploy.md names no deploy files"
    missing = sorted(path for path in mentioned if not (PROJECT_ROOT / path).exists())
    assert missing == [], f"docs/deploy.md mentions missing files: {missing}"


def test_every_vertex_and_batch_scoring_setting_the_gcp_environment_reads_is_in_the_example_and_the_service():
    from resources.environment import EMULATOR_SETTINGS

    code = (PROJECT_ROOT / "resources" / "environment.py").read_text()
    read = set(re.findall(r'(?:optional|os\.getenv)\("([A-Z][A-Z0-9_]*)"', code))
    tuning = {name for name in read if name.startswith("VERTEX_") or name == "FORECAST_BATCH_SCORER"}
    tuning -= set(EMULATOR_SETTINGS)
    assert {"VERTEX_MACHINE_TYPE", "VERTEX_ACCELERATOR_TYPE", "VERTEX_ACCELERATOR_COUNT", "VERTEX_REPLICA_COUNT",
            "VERTEX_JOB_TIMEOUT_SECONDS", "FORECAST_BATCH_SCORER", "VERTEX_SCORING_SHARDS"} <= tuning
    settings = env_example()
    assert tuning <= set(settings), f"deploy/gcp.env.example lacks {sorted(tuning - set(settings))}"
    # Each is passed to the service and the run worker from a substitution whose default is the example's value.
    workflow = load_workflow(DEPLOY / "cloudbuild" / "code-location.yaml")
    deploy = " ".join(next(s for s in workflow["steps"] if s["id"] == "deploy")["args"])
    for name in tuning:
        assert f"{name}=${{_{name}}}" in deploy, name
        assert str(workflow["substitutions"][f"_{name}"]) == settings[name], name
