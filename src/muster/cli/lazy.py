"""Commands loaded when they are run: ``muster --help`` imports no domain at all.

The ``muster`` command has about thirty groups, and importing them all (the web app, PDF,
the map layout, FHIR models) took seconds before any command ran. Each group is named here
with the module that holds it and the one line of help ``muster --help`` prints; the module
is imported only when the group is run or asked for its own help.
``tests/test_cli_table.py`` checks that every entry imports and that its line of help is
the group's own.

Typer checks every parameter's value with a pydantic adapter it builds on first use;
importing pydantic and building them was a fifth of ``muster hold list``'s start. A text or
flag parameter (``str`` or ``bool``, no parser of its own) whose value is already text or a
flag keeps it as given, which is what that adapter returns for it; any other value, and
every other type, goes to Typer's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup, _TyperParameter

PLAIN_TYPES = (str, bool)


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """A value of the parameter's own type as given; any other to Typer's own adapter."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Any) -> Any:
        if type(value) is self.annotation:
            return value
        return build_runtime_param(param.type_descriptor).coerce(value, param, ctx)


_typers_runtime_param = _TyperParameter.get_runtime_param


def _runtime_param(param: _TyperParameter) -> RuntimeParam:
    """``_Plain`` for a text or flag parameter without a parser of its own, else Typer's."""
    info, annotation = param.type_descriptor.parameter_info, param.type_descriptor.annotation
    if param._runtime_param is None and annotation in PLAIN_TYPES and info.parser is None:
        param._runtime_param = _Plain(info, annotation)
    return _typers_runtime_param(param)


# Every parameter of the process, the help options Typer builds per command included.
setattr(_TyperParameter, "get_runtime_param", _runtime_param)  # noqa: B010


@dataclass(frozen=True)
class Entry:
    """One command of ``muster``: a Typer group, or a single function (``group=False``)."""

    module: str
    attr: str
    help: str
    group: bool = True
    # Commands added to this group from other modules: (command name, module, function).
    extra: tuple[tuple[str, str, str], ...] = ()

    def load(self, name: str) -> Any:
        """The click command this entry names, built from its module."""
        target = getattr(import_module(self.module), self.attr)
        if not self.group:
            single = typer.Typer()
            single.command(name)(target)
            return typer.main.get_command(single)
        for command_name, module, function in self.extra:
            target.command(command_name)(getattr(import_module(module), function))
        command = typer.main.get_group(target)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A Typer group whose table of entries (``ENTRIES``) loads on first use."""

    entries: dict[str, Entry] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._describing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.entries, *(n for n in super().list_commands(ctx) if n not in self.entries)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        loaded = super().get_command(ctx, cmd_name)
        entry = self.entries.get(cmd_name)
        if loaded is not None or entry is None:
            return loaded
        if self._describing:  # the top-level help needs only the line of help
            return TyperCommand(name=cmd_name, help=entry.help, short_help=entry.help)
        command = entry.load(cmd_name)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._describing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._describing = False
