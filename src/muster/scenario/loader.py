"""Reading a scenario file and refusing a faulty one, with file, line and what is wrong.

Everything is checked before anything runs: YAML syntax, the file's structure, that names
refer to things the file defines, that every inject's actor is one of its accounts, that
injects are in time order, and that each inject's and expectation's arguments suit its
registered action or check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from muster.auth.service import KNOWN_ROLES
from muster.scenario.actions import ACTIONS, RegisteredAction, load_extensions
from muster.scenario.checks import CHECKS, RegisteredCheck
from muster.scenario.model import Expectation, GeneratedPersons, Inject, Scenario, format_offset

SYSTEM_ACTOR = "system"
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    line: int
    where: str
    message: str


class ScenarioError(Exception):
    """The scenario file is refused; nothing was run."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.source}:{p.line}: {p.where}: {p.message}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Step:
    """An inject ready to run: its line, validated arguments and handler."""

    line: int
    inject: Inject
    args: BaseModel
    action: RegisteredAction


@dataclass(frozen=True)
class Check:
    """An expectation ready to check: its line, validated arguments and handler."""

    line: int
    expectation: Expectation
    args: BaseModel
    check: RegisteredCheck


@dataclass(frozen=True)
class Plan:
    """A scenario file that passed every check, ready to run."""

    source: str
    scenario: Scenario
    steps: list[Step]
    checks: list[Check]
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int:
        """The file line of ``path``, or of its nearest ancestor."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def _where(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(file)"


class _Lines:
    """Line numbers of every node of the YAML document, by path."""

    def __init__(self, root: Node, problems: list[Problem]) -> None:
        self.lines: dict[Path_, int] = {}
        self._index(root, (), problems)

    def _index(self, node: Node, path: Path_, problems: list[Problem]) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node)
                if key in seen:
                    line = key_node.start_mark.line + 1
                    problems.append(Problem(line, _where((*path, key)), "given twice"))
                seen.add(key)
                self._index(value_node, (*path, key), problems)
        elif isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                self._index(child, (*path, i), problems)

    def locate(self, loc: Sequence[str | int], *, missing: bool = False) -> tuple[int, str]:
        """The line and readable place of a pydantic error location.

        Parts that are not in the document (a union's tag) are skipped; a missing field is
        named on its parent's line.
        """
        path: Path_ = ()
        for part in loc:
            if (*path, part) in self.lines:
                path = (*path, part)
        named = (*path, loc[-1]) if missing and loc and path[-1:] != (loc[-1],) else path
        return self.lines.get(path, 1), _where(named)

    def line(self, path: Path_) -> int:
        """The line of ``path``, or of its nearest ancestor in the document."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "not a field here; check the spelling"
    if kind == "missing":
        return "required, but missing"
    return str(error["msg"]).removeprefix("Value error, ")


def _pydantic_problems(exc: ValidationError, lines: _Lines, prefix: Path_ = ()) -> list[Problem]:
    found = []
    for error in exc.errors():
        missing = error["type"] == "missing"
        line, where = lines.locate((*prefix, *error["loc"]), missing=missing)
        found.append(Problem(line, where, _message(error)))
    return found


def _compose(text: str, source: str) -> tuple[Node | None, Any]:
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses some characters at once
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioError(source, [Problem(line, "(yaml)", str(exc.problem))]) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        )
        what = f"character U+{code:04X} is not allowed in YAML ({exc.reason}); remove it"
        raise ScenarioError(source, [Problem(line, "(yaml)", what)]) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [Problem(1, "(yaml)", str(exc))]) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return node, data


def parse_scenario(text: str, source: str = "<scenario>") -> Plan:
    """Check a scenario's text and return its plan, or raise ``ScenarioError``."""
    node, data = _compose(text, source)
    if node is None or not isinstance(data, dict):
        raise ScenarioError(source, [Problem(1, "(file)", "expected a mapping with 'scenario:'")])
    problems: list[Problem] = []
    lines = _Lines(node, problems)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, problems + _pydantic_problems(exc, lines)) from exc
    load_extensions()
    problems += _station_problems(scenario, lines)
    steps = _steps(scenario, lines, problems)
    checks = _checks(scenario, lines, problems)
    if problems:
        raise ScenarioError(source, problems)
    return Plan(source, scenario, steps, checks, lines.lines)


def load_scenario(path: Path) -> Plan:
    """Read and check a scenario file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [Problem(1, "(file)", f"cannot read: {exc}")]) from exc
    return parse_scenario(text, str(path))


def _station_problems(scenario: Scenario, lines: _Lines) -> list[Problem]:
    station = scenario.station
    found: list[Problem] = []

    def check(path: Path_, ok: bool, message: str) -> None:
        if not ok:
            found.append(Problem(lines.line(path), _where(path), message))

    def unique(section: str, names: list[tuple[str, Path_]]) -> set[str]:
        seen: set[str] = set()
        for name, path in names:
            check(path, name not in seen, f"{section} {name!r} is defined twice")
            seen.add(name)
        return seen

    parties = unique(
        "party", [(p.name, ("station", "parties", i)) for i, p in enumerate(station.parties)]
    )
    zones = unique("zone", [(z.name, ("station", "zones", i)) for i, z in enumerate(station.zones)])
    portals = unique(
        "portal", [(p.name, ("station", "portals", i)) for i, p in enumerate(station.portals)]
    )
    person_entries: list[tuple[str, Path_]] = []
    party_of: dict[str, str | None] = {}
    for i, entry in enumerate(station.persons):
        specs = entry.generate.persons() if isinstance(entry, GeneratedPersons) else [entry]
        for spec in specs:
            person_entries.append((spec.name, ("station", "persons", i)))
            party_of[spec.name] = spec.party
            check(
                ("station", "persons", i, "party"),
                spec.party in parties | {None},
                f"no party named {spec.party!r} in station.parties",
            )
    persons = unique("person", person_entries)
    unique("post", [(p.name, ("station", "posts", i)) for i, p in enumerate(station.posts)])
    for i, party in enumerate(station.parties):
        path: Path_ = ("station", "parties", i, "commander")
        if party.commander is not None:
            check(path, party.commander in persons, f"no person named {party.commander!r}")
            check(
                path,
                party_of.get(party.commander, party.name) == party.name,
                f"{party.commander} must be a member (party: {party.name}) to command it",
            )
    for i, zone in enumerate(station.zones):
        check(
            ("station", "zones", i, "docked_party"),
            zone.docked_party in parties | {None},
            f"no party named {zone.docked_party!r} in station.parties",
        )
    for i, portal in enumerate(station.portals):
        for side in ("inside", "outside"):
            name = getattr(portal, side)
            check(("station", "portals", i, side), name in zones, f"no zone named {name!r}")
    for i, post in enumerate(station.posts):
        check(
            ("station", "posts", i, "portal"),
            post.portal in portals | {None},
            f"no portal named {post.portal!r}",
        )
        check(
            ("station", "posts", i, "zone"),
            post.zone in zones | {None},
            f"no zone named {post.zone!r}",
        )
        for j, name in enumerate(post.assigned):
            check(
                ("station", "posts", i, "assigned", j), name in persons, f"no person named {name!r}"
            )
    unique(
        "account",
        [(a.username, ("station", "accounts", i)) for i, a in enumerate(station.accounts)],
    )
    for i, account in enumerate(station.accounts):
        check(
            ("station", "accounts", i, "person"),
            account.person in persons | {None},
            f"no person named {account.person!r}",
        )
        unknown = sorted(set(account.roles) - KNOWN_ROLES)
        check(
            ("station", "accounts", i, "roles"),
            not unknown,
            f"unknown role(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_ROLES))}",
        )
    return found


def _group_problems(
    scenario: Scenario, args: BaseModel, lines: _Lines, path: Path_
) -> list[Problem]:
    """An argument named ``group`` names a group of the file's persons, by convention."""
    group = getattr(args, "group", None)
    if not isinstance(group, str) or group in scenario.groups():
        return []
    known = ", ".join(sorted(scenario.groups())) or "none"
    where = (*path, "group")
    return [Problem(lines.line(where), _where(where), f"no group {group!r} (groups: {known})")]


def _steps(scenario: Scenario, lines: _Lines, problems: list[Problem]) -> list[Step]:
    actors = {a.username for a in scenario.station.accounts} | {SYSTEM_ACTOR}
    steps: list[Step] = []
    previous = None
    for i, inject in enumerate(scenario.timeline):
        path: Path_ = ("timeline", i)
        line = lines.line(path)
        if inject.actor not in actors:
            problems.append(
                Problem(
                    lines.line((*path, "actor")),
                    _where((*path, "actor")),
                    f"no account named {inject.actor!r} in station.accounts "
                    f"(or use {SYSTEM_ACTOR!r})",
                )
            )
        if previous is not None and inject.at < previous:
            problems.append(
                Problem(
                    lines.line((*path, "at")),
                    _where((*path, "at")),
                    f"injects must be in time order; {format_offset(inject.at)} "
                    f"comes after {format_offset(previous)}",
                )
            )
        previous = inject.at
        action = ACTIONS.get(inject.action)
        if action is None:
            known = ", ".join(sorted(ACTIONS))
            problems.append(
                Problem(
                    lines.line((*path, "action")),
                    _where((*path, "action")),
                    f"unknown action {inject.action!r}; known: {known}",
                )
            )
            continue
        try:
            args = action.args.model_validate(inject.arguments)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, lines, path))
            continue
        problems.extend(_group_problems(scenario, args, lines, path))
        steps.append(Step(line, inject, args, action))
    return steps


def _checks(scenario: Scenario, lines: _Lines, problems: list[Problem]) -> list[Check]:
    checks: list[Check] = []
    names: set[str] = set()
    for i, expectation in enumerate(scenario.expect):
        path: Path_ = ("expect", i)
        if expectation.name in names:
            problems.append(
                Problem(
                    lines.line((*path, "name")),
                    _where((*path, "name")),
                    f"expectation {expectation.name!r} is named twice",
                )
            )
        names.add(expectation.name)
        check = CHECKS.get(expectation.check)
        if check is None:
            known = ", ".join(sorted(CHECKS))
            problems.append(
                Problem(
                    lines.line((*path, "check")),
                    _where((*path, "check")),
                    f"unknown check {expectation.check!r}; known: {known}",
                )
            )
            continue
        try:
            args = check.args.model_validate(expectation.arguments)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, lines, path))
            continue
        problems.extend(_group_problems(scenario, args, lines, path))
        checks.append(Check(lines.line(path), expectation, args, check))
    return checks
