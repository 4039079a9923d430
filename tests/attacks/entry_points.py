"""Every entry point of Muster, and what each one does besides calling use cases.

An entry point is an HTTP route (``app.routes``, console pages included), a Typer command
or a scenario action. Each one's source is read with ``ast``, together with the helpers of
its own module it calls (transitively), and every call is resolved against the module's
names at run time. A finding is one of:

- ``authorize``: the entry point calls ``muster.policy.authorize.authorize`` (or the
  console's ``require``) itself, so the rule that the actor may act lives outside the use
  case;
- ``write``: it changes the database itself (``session.add``, ``add_all``, ``delete``,
  ``merge``, ``execute`` of an insert, update or delete, or ``bulk_*``);
- ``model``: it builds a mapped row (a subclass of ``muster.db.Base``), which only a
  service may add;
- ``permission``: a scenario action registered with ``permission=``, which the scenario
  runner authorizes before the handler runs, outside the use case.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import Any

import typer

from muster.db import Base
from muster.policy.authorize import authorize
from muster.web.console.viewer import require

# The functions that authorize an actor: the engine's, and the console's wrapper of it.
AUTHORIZERS = (authorize, require)

SESSION_WRITES = {"add", "add_all", "delete", "merge", "bulk_save_objects"}
SESSION_WRITES |= {"bulk_insert_mappings", "bulk_update_mappings"}
STATEMENT_WRITES = {"insert", "update", "delete"}


@dataclass(frozen=True, order=True)
class Finding:
    """One thing an entry point does outside a use case."""

    kind: str  # "authorize", "write", "model" or "permission"
    entry: str  # "route POST /api/v1/holds", "command hold lift", "action hold.place"
    where: str  # "muster.access.api.create_hold:172"

    def line(self) -> str:
        """The finding as one line of a report."""
        return f"{self.kind}: {self.entry} ({self.where})"


@dataclass(frozen=True)
class EntryPoint:
    """A named entry point, the function that serves it, and whether it changes state."""

    name: str
    function: Callable[..., Any]
    writes: bool = True
    permission: str | None = None


def _unwrap(function: Any) -> Any:
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return function


def _walk_routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _walk_routes(original.routes)
        elif getattr(route, "endpoint", None) is not None:
            yield route


def route_entry_points(app: Any) -> list[EntryPoint]:
    """Every route of the app with an endpoint of Muster's own (FastAPI's docs left out)."""
    found = []
    for route in _walk_routes(app.routes):
        endpoint = _unwrap(route.endpoint)
        if not getattr(endpoint, "__module__", "").startswith("muster."):
            continue
        methods = (getattr(route, "methods", None) or {"WS"}) - {"HEAD"}
        name = f"route {','.join(sorted(methods))} {route.path}"
        found.append(EntryPoint(name, endpoint, writes=bool(methods - {"GET"})))
    return found


def command_entry_points(app: typer.Typer) -> list[EntryPoint]:
    """Every Typer command of the ``muster`` command, by its full name."""
    found: list[EntryPoint] = []

    def walk(command: Any, name: str, ctx: Any) -> None:
        if hasattr(command, "list_commands"):  # a group; its commands load when asked for
            for sub_name in command.list_commands(ctx):
                sub = command.get_command(ctx, sub_name)
                walk(
                    sub,
                    f"{name} {sub_name}".strip(),
                    sub.make_context(sub_name, [], parent=ctx, resilient_parsing=True),
                )
        elif command.callback is not None:
            found.append(EntryPoint(f"command {name}", _unwrap(command.callback)))

    root = typer.main.get_command(app)
    walk(root, "", root.make_context("muster", [], resilient_parsing=True))
    return found


def action_entry_points(actions: dict[str, Any]) -> list[EntryPoint]:
    """Every registered scenario action."""
    return [
        EntryPoint(f"action {name}", _unwrap(a.handler), permission=a.permission)
        for name, a in actions.items()
    ]


def _source_tree(function: FunctionType) -> ast.AST | None:
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    tree = ast.parse(source)
    ast.increment_lineno(tree, function.__code__.co_firstlineno - 1)
    return tree


def _resolve(node: ast.expr, names: dict[str, Any]) -> Any:
    """The object a ``Name`` or dotted ``Attribute`` refers to, or None."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        if isinstance(base, ModuleType | type):
            return getattr(base, node.attr, None)
    return None


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, Base) and obj is not Base


def _writes_statement(call: ast.Call, names: dict[str, Any]) -> bool:
    """An ``execute(...)`` whose statement is built by insert(), update() or delete()."""
    for arg in call.args[:1]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in STATEMENT_WRITES and _resolve(func, names) is not None:
                    return True
    return False


def _calls(function: FunctionType) -> Iterator[tuple[ast.Call, dict[str, Any], FunctionType]]:
    """Every call in ``function`` and in the same module's functions it calls."""
    seen: set[int] = set()
    todo = [function]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        tree = _source_tree(current)
        if tree is None:
            continue
        for node in ast.walk(tree):  # decorators (``@router.delete(...)``) are not the body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                node.decorator_list = []
        names = {**vars(sys.modules[current.__module__]), **_closure(current)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            yield node, names, current
            target = _unwrap(_resolve(node.func, names))
            if isinstance(target, FunctionType) and target.__module__ == current.__module__:
                todo.append(target)


def _closure(function: FunctionType) -> dict[str, Any]:
    cells = function.__closure__ or ()
    return {
        name: cell.cell_contents
        for name, cell in zip(function.__code__.co_freevars, cells, strict=True)
        if _has_contents(cell)
    }


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises ValueError
    except ValueError:
        return False
    return True


def findings_of(entry: EntryPoint) -> list[Finding]:
    """What one entry point does outside a use case (empty: it only translates).

    Reads (GET routes) may authorize themselves: they change nothing, so there is no use
    case to own the rule; they are still checked for writes.
    """
    function = entry.function
    if not isinstance(function, FunctionType):
        return []
    where = f"{function.__module__}.{function.__qualname__}"
    found: set[Finding] = set()
    if entry.permission:
        found.add(Finding("permission", entry.name, f"{where} ({entry.permission})"))
    for call, names, current in _calls(function):
        target = _resolve(call.func, names)
        where = f"{current.__module__}.{current.__qualname__}:{call.lineno}"
        if any(target is a for a in AUTHORIZERS):
            if not entry.writes:
                continue
            found.add(Finding("authorize", entry.name, where))
        elif _is_model(target):
            found.add(Finding("model", entry.name, where))
        elif isinstance(call.func, ast.Attribute) and target is None:
            attr = call.func.attr
            if attr in SESSION_WRITES or (attr == "execute" and _writes_statement(call, names)):
                found.add(Finding("write", entry.name, where))
    return sorted(found)


def all_entry_points(url: str) -> list[EntryPoint]:
    """Every route of the app (console pages included), every command, every action.

    ``url`` names a database for the app; it is never opened, only the routes are read.
    """
    from muster.cli.main import app as cli_app
    from muster.config import Mode, Settings
    from muster.db import Database
    from muster.scenario.actions import ACTIONS, load_extensions
    from muster.web.app import create_app

    load_extensions()
    db = Database(url)
    app = create_app(Settings(mode=Mode.DEV, database_url=url), db)
    db.dispose()
    return [
        *route_entry_points(app),
        *command_entry_points(cli_app),
        *action_entry_points(ACTIONS),
    ]
