"""The house's structure holds: apps import only downward (import-linter, run by `make test`
too), no module imports another module's private name, and each app has its own urls."""

import ast
import pathlib
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["root_packages"]


def _modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_module_imports_a_private_name_of_another_module():
    offences = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] not in APPS:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_"):
                        offences.append(f"{path.relative_to(ROOT)}: from {node.module} import {alias.name}")
    assert offences == []


def test_the_import_contracts_hold_with_no_ignores():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "ignore_imports" not in text
    linter = pathlib.Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.skip("import-linter is not installed (make install installs it)")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("app", ["accounts", "market", "bidding", "credit", "ratings", "docking"])
def test_each_app_has_its_own_urls(app):
    assert (ROOT / app / "urls.py").exists()


def test_rows_are_locked_through_core_locking_only():
    """`select_for_update(no_key=True)` raises on MariaDB and SQLite: every lock goes through
    `core.locking.lock_rows`, which asks the database what it supports."""
    offences = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS if app != "config"
        for path in (ROOT / app).rglob("*.py") if path != ROOT / "core" / "locking.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "select_for_update(" in line and "no_key" in line
    ]
    assert not offences, offences
