"""Tests mirror the code: each service module that holds rules has a test module of its own.

A module holds rules when it authorizes an action (calls ``authorize``) or changes the
record (calls ``append_event``). Routes, commands, console pages and scenario actions only
translate to those use cases (docs/development.md), so they are not counted here; their
tests live where they are. The mirrored module of ``src/muster/<domain>/<module>.py`` is
``tests/<domain>/test_<module>.py``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "muster"
TESTS = ROOT / "tests"
RULE_CALLS = {"authorize", "append_event"}
TRANSLATORS = re.compile(r"^(api|api_\w+|\w+_api|cli|\w+_cli|scenario_actions)$")
TRANSLATING_PACKAGES = {"cli", "web", "migrations"}


def calls(path: Path) -> set[str]:
    """Names of the functions ``path`` calls (``f(...)`` or ``module.f(...)``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def rule_modules() -> list[Path]:
    """The service modules under src/muster that authorize or change the record."""
    found = []
    for path in sorted(SOURCE.glob("*/*.py")):
        domain, module = path.parent.name, path.stem
        if domain in TRANSLATING_PACKAGES or TRANSLATORS.match(module):
            continue
        if calls(path) & RULE_CALLS:
            found.append(path)
    return found


def mirror(path: Path) -> Path:
    """The test module that mirrors a source module."""
    return TESTS / path.parent.name / f"test_{path.stem}.py"


class TestMirror:
    """Every service module holding rules has its mirrored test module."""

    def test_the_rule_finds_the_services(self) -> None:
        found = {f"{p.parent.name}/{p.stem}" for p in rule_modules()}
        assert {"access/holds", "people/service", "welfare/checkups"} <= found
        assert "access/api" not in found
        assert "people/cli" not in found

    def test_each_has_a_test_module(self) -> None:
        missing = [
            str(mirror(p).relative_to(ROOT)) for p in rule_modules() if not mirror(p).exists()
        ]
        assert not missing, "service modules without their test module: " + ", ".join(missing)

    def test_each_test_module_tests_something(self) -> None:
        empty = []
        for path in rule_modules():
            test = mirror(path)
            if test.exists():
                tree = ast.parse(test.read_text())
                tests = [
                    n
                    for n in ast.walk(tree)
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                    and n.name.startswith("test_")
                ]
                if not tests:
                    empty.append(str(test.relative_to(ROOT)))
        assert not empty, "test modules with no tests: " + ", ".join(empty)
