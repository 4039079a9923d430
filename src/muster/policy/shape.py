"""Bounds on a policy's shape, checked before Cedar's parser sees the text.

Cedar's parser recurses: a draft nested a few hundred levels deep (brackets, or ``if``
inside ``if``), or one expression of some twenty thousand terms, overflows its stack and
kills the whole server process (seen with cedarpy 4.12: 700 parentheses, 5,000 nested
``if``). Any account that may prove or save a draft could send one. Real policies are
nowhere near these bounds; a draft beyond them is refused with where it goes too far.
"""

from __future__ import annotations

import re

from muster.errors import Invalid
from muster.policy.locate import span_at

MAX_NESTING = 64  # brackets and unclosed ``if`` together
MAX_TERMS = 4000  # words and operators in one rule (its text up to the ``;``)

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|//[^\n]*|\w+|\S')
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = set(_OPEN.values())


def check_policy_shape(text: str) -> None:
    """Raise Invalid, at the place it happens, when ``text`` nests deeper than MAX_NESTING
    or a rule holds more than MAX_TERMS words and operators."""
    depth = 0
    terms = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.startswith(('"', "//")):
            terms += token[0] == '"'
            continue
        terms += 1
        if token in _OPEN or token == "if":
            depth += 1
        elif token in _CLOSE or token == "else":
            depth = max(depth - 1, 0)
        elif token == ";":
            terms = 0
        if depth > MAX_NESTING:
            _refuse(text, match, f"the policy nests deeper than {MAX_NESTING} levels here")
        if terms > MAX_TERMS:
            _refuse(text, match, f"a rule holds more than {MAX_TERMS} terms; split it")


def _refuse(text: str, match: re.Match[str], message: str) -> None:
    where = span_at(text, message, match.start(), match.end())
    raise Invalid(
        f"{message} ({where.label()})",
        problems=[f"{where.label()}: {message}"],
        locations=[where.as_dict()],
    )
