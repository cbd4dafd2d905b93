"""The test run itself is honest: the project's own tools come from the project, and a CI run has no silent skips."""

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from project_tools import ALWAYS_GUARDED

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TOOLS = "|".join(re.escape(name) for name in ALWAYS_GUARDED)
PROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "which", "system"}
# A shell command word that is a guarded tool: at a line start, after ; && || | or $( .
SHELL_BARE_CALL = re.compile(rf"""(^|[;&|]\s*|\$\(\s*|\bexec\s+)({TOOLS})\s""", re.MULTILINE)


def _python_files():
    for folder in ("tests", "benchmarks", "demo", "deploy", "forecast_assets", "resources", "sensors", "monitoring"):
        yield from (PROJECT_ROOT / folder).rglob("*.py")


def _shell_files():
    # Not the images' entrypoints: inside an image, PATH is the image's own venv.
    yield PROJECT_ROOT / "Makefile"
    yield PROJECT_ROOT / ".ci" / "run"
    yield from (PROJECT_ROOT / "deploy" / "scripts").glob("*.sh")


def _program(call: ast.Call) -> str | None:
    """The program a subprocess/which call starts, when it is written as a literal."""
    if not call.args:
        return None
    first = call.args[0]
    if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
        first = first.elts[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.strip():
        return first.value.split()[0]
    return None


def _bare_python_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name in PROCESS_CALLS and _program(node) in ALWAYS_GUARDED:
                yield node.lineno, ast.unparse(node)[:120]


def test_no_script_or_test_calls_a_tool_the_project_installs_by_its_bare_name():
    found = []
    for path in _python_files():
        found += [f"{path.relative_to(PROJECT_ROOT)}:{number}: {call}" for number, call in _bare_python_calls(path)]
    for path in _shell_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.lstrip().startswith("#") and SHELL_BARE_CALL.search(line.strip()):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert not found, "bare calls of tools the project installs itself:\n" + "\n".join(found)


def test_the_scan_sees_a_bare_call_written_either_way(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('import shutil, subprocess\nsubprocess.run(["uv", "sync"])\nshutil.which("dagster")\n'
                      'subprocess.run([str(uv), "sync"])\nprint("uv is fine in text")\n')
    assert [number for number, _ in _bare_python_calls(sample)] == [2, 3]
    assert SHELL_BARE_CALL.search("cd x && uv export --frozen") and not SHELL_BARE_CALL.search('"$uv" export')


def test_a_bare_call_from_path_is_recorded_and_fails(tmp_path):
    probe = textwrap.dedent(f"""
        import subprocess, sys
        from pathlib import Path
        sys.path.insert(0, {str(PROJECT_ROOT / 'tests')!r})
        from project_tools import install_path_guard, path_guard_violations
        install_path_guard(Path({str(tmp_path)!r}), Path({str(PROJECT_ROOT)!r}))
        done = subprocess.run(["sh", "-c", "uv pip list"], capture_output=True, text=True)
        print(done.returncode, path_guard_violations())
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "97 ['uv pip list']", done.stderr


def test_the_project_uv_is_the_one_the_makefile_installed(project_uv):
    assert project_uv.resolve().is_relative_to(PROJECT_ROOT) or "FORECAST_UV" in os.environ
    assert subprocess.run([str(project_uv), "--version"], capture_output=True, text=True).stdout.startswith("uv ")


def _pytest_with_our_conftest(test_dir: Path, **env) -> subprocess.CompletedProcess:
    (test_dir / "test_sample.py").write_text(
        "import pytest\n\ndef test_runs():\n    assert True\n\n"
        "def test_skips():\n    pytest.skip('nothing to check here')\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider", str(test_dir)],
        cwd=test_dir, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "tests") + os.pathsep + str(PROJECT_ROOT), **env})


def test_under_ci_a_skip_fails_the_run_unless_the_allow_list_names_it(tmp_path):
    listing = tmp_path / "allowed.txt"
    listing.write_text("# none\n")
    tests = tmp_path / "suite"
    tests.mkdir()
    outside_ci = _pytest_with_our_conftest(tests, CI="", FORECAST_ALLOWED_SKIPS=str(listing))
    assert outside_ci.returncode == 0, outside_ci.stdout + outside_ci.stderr
    in_ci = _pytest_with_our_conftest(tests, CI="true", FORECAST_ALLOWED_SKIPS=str(listing))
    assert in_ci.returncode == 1
    assert "test_sample.py::test_skips was skipped (Skipped: nothing to check here)" in in_ci.stderr
    listing.write_text("test_sample.py::test_skips  # a sample skip, allowed for this test\n")
    allowed = _pytest_with_our_conftest(tests, CI="true", FORECAST_ALLOWED_SKIPS=str(listing))
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_the_repository_allow_list_is_empty():
    from project_tools import allowed_skips

    assert allowed_skips(PROJECT_ROOT / "tests" / "allowed_skips.txt") == set()
