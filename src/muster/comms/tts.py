"""Public address: text to speech with espeak-ng, rendered to a WAV file kept with the record."""

from __future__ import annotations

import shutil
import struct
import subprocess

from sqlalchemy.orm import Session

from muster import clock
from muster.comms.models import Announcement
from muster.comms.settings import CommsSettings, get_comms_settings
from muster.errors import Invalid, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

TTS_TIMEOUT_SECONDS = 30


class SpeechUnavailable(Invalid):
    """The text-to-speech program is not installed on this node."""

    status = 503
    title = "Text to speech unavailable"


def espeak_path(settings: CommsSettings | None = None) -> str | None:
    """The espeak-ng program, or None when it is not installed."""
    return shutil.which((settings or get_comms_settings()).espeak_command)


def sized_wav(audio: bytes) -> bytes:
    """The WAV file with its RIFF and ``data`` chunk sizes set to what it holds.

    ``espeak-ng --stdout`` writes to a pipe it cannot seek back on, so it leaves
    placeholder sizes (0x7ffff000) in the header; a player or Python's ``wave`` would read
    a clip of hours. The ``data`` chunk runs to the end of the output, in whole frames.
    """
    if len(audio) < 12 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        raise Invalid("text to speech produced no WAV audio")
    out = bytearray(audio)
    block_align = 1
    offset = 12
    while offset + 8 <= len(out):
        chunk_id = bytes(out[offset : offset + 4])
        (size,) = struct.unpack_from("<I", out, offset + 4)
        body = offset + 8
        if chunk_id == b"fmt " and size >= 16:
            block_align = max(1, struct.unpack_from("<H", out, body + 12)[0])
        if chunk_id == b"data":
            size = len(out) - body
            size -= size % block_align
            del out[body + size :]
            struct.pack_into("<I", out, offset + 4, size)
            if size % 2:
                out += b"\0"  # RIFF chunks are word-aligned; the pad is outside the size
            break
        offset = body + size + size % 2
    else:
        raise Invalid("text to speech produced a WAV file without audio data")
    struct.pack_into("<I", out, 4, len(out) - 8)
    return bytes(out)


def render_speech(text: str, *, voice: str, words_per_minute: int, program: str) -> bytes:
    """``text`` spoken by espeak-ng, as the bytes of a WAV file."""
    try:
        done = subprocess.run(
            [program, "-v", voice, "-s", str(words_per_minute), "--stdout", "--", text],
            capture_output=True,
            timeout=TTS_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechUnavailable(f"text to speech failed to run: {exc}") from exc
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        detail = done.stderr.decode(errors="replace").strip() or "no audio produced"
        raise Invalid(f"text to speech failed (voice {voice!r}): {detail}")
    return sized_wav(done.stdout)


def announce(
    session: Session,
    *,
    text: str,
    actor: Actor,
    voice: str | None = None,
    message_id: str | None = None,
    settings: CommsSettings | None = None,
) -> Announcement:
    """Speak ``text`` into a WAV file, keep it, and record the announcement."""
    authorize(actor, "comms.announce")
    if "\0" in text:
        raise Invalid("the announcement text has a NUL character; remove it and speak again")
    settings = settings or get_comms_settings()
    program = espeak_path(settings)
    if program is None:
        raise SpeechUnavailable(
            f"{settings.espeak_command} is not installed on this node; "
            "install it with: apt-get install -y espeak-ng"
        )
    voice = voice or settings.tts_voice
    audio = render_speech(
        text, voice=voice, words_per_minute=settings.tts_words_per_minute, program=program
    )
    row = Announcement(
        text=text,
        voice=voice,
        audio=audio,
        message_id=message_id,
        created_by=actor.label,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="comms.announcement.made",
        actor=actor,
        subjects=[row.id, message_id or ""],
        payload={"text": text, "voice": voice, "bytes": len(audio), "message_id": message_id},
    )
    return row


def get_announcement(session: Session, announcement_id: str) -> Announcement:
    """A stored announcement."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound(f"no announcement with id {announcement_id!r}")
    return row
