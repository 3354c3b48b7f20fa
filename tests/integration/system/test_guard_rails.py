"""The guard rails of `make test`: import-linter contracts and ruff run before pytest and stop the run
on a breach, and the leaf libraries (audio/, hardware/) stay leaves without import cycles."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
# The paths scripts/test.sh lints with ruff: the ones clean today.
_LINT_PATHS = re.search(r"^LINT_PATHS=\((.*)\)$", (ROOT / "scripts/test.sh").read_text(encoding="utf-8"), re.MULTILINE)
CLEAN_PATHS = _LINT_PATHS[1].split() if _LINT_PATHS else []
LEAVES = ["audio", "hardware", "bench", "run.py"]
LINTED = sorted(set(CLEAN_PATHS) | set(LEAVES))


def _run(command: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_leaf_libraries_bench_and_run_py_are_among_the_linted_paths():
    assert set(LEAVES) <= set(CLEAN_PATHS)


def test_no_import_cycle_inside_audio_or_hardware():
    """A module of a leaf library never reaches back to a module that imports it, even from inside a function."""
    graph = grimp.build_graph("audio", "hardware", include_external_packages=False, cache_dir=None)
    cycles = sorted(
        f"{importer} -> {imported} -> … -> {importer}"
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.chain_exists(importer=imported, imported=importer)
    )
    assert cycles == []


def test_every_import_contract_of_pyproject_is_kept():
    done = _run([str(BIN / "lint-imports"), "--no-cache"])
    assert done.returncode == 0, done.stdout + done.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", done.stdout)
    assert kept is not None and int(kept[1]) >= 5 and kept[2] == "0", done.stdout


def test_ruff_finds_nothing_in_the_linted_paths():
    done = _run([str(BIN / "ruff"), "check", "--no-cache", *LINTED])
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_ruff_config_checks_pycodestyle_pyflakes_isort_bugbear_and_pyupgrade_at_130_columns():
    done = _run([str(BIN / "ruff"), "check", "--show-settings", "run.py"])
    assert done.returncode == 0, done.stderr
    enabled = done.stdout.split("linter.rules.enabled = [", 1)[1].split("]", 1)[0]
    for rule in ("line-too-long (E501)", "trailing-whitespace (W291)", "unused-import (F401)", "unsorted-imports (I001)",
                 "function-uses-loop-variable (B023)", "non-pep604-annotation-union (UP007)"):
        assert rule in enabled, rule
    assert re.search(r"^linter\.line_length = 130$", done.stdout, re.MULTILINE)


def test_every_noqa_in_the_linted_paths_says_why():
    """`# noqa: CODE - reason`: a bare one hides a finding without telling the next reader why it is fine."""
    bare = []
    for path in LINTED:
        files = [ROOT / path] if path.endswith(".py") else sorted((ROOT / path).rglob("*.py"))
        for file in files:
            with file.open("rb") as source:
                comments = [t for t in tokenize.tokenize(source.readline) if t.type == tokenize.COMMENT]
            for comment in comments:
                if "noqa" in comment.string and not re.search(r"# noqa: [A-Z]+\d+(, [A-Z]+\d+)* - \S", comment.string):
                    bare.append(f"{file.relative_to(ROOT)}:{comment.start[0]}: {comment.string}")
    assert bare == []


# ---------------------------------------------------------------------------------- scripts/test.sh


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The Python code, configs and scripts in a scratch directory, with the project's .venv."""
    skip = shutil.ignore_patterns("static", "templates", "__pycache__", "*.pyc")
    for name in ("server", "kiosk", "display", "audio", "hardware", "bench", "scripts", "tests"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=skip)
    for name in ("pyproject.toml", "pytest.ini", "run.py"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    # One trivial test stands in for the suite: its run tells whether pytest started at all.
    (tmp_path / "tests" / "test_started.py").write_text("def test_started():\n    pass\n", encoding="utf-8")
    return tmp_path


def _test_sh(project: Path) -> subprocess.CompletedProcess:
    return _run(["bash", "scripts/test.sh", "-q", "-p", "no:cacheprovider", "tests/test_started.py"], cwd=project)


def test_test_script_runs_pytest_when_the_rules_hold(project_copy):
    done = _test_sh(project_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_test_script_stops_before_pytest_when_a_leaf_imports_the_server(project_copy):
    (project_copy / "hardware" / "queue_aware.py").write_text(
        '"""A printer driver that knows the queue: what DESIGN.md forbids."""\n'
        "from server.models import Ticket\n\n"
        '__all__ = ["Ticket"]\n',
        encoding="utf-8",
    )
    done = _test_sh(project_copy)
    assert done.returncode != 0
    assert "hardware.queue_aware -> server.models" in done.stdout
    assert "import rules broken" in done.stderr
    assert "1 passed" not in done.stdout


def test_test_script_stops_before_pytest_on_a_ruff_finding(project_copy):
    with (project_copy / "audio" / "numbers.py").open("a", encoding="utf-8") as file:
        file.write("\nimport os\n")
    done = _test_sh(project_copy)
    assert done.returncode != 0
    assert "F401" in done.stdout and "audio/numbers.py" in done.stdout
    assert "ruff found problems" in done.stderr
    assert "1 passed" not in done.stdout
