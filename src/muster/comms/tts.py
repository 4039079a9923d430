"""Public address: text to speech with espeak-ng, rendered to a WAV file kept with the record."""

from __future__ import annotations

import shutil
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
    return done.stdout


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
