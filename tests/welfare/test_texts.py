"""The consent text: welfare or the commander publish numbered versions that never change."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from muster.errors import Invalid, NotFound
from muster.policy.actor import Actor
from muster.welfare.texts import (
    current_consent_text,
    get_consent_text,
    publish_consent_text,
    text_digest,
)

MakeClient = Callable[..., TestClient]
URL = "/api/v1/welfare/consent-texts"
TEXT = {"title": "Transfer consent", "body": "I ask to live aboard the vessel."}


class TestPublishing:
    """Each publication is the next version, with the digest of its words."""

    @pytest.mark.parametrize("role", ["officer", "guard", "medic"])
    def test_refused(self, make_client: MakeClient, role: str) -> None:
        refused = make_client(role).post(URL, json=TEXT)
        assert refused.status_code == 403, refused.text
        assert "consent_text.publish" in refused.json()["detail"]
        assert make_client("welfare").get(URL).json() == []

    def test_versions(self, make_client: MakeClient) -> None:
        welfare = make_client("welfare")
        first = welfare.post(URL, json=TEXT)
        second = make_client("commander").post(URL, json={**TEXT, "body": "  Version two.  "})
        assert (first.status_code, second.status_code) == (201, 201), second.text
        assert (first.json()["version"], second.json()["version"]) == (1, 2)
        assert second.json()["sha256"] == text_digest("Transfer consent", "Version two.")
        listed = welfare.get(URL).json()
        assert [t["version"] for t in listed] == [2, 1]
        assert listed[1]["sha256"] == text_digest(TEXT["title"], TEXT["body"])

    def test_blank_words(self, make_client: MakeClient) -> None:
        refused = make_client("welfare").post(URL, json={"title": "Transfer", "body": "   "})
        assert refused.status_code == 422, refused.text
        assert "body" in refused.json()["detail"]

    def test_blank_words_from_any_caller(self, session: Session) -> None:
        """The use case refuses blank words whoever calls it (a scenario, the CLI)."""
        with pytest.raises(Invalid, match="a title and a body"):
            publish_consent_text(session, title="Transfer", body=" \n ", actor=Actor.system("t"))


class TestFinding:
    """The current text, or one version by id or number; none published is said plainly."""

    def test_none_yet(self, session: Session) -> None:
        with pytest.raises(NotFound, match="publish one first"):
            current_consent_text(session)
        with pytest.raises(NotFound, match="no consent text '3'"):
            get_consent_text(session, "3")

    def test_by_number(self, make_client: MakeClient, session: Session) -> None:
        made = make_client("welfare").post(URL, json=TEXT).json()
        assert get_consent_text(session, "1").id == made["id"]
        assert current_consent_text(session).id == made["id"]
