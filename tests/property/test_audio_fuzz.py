"""Audio decoding fuzzed: real recordings cut short or with bytes overwritten, random bytes, valid
headers over garbage, empty input — from bytes, a path or a file object. Each gives decoded audio
(finite samples, no longer than the original) or an ``AudioDecodeError`` / ``InputTooLarge`` within
10 s; a cut WAV or FLAC is always reported as truncated."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from property_helpers import fuzz, outcome

from asr.audio import DecodedAudio, decode_audio, probe_duration
from common.errors import AudioDecodeError, CallscopeError, InputTooLarge

ROOT = Path(__file__).resolve().parents[2]
REAL = {
    "digit_8khz.wav": ROOT / "tests" / "data" / "digit_8khz.wav",
    "librivox-0890.wav": ROOT / "tests" / "data" / "librivox-0890.wav",
    "stereo_diarization.wav": ROOT / "tests" / "data" / "stereo_diarization.wav",
    "card_call.flac": ROOT / "tests" / "data" / "card_call.flac",
    "demo.flac": ROOT / "demo" / "recordings" / "bl-001-billing-double-charge.flac",
}
# Containers and codecs PyAV can write here, as a call recording might arrive.
ENCODINGS = {
    "call.mp3": ("mp3", "libmp3lame", 16000),
    "call.ogg": ("ogg", "libopus", 48000),
    "call.m4a": ("mp4", "aac", 16000),
    "call-mulaw.wav": ("wav", "pcm_mulaw", 8000),
    "call.flac": ("flac", "flac", 16000),
}


def _encode(audio: DecodedAudio, fmt: str, codec: str, rate: int) -> bytes:
    audio = audio.resample(rate)
    layout = "mono" if audio.channels == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio.samples), format="fltp", layout=layout)
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout, rate=rate)
        for part in [*resampler.resample(frame), *resampler.resample(None)]:
            out.mux(stream.encode(part))
        out.mux(stream.encode(None))
    return buffer.getvalue()


@functools.cache
def _recordings() -> dict[str, tuple[bytes, float]]:
    """Every recording as ``(bytes, seconds)``: the real files, and 3 s of one re-encoded in each
    format (mono and stereo)."""
    out = {name: (path.read_bytes(), decode_audio(path).duration) for name, path in REAL.items()}
    stereo = decode_audio(REAL["stereo_diarization.wav"])
    clip = DecodedAudio(stereo.samples[:, : 3 * 16000], 16000)
    for name, (fmt, codec, rate) in ENCODINGS.items():
        out[name] = (_encode(clip, fmt, codec, rate), clip.duration)
        mono = DecodedAudio(clip.samples[:1], 16000)
        out["mono-" + name] = (_encode(mono, fmt, codec, rate), clip.duration)
    return out


@pytest.fixture(scope="module")
def recordings() -> _Recordings:
    return _Recordings()


class _Recordings:
    """The recordings by name, made once; a plain object so that hypothesis's report of a failing
    example does not print megabytes of audio."""

    def __getitem__(self, name: str) -> tuple[bytes, float]:
        return _recordings()[name]

    def __repr__(self) -> str:
        return "recordings"


NAMES = sorted([*REAL, *ENCODINGS, *("mono-" + n for n in ENCODINGS)])
# Formats whose header states the exact length: a cut file must be reported, not silently shortened.
EXACT = tuple(n for n in NAMES if (n.endswith(".wav") and "mulaw" not in n) or n.endswith(".flac"))


def _decode(
    data: bytes, via: str, tmp_path: Path, *, max_s: float | None = None
) -> DecodedAudio | CallscopeError:
    """Decodes ``data`` given as bytes, a file on disk or a file object, within the time limit."""

    def run() -> DecodedAudio:
        if via == "path":
            path = tmp_path / "upload.bin"
            path.write_bytes(data)
            return decode_audio(path, max_duration_s=max_s)
        if via == "file":
            return decode_audio(io.BytesIO(data), name="upload", max_duration_s=max_s)
        return decode_audio(data, name="upload", max_duration_s=max_s)

    result = outcome(run)
    assert isinstance(result, DecodedAudio | AudioDecodeError | InputTooLarge), result
    return result


def _sane(audio: DecodedAudio, longest_s: float) -> None:
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 2
    assert 1 <= audio.channels <= 2 and audio.n_samples > 0 and audio.sample_rate == 16000
    assert np.isfinite(audio.samples).all()
    assert audio.duration <= longest_s + 0.5


vias = st.sampled_from(["bytes", "path", "file"])


@given(name=st.sampled_from(NAMES), share=st.floats(0, 1), via=vias)
@fuzz(60)
def test_a_cut_recording_decodes_or_is_a_clear_error(
    recordings: _Recordings, tmp_path: Path, name: str, share: float, via: str
) -> None:
    data, seconds = recordings[name]
    cut = data[: int(len(data) * share)]
    result = _decode(cut, via, tmp_path)
    if isinstance(result, DecodedAudio):
        _sane(result, seconds)
    # decode_audio lets a shortfall of up to 5 % or 0.05 s pass (a glitch FFmpeg resyncs over);
    # well beyond both, a cut file must be reported.
    missing_s = seconds * (1 - len(cut) / len(data))
    if name in EXACT and len(cut) < 0.9 * len(data) and missing_s > 0.1:
        assert isinstance(result, AudioDecodeError), (name, len(cut), len(data))
        says = ("truncated", "empty", "not a recognised", "no audio")
        assert any(word in result.reason for word in says), result.reason


@given(name=st.sampled_from(NAMES), data=st.data())
@fuzz(75)
def test_a_recording_with_overwritten_bytes_decodes_or_is_a_clear_error(
    recordings: _Recordings, tmp_path: Path, name: str, data: st.DataObject
) -> None:
    """Bytes overwritten anywhere, header included: a mono mp3 frame whose header turned stereo used
    to crash the decoder with a numpy shape error."""
    raw, seconds = recordings[name]
    damaged = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 40), label="flips")):
        damaged[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    result = _decode(bytes(damaged), data.draw(vias, label="via"), tmp_path)
    if isinstance(result, DecodedAudio):
        _sane(result, seconds * 1.5)  # a damaged header can misstate the length a little


@given(
    name=st.sampled_from(NAMES), head=st.integers(4, 200), body=st.binary(min_size=0, max_size=4000), via=vias
)
@fuzz(50)
def test_a_valid_header_over_garbage_decodes_or_is_a_clear_error(
    recordings: _Recordings, tmp_path: Path, name: str, head: int, body: bytes, via: str
) -> None:
    raw, _ = recordings[name]
    result = _decode(raw[:head] + body, via, tmp_path)
    if isinstance(result, DecodedAudio):
        _sane(result, 3600.0)


@given(data=st.binary(min_size=0, max_size=5000), via=vias)
@fuzz(50)
def test_random_bytes_decode_or_are_a_clear_error(tmp_path: Path, data: bytes, via: str) -> None:
    result = _decode(data, via, tmp_path)
    if isinstance(result, DecodedAudio):
        _sane(result, 3600.0)
    probed = outcome(lambda: probe_duration(data, name="upload"))
    assert probed is None or isinstance(probed, float | AudioDecodeError), probed


@given(name=st.sampled_from(NAMES), limit=st.floats(0.1, 20))
@fuzz(20)
def test_a_duration_limit_refuses_or_decodes_within_it(
    recordings: _Recordings, tmp_path: Path, name: str, limit: float
) -> None:
    data, _ = recordings[name]
    result = _decode(data, "bytes", tmp_path, max_s=limit)
    if isinstance(result, DecodedAudio):
        assert result.duration <= limit + 1e-6
    else:
        assert isinstance(result, InputTooLarge), result


@pytest.mark.parametrize("via", ["bytes", "path", "file"])
def test_an_empty_recording_is_a_clear_error(tmp_path: Path, via: str) -> None:
    result = _decode(b"", via, tmp_path)
    assert isinstance(result, AudioDecodeError) and "empty" in result.reason


@given(name=st.sampled_from(NAMES), share=st.floats(0, 1))
@fuzz(30)
def test_probing_a_cut_recording_answers_or_is_a_clear_error(
    recordings: _Recordings, name: str, share: float
) -> None:
    data, _ = recordings[name]
    result = outcome(lambda: probe_duration(data[: int(len(data) * share)], name="upload"))
    assert result is None or isinstance(result, float | AudioDecodeError), result
    if isinstance(result, float):
        assert result >= 0


@pytest.mark.parametrize(("first", "second"), [("mono-call.mp3", "call.mp3"), ("call.mp3", "mono-call.mp3")])
def test_joined_mp3_files_that_change_channels_decode_in_the_first_layout(
    recordings: _Recordings, first: str, second: str
) -> None:
    """mp3 is a run of frames, so two files joined are one stream whose layout changes part-way (a
    damaged frame header does the same); the second part used to crash np.concatenate."""
    (a, a_s), (b, b_s) = recordings[first], recordings[second]
    result = outcome(lambda: decode_audio(a + b, name="joined.mp3"))
    assert isinstance(result, DecodedAudio), result
    assert result.channels == (1 if first.startswith("mono") else 2)
    assert result.duration == pytest.approx(a_s + b_s, abs=0.2)
    half = result.n_samples // 2
    # Both halves are speech, not silence: the second file was converted, not dropped.
    assert np.abs(result.samples[:, :half]).max() > 0.01 and np.abs(result.samples[:, half:]).max() > 0.01


def test_joined_mp3_files_at_different_rates_decode_at_the_target_rate(recordings: _Recordings) -> None:
    stereo = decode_audio(REAL["stereo_diarization.wav"])
    clip = DecodedAudio(stereo.samples[:1, : 2 * 16000], 16000)
    joined = _encode(clip, "mp3", "libmp3lame", 16000) + _encode(clip, "mp3", "libmp3lame", 24000)
    for rate in (16000, None):
        result = outcome(lambda rate=rate: decode_audio(joined, sample_rate=rate))  # type: ignore[misc]
        assert isinstance(result, DecodedAudio), result
        assert result.sample_rate == 16000 and result.duration == pytest.approx(4.0, abs=0.2)
