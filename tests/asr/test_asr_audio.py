"""decode_audio and DecodedAudio: formats, channels, sample rates, and clear errors on bad input."""

from __future__ import annotations

import io
import time
from pathlib import Path

import av
import numpy as np
import pytest
from asr_helpers import DATA

from asr import DecodedAudio, decode_audio
from common.errors import AudioDecodeError, InputTooLarge


def _encode(audio: DecodedAudio, fmt: str, codec: str, rate: int | None = None) -> bytes:
    """``audio`` re-encoded with PyAV, to test formats without shipping more files."""
    rate = rate or audio.sample_rate
    audio = audio.resample(rate)
    buf = io.BytesIO()
    layout = "mono" if audio.channels == 1 else "stereo"
    with av.open(buf, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        fmt_name = stream.codec_context.format.name
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio.samples), format="fltp", layout=layout)
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=fmt_name, layout=layout, rate=rate)
        for f in [*resampler.resample(frame), *resampler.resample(None)]:
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))
    return buf.getvalue()


def _envelope(samples: np.ndarray, window: int = 1600) -> np.ndarray:
    """RMS per 100 ms window at 16 kHz, per channel."""
    n = samples.shape[1] // window * window
    return np.sqrt((samples[:, :n].reshape(samples.shape[0], -1, window) ** 2).mean(axis=2))


@pytest.fixture(scope="module")
def stereo() -> DecodedAudio:
    return decode_audio(DATA / "stereo_diarization.wav")


# --- good input -------------------------------------------------------------------------------


def test_flac_keeps_both_channels_and_resamples_to_16k() -> None:
    audio = decode_audio(DATA / "jfk.flac")
    assert audio.sample_rate == 16000
    assert audio.channels == 2  # jfk.flac is 44.1 kHz stereo: no downmix on decode
    assert audio.samples.dtype == np.float32 and audio.samples.shape == (2, 176000)
    assert audio.duration == pytest.approx(11.0, abs=0.01)
    assert float(np.abs(audio.samples).max()) <= 1.0
    assert audio.source == str(DATA / "jfk.flac")


def test_stereo_wav_channels_are_different_signals(stereo: DecodedAudio) -> None:
    assert stereo.channels == 2 and stereo.duration == pytest.approx(5.0, abs=1e-3)
    left, right = stereo.channel(0), stereo.channel(1)
    assert left.ndim == 1 and left.flags.c_contiguous and left.dtype == np.float32
    assert not np.allclose(left, right)


def test_8khz_telephone_audio_is_resampled_to_16k() -> None:
    audio = decode_audio(DATA / "digit_8khz.wav")
    assert audio.sample_rate == 16000 and audio.channels == 1
    assert audio.duration == pytest.approx(0.241375, abs=0.005)


def test_sample_rate_none_keeps_the_native_rate() -> None:
    digit = decode_audio(DATA / "digit_8khz.wav", sample_rate=None)
    assert digit.sample_rate == 8000 and digit.n_samples == 1931
    jfk = decode_audio(DATA / "jfk.flac", sample_rate=None)
    assert jfk.sample_rate == 44100 and jfk.channels == 2 and jfk.n_samples == 485100


def test_bytes_and_file_objects_decode_like_paths(stereo: DecodedAudio) -> None:
    data = (DATA / "stereo_diarization.wav").read_bytes()
    from_bytes = decode_audio(data, name="call-42.wav")
    assert from_bytes.source == "call-42.wav"
    np.testing.assert_array_equal(from_bytes.samples, stereo.samples)
    with (DATA / "stereo_diarization.wav").open("rb") as fh:
        from_file = decode_audio(fh)
    assert from_file.source.endswith("stereo_diarization.wav")
    np.testing.assert_array_equal(from_file.samples, stereo.samples)


@pytest.mark.parametrize(
    ("fmt", "codec", "rate"),
    [
        ("mp3", "libmp3lame", 16000),
        ("ogg", "libopus", 48000),
        ("ipod", "aac", 16000),
        ("wav", "pcm_mulaw", 8000),
    ],
    ids=["mp3", "ogg-opus", "m4a-aac", "wav-mulaw-8k"],
)
def test_lossy_and_telephone_formats_keep_channels_and_length(
    stereo: DecodedAudio, fmt: str, codec: str, rate: int
) -> None:
    audio = decode_audio(_encode(stereo, fmt, codec, rate), name=f"call.{fmt}")
    assert audio.sample_rate == 16000 and audio.channels == 2
    # Encoders add priming/padding samples (AAC: 1024 = 0.064-0.128 s); the length must still match.
    assert audio.duration == pytest.approx(stereo.duration, abs=0.15)
    # Channels stay apart: each decoded channel's loudness over time follows its own source channel
    # (envelopes, not samples, since lossy codecs shift and reshape the waveform).
    n = min(audio.n_samples, stereo.n_samples)
    corr = np.corrcoef(np.vstack([_envelope(audio.samples[:, :n]), _envelope(stereo.samples[:, :n])]))
    assert corr[0, 2] > corr[0, 3] + 0.2 and corr[1, 3] > corr[1, 2] + 0.2


def test_decoded_audio_helpers(stereo: DecodedAudio) -> None:
    mono = stereo.mono()
    assert mono.shape == (stereo.n_samples,) and mono.dtype == np.float32
    np.testing.assert_allclose(mono, (stereo.samples[0] + stereo.samples[1]) / 2, atol=1e-6)
    down = stereo.resample(8000)
    assert down.sample_rate == 8000 and down.channels == 2
    assert down.duration == pytest.approx(stereo.duration, abs=0.01)
    one = DecodedAudio(np.zeros(800, dtype=np.float64), 16000)
    assert one.channels == 1 and one.samples.dtype == np.float32 and one.duration == 0.05
    np.testing.assert_array_equal(one.mono(), one.channel(0))
    with pytest.raises(IndexError, match="has 1 channel"):
        one.channel(1)


def test_max_duration_refuses_long_recordings() -> None:
    with pytest.raises(InputTooLarge, match="longer than the limit"):
        decode_audio(DATA / "jfk.flac", max_duration_s=5)
    assert decode_audio(DATA / "jfk.flac", max_duration_s=12).duration == pytest.approx(11.0, abs=0.01)


# --- bad input: always AudioDecodeError with a reason a person can act on -----------------------


def _decode_error(source: str | Path | bytes) -> AudioDecodeError:
    with pytest.raises(AudioDecodeError) as info:
        decode_audio(source)
    assert not isinstance(info.value, av.FFmpegError)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = _decode_error(tmp_path / "nope.wav")
    assert err.reason.startswith("file not found") and err.source.endswith("nope.wav")


def test_folder_is_not_a_recording(tmp_path: Path) -> None:
    assert "not a file" in _decode_error(tmp_path).reason


def test_zero_length_file_and_empty_bytes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert "empty (0 bytes)" in _decode_error(empty).reason
    assert "empty (0 bytes)" in _decode_error(b"").reason


def test_text_file_is_not_audio(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("Customer called about a double charge.\n" * 20)
    assert "not a recognised audio format" in _decode_error(text).reason


def test_image_has_no_audio_stream(tmp_path: Path) -> None:
    png = tmp_path / "call.mp3"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert _decode_error(png).reason == "no audio stream: is this an audio file?"


def test_wav_header_without_samples() -> None:
    header = (DATA / "stereo_diarization.wav").read_bytes()[:44]
    assert "no audio could be decoded" in _decode_error(header).reason


@pytest.mark.parametrize("size", [1, 100, 10_000, 1_000_000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes_fail_fast(size: int, seed: int) -> None:
    data = np.random.default_rng(seed).bytes(size)
    started = time.monotonic()
    _decode_error(data)
    assert time.monotonic() - started < 30.0  # a guard against hanging on junk, not a speed target


@pytest.mark.parametrize("name", ["jfk.flac", "stereo_diarization.wav"])
def test_truncated_copy_is_reported(tmp_path: Path, name: str) -> None:
    data = (DATA / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    reason = _decode_error(cut).reason
    assert "truncated or damaged" in reason and "upload the complete file" in reason


def test_small_glitch_in_the_middle_is_tolerated() -> None:
    # FFmpeg resyncs over a few damaged bytes; losing a fraction of a second is not worth a failure.
    data = bytearray((DATA / "jfk.flac").read_bytes())
    mid = len(data) // 2
    data[mid : mid + 2000] = np.random.default_rng(0).bytes(2000)
    assert decode_audio(bytes(data)).duration == pytest.approx(11.0, abs=0.5)


def test_probe_duration_reads_the_header_without_decoding(tmp_path: Path) -> None:
    from asr import probe_duration

    assert probe_duration(DATA / "jfk.flac") == pytest.approx(11.0, abs=0.05)
    assert probe_duration(DATA / "stereo_diarization.wav") == pytest.approx(5.0, abs=0.05)
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    with pytest.raises(AudioDecodeError, match=r"upload-name\.wav"):
        probe_duration(text, name="upload-name.wav")
