"""Segments → turns, channel planning, options and the transcriber's wiring, with fakes (no model)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from asr import DecodedAudio, TranscribeOptions, Transcriber, Turn, WhisperTranscriber, load_whisper_model
from asr.transcriber import plan_channels
from asr.turns import ChannelSegments, build_turns, merge_turns, segment_to_turns
from common.errors import ConfigError


@dataclass
class FakeWord:
    start: float
    end: float
    word: str
    probability: float = 0.9


@dataclass
class FakeSegment:
    start: float
    end: float
    text: str
    words: list[FakeWord] | None = None


def seg(start: float, text: str, *, step: float = 0.3, gaps: dict[int, float] | None = None) -> FakeSegment:
    """A segment whose words (with Whisper's leading spaces) follow each other every ``step`` s,
    with extra pauses ``gaps[i]`` before word i."""
    words, t = [], start
    for i, w in enumerate(text.split()):
        t += (gaps or {}).get(i, 0.0)
        words.append(FakeWord(t, t + step - 0.05, f" {w}"))
        t += step
    return FakeSegment(start, words[-1].end, " " + text, words)


def stereo(agent: list[FakeSegment], customer: list[FakeSegment], duration: float = 60.0) -> list[Turn]:
    return build_turns(
        [ChannelSegments("agent", 0, agent), ChannelSegments("customer", 1, customer)],
        duration=duration,
        pause_split_s=1.0,
        merge_gap_s=1.0,
    )


def summary(turns: list[Turn]) -> list[tuple[str, str]]:
    return [(t.speaker, t.text) for t in turns]


# --- segment_to_turns ---------------------------------------------------------------------------


def test_segment_becomes_turn_with_stripped_words_and_joined_text() -> None:
    (turn,) = segment_to_turns(
        seg(1.0, "Thanks for calling, how can I help?"),
        speaker="agent",
        channel=0,
        duration=60,
        pause_split_s=1,
    )
    assert turn.text == "Thanks for calling, how can I help?"
    assert turn.text == " ".join(w.word for w in turn.words)
    assert [w.word for w in turn.words][:2] == ["Thanks", "for"]
    assert (turn.speaker, turn.channel, turn.start) == ("agent", 0, 1.0)
    assert turn.end == turn.words[-1].end


def test_long_pause_inside_a_segment_splits_the_turn() -> None:
    s = seg(0.0, "my card number is four one", gaps={4: 1.5})
    turns = segment_to_turns(s, speaker="unknown", channel=0, duration=60, pause_split_s=1.0)
    assert [t.text for t in turns] == ["my card number is", "four one"]
    assert turns[0].end <= turns[1].start
    for t in turns:
        assert all(t.start <= w.start <= w.end <= t.end for w in t.words)


def test_blank_words_are_dropped_and_blank_segments_vanish() -> None:
    s = FakeSegment(0.0, 1.0, " hello ", [FakeWord(0.0, 0.4, " hello"), FakeWord(0.4, 0.5, " ")])
    (turn,) = segment_to_turns(s, speaker="agent", channel=0, duration=10, pause_split_s=1)
    assert turn.text == "hello" and len(turn.words) == 1
    empty = FakeSegment(0, 1, "   ", [])
    assert segment_to_turns(empty, speaker="agent", channel=0, duration=10, pause_split_s=1) == []
    blank_words = FakeSegment(0, 1, " ...", [FakeWord(0, 1, "  ")])
    assert segment_to_turns(blank_words, speaker="agent", channel=0, duration=10, pause_split_s=1) == []


def test_without_word_timestamps_text_comes_from_the_segment() -> None:
    (turn,) = segment_to_turns(
        FakeSegment(2.0, 3.5, "  Hello   there. "),
        speaker="customer",
        channel=1,
        duration=10,
        pause_split_s=1,
    )
    assert (turn.text, turn.words, turn.start, turn.end) == ("Hello there.", [], 2.0, 3.5)


def test_times_are_clamped_to_the_recording() -> None:
    s = FakeSegment(-0.2, 5.4, " bye", [FakeWord(4.8, 5.6, " bye"), FakeWord(5.7, 5.5, " now")])
    (turn,) = segment_to_turns(s, speaker="agent", channel=0, duration=5.0, pause_split_s=1)
    assert turn.start == 0.0 and turn.end == 5.0
    assert [(w.start, w.end) for w in turn.words] == [(4.8, 5.0), (5.0, 5.0)]


# --- merging across channels ------------------------------------------------------------------


def test_same_speaker_segments_close_together_merge() -> None:
    turns = stereo([seg(0.0, "Thanks for calling."), seg(1.2, "How can I help?")], [seg(3.5, "Hi there.")])
    assert summary(turns) == [("agent", "Thanks for calling. How can I help?"), ("customer", "Hi there.")]
    assert turns[0].text == " ".join(w.word for w in turns[0].words)
    assert (turns[0].start, turns[0].end) == (0.0, turns[0].words[-1].end)


def test_gap_of_a_second_or_more_keeps_turns_apart() -> None:
    turns = stereo([seg(0.0, "One moment please."), seg(2.0, "Thanks for waiting.")], [])
    assert summary(turns) == [("agent", "One moment please."), ("agent", "Thanks for waiting.")]


def test_other_party_speaking_in_between_prevents_merge() -> None:
    # The customer's backchannel starts inside the agent's short gap: three turns, in time order.
    turns = stereo(
        [seg(0.0, "Your balance is"), seg(1.0, "forty dollars.")], [seg(0.9, "Mm-hmm.", step=0.05)]
    )
    assert summary(turns) == [
        ("agent", "Your balance is"),
        ("customer", "Mm-hmm."),
        ("agent", "forty dollars."),
    ]


def test_turns_are_sorted_by_start_across_channels() -> None:
    turns = stereo(
        [seg(0.0, "Hello."), seg(10.0, "Anything else?")],
        [seg(3.0, "I was charged twice."), seg(20.0, "No, thanks.")],
    )
    assert [t.start for t in turns] == [0.0, 3.0, 10.0, 20.0]
    assert [t.channel for t in turns] == [0, 1, 0, 1]


def test_two_customer_channels_never_merge_into_one_turn() -> None:
    turns = merge_turns(
        [
            Turn("customer", 0.0, 1.0, "hi", channel=1),
            Turn("customer", 1.1, 2.0, "hello", channel=2),
        ],
        max_gap_s=1.0,
    )
    assert len(turns) == 2


def test_mono_keeps_segment_boundaries() -> None:
    turns = build_turns(
        [ChannelSegments("unknown", 0, [seg(0.0, "How can I help?"), seg(1.3, "My bill is wrong.")])],
        duration=10,
        pause_split_s=1.0,
        merge_gap_s=None,
    )
    assert summary(turns) == [("unknown", "How can I help?"), ("unknown", "My bill is wrong.")]


def test_no_segments_no_turns() -> None:
    assert stereo([], []) == []


# --- channel planning -------------------------------------------------------------------------

RNG = np.random.default_rng(7)
VOICE_A = RNG.standard_normal(16000).astype(np.float32) * 0.1
VOICE_B = RNG.standard_normal(16000).astype(np.float32) * 0.1


def plan(samples: np.ndarray, **opts: Any) -> list[tuple[int, str]]:
    return [
        (p.channel, p.speaker) for p in plan_channels(DecodedAudio(samples, 16000), TranscribeOptions(**opts))
    ]


def test_mono_is_one_unknown_pass() -> None:
    assert plan(VOICE_A) == [(0, "unknown")]


def test_stereo_agent_channel_and_customer() -> None:
    assert plan(np.stack([VOICE_A, VOICE_B])) == [(0, "agent"), (1, "customer")]
    assert plan(np.stack([VOICE_A, VOICE_B]), agent_channel=1) == [(0, "customer"), (1, "agent")]


def test_more_channels_are_each_a_customer() -> None:
    three = np.stack([VOICE_A, VOICE_B, VOICE_B[::-1].copy()])
    assert plan(three, agent_channel=2) == [(0, "customer"), (1, "customer"), (2, "agent")]


def test_dual_mono_is_transcribed_once() -> None:
    noise = RNG.standard_normal(16000).astype(np.float32) * 0.001
    for copy in (VOICE_A, 0.5 * VOICE_A, -VOICE_A, VOICE_A + noise):
        assert plan(np.stack([VOICE_A, copy])) == [(0, "unknown")]
    assert plan(np.stack([VOICE_A, VOICE_A]), dual_mono_correlation=1.01) == [(0, "agent"), (1, "customer")]


def test_a_silent_channel_is_not_a_copy() -> None:
    assert plan(np.stack([VOICE_A, np.zeros_like(VOICE_A)])) == [(0, "agent"), (1, "customer")]


def test_agent_channel_beyond_the_recording_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="agent_channel is 2 but"):
        plan(np.stack([VOICE_A, VOICE_B]), agent_channel=2)


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", [{"beam_size": 0}, {"cpu_threads": -1}, {"agent_channel": -1}, {"pause_split_s": 0}, {"model": ""}]
)
def test_invalid_options_are_config_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        TranscribeOptions(**bad)


def test_faster_whisper_kwargs_follow_the_options() -> None:
    kw = TranscribeOptions().faster_whisper_kwargs()
    assert kw["vad_filter"] is True and kw["word_timestamps"] is True and kw["language"] == "en"
    assert kw["vad_parameters"].min_silence_duration_ms == 2000 and kw["beam_size"] == 3
    off = TranscribeOptions(vad=False, beam_size=2).faster_whisper_kwargs()
    assert off["vad_filter"] is False and "vad_parameters" not in off and off["beam_size"] == 2


def test_missing_models_are_config_errors_never_downloads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="never downloads"):
        load_whisper_model("no-such-model", "cpu", "int8", 0)
    with pytest.raises(ConfigError, match="never downloads"):
        load_whisper_model("someone/not-in-the-cache", "cpu", "int8", 0)
    with pytest.raises(ConfigError, match=r"no model\.bin"):
        load_whisper_model(str(tmp_path), "cpu", "int8", 0)


def test_import_asr_is_cheap() -> None:
    heavy = "{'faster_whisper', 'ctranslate2', 'av', 'onnxruntime'}"
    code = f"import sys, asr; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- WhisperTranscriber wiring, with a fake model ---------------------------------------------


@dataclass
class FakeInfo:
    language: str = "en"


@dataclass
class FakeModel:
    """Answers per channel by the DC level of the samples it gets, so the routing can be checked."""

    calls: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def transcribe(self, audio: np.ndarray, **kwargs: Any) -> tuple[Any, FakeInfo]:
        assert audio.ndim == 1 and audio.dtype == np.float32
        self.calls.append((len(audio), kwargs))
        level = round(float(audio.mean()), 1)
        script = {0.1: [seg(0.0, "agent words")], 0.2: [seg(0.5, "customer words")], 0.0: []}
        return iter(script[level]), FakeInfo()


def fake_transcriber(**opts: Any) -> tuple[WhisperTranscriber, FakeModel]:
    t = WhisperTranscriber(TranscribeOptions(**opts))
    model = FakeModel()
    t._model = model  # type: ignore[assignment]
    return t, model


def test_transcriber_routes_channels_to_speakers_at_16k() -> None:
    t, model = fake_transcriber(agent_channel=1)
    assert isinstance(t, Transcriber)
    # Independent noise on two DC levels: 0.2 on channel 0 (the customer here), 0.1 on channel 1.
    audio = DecodedAudio(np.stack([VOICE_A[:8000] * 0.1 + 0.2, VOICE_B[:8000] * 0.1 + 0.1]), 8000, "c.wav")
    out = t.transcribe(audio)
    assert [len_ for len_, _ in model.calls] == [16000, 16000]  # resampled for Whisper
    assert model.calls[0][1] == TranscribeOptions().faster_whisper_kwargs()
    assert summary(out.turns) == [("agent", "agent words"), ("customer", "customer words")]
    assert [t.channel for t in out.turns] == [1, 0]
    assert (out.duration, out.model, out.language) == (1.0, "tiny.en", "en")


def test_silence_gives_an_empty_transcript() -> None:
    t, _ = fake_transcriber()
    out = t.transcribe(DecodedAudio(np.zeros((2, 32000), np.float32), 16000))
    assert out.turns == [] and out.duration == 2.0


def test_pieces_without_a_leading_space_join_the_word_before() -> None:
    words = [
        FakeWord(0.0, 0.3, " cold", 0.9),
        FakeWord(0.3, 0.6, "-hearted", 0.6),
        FakeWord(0.7, 0.9, " fifty", 0.9),
        FakeWord(0.9, 1.1, "-five", 0.8),
        FakeWord(1.2, 1.4, " dollars.", 0.9),
    ]
    [turn] = segment_to_turns(
        FakeSegment(0.0, 1.4, " cold-hearted fifty-five dollars.", words),
        speaker="customer",
        channel=1,
        duration=10.0,
        pause_split_s=1.0,
    )
    assert turn.text == "cold-hearted fifty-five dollars."
    assert [(w.word, w.start, w.end, w.probability) for w in turn.words] == [
        ("cold-hearted", 0.0, 0.6, 0.6),
        ("fifty-five", 0.7, 1.1, 0.8),
        ("dollars.", 1.2, 1.4, 0.9),
    ]
