"""Release record of the code location: which image, which commit and which definitions were deployed together.

    python -m deploy.release --image IMAGE@sha256:DIGEST --git-sha SHA [--trainer-image TRAINER@sha256:DIGEST] --out release.json

The trainer image, when given, must be pinned by digest too: it is the TRAINER_IMAGE_URI the release runs with,
and every model version records it, so a mutable tag (`:latest`) would make that lineage meaningless.

The definitions hash changes exactly when what Dagster shows changes (asset keys, code versions, groups,
dependencies, partitions, checks, jobs, schedules, sensors), so two releases with the same hash run the
same graph even when the image differs, and a code-version bump is visible without reading the diff.
"""

import argparse
import hashlib
import json
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

DEFAULT_MODULE = "forecast_assets.definitions"
DEFAULT_LOCATION = "forecast_platform"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_GIT_SHA = re.compile(r"[0-9a-f]{7,40}")


class ReleaseError(ValueError):
    """An argument of the release record is malformed or the definitions cannot be found; the message says which."""


def load_repository(module_name: str, working_directory: str | None = None) -> dg.RepositoryDefinition:
    """The repository of the Definitions in a module, found the way `dagster code-server start -m -d` finds it."""
    from dagster._core.definitions.reconstruct import repository_def_from_target_def
    from dagster._core.errors import DagsterInvariantViolationError
    from dagster._core.workspace.autodiscovery import loadable_targets_from_python_module

    try:
        targets = loadable_targets_from_python_module(module_name, working_directory=working_directory or os.getcwd())
    except DagsterInvariantViolationError:
        targets = []
    if len(targets) != 1:
        found = ", ".join(target.attribute for target in targets) or "none"
        raise ReleaseError(f"module {module_name} must hold exactly one Definitions object, found: {found}")
    repository = repository_def_from_target_def(targets[0].target_definition)
    if repository is None:
        raise ReleaseError(f"module {module_name}: {targets[0].attribute} is not a Definitions object")
    return repository


def definitions_fingerprint(repository: dg.RepositoryDefinition) -> dict:
    """What the release serves, as sorted plain data: assets with code versions, checks, jobs, schedules, sensors."""
    graph = repository.asset_graph
    assets = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets.append(
            {
                "key": key.to_user_string(),
                "code_version": node.code_version,
                "group": node.group_name,
                "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
                "partitions": str(node.partitions_def) if node.partitions_def else None,
                "materializable": node.is_materializable,
            }
        )
    checks = sorted(f"{check.asset_key.to_user_string()}:{check.name}" for check in graph.asset_check_keys)
    # Dunder jobs are Dagster's implicit asset jobs: their names are an implementation detail.
    jobs = sorted(name for name in repository.job_names if not name.startswith("__"))
    schedules = sorted(
        ({"name": s.name, "cron": s.cron_schedule, "timezone": s.execution_timezone} for s in repository.schedule_defs),
        key=lambda s: s["name"],
    )
    sensors = sorted(sensor.name for sensor in repository.sensor_defs)
    return {"assets": assets, "asset_checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def fingerprint_hash(fingerprint: dict) -> str:
    """sha256 of the fingerprint's canonical JSON: independent of dict order and whitespace."""
    canonical = json.dumps(fingerprint, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def split_image(image: str) -> tuple[str, str]:
    """`repo/name@sha256:...` (or a bare `sha256:...`) -> (repository or '', digest); ReleaseError otherwise."""
    name, _, digest = image.rpartition("@") if "@" in image else ("", "", image)
    if not _DIGEST.fullmatch(digest):
        raise ReleaseError(f"--image {image!r}: expected NAME@sha256:<64 hex> or sha256:<64 hex>")
    return name, digest


def check_git_sha(git_sha: str) -> str:
    """The git SHA, if it is 7 to 40 lowercase hex characters; ReleaseError otherwise."""
    if not _GIT_SHA.fullmatch(git_sha):
        raise ReleaseError(f"--git-sha {git_sha!r}: expected 7 to 40 lowercase hex characters")
    return git_sha


def check_trainer_image(image: str) -> str:
    """The trainer image, if it is NAME@sha256:<64 hex>; ReleaseError naming it otherwise (a tag is mutable)."""
    name, _, digest = image.rpartition("@")
    if not name or not _DIGEST.fullmatch(digest):
        raise ReleaseError(f"--trainer-image {image!r}: expected NAME@sha256:<64 hex>, a digest rather than a tag")
    return image


def build_release_record(repository: dg.RepositoryDefinition, image: str, git_sha: str, module: str,
                         location: str = DEFAULT_LOCATION, created_at: datetime | None = None,
                         trainer_image: str | None = None) -> dict:
    """The JSON-ready release record: image and digest, git SHA, definitions hash and the fingerprint behind it."""
    image_name, digest = split_image(image)
    check_git_sha(git_sha)
    fingerprint = definitions_fingerprint(repository)
    trainer = {"trainer_image": check_trainer_image(trainer_image)} if trainer_image is not None else {}
    return {
        **trainer,
        "code_location": location,
        "module": module,
        "image": f"{image_name}@{digest}" if image_name else digest,
        "image_digest": digest,
        "git_sha": git_sha,
        "definitions_hash": fingerprint_hash(fingerprint),
        "dagster_version": dg.__version__,
        "created_at": (created_at or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "definitions": fingerprint,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: load the module's Definitions, write the release record, print its hash."""
    parser = argparse.ArgumentParser(prog="python -m deploy.release", description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True, help="pushed image, NAME@sha256:DIGEST (or the bare digest)")
    parser.add_argument("--git-sha", required=True, help="commit the image was built from")
    parser.add_argument("--trainer-image", default=None,
                        help="trainer image the release runs (TRAINER_IMAGE_URI), NAME@sha256:DIGEST")
    parser.add_argument("--module", default=DEFAULT_MODULE, help="module holding the Definitions")
    parser.add_argument("--working-directory", default=None, help="where the module is imported from (default: .)")
    parser.add_argument("--location", default=DEFAULT_LOCATION, help="code location name")
    parser.add_argument("--out", required=True, type=Path, help="where to write the JSON record")
    args = parser.parse_args(argv)
    try:
        split_image(args.image), check_git_sha(args.git_sha)  # refuse bad input before the slow load
        if args.trainer_image is not None:
            check_trainer_image(args.trainer_image)
        repository = load_repository(args.module, args.working_directory)
        record = build_release_record(repository, args.image, args.git_sha, args.module, args.location,
                                      trainer_image=args.trainer_image)
    except ReleaseError as error:
        parser.exit(2, f"release: {error}\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"release git_sha={record['git_sha']} image_digest={record['image_digest']} "
          f"definitions_hash={record['definitions_hash']} assets={len(record['definitions']['assets'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
