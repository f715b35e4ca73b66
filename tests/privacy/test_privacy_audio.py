"""Audio redaction: silencing redacted spans in a copy of a recording."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from privacy_helpers import write_stereo_tone

from asr.audio import decode_audio
from common.errors import AudioDecodeError, InvalidInput
from privacy import RedactedSpan, silence_spans

RATE = 22050


def span(start: float | None, end: float | None) -> RedactedSpan:
    return RedactedSpan("CARD_NUMBER", 0, 0, 10, start, end, 1, 1.0)


@pytest.mark.parametrize("ext", [".wav", ".flac"])
def test_silences_exactly_the_padded_range_on_both_channels(tmp_path: Path, ext: str) -> None:
    source = tmp_path / "call.wav"
    original = write_stereo_tone(source, rate=RATE).astype(np.float32) / 32768.0
    out = tmp_path / f"redacted{ext}"

    count = silence_spans(source, [span(0.5, 0.8), span(1.2, 1.3), span(None, None)], out, padding_s=0.1)

    assert count == 2  # the span without times is skipped
    audio = decode_audio(out, sample_rate=None)
    assert audio.sample_rate == RATE
    assert audio.samples.shape == original.shape  # same channels, same length
    silent = np.zeros(original.shape[1], dtype=bool)
    for start, end in [(0.4, 0.9), (1.1, 1.4)]:
        silent[math.floor(start * RATE) : math.ceil(end * RATE)] = True
    assert np.all(audio.samples[:, silent] == 0.0)
    # Everything else is the original, bar 16-bit rounding, up to the samples next to the ranges.
    assert np.allclose(audio.samples[:, ~silent], original[:, ~silent], atol=2e-4)
    first = math.floor(0.4 * RATE)
    assert np.all(np.abs(audio.samples[:, first - 1]) > 0.01)


def test_default_padding_and_clamping_at_the_edges(tmp_path: Path) -> None:
    source = tmp_path / "call.wav"
    write_stereo_tone(source, rate=RATE, seconds=1.0)
    out = tmp_path / "out.wav"
    assert silence_spans(source, [span(0.0, 0.1), span(0.95, 5.0), span(7.0, 8.0)], out) == 2
    samples = decode_audio(out, sample_rate=None).samples
    assert np.all(samples[:, : math.ceil(0.25 * RATE)] == 0.0)  # 0.1 s + the default 0.15 s
    assert np.all(samples[:, math.floor(0.8 * RATE) :] == 0.0)
    assert np.abs(samples[:, math.ceil(0.25 * RATE) + 10]).min() > 0.0


def test_keeps_mono_and_native_rate(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[1] / "data" / "digit_8khz.wav"
    out = tmp_path / "out.flac"
    assert silence_spans(source, [span(0.1, 0.2)], out) == 1
    audio = decode_audio(out, sample_rate=None)
    assert (audio.channels, audio.sample_rate) == (1, 8000)
    assert audio.n_samples == decode_audio(source, sample_rate=None).n_samples


def test_undecodable_input_raises_audio_decode_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio")
    with pytest.raises(AudioDecodeError):
        silence_spans(bad, [span(0.0, 1.0)], tmp_path / "out.wav")
    with pytest.raises(AudioDecodeError):
        silence_spans(tmp_path / "missing.wav", [], tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_unsupported_output_or_padding_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "call.wav"
    write_stereo_tone(source, rate=RATE, seconds=0.5)
    with pytest.raises(InvalidInput, match=r"\.wav or \.flac"):
        silence_spans(source, [], tmp_path / "out.mp3")
    with pytest.raises(InvalidInput, match="padding_s"):
        silence_spans(source, [], tmp_path / "out.wav", padding_s=-0.1)
    with pytest.raises(InvalidInput, match="does not exist"):
        silence_spans(source, [], tmp_path / "nowhere" / "out.wav")
