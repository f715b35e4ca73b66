"""Streaming transcription: local agreement on fake hypotheses, then the real tiny.en model and
Silero VAD on real recordings fed in 100 ms frames as fast as possible."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import jiwer
import numpy as np
import pytest
from asr_helpers import DATA, JFK_TEXT, STEREO_LEFT, STEREO_RIGHT

from asr import StreamingOptions, StreamingTranscriber, StreamUpdate, decode_audio
from asr.streaming import LocalAgreement, _cut_repetition, _join, _Piece, _units
from common.errors import ConfigError, InvalidInput
from evals.textnorm import normalize_text

DEMO = Path(__file__).resolve().parents[2] / "demo" / "recordings"
FRAME = 1600  # 100 ms at 16 kHz


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalize_text(reference), normalize_text(hypothesis) or "<nothing>"))


def stream(
    samples: np.ndarray, options: StreamingOptions | None = None, frame: int = FRAME
) -> list[StreamUpdate]:
    transcriber = StreamingTranscriber(options)
    updates: list[StreamUpdate] = []
    for i in range(0, samples.shape[0], frame):
        updates += transcriber.feed(samples[i : i + frame])
    return updates + transcriber.finish()


def finals(updates: list[StreamUpdate]) -> list[StreamUpdate]:
    return [u for u in updates if u.kind == "final"]


def final_text(updates: list[StreamUpdate]) -> str:
    return " ".join(u.text for u in finals(updates))


def check_updates(updates: list[StreamUpdate]) -> None:
    """Confirmed text only grows within an utterance and ends up in its final; indexes, times and
    words are consistent."""
    by_utterance: dict[int, list[StreamUpdate]] = {}
    for u in updates:
        by_utterance.setdefault(u.utterance, []).append(u)
    assert list(by_utterance) == sorted(by_utterance), "utterances come in order"
    decoded = [u.decoded_at for u in updates]
    assert decoded == sorted(decoded)
    for index, group in by_utterance.items():
        *partials, last = group
        assert last.kind == "final", f"utterance {index} has no final"
        assert all(u.kind == "partial" for u in partials), f"utterance {index} has two finals"
        assert last.text and last.tentative == "" and last.confirmed == last.text
        confirmed = ""
        for u in partials:
            assert u.text == u.confirmed + u.tentative and u.text.strip()
            assert u.confirmed.startswith(confirmed), (
                f"confirmed text shrank: {confirmed!r} → {u.confirmed!r}"
            )
            confirmed = u.confirmed
        assert last.text.startswith(confirmed), f"final {last.text!r} drops confirmed {confirmed!r}"
        assert last.words and " ".join(w.word for w in last.words) == last.text
        for w in last.words:
            assert last.start - 1e-6 <= w.start <= w.end <= last.end + 1e-6
            assert 0.0 <= w.probability <= 1.0


# ------------------------------------------------------------------------ local agreement


def test_agreement_confirms_the_common_prefix_of_two_hypotheses() -> None:
    agreement = LocalAgreement(2)
    assert agreement.push(["Hi", "Sarah"]) == 0  # one hypothesis confirms nothing
    assert agreement.push(["hi", "Sarah,", "I", "was"]) == 2  # case and punctuation do not count
    # The confirmed words are gone from both hypotheses: the next one starts after them.
    assert agreement.push(["I", "was", "charged"]) == 2


def test_agreement_stops_at_the_first_difference() -> None:
    agreement = LocalAgreement(2)
    agreement.push(["ask", "not", "what", "your"])
    assert agreement.push(["ask", "knot", "what", "your", "country"]) == 1
    assert agreement.push(["not", "what"]) == 0  # "knot" and "not" still disagree
    assert agreement.push(["not", "what", "your"]) == 2


def test_agreement_never_confirms_the_newest_last_word() -> None:
    agreement = LocalAgreement(2)
    agreement.push(["thank", "you"])
    assert agreement.push(["thank", "you"]) == 1  # "you" may be cut mid-word
    assert agreement.push([]) == 0


def test_agreement_limit_and_n() -> None:
    agreement = LocalAgreement(2)
    agreement.push(["one", "two", "three", "four"])
    assert agreement.push(["one", "two", "three", "four", "five"], limit=2) == 2
    assert agreement.push(["three", "four", "five"], limit=0) == 0

    single = LocalAgreement(1)
    assert single.push(["a", "b", "c"]) == 2

    three = LocalAgreement(3)
    assert three.push(["a", "b", "c"]) == 0
    assert three.push(["a", "b", "c"]) == 0
    assert three.push(["a", "x", "c"]) == 1
    three.reset()
    assert three.push(["a", "b"]) == 0


def pieces(*texts: str) -> list[_Piece]:
    return [_Piece(t, i * 0.3, i * 0.3 + 0.25, 0.9) for i, t in enumerate(texts)]


def test_pieces_join_into_words_and_punctuation_rides_with_its_word() -> None:
    # Whisper's aligner splits ",", "-hearted" and ".2" from the word they belong to.
    p = pieces(" Hi", " Sarah", ",", " cold", "-hearted", " $55", ".2")
    assert _join(p) == "Hi Sarah, cold-hearted $55.2"
    assert ["".join(q.text for q in unit) for unit in _units(p)] == [
        " Hi",
        " Sarah,",
        " cold-hearted",
        " $55.2",
    ]
    # A continuation that starts with punctuation extends the confirmed text as a string.
    assert (_join(pieces(" Hi", " Sarah")) + ", I").startswith(_join(pieces(" Hi", " Sarah")))
    assert _join(pieces(" Hi", " Sarah", ",", " I")) == "Hi Sarah, I"


def test_a_decoder_loop_is_cut_where_the_utterance_repeats_itself() -> None:
    prefix = "Well, there isn't that much difference. At least you know"
    echo = pieces(" they", " all", " call", " me.", " Well,", " there", " isn't", " that", " much")
    assert _join(_cut_repetition(prefix, echo)) == "they all call me."
    loop = pieces(" you", " know,", " you", " know,", " you", " know,", " you")
    assert _join(_cut_repetition("", loop)) == "you know,"
    fine = pieces(" no", " no", " I", " said", " no")
    assert _cut_repetition("", fine) == fine


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="agreement"):
        StreamingOptions(agreement=0)
    with pytest.raises(ConfigError, match="max_utterance_s"):
        StreamingOptions(max_utterance_s=40.0)
    with pytest.raises(ConfigError, match="speech_pad_s"):
        StreamingOptions(speech_pad_s=1.0, endpoint_silence_s=0.5)
    with pytest.raises(ConfigError):
        LocalAgreement(0)


# ---------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    return decode_audio(DATA / "jfk.flac").channel(0)


@pytest.fixture(scope="module")
def jfk_updates(jfk: np.ndarray) -> list[StreamUpdate]:
    return stream(jfk)


def test_jfk_finals(jfk_updates: list[StreamUpdate]) -> None:
    assert wer(JFK_TEXT, final_text(jfk_updates)) <= 0.15
    check_updates(jfk_updates)
    # Partials come while the speech goes on, not only at the endpoints.
    assert any(u.kind == "partial" and u.confirmed for u in jfk_updates)


def test_stereo_channels_one_stream_each() -> None:
    stereo = decode_audio(DATA / "stereo_diarization.wav")
    left, right = stream(stereo.channel(0)), stream(stereo.channel(1))
    assert wer(STEREO_LEFT, final_text(left)) <= 0.15
    assert wer(STEREO_RIGHT, final_text(right)) <= 0.15
    check_updates(left)
    check_updates(right)


def test_demo_call_one_final_per_customer_turn() -> None:
    manifest = json.loads((DEMO / "manifest.json").read_text())
    call = next(c for c in manifest["calls"] if c["call_id"] == "bl-001-billing-double-charge")
    channel = call["channels"]["customer"]
    turns = [t for t in call["turns"] if t["channel"] == channel]
    updates = stream(decode_audio(DEMO / call["file"]).channel(channel))
    check_updates(updates)
    done = finals(updates)
    assert abs(len(done) - len(turns)) <= 1
    assert wer(" ".join(t["text"] for t in turns), final_text(updates)) <= 0.15
    for turn in turns:
        match = [u for u in done if u.start < turn["end"] and u.end > turn["start"]]
        assert match, f"no final for {turn['text']!r}"
        assert abs(match[0].start - turn["start"]) <= 0.5
        assert abs(match[-1].end - turn["end"]) <= 0.5
        # The final comes soon after the end of speech: the endpoint wait and a frame, no more.
        assert match[-1].decoded_at - turn["end"] <= StreamingOptions().endpoint_silence_s + 0.3


def test_silence_and_a_tone_produce_nothing() -> None:
    t = np.arange(3 * 16000) / 16000
    assert stream(np.zeros(3 * 16000, np.float32)) == []
    assert stream((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)) == []
    noise = np.random.default_rng(0).normal(0, 0.01, 3 * 16000).astype(np.float32)
    assert stream(noise) == []


def test_int16_bytes_and_float32_give_the_same_updates() -> None:
    audio = decode_audio(DATA / "stereo_diarization.wav").channel(1)
    pcm = np.round(audio * 32768).clip(-32768, 32767).astype("<i2").tobytes()
    transcriber = StreamingTranscriber()
    from_bytes: list[StreamUpdate] = []
    for i in range(0, len(pcm), 3201):  # frames that split samples in two
        from_bytes += transcriber.feed(pcm[i : i + 3201])
    from_bytes += transcriber.finish()
    from_float = stream(audio)
    # decoded_at counts the audio fed when an update came out, and these frames differ in size.
    assert [replace(u, decoded_at=0.0) for u in from_bytes] == [
        replace(u, decoded_at=0.0) for u in from_float
    ]
    assert from_float and finals(from_float)
    assert transcriber.seconds_received == pytest.approx(audio.shape[0] / 16000)


def test_finish_closes_the_open_utterance(jfk: np.ndarray) -> None:
    transcriber = StreamingTranscriber()
    cut = jfk[: int(2.0 * 16000)]  # stops in the middle of "fellow Americans"
    updates: list[StreamUpdate] = []
    for i in range(0, cut.shape[0], FRAME):
        updates += transcriber.feed(cut[i : i + FRAME])
    assert not finals(updates)
    closing = transcriber.finish()
    assert [u.kind for u in closing] == ["final"]
    assert "fellow" in closing[0].text.lower()
    check_updates(updates + closing)
    assert transcriber.finish() == []
    with pytest.raises(InvalidInput):
        transcriber.feed(cut[:FRAME])


def test_long_utterance_is_cut_at_max_utterance() -> None:
    options = StreamingOptions(max_utterance_s=2.0)
    updates = stream(decode_audio(DATA / "stereo_diarization.wav").channel(0), options)
    check_updates(updates)
    done = finals(updates)
    assert len(done) >= 2  # 4.7 s of speech without a pause
    assert all(u.end - u.start <= options.max_utterance_s + 0.2 for u in done)
    assert wer(STEREO_LEFT, final_text(updates)) <= 0.25


def test_8khz_telephone_audio_is_resampled(jfk: np.ndarray) -> None:
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=8000)
    frame = av.AudioFrame.from_ndarray(jfk[np.newaxis, :], format="flt", layout="mono")
    frame.sample_rate = 16000
    narrow = np.concatenate([f.to_ndarray().reshape(-1) for f in resampler.resample(frame)])
    options = StreamingOptions(sample_rate=8000)
    updates = stream(narrow, options, frame=800)
    assert wer(JFK_TEXT, final_text(updates)) <= 0.25
    check_updates(updates)


def test_two_streams_in_two_threads_share_the_model(jfk: np.ndarray, jfk_updates: list[StreamUpdate]) -> None:
    right = decode_audio(DATA / "stereo_diarization.wav").channel(1)
    alone = stream(right)
    results: dict[str, list[StreamUpdate]] = {}

    def run(name: str, samples: np.ndarray) -> None:
        results[name] = stream(samples)

    threads = [threading.Thread(target=run, args=a) for a in (("jfk", jfk), ("right", right))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["jfk"] == jfk_updates
    assert results["right"] == alone
