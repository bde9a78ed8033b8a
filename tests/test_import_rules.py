"""The import rule of the house, checked on the source: core is the application without a
face, so it imports no front end (cli, gui), not the sandbox, and no Qt; the command line
imports no Qt and not the window; the sandbox is an application of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "core": {"cli", "gui", "sandbox", "PySide6", "shiboken6"},
    "cli": {"gui", "PySide6", "shiboken6"},
    "sandbox": {"cli", "gui", "PySide6", "shiboken6"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module the file imports, at any depth, TYPE_CHECKING too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_the_rule_allows(package):
    sources = sorted((ROOT / package).rglob("*.py"))
    assert sources, f"{package}/ has no modules"
    broken = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sources
    }
    assert {path: names for path, names in broken.items() if names} == {}


def test_the_checker_sees_a_broken_rule(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from gui.jobs import Jobs\ndef f():\n    import PySide6.QtCore\n")
    assert imported_packages(module) >= {"gui", "PySide6"}


def test_only_the_app_and_the_main_window_import_the_main_window():
    """The window's helpers are given what they use and report by signals (issue 14)."""
    importers = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "gui").rglob("*.py")
        if any(name.endswith("main_window") for name in _modules(path))
    )
    # gui/window_picture.py is the app's --screenshot mode (moved out of gui/app.py): it
    # drives the whole window, as a person would, to show one state of it.
    allowed = {"gui/app.py", "gui/window/main_window.py", "gui/window_picture.py"}
    assert set(importers) <= allowed


def _modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
