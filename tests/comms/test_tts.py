"""Public address: espeak-ng renders a WAV file whose header tells its true length."""

from __future__ import annotations

import io
import os
import struct
import wave
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from comms.station import Station, build_station
from muster.comms.settings import CommsSettings
from muster.comms.tts import SpeechUnavailable, announce, espeak_path
from muster.db import Database
from muster.policy.actor import Actor

needs_tts = pytest.mark.skipif(
    espeak_path(CommsSettings()) is None and os.environ.get("MUSTER_REQUIRE_TTS") != "1",
    reason="espeak-ng is not installed (apt-get install -y espeak-ng); MUSTER_REQUIRE_TTS=1 fails",
)

SENTENCE = "All residents remain in the residential ring."


@pytest.fixture
def crew(db: Database) -> Station:
    """The station, committed."""
    with db.session_scope() as session:
        return build_station(session)


def _speak(make_client: Callable[..., TestClient], crew: Station, text: str) -> bytes:
    """The commander announces ``text``; the WAV file the PA would fetch."""
    john = make_client("commander", person_id=crew.persons["John"])
    made = john.post("/api/v1/comms/announcements", json={"text": text})
    assert made.status_code == 201, made.text
    audio = john.get(made.json()["audio_url"])
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    return audio.content


@needs_tts
class TestAnnounce:
    """An announcement is spoken into a WAV file whose sizes match what it holds."""

    def test_riff_and_data_sizes_match_the_file(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """The RIFF size is the file less 8 bytes; the data chunk runs to the end."""
        audio = _speak(make_client, crew, SENTENCE)
        assert audio[:4] == b"RIFF"
        assert audio[8:12] == b"WAVE"
        assert struct.unpack_from("<I", audio, 4)[0] == len(audio) - 8
        data_at = audio.index(b"data")
        assert struct.unpack_from("<I", audio, data_at + 4)[0] == len(audio) - data_at - 8

    def test_wave_reads_the_true_length(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Python's wave counts the frames in the file, and reads every one of them."""
        audio = _speak(make_client, crew, SENTENCE)
        with wave.open(io.BytesIO(audio)) as wav:
            frames = wav.getnframes()
            width = wav.getsampwidth() * wav.getnchannels()
            seconds = frames / wav.getframerate()
            assert wav.getnchannels() == 1
            assert len(wav.readframes(frames)) == frames * width
        # A spoken sentence of seven words: seconds, not the hours a placeholder claims.
        assert 1.0 < seconds < 20.0

    def test_longer_text_is_longer_audio(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Twice the words, clearly more frames: the length is measured, not a constant."""
        short = _speak(make_client, crew, SENTENCE)
        long = _speak(make_client, crew, f"{SENTENCE} {SENTENCE} {SENTENCE}")
        with wave.open(io.BytesIO(short)) as a, wave.open(io.BytesIO(long)) as b:
            assert b.getnframes() > 2 * a.getnframes()

    def test_service_call_recorded(self, crew: Station, db: Database) -> None:
        """The stored announcement carries the voice and the sized audio."""
        with db.session_scope() as session:
            row = announce(session, text=SENTENCE, actor=Actor.system("John"))
            assert row.voice == "en"
            assert struct.unpack_from("<I", row.audio, 4)[0] == len(row.audio) - 8


class TestRefusals:
    """Text espeak-ng cannot take, or a node without it, is refused with what to do."""

    def test_nul_byte_is_422(self, make_client: Callable[..., TestClient], crew: Station) -> None:
        """A NUL character in the text is the caller's error to fix, not a server error."""
        john = make_client("commander", person_id=crew.persons["John"])
        answer = john.post("/api/v1/comms/announcements", json={"text": "Stay\u0000 inside."})
        assert answer.status_code == 422, answer.text
        assert "NUL" in answer.json()["detail"]

    def test_unavailable(self, db: Database) -> None:
        """A missing program raises SpeechUnavailable naming the package."""
        settings = CommsSettings(espeak_command="no-such-espeak")
        with db.session_scope() as s, pytest.raises(SpeechUnavailable, match="apt-get install"):
            announce(s, text="Test", actor=Actor.system("x"), settings=settings)
