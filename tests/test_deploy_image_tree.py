"""Each image holds every module its code imports: the tree its Dockerfile COPYs, imported with nothing else.

Docker cannot run here, so the test rebuilds the image's file tree from the Dockerfile's COPY lines (sources
relative to the build context, destinations relative to WORKDIR) and, in a fresh interpreter whose sys.path has
that tree but not the checkout, imports every module of it and every first-party module any of them imports,
lazy imports inside function bodies included (monitoring/ is imported only when an asset runs).
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The images whose Python code is imported in the image (the dashboard image runs only `evidently ui`).
DOCKERFILES = {"code-location": PROJECT_ROOT / "deploy" / "code-location" / "Dockerfile",
               "trainer": PROJECT_ROOT / "trainer" / "Dockerfile"}
FIRST_PARTY = sorted(path.name for path in PROJECT_ROOT.iterdir()
                     if path.is_dir() and (path / "__init__.py").is_file() and path.name != "tests")


def copied_tree(dockerfile: Path, into: Path) -> Path:
    """The files the Dockerfile copies from the context, placed as in the image; returns the app root (WORKDIR)."""
    workdir = "/"
    copies = []
    for line in dockerfile.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["WORKDIR"]:
            workdir = parts[1]
        elif parts[:1] == ["COPY"] and not any(part.startswith("--from") for part in parts):
            args = [part for part in parts[1:] if not part.startswith("--")]
            copies.append((args[:-1], args[-1], workdir))
    for sources, destination, at in copies:
        target_root = into / (destination if destination.startswith("/") else f"{at}/{destination}").lstrip("/")
        for source in sources:
            origin = PROJECT_ROOT / source
            if origin.is_dir():
                shutil.copytree(origin, target_root, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target = target_root / origin.name if destination.endswith("/") else target_root
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
    return into / workdir.lstrip("/")


def modules_in(root: Path) -> list[str]:
    """Dotted names of every first-party module under root."""
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] in FIRST_PARTY:
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def first_party_imports(root: Path) -> set[str]:
    """Every absolute first-party module named by an import statement anywhere under root (function bodies too)."""
    imported = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
    return {name for name in imported if name.split(".")[0] in FIRST_PARTY}


IMPORT_ALL = """
import importlib, json, os, sys
tree, checkout = sys.argv[1], sys.argv[2]
sys.path = [tree] + [p for p in sys.path if p and os.path.realpath(p) != os.path.realpath(checkout)]
failed = {}
for name in json.loads(sys.argv[3]):
    try:
        module = importlib.import_module(name)
        where = getattr(module, "__file__", None) or ""
        if not os.path.realpath(where).startswith(os.path.realpath(tree)):
            failed[name] = f"imported from {where}, outside the image tree"
    except Exception as error:
        failed[name] = f"{type(error).__name__}: {error}"
print(json.dumps(failed))
"""


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_every_module_the_image_code_imports_is_in_the_image(image, tmp_path):
    import json

    dockerfile = DOCKERFILES[image]
    root = copied_tree(dockerfile, tmp_path)
    assert root.is_dir(), f"{dockerfile}: no code copied to {root}"
    wanted = sorted(set(modules_in(root)) | first_party_imports(root))
    assert wanted, f"{dockerfile} copies no Python code"
    # The example production settings: loading the gcp definitions touches no network.
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH",)}
    for line in (PROJECT_ROOT / "deploy" / "gcp.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    env["FORECAST_HOME"] = str(tmp_path / "forecast_home")
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL, str(root), str(PROJECT_ROOT), json.dumps(wanted)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert failed == {}, f"{dockerfile}: modules missing or broken in the image tree: {failed}"


def test_the_tree_is_checked_against_lazy_imports_too():
    # monitoring/ is imported only inside asset bodies: the import scan must see it, or defect 3 would pass.
    code = PROJECT_ROOT / "forecast_assets"
    assert any(name.startswith("monitoring") for name in first_party_imports(code))
