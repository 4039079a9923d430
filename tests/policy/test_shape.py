"""A draft that would crash Cedar's parser is refused before it reaches it.

Cedar's parser recurses; at a few hundred levels of nesting it overflows its stack and the
server process dies (found by the hostile review: any operator may prove a draft). Each
test sends the draft through the API as the role that may, and the server answers after.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from muster.errors import Invalid
from muster.policy.engine import shipped_policy_text
from muster.policy.shape import MAX_NESTING, MAX_TERMS, check_policy_shape

MakeClient = Callable[..., TestClient]


def _rule(body: str) -> str:
    return f'@id("deep")\npermit(principal, action, resource) when {{ {body} }};'


PARENS = _rule("(" * 1000 + "true" + ")" * 1000)
IFS = _rule("if true then " * 5000 + "true" + " else true" * 5000)
CHAIN = _rule(" && ".join(["true"] * 20000))


class TestThroughTheApi:
    """Proving (any operator), saving and what-if (policy writers) refuse such drafts."""

    @pytest.mark.parametrize("draft", [PARENS, IFS, CHAIN], ids=["parens", "ifs", "chain"])
    def test_an_observer_proving_gets_a_422_with_the_place(
        self, make_client: MakeClient, draft: str
    ) -> None:
        observer = make_client("observer")
        answer = observer.post("/api/v1/policies/prove", json={"policy_text": draft})
        assert answer.status_code == 422, answer.text
        assert "line 2, column" in answer.json()["detail"]
        still = observer.post("/api/v1/policies/prove", json={"policy_text": shipped_policy_text()})
        assert still.status_code == 200, still.text

    def test_the_commander_saving_or_asking_what_if_gets_a_422(
        self, make_client: MakeClient
    ) -> None:
        commander = make_client("commander")
        saved = commander.post("/api/v1/policies", json={"policy_text": PARENS, "comment": "deep"})
        whatif = commander.post("/api/v1/policies/whatif", json={"policy_text": PARENS})
        for answer in (saved, whatif):
            assert answer.status_code == 422, answer.text
            assert f"deeper than {MAX_NESTING}" in answer.json()["detail"]


class TestBounds:
    """The shipped policy is well inside the bounds; the bounds themselves pass."""

    def test_shipped_passes(self) -> None:
        check_policy_shape(shipped_policy_text())

    def test_at_the_bounds_passes_and_one_more_is_refused(self) -> None:
        inner = MAX_NESTING - 1  # the rule's braces are one level
        check_policy_shape(_rule("(" * inner + "true" + ")" * inner))
        with pytest.raises(Invalid, match="deeper"):
            check_policy_shape(_rule("(" * (inner + 1) + "true" + ")" * (inner + 1)))
        words = (MAX_TERMS - 20) // 3  # "true &&" is three terms; the rule's own count too
        check_policy_shape(_rule(" && ".join(["true"] * words)))
        with pytest.raises(Invalid, match="terms"):
            check_policy_shape(_rule(" && ".join(["true"] * (words + 20))))

    def test_brackets_in_strings_and_comments_do_not_count(self) -> None:
        deep = "(" * 500
        check_policy_shape(f"// {deep}\n" + _rule(f'context.note == "{deep}"'))
