"""Fixtures for the asr tests: the real recordings, and the real model loaded once per session."""

from __future__ import annotations

import pytest
from asr_helpers import DATA

from asr import DecodedAudio, Transcript, WhisperTranscriber, decode_audio


@pytest.fixture(scope="session")
def transcriber() -> WhisperTranscriber:
    """The real bundled tiny.en model with default options, loaded once for the session."""
    t = WhisperTranscriber()
    _ = t.model
    return t


@pytest.fixture(scope="session")
def stereo_audio() -> DecodedAudio:
    return decode_audio(DATA / "stereo_diarization.wav")


@pytest.fixture(scope="session")
def jfk_transcript(transcriber: WhisperTranscriber) -> Transcript:
    return transcriber.transcribe(decode_audio(DATA / "jfk.flac"))


@pytest.fixture(scope="session")
def stereo_transcript(transcriber: WhisperTranscriber, stereo_audio: DecodedAudio) -> Transcript:
    return transcriber.transcribe(stereo_audio)
