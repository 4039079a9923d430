"""Public address: espeak-ng renders a real WAV file."""

from __future__ import annotations

import io
import os
import wave

import pytest
from sqlalchemy.orm import Session

from comms.station import Station
from muster.comms.settings import CommsSettings
from muster.comms.tts import SpeechUnavailable, announce, espeak_path
from muster.policy.actor import Actor

needs_tts = pytest.mark.skipif(
    espeak_path(CommsSettings()) is None and os.environ.get("MUSTER_REQUIRE_TTS") != "1",
    reason="espeak-ng is not installed (apt-get install -y espeak-ng); MUSTER_REQUIRE_TTS=1 fails",
)


@needs_tts
class TestAnnounce:
    """An announcement is spoken into a playable WAV file and recorded."""

    def test_real_wav(self, session: Session, station: Station) -> None:
        """The audio parses as WAV with about a second or more of speech."""
        row = announce(
            session,
            text="All residents remain in the residential ring.",
            actor=Actor.system("John"),
        )
        with wave.open(io.BytesIO(row.audio)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
            assert wav.getnchannels() == 1
        assert seconds > 1.0
        assert row.voice == "en"


class TestMissingProgram:
    """Without espeak-ng the announcement is refused with how to install it."""

    def test_unavailable(self, session: Session, station: Station) -> None:
        """A missing program raises SpeechUnavailable naming the package."""
        settings = CommsSettings(espeak_command="no-such-espeak")
        with pytest.raises(SpeechUnavailable, match="apt-get install"):
            announce(session, text="Test", actor=Actor.system("x"), settings=settings)
