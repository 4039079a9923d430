"""Commands loaded when they are run: ``muster --help`` imports no domain at all.

The ``muster`` command has about thirty groups, and importing them all (the web app, PDF,
the map layout, FHIR models) took seconds before any command ran. Each group is named here
with the module that holds it and the one line of help ``muster --help`` prints; the module
is imported only when the group is run or asked for its own help.
``tests/test_cli_table.py`` checks that every entry imports and that its line of help is
the group's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


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
