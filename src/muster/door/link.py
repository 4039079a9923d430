"""A door's link to the server: the live stream, the feed that fills the replica, uploads.

Three threads. The stream (``/api/v1/doors/stream``, with heads) says when there is news
and what the head is; the feed thread then reads ``/api/v1/doors/feed`` from the replica's
cursors until it has applied everything to that head; the uploader sends the journal in
order, each entry with its Idempotency-Key, and marks it only once the server answered.
A lost link only makes the door stale (``Freshness``); it resumes where its files say.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from muster.door.batch import FINAL_REFUSALS
from muster.door.controller import DoorController
from muster.door.journal import ALERT, PASSAGE, REQUEST, Entry
from muster.door.replica import ChainBroken
from muster.errors import Invalid
from muster.events.signing import SignedCheckpoint, check_signature

log = logging.getLogger(__name__)
RETRY_SECONDS = 0.5
# Entries per upload, and their JSON's size at most (the server takes bodies to 1 MB).
BATCH_ENTRIES = 100
BATCH_BYTES = 400_000
# Answers to a batch that mean "send these one by one": no batch route (an older server),
# a batch too large, or an entry the batch's schema refuses (the single upload refuses
# that entry alone, for good).
BATCH_FALLBACK = frozenset({404, 405, 413, 422})
# The key of the alert raised when an entry is refused for good derives from the entry's.
REFUSAL_KEYS = uuid.UUID("6f1d2c3e-8a4b-5c6d-9e0f-1a2b3c4d5e6f")


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS settings every client of this process uses (httpx's defaults: certifi's
    authorities, the environment's SSL_CERT_FILE). Built once: httpx builds a new context for
    each client otherwise, loading the authorities again (about 30 ms each)."""
    return httpx.create_ssl_context()


@dataclass
class Link:
    """The link of ``door`` to the server at ``server_url``, as the account of ``token``."""

    door: DoorController
    server_url: str
    token: str
    public_key: Ed25519PublicKey | None = None
    transport: httpx.BaseTransport | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _feed_wake: threading.Event = field(default_factory=threading.Event)
    _upload_wake: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stream: httpx.Response | None = None
    _syncing: threading.Lock = field(default_factory=threading.Lock)

    def client(self, read_timeout: float = 10.0) -> httpx.Client:
        """An HTTP client for the server, signed in as the door's account."""
        return httpx.Client(
            base_url=self.server_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(5.0, read=read_timeout),
            transport=self.transport,
            verify=_tls(),
        )

    # -- the replica ----------------------------------------------------------------------

    def sync_once(self, http: httpx.Client) -> int:
        """Read the feed until the replica has applied everything to the head; the applied seq.

        One at a time: a feed read from the replica's cursors is applied before the next read.
        """
        with self._syncing:
            return self._sync(http)

    def _sync(self, http: httpx.Client) -> int:
        fresh = self.door.freshness
        while True:
            asked_at = fresh.now()
            cursors = self.door.replica.cursors()
            response = http.get(
                "/api/v1/doors/feed",
                params={"after_seq": cursors.event_seq, "after_n": cursors.row_n},
            )
            response.raise_for_status()
            feed = response.json()
            try:
                after = self.door.replica.apply(feed)
            except ChainBroken as exc:
                fresh.fail(str(exc))
                raise
            self._check_checkpoint(feed.get("checkpoint"))
            fresh.applied(after.applied_seq, after.row_n)
            if feed["complete"]:  # every row version committed before the read is here
                fresh.heard_head(int(feed["head"]), rows=after.row_n, at=asked_at)
                return after.applied_seq

    def _check_checkpoint(self, data: dict[str, Any] | None) -> None:
        if data is None or self.public_key is None:
            return
        try:
            checkpoint = SignedCheckpoint.from_dict(data)
            check_signature(self.public_key, checkpoint)
        except Invalid as exc:
            self.door.freshness.fail(f"the server's checkpoint does not verify: {exc}")
            return
        problem = self.door.replica.check_checkpoint(checkpoint)
        if problem:
            self.door.freshness.fail(problem)

    # -- the journal ----------------------------------------------------------------------

    def upload_once(self, http: httpx.Client) -> int:
        """Upload the journal's pending entries in order, in batches; how many the server
        now has (or refused for good). Stops at the first entry the server did not take."""
        done = 0
        while True:
            batch = _within_bytes(self.door.journal.pending(limit=BATCH_ENTRIES))
            if not batch:
                return done
            settled, stopped = self._upload_batch(http, batch)
            done += settled
            if stopped:
                return done

    def _upload_batch(self, http: httpx.Client, batch: list[Entry]) -> tuple[int, bool]:
        """One request for ``batch`` and one commit of its marks: (entries settled, whether
        an entry was left for later). A server without the batch route, or one refusing the
        batch's shape as a whole (an entry its schema refuses), is sent the entries one by
        one, so that entry alone is refused."""
        response = http.post(
            "/api/v1/doors/journal", json={"entries": [_batch_entry(e) for e in batch]}
        )
        if response.status_code in BATCH_FALLBACK:
            return self._upload_singly(http, batch)
        response.raise_for_status()
        answers = response.json()["entries"]
        if len(answers) > len(batch):
            raise ValueError("the server answered more entries than the door sent")
        marks: list[tuple[str, str]] = []
        try:
            for entry, answer in zip(batch, answers, strict=False):
                if answer["key"] != entry.key:
                    raise ValueError(f"the server answered {answer['key']!r} for {entry.key!r}")
                status = int(answer["status"])
                outcome = self._settle(entry, status, answer.get("detail", ""))
                if outcome is None:
                    return len(marks), True
                marks.append((entry.key, outcome))
        finally:
            self.door.journal.mark_many(marks)
        return len(marks), len(answers) < len(batch)

    def _upload_singly(self, http: httpx.Client, batch: list[Entry]) -> tuple[int, bool]:
        done = 0
        for entry in batch:
            response = self._upload(http, entry)
            outcome = self._settle(entry, response.status_code, _detail(response))
            if outcome is None:
                return done, True
            self.door.journal.mark_uploaded(entry.key, outcome)
            done += 1
        return done, False

    def _settle(self, entry: Entry, status: int, detail: Any) -> str | None:
        """The outcome to mark ``entry`` with after the server's ``status``, or None when it
        must be sent again later. A refusal for good is raised to the post first."""
        if status < 300:
            return f"{status}"
        if status in FINAL_REFUSALS:
            log.warning("the server refused journal entry %s: %s", entry.key, detail)
            self._alert_refusal(entry, detail)
            return f"refused: {detail}"
        log.info("the server did not take journal entry %s (%s): %s", entry.key, status, detail)
        return None

    def _alert_refusal(self, entry: Entry, detail: Any) -> None:
        """A decision or passage the central record will never hold: the post must hear of
        it. Journalled before the entry is marked, keyed by the entry, so a crash between
        the two raises it once."""
        if entry.kind == ALERT:
            return  # an alert refused for good is logged above; no alert about an alert
        self.door.alert_post(
            key=str(uuid.uuid5(REFUSAL_KEYS, entry.key)),
            portal_id=entry.portal_id,
            about="door.upload_refused",
            text=(
                f"The server refused the door's {entry.kind} {entry.key} for good: "
                f"{str(detail)[:1000]}. It is not in the central record; check the door "
                "and its journal."
            ),
            person_id=entry.body.get("person") if entry.kind != REQUEST else None,
            decision_id=entry.body.get("decision_id"),
            entry_key=entry.key,
        )

    def _upload(self, http: httpx.Client, entry: Entry) -> httpx.Response:
        headers = {"Idempotency-Key": entry.key}
        if entry.kind == ALERT:
            return http.post(
                f"/api/v1/doors/portals/{entry.portal_id}/alerts",
                json=entry.body,
                headers=headers,
            )
        if entry.kind == REQUEST:
            return http.post(
                f"/api/v1/doors/portals/{entry.portal_id}/requests",
                json=entry.body,
                headers=headers,
            )
        return http.post(
            f"/api/v1/portals/{entry.portal_id}/passages",
            json={"person": entry.body["person"], "direction": entry.body["direction"]},
            headers=headers,
        )

    # -- the threads ----------------------------------------------------------------------

    def start(self) -> Link:
        """Start following the server and uploading; returns at once."""
        self.door.on_journal.append(self._upload_wake.set)
        for name, target in (
            ("door-stream", self._run_stream),
            ("door-feed", self._run_feed),
            ("door-upload", self._run_upload),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop every thread (the files stay as they are, to resume from)."""
        self._stop.set()
        self._feed_wake.set()
        self._upload_wake.set()
        stream = self._stream
        if stream is not None:
            stream.close()
        for thread in self._threads:
            thread.join(10)

    def _run_stream(self) -> None:
        fresh = self.door.freshness
        while not self._stop.is_set():
            try:
                with (
                    self.client(read_timeout=2.0) as http,
                    http.stream("GET", "/api/v1/doors/stream") as r,
                ):
                    r.raise_for_status()
                    self._stream = r
                    fresh.set_link(True)
                    self._feed_wake.set()
                    for kind, data in _sse(r.iter_lines()):
                        if self._stop.is_set():
                            break
                        if kind == "head":
                            fresh.heard_head(int(data["head"]), rows=int(data.get("rows", 0)))
                        else:
                            fresh.heard_event(int(data["seq"]), str(data.get("kind", "")))
                        if fresh.stale_reason():
                            self._feed_wake.set()
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                log.info("stream from the server lost: %s", exc)
            finally:
                self._stream = None
                fresh.set_link(False)
            self._stop.wait(RETRY_SECONDS)

    def _run_feed(self) -> None:
        with self.client() as http:
            while not self._stop.is_set():
                self._feed_wake.wait(1.0)
                self._feed_wake.clear()
                if self._stop.is_set():
                    return
                try:
                    self.sync_once(http)
                except (httpx.HTTPError, ChainBroken, ValueError, KeyError) as exc:
                    log.info("feed from the server failed: %s", exc)
                    self._stop.wait(RETRY_SECONDS)

    def _run_upload(self) -> None:
        with self.client() as http:
            while not self._stop.is_set():
                self._upload_wake.wait(RETRY_SECONDS)
                self._upload_wake.clear()
                if self._stop.is_set():
                    return
                try:
                    self.upload_once(http)
                except (httpx.HTTPError, ValueError) as exc:
                    log.info("journal upload failed, will retry: %s", exc)


def _batch_entry(entry: Entry) -> dict[str, Any]:
    """An entry as the batch route takes it: what its single upload would send."""
    body = entry.body
    if entry.kind == PASSAGE:  # a passage sends its person and direction only
        body = {"person": body["person"], "direction": body["direction"]}
    return {"kind": entry.kind, "key": entry.key, "portal_id": entry.portal_id, "body": body}


def _detail(response: httpx.Response) -> Any:
    """The server's reason in a refusal ("" for a success)."""
    if not response.is_error:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.text
    return body.get("detail", response.text) if isinstance(body, dict) else response.text


def _within_bytes(entries: list[Entry]) -> list[Entry]:
    """The first of ``entries`` whose JSON stays within ``BATCH_BYTES`` (at least one)."""
    size = 0
    for i, entry in enumerate(entries):
        size += len(json.dumps(entry.body)) + 300
        if size > BATCH_BYTES and i:
            return entries[:i]
    return entries


def _sse(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data) of each Server-Sent Event in ``lines``; comments are skipped."""
    kind, data = "message", ""
    for line in lines:
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line == "":
            if data:
                yield kind, json.loads(data)
            kind, data = "message", ""
