"""Where in a policy text a problem is: the line and column of a parse or validation error.

Cedar (through cedarpy) names what is wrong but not where. A parse error is found by
parsing prefixes of the text that end at token boundaries: Cedar's parser reads a prefix
that is still on its way to a policy as "unexpected end of input", so the shortest prefix
that fails otherwise ends at (or, where Cedar recovered, just past) the offending token.
A validation error names its rule (``policy0``, ``policy1``... in the order of the text)
and, in backquotes, what it is about; the first of those found inside that rule is where
it points, else the rule's start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import cedarpy

END_OF_INPUT = "unexpected end of input"
_TOKEN = re.compile(
    r"""//[^\n]*|\s+|"(?:[^"\\\n]|\\.)*"?|[A-Za-z_][A-Za-z0-9_]*|\d+|::|==|!=|<=|>=|&&|\|\||.""",
    re.S,
)
_QUOTED = re.compile(r"`([^`]+)`")
_INTERNAL_ID = re.compile(r"^policy(\d+)$")
_UNEXPECTED = re.compile(r"^unexpected token `(.+)`$")


@dataclass(frozen=True)
class Location:
    """A problem and the span of text it is about (lines and columns count from 1)."""

    message: str
    line: int
    column: int
    end_line: int
    end_column: int

    def as_dict(self) -> dict[str, Any]:
        """As JSON-able values (the API's problem details, the editor's marks)."""
        return asdict(self)

    def label(self) -> str:
        """'line 4, column 12': where the problem is, as an operator reads it."""
        return f"line {self.line}, column {self.column}"


def tokens(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of each token, comments and white space left out."""
    spans = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if not piece.isspace() and not piece.startswith("//"):
            spans.append(match.span())
    return spans


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset."""
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def span_at(text: str, message: str, start: int, end: int) -> Location:
    """A location for the text from ``start`` to ``end`` (at least one character wide)."""
    end = max(end, start + 1) if start < len(text) else end
    line, column = line_column(text, start)
    end_line, end_column = line_column(text, end)
    return Location(message, line, column, end_line, end_column)


def _parse_error(text: str) -> str | None:
    try:
        cedarpy.policies_to_json_str(text)
    except ValueError as exc:
        return str(exc)
    return None


def locate_parse_error(
    text: str, message: str, parse: Callable[[str], str | None] = _parse_error
) -> Location:
    """Where the parse error ``message`` of ``text`` is."""
    spans = tokens(text)
    if not spans:
        return span_at(text, message, 0, 0)
    if message == END_OF_INPUT:
        start, end = spans[-1]
        return span_at(text, message, start, end)

    def fails(k: int) -> bool:
        found = parse(text[: spans[k][1]])
        return found is not None and found != END_OF_INPUT

    low, high = 0, len(spans) - 1
    if not fails(high):
        return span_at(text, message, *spans[-1])
    while low < high:
        middle = (low + high) // 2
        if fails(middle):
            high = middle
        else:
            low = middle + 1
    # Cedar recovers from some errors and reads on, so the prefix may end just past the
    # token the message names: that token, if it is close before, is where the error is.
    named = _UNEXPECTED.match(message)
    for k in range(low, max(low - 3, -1), -1):
        if named and text[spans[k][0] : spans[k][1]] == named.group(1):
            return span_at(text, message, *spans[k])
    return span_at(text, message, *spans[low])


def rule_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of each rule, in order: from its first token to its ';'."""
    rules: list[tuple[int, int]] = []
    start: int | None = None
    for begin, end in tokens(text):
        if start is None:
            start = begin
        if text[begin:end] == ";":
            rules.append((start, end))
            start = None
    if start is not None:
        rules.append((start, len(text.rstrip())))
    return rules


def locate_rule_problem(
    text: str, internal_id: str, message: str, *, cedar_message: str = ""
) -> Location | None:
    """Where a problem of the rule Cedar calls ``internal_id`` (``policy3``) is; the names
    in backquotes in Cedar's own message (before rule ids replace its ids) are looked for."""
    found = _INTERNAL_ID.match(internal_id)
    rules = rule_spans(text)
    if found is None or int(found.group(1)) >= len(rules):
        return None
    start, end = rules[int(found.group(1))]
    body = text[start:end]
    for name in _QUOTED.findall(cedar_message or message):
        if _INTERNAL_ID.match(name):
            continue
        at = body.find(name)
        if at >= 0:
            return span_at(text, message, start + at, start + at + len(name))
    first_line = body.split("\n", 1)[0]
    return span_at(text, message, start, start + len(first_line))
