"""The readers' lean POST path answers exactly as the door's FastAPI routes do."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from door.conftest import DoorKit
from muster.door.server import create_door_app

SECRET = "reader secret of the south door"
# What differs between two answers to the same request: fresh ids and the time.
VOLATILE = {"request_id", "decision_id", "decided_at"}


def _steady(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def _answer(reader: TestClient, case: dict[str, Any]) -> tuple[Any, ...]:
    response = reader.request(**case)
    try:
        body = _steady(response.json())
    except ValueError:
        body = response.text
    return (
        response.status_code,
        response.headers.get("content-type"),
        response.headers.get("www-authenticate"),
        body,
    )


def _cases(kit: DoorKit) -> list[dict[str, Any]]:
    south, west = kit.ids["South airlock"], kit.ids["West airlock"]
    requests, passages = (f"/api/v1/portals/{south}/{what}" for what in ("requests", "passages"))
    ana = {"persons": ["Ana"], "direction": "exit"}
    signed = {"Authorization": f"Bearer {SECRET}"}
    json_type = {**signed, "Content-Type": "application/json"}
    key = {**signed, "Idempotency-Key": "k-1"}
    return [
        {"method": "POST", "url": requests, "json": ana, "headers": signed},
        {"method": "POST", "url": requests, "json": {"persons": ["Bo"], "direction": "exit"}},
        {"method": "POST", "url": requests, "json": ana, "headers": {"Authorization": "Bearer x"}},
        {"method": "POST", "url": requests, "content": b'{"persons": [', "headers": json_type},
        {"method": "POST", "url": requests, "content": b"", "headers": json_type},
        {"method": "POST", "url": requests, "content": b"[1]", "headers": json_type},
        {
            "method": "POST",
            "url": requests,
            "content": b'{"persons": ["Ana"], "direction": "exit"}',
            "headers": {**signed, "Content-Type": "text/plain"},
        },
        {
            "method": "POST",
            "url": requests,
            "content": b'{"persons": ["Ana"], "direction": "exit"}',
            "headers": signed,
        },
        {"method": "POST", "url": requests, "json": {**ana, "extra": 1}, "headers": signed},
        {
            "method": "POST",
            "url": requests,
            "json": {"persons": [], "direction": "exit"},
            "headers": signed,
        },
        {
            "method": "POST",
            "url": requests,
            "json": {"persons": ["A\x00na"], "direction": "exit"},
            "headers": signed,
        },
        {
            "method": "POST",
            "url": requests,
            "json": {"persons": ["Ana"], "direction": "up"},
            "headers": signed,
        },
        {
            "method": "POST",
            "url": requests,
            "json": {"persons": ["  Ana "], "direction": "exit"},
            "headers": signed,
        },
        {
            "method": "POST",
            "url": requests,
            "json": {"persons": [9], "direction": "exit"},
            "headers": signed,
        },
        {
            "method": "POST",
            "url": requests,
            "json": {"persons": ["x"] * 501, "direction": "exit"},
            "headers": signed,
        },
        {"method": "POST", "url": requests + "?a=%00", "json": ana, "headers": signed},
        {"method": "POST", "url": requests + "/", "json": ana, "headers": signed},
        {
            "method": "POST",
            "url": f"/api/v1/portals/{west}/requests",
            "json": ana,
            "headers": signed,
        },
        {
            "method": "POST",
            "url": "/api/v1/portals/nowhere/requests",
            "json": ana,
            "headers": signed,
        },
        {
            "method": "POST",
            "url": "/api/v1/portals/no%00where/requests",
            "json": ana,
            "headers": signed,
        },
        {"method": "GET", "url": requests, "headers": signed},
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "Bo", "direction": "exit"},
            "headers": key,
        },
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "Bo", "direction": "exit"},
            "headers": signed,
        },
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "Bo", "direction": "exit"},
            "headers": {**signed, "Idempotency-Key": "y" * 201},
        },
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "Bo", "direction": "exit"},
            "headers": {**signed, "Idempotency-Key": "  "},
        },
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "Nobody", "direction": "exit"},
            "headers": key,
        },
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "B\x00o", "direction": "exit"},
            "headers": key,
        },
        {"method": "POST", "url": passages, "json": {"person": "Bo"}, "headers": key},
        {
            "method": "POST",
            "url": passages,
            "json": {"person": "Bo", "direction": "exit"},
            "headers": {"Idempotency-Key": "k-1"},
        },
    ]


class TestSameAnswers:
    """Each request, odd or hostile, gets the same status, type, challenge and body from
    the lean path as from FastAPI alone (ids and times aside)."""

    def test_requests_and_passages(self, kit: DoorKit) -> None:
        """Permits and denials, malformed and empty bodies, other content types, unknown
        fields, NUL anywhere, bad sign-in, other portals, bad keys: all alike."""
        lean = TestClient(create_door_app(kit.door, reader_secret=SECRET))
        plain = TestClient(create_door_app(kit.door, reader_secret=SECRET, reader_path=False))
        for case in _cases(kit):
            assert _answer(lean, case) == _answer(plain, case), case
