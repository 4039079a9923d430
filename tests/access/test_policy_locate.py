"""Where a refused policy is wrong: the line and column of each problem, through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from muster.policy.locate import END_OF_INPUT, locate_parse_error

GOOD = '@id("a")\npermit (principal, action == Action::"exit", resource);\n'


def refused(make_client: Callable[..., TestClient], text: str) -> dict[str, Any]:
    """The problem an officer gets for saving ``text``."""
    client = make_client("officer")
    answer = client.post("/api/v1/policies", json={"policy_text": text, "comment": "try"})
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    return body


def where(body: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    return [(p["line"], p["column"], p["end_line"], p["end_column"]) for p in body["locations"]]


class TestParseErrors:
    """A draft that does not parse is refused with the line and column of its bad token."""

    def test_unexpected_token_in_the_second_rule(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        body = refused(
            make_client,
            GOOD + '\n@id("b")\nforbid (principal, action, resource)\n'
            "when { principal.held == };\n",
        )
        assert where(body) == [(6, 26, 6, 27)]
        assert "line 6, column 26" in body["detail"]

    def test_invalid_character(self, make_client: Callable[..., TestClient]) -> None:
        body = refused(
            make_client, GOOD + '@id("b") permit (principal, action, resource)\n  when { # };\n'
        )
        assert where(body) == [(4, 10, 4, 11)]

    def test_missing_semicolon_points_at_the_end(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        body = refused(make_client, GOOD + '@id("b") permit (principal, action, resource)\n')
        assert body["locations"][0]["message"] == END_OF_INPUT
        assert where(body) == [(3, 45, 3, 46)]

    def test_a_comment_or_string_is_not_a_token(self) -> None:
        text = '// a ; comment\n@id("x;y") permit (principal, action, resource) when { ) };'
        assert locate_parse_error(text, "unexpected token `)`").label() == "line 2, column 56"


class TestRuleProblems:
    """Schema and @id problems point into the rule they are about."""

    def test_unknown_attribute_points_at_its_name(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        text = GOOD + '\n@id("typo")\nforbid (principal, action == Action::"exit", resource)\n'
        text += "when { principal.helt };\n"
        body = refused(make_client, text)
        assert set(where(body)) == {(6, 18, 6, 22)}
        assert all("helt" in p["message"] for p in body["locations"])

    def test_missing_id_points_at_the_rule(self, make_client: Callable[..., TestClient]) -> None:
        body = refused(make_client, GOOD + "permit (principal, action, resource);\n")
        assert where(body) == [(3, 1, 3, 38)]

    def test_repeated_id_points_at_the_second(self, make_client: Callable[..., TestClient]) -> None:
        body = refused(make_client, GOOD + GOOD)
        assert [p[0] for p in where(body)] == [3]
        assert "repeated: a" in body["detail"]
