"""The guard rails of `make test`: import-linter contracts and ruff run before pytest and stop the run
on a breach, and the leaf libraries (audio/, hardware/) stay leaves without import cycles."""
from __future__ import annotations

import ast
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
# The paths scripts/test.sh lints with ruff: every folder of Python code.
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


def test_every_python_file_of_the_project_is_in_a_linted_path():
    """A new top-level folder of Python code is linted from its first commit, not once someone remembers."""
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    unlinted = [f for f in tracked if f not in CLEAN_PATHS and f.split("/", 1)[0] not in CLEAN_PATHS]
    assert tracked and unlinted == []


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
    for name in ("server", "kiosk", "display", "booking", "audio", "hardware", "bench", "deploy", "scripts", "tests"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=skip)
    for name in ("pyproject.toml", "pytest.ini", "run.py"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    # One trivial test stands in for the suite: its run tells whether pytest started at all.
    (tmp_path / "tests" / "unit" / "test_started.py").write_text("def test_started():\n    pass\n", encoding="utf-8")
    return tmp_path


def _test_sh(project: Path) -> subprocess.CompletedProcess:
    return _run(["bash", "scripts/test.sh", "-q", "-p", "no:cacheprovider", "tests/unit/test_started.py"], cwd=project)


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


# ---------------------------------------------------------------------------------- the test tree
# tests/unit (pure), tests/integration (real database, Redis, processes, sockets), tests/e2e (browsers);
# helpers and fixtures only in tests/support, registered by the one tests/conftest.py.

TIERS = ("unit", "integration", "e2e")
# What a unit test may not touch: a database, the app, a socket, a process (the fixtures and modules that give them).
REACHING_FIXTURES = {"app", "client", "db", "settings", "sqlite_url", "bare_sqlite_url", "pg_url", "redis_url", "live_server",
                     "speaking_app", "speaking_server", "browser", "playwright", "tcp_printer", "dead_port", "voice", "espeak"}
REACHING_MODULES = ("subprocess", "socket", "multiprocessing", "requests", "sqlalchemy", "psycopg", "redis", "playwright",
                    "server.app", "server.db", "server.schema", "tests.support.demo", "tests.support.services",
                    "tests.support.live_server", "tests.support.server_process", "tests.support.tcp_printer")


def _python_files(tests: Path) -> list[Path]:
    return sorted(p for p in tests.rglob("*.py") if "__pycache__" not in p.parts)


def _is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") or path.name.endswith("_test.py")


def _fixture_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name pytest knows a fixture by (``name=`` wins), or None when the function is no fixture."""
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        if (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
            isinstance(target, ast.Name) and target.id == "fixture"
        ):
            keywords = call.keywords if call else []
            named = [k.value.value for k in keywords if k.arg == "name" and isinstance(k.value, ast.Constant)]
            return named[0] if named else function.name
    return None


def fixture_definitions(tests: Path) -> dict[str, list[str]]:
    """Every fixture defined under ``tests``: name → where (``path:line``)."""
    found: dict[str, list[str]] = {}
    for path in _python_files(tests):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (name := _fixture_name(node)):
                found.setdefault(name, []).append(f"{path.relative_to(tests.parent)}:{node.lineno}")
    return found


def fixtures_defined_twice(tests: Path) -> dict[str, list[str]]:
    return {name: where for name, where in fixture_definitions(tests).items() if len(where) > 1}


def helpers_outside_support(tests: Path) -> list[str]:
    """Modules under ``tests`` that are neither a test file, the root conftest, nor in tests/support."""
    return [str(p.relative_to(tests.parent)) for p in _python_files(tests)
            if not _is_test_file(p) and p != tests / "conftest.py" and (tests / "support") not in p.parents]


def imports_of_test_modules(tests: Path) -> list[str]:
    """Imports of a test module from another file: what two files share is a helper, for tests/support."""
    found = []
    for path in _python_files(tests):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] \
                if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(tests.parent)}: {m}" for m in modules
                      if m.startswith("tests.") and m.rsplit(".", 1)[-1].startswith("test_")]
    return found


def misplaced_test_files(tests: Path) -> list[str]:
    """Test files outside the three tiers, browser tests outside tests/e2e, and other tests inside it."""
    wrong = []
    for path in filter(_is_test_file, _python_files(tests)):
        tier = path.relative_to(tests).parts[0]
        if tier not in TIERS or (tier == "e2e") != path.stem.endswith("_browser"):
            wrong.append(str(path.relative_to(tests.parent)))
    return wrong


def unit_tests_reaching_out(tests: Path) -> list[str]:
    """Unit test files that ask for a database, the app, a socket or a process, by fixture or by import."""
    wrong = []
    for path in filter(_is_test_file, _python_files(tests / "unit")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules = {m for m in imported for r in REACHING_MODULES if m == r or m.startswith(r + ".")}
        asked = {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                 for a in n.args.args + n.args.kwonlyargs} & REACHING_FIXTURES
        if modules or asked:
            wrong.append(f"{path.relative_to(tests.parent)}: {sorted(modules | asked)}")
    return wrong


TESTS = ROOT / "tests"


def test_every_fixture_is_defined_once_across_tests():
    """One name, one meaning: a fixture shadowed in a folder or module means something else there."""
    assert fixtures_defined_twice(TESTS) == {}


def test_helpers_and_fixtures_live_only_in_tests_support_and_the_root_conftest():
    assert helpers_outside_support(TESTS) == []
    assert imports_of_test_modules(TESTS) == []
    assert sorted(str(p.relative_to(ROOT)) for p in TESTS.rglob("conftest.py")) == ["tests/conftest.py"]


def test_test_files_live_only_in_unit_integration_and_e2e_and_browser_tests_only_in_e2e():
    assert misplaced_test_files(TESTS) == []


def test_unit_tests_need_no_database_app_socket_or_process():
    assert unit_tests_reaching_out(TESTS) == []


def test_pytest_collects_exactly_the_three_tiers():
    ini = (ROOT / "pytest.ini").read_text(encoding="utf-8")
    assert re.search(r"^testpaths = (.*)$", ini, re.MULTILINE)[1].split() == [f"tests/{tier}" for tier in TIERS]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root / "tests"


FIXTURE = "import pytest\n\n\n@pytest.fixture{args}\ndef {name}():\n    return 1\n"


def test_the_fixture_guard_fails_on_a_fixture_defined_twice(tmp_path):
    tests = _tree(tmp_path, {
        "tests/support/fixtures/core.py": FIXTURE.format(args="", name="app"),
        "tests/support/fixtures/display.py": FIXTURE.format(args="(name='artifacts')", name="_display_artifacts"),
        "tests/support/fixtures/browser.py": FIXTURE.format(args="(scope='session')", name="artifacts"),
        "tests/integration/realtime/test_offline.py": FIXTURE.format(args="", name="app") + "\n\ndef test_x(app):\n    pass\n",
    })
    assert fixtures_defined_twice(tests) == {
        "app": ["tests/integration/realtime/test_offline.py:5", "tests/support/fixtures/core.py:5"],
        "artifacts": ["tests/support/fixtures/browser.py:5", "tests/support/fixtures/display.py:5"],
    }


def test_the_helper_guard_fails_on_a_helper_or_a_conftest_outside_tests_support(tmp_path):
    tests = _tree(tmp_path, {
        "tests/conftest.py": "", "tests/support/sound.py": "", "tests/support/fixtures/audio.py": "",
        "tests/integration/audio/sound.py": "", "tests/integration/kiosk/conftest.py": "",
        "tests/integration/kiosk/test_kiosk_api.py": "from tests.support.sound import tone_power\n",
        "tests/e2e/kiosk/test_kiosk_browser.py": "from tests.integration.kiosk.test_kiosk_api import issue\n",
    })
    assert helpers_outside_support(tests) == ["tests/integration/audio/sound.py", "tests/integration/kiosk/conftest.py"]
    assert imports_of_test_modules(tests) == ["tests/e2e/kiosk/test_kiosk_browser.py: tests.integration.kiosk.test_kiosk_api"]


def test_the_tier_guard_fails_on_a_test_outside_the_tiers_or_a_browser_test_in_the_wrong_tier(tmp_path):
    tests = _tree(tmp_path, {
        "tests/unit/audio/test_numbers.py": "", "tests/integration/kiosk/test_kiosk_api.py": "",
        "tests/e2e/kiosk/test_kiosk_browser.py": "", "tests/kiosk/test_printing.py": "", "tests/test_started.py": "",
        "tests/integration/display/test_board_browser.py": "", "tests/e2e/display/test_board_api.py": "",
    })
    assert misplaced_test_files(tests) == [
        "tests/e2e/display/test_board_api.py", "tests/integration/display/test_board_browser.py",
        "tests/kiosk/test_printing.py", "tests/test_started.py",
    ]


def test_the_unit_guard_fails_on_a_unit_test_that_asks_for_the_database_or_starts_a_process(tmp_path):
    tests = _tree(tmp_path, {
        "tests/unit/audio/test_numbers.py": "from audio.numbers import number_words\n\n\ndef test_x(tmp_path):\n    pass\n",
        "tests/unit/domain/test_queue.py": "def test_x(db, clock):\n    pass\n",
        "tests/unit/audio/test_cli.py": "import subprocess\n\n\ndef test_x():\n    pass\n",
        "tests/unit/api/test_api.py": "from server.app import create_app\n",
    })
    assert unit_tests_reaching_out(tests) == [
        "tests/unit/api/test_api.py: ['server.app']",
        "tests/unit/audio/test_cli.py: ['subprocess']",
        "tests/unit/domain/test_queue.py: ['db']",
    ]
