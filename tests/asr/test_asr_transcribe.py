"""The real bundled tiny.en model on the small recordings in tests/data (one model per session)."""

from __future__ import annotations

import numpy as np
import pytest
from asr_helpers import DATA, JFK_TEXT, STEREO_LEFT, STEREO_RIGHT, check_turn_invariants, wer

from asr import DecodedAudio, Transcript, WhisperTranscriber, decode_audio, transcribe_file

pytestmark = pytest.mark.slow


def test_jfk_wer(jfk_transcript: Transcript) -> None:
    # jfk.flac is a mono speech saved as two near-identical channels: transcribed once, as mono.
    assert jfk_transcript.speakers == ["unknown"]
    assert {t.channel for t in jfk_transcript.turns} == {0}
    assert wer(JFK_TEXT, jfk_transcript.text_of("unknown")) <= 0.10
    assert jfk_transcript.duration == pytest.approx(11.0, abs=0.01)
    assert jfk_transcript.model == "tiny.en" and jfk_transcript.language == "en"
    check_turn_invariants(jfk_transcript)


def test_stereo_left_is_agent_right_is_customer(stereo_transcript: Transcript) -> None:
    assert wer(STEREO_LEFT, stereo_transcript.text_of("agent")) <= 0.15
    assert wer(STEREO_RIGHT, stereo_transcript.text_of("customer")) <= 0.15
    assert {(t.speaker, t.channel) for t in stereo_transcript.turns} == {("agent", 0), ("customer", 1)}
    assert stereo_transcript.duration == pytest.approx(5.0)
    check_turn_invariants(stereo_transcript)


def test_transcript_round_trips_through_dicts(stereo_transcript: Transcript) -> None:
    assert Transcript.from_dict(stereo_transcript.to_dict()) == stereo_transcript


def test_8khz_digit(transcriber: WhisperTranscriber) -> None:
    audio = decode_audio(DATA / "digit_8khz.wav")
    assert audio.sample_rate == 16000
    transcript = transcriber.transcribe(audio)
    text = transcript.text_of("unknown").lower()
    assert "three" in text or "3" in text
    check_turn_invariants(transcript)


def test_native_rate_audio_is_resampled_for_the_model(transcriber: WhisperTranscriber) -> None:
    transcript = transcriber.transcribe(decode_audio(DATA / "digit_8khz.wav", sample_rate=None))
    assert "three" in transcript.text_of("unknown").lower()


def test_one_channel_gives_unknown_speaker(
    transcriber: WhisperTranscriber, stereo_audio: DecodedAudio
) -> None:
    left = DecodedAudio(stereo_audio.samples[:1], stereo_audio.sample_rate, "left-only.wav")
    transcript = transcriber.transcribe(left)
    assert transcript.speakers == ["unknown"]
    assert wer(STEREO_LEFT, transcript.text_of("unknown")) <= 0.15
    check_turn_invariants(transcript)


def test_silence_is_an_empty_transcript_not_an_error(transcriber: WhisperTranscriber) -> None:
    silence = DecodedAudio(np.zeros((2, 3 * 16000), np.float32), 16000, "silence.wav")
    transcript = transcriber.transcribe(silence)
    assert transcript.turns == [] and transcript.duration == 3.0


def test_transcribe_file_uses_the_cached_model(transcriber: WhisperTranscriber) -> None:
    transcript = transcribe_file(DATA / "digit_8khz.wav")
    assert "three" in transcript.text_of("unknown").lower()
    assert WhisperTranscriber().model is transcriber.model
