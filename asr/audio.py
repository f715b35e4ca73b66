"""Decoding recordings into per-channel float32 samples with PyAV (any format FFmpeg reads).

Channels are kept apart on purpose: in a stereo call recording each party usually has its own
channel, and that is the cheapest and most reliable speaker separation there is.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from common.errors import AudioDecodeError, InputTooLarge

if TYPE_CHECKING:  # PyAV is light, but `import asr` should not need it at all.
    import av

__all__ = ["WHISPER_SAMPLE_RATE", "DecodedAudio", "decode_audio", "probe_duration"]

#: The sample rate Whisper models expect.
WHISPER_SAMPLE_RATE = 16000

# A recording that decodes to less than its header promises by more than this share (and more
# than _MIN_SHORTFALL_S) is reported as truncated; a small glitch that FFmpeg resyncs over is not.
_MAX_SHORTFALL = 0.05
_MIN_SHORTFALL_S = 0.05
# Codecs whose container states the exact length, so a shortfall means lost data. Lossy formats
# (mp3 without a Xing header in particular) only estimate their length, so they are not checked.
_EXACT_LENGTH_CODECS = ("flac", "alac", "wavpack", "tta", "ape")
# Undecodable packets are skipped like faster-whisper does; past this share the file is corrupt.
_MAX_BAD_PACKET_SHARE = 0.1
# Enough of the file's start to read a WAV header.
_HEAD_BYTES = 4096


@dataclass(slots=True)
class DecodedAudio:
    """A decoded recording: ``samples`` is float32 of shape (channels, n_samples) in [-1, 1]."""

    samples: np.ndarray
    sample_rate: int
    source: str = "<audio>"

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples, dtype=np.float32)
        if samples.ndim == 1:
            samples = samples[np.newaxis, :]
        if samples.ndim != 2:
            raise ValueError(f"samples must be (channels, n_samples), got shape {samples.shape}")
        self.samples = samples
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_samples / self.sample_rate

    def channel(self, index: int) -> np.ndarray:
        """One channel as a contiguous 1-D float32 array (what faster-whisper takes)."""
        if not -self.channels <= index < self.channels:
            raise IndexError(f"channel {index} out of range: {self.source} has {self.channels} channel(s)")
        return np.ascontiguousarray(self.samples[index])

    def mono(self) -> np.ndarray:
        """All channels averaged into one 1-D float32 array (the channel itself when mono)."""
        if self.channels == 1:
            return self.channel(0)
        return self.samples.mean(axis=0, dtype=np.float32)

    def resample(self, sample_rate: int) -> DecodedAudio:
        """The same audio at another sample rate (FFmpeg's resampler, channels kept apart)."""
        if sample_rate == self.sample_rate:
            return self
        import av

        layout = _layout_for(self.channels)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(self.samples), format="fltp", layout=layout)
        frame.sample_rate = self.sample_rate
        parts = [f.to_ndarray() for f in [*resampler.resample(frame), *resampler.resample(None)]]
        samples = np.concatenate(parts, axis=1) if parts else np.zeros((self.channels, 0), np.float32)
        return DecodedAudio(samples, sample_rate, self.source)


def decode_audio(
    source: str | Path | bytes | BinaryIO,
    *,
    sample_rate: int | None = WHISPER_SAMPLE_RATE,
    name: str | None = None,
    max_duration_s: float | None = None,
) -> DecodedAudio:
    """Decode a recording from a path, bytes or a binary file object.

    Every channel is kept (no downmix) and resampled to ``sample_rate`` (``None`` keeps the native
    rate). ``name`` labels the source in errors (default: the path, or ``<bytes>``/the file's name).

    Raises ``AudioDecodeError`` when the input is missing, empty, not audio, corrupt or truncated,
    and ``InputTooLarge`` when it is longer than ``max_duration_s`` seconds.
    """
    label, stream_in, head, size = _open_source(source, name)
    if size == 0:
        raise AudioDecodeError(label, "the file is empty (0 bytes); upload the recording again")
    import av

    declared_wav_s = _wav_declared_s(head, size) if head is not None and size is not None else None
    chunks: list[np.ndarray] = []
    n_decoded = 0
    try:
        with av.open(stream_in, mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioDecodeError(label, "no audio stream: is this an audio file?")
            stream = container.streams.audio[0]
            rate = sample_rate or stream.codec_context.sample_rate or stream.rate
            expected_s = _declared_duration_s(container, stream)
            # Refuse early on the header's word only when clearly over: lossy formats estimate it.
            if max_duration_s is not None and expected_s is not None and expected_s > 1.1 * max_duration_s:
                raise _too_long(label, expected_s, max_duration_s)
            resampler: av.AudioResampler | None = None
            layout: av.AudioLayout | None = None
            shape: tuple[str, int, str] | None = None
            packets = bad_packets = 0
            for packet in container.demux(stream):
                packets += 1
                try:
                    frames = packet.decode()
                except av.InvalidDataError:
                    bad_packets += 1  # skip one damaged packet, as faster-whisper does
                    continue
                for frame in frames:
                    if layout is None:
                        layout = frame.layout
                        rate = rate or frame.sample_rate
                    key = (frame.layout.name, frame.sample_rate, frame.format.name)
                    if resampler is None or key != shape:
                        # A stream can change layout or rate part-way (mp3 files joined, a damaged
                        # frame header), and a resampler set up for one frame passes others through
                        # unconverted: each run of frames gets its own, converting to the first
                        # frame's layout, and the previous one is flushed first to keep the order.
                        if resampler is not None:
                            n_decoded += _drain(resampler.resample(None), chunks)
                        shape = key
                        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
                    n_decoded += _drain(resampler.resample(frame), chunks)
                if max_duration_s is not None and rate and n_decoded > max_duration_s * rate:
                    # Stop early: do not decode hours of audio only to refuse them.
                    raise _too_long(label, n_decoded / rate, max_duration_s)
            if resampler is not None:
                n_decoded += _drain(resampler.resample(None), chunks)
            codec = stream.codec_context.name or ""
    except av.FFmpegError as exc:
        raise AudioDecodeError(label, _ffmpeg_reason(exc)) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise AudioDecodeError(label, f"could not read the recording ({exc})") from exc

    if n_decoded == 0 or not rate:
        reason = "no audio could be decoded: the recording is empty or damaged"
        if bad_packets:
            reason = f"no audio could be decoded: all {bad_packets} audio packet(s) are damaged"
        raise AudioDecodeError(label, reason)
    if packets and bad_packets > max(1, _MAX_BAD_PACKET_SHARE * packets):
        raise AudioDecodeError(
            label, f"the recording is corrupt: {bad_packets} of {packets} audio packets could not be decoded"
        )
    decoded_s = n_decoded / rate
    if declared_wav_s is not None:
        _check_shortfall(label, declared_wav_s, decoded_s)
    elif expected_s is not None and (codec.startswith("pcm_") or codec in _EXACT_LENGTH_CODECS):
        _check_shortfall(label, expected_s, decoded_s)
    if max_duration_s is not None and decoded_s > max_duration_s:
        raise _too_long(label, decoded_s, max_duration_s)
    return DecodedAudio(np.concatenate(chunks, axis=1), int(rate), label)


def _drain(frames: list[av.AudioFrame], chunks: list[np.ndarray]) -> int:
    """Appends the frames' samples to ``chunks``; returns how many samples that was."""
    for frame in frames:
        chunks.append(frame.to_ndarray())
    return sum(frame.samples for frame in frames)


def probe_duration(source: str | Path | bytes | BinaryIO, *, name: str | None = None) -> float | None:
    """The duration the header declares, in seconds, without decoding (None when it declares none).

    Cheap enough to refuse an upload before it is queued; raises ``AudioDecodeError`` as
    ``decode_audio`` does for input that is missing, empty or not audio.
    """
    label, stream_in, head, size = _open_source(source, name)
    if size == 0:
        raise AudioDecodeError(label, "the file is empty (0 bytes); upload the recording again")
    declared_wav_s = _wav_declared_s(head, size) if head is not None and size is not None else None
    import av

    try:
        with av.open(stream_in, mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioDecodeError(label, "no audio stream: is this an audio file?")
            return declared_wav_s or _declared_duration_s(container, container.streams.audio[0])
    except av.FFmpegError as exc:
        raise AudioDecodeError(label, _ffmpeg_reason(exc)) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise AudioDecodeError(label, f"could not read the recording ({exc})") from exc


def _open_source(
    source: str | Path | bytes | BinaryIO, name: str | None
) -> tuple[str, Any, bytes | None, int | None]:
    """(label, what av.open takes, the first bytes if cheaply known, the size in bytes if known)."""
    if isinstance(source, str | Path):
        path = Path(source)
        label = name or str(path)
        if not path.exists():
            raise AudioDecodeError(label, "file not found; check the path")
        if not path.is_file():
            raise AudioDecodeError(label, "not a file (a folder?); give the path of a recording")
        try:
            with path.open("rb") as fh:
                return label, str(path), fh.read(_HEAD_BYTES), path.stat().st_size
        except OSError as exc:
            raise AudioDecodeError(label, f"cannot read the file ({exc.strerror or exc})") from exc
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return name or "<bytes>", io.BytesIO(data), data[:_HEAD_BYTES], len(data)
    label = name or str(getattr(source, "name", "") or "<stream>")
    head: bytes | None = None
    size: int | None = None
    try:
        if source.seekable():
            start = source.tell()
            size = source.seek(0, os.SEEK_END) - start
            source.seek(start)
            head = source.read(_HEAD_BYTES)
            source.seek(start)
    except (OSError, AttributeError, ValueError):
        head, size = None, None  # not seekable after all: let FFmpeg read it as a stream
    return label, source, head, size


def _wav_declared_s(head: bytes, size: int) -> float | None:
    """Seconds a RIFF/WAVE header promises; None when not WAV or the length is left open.

    FFmpeg silently clamps a WAV's length to the bytes present, so a cut-off upload would pass
    unnoticed without reading the header ourselves.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk_id, chunk_size = head[pos : pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if chunk_id == b"fmt " and pos + 20 <= len(head):
            byte_rate = struct.unpack_from("<I", head, pos + 16)[0]
        elif chunk_id == b"data":
            # 0 and 0xFFFFFFFF mean "unknown" (a recorder that streamed the file).
            if byte_rate <= 0 or chunk_size in (0, 0xFFFFFFFF):
                return None
            return float(chunk_size / byte_rate)
        pos += 8 + chunk_size + (chunk_size & 1)
    return None


def _declared_duration_s(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / 1_000_000)
    return None


def _check_shortfall(label: str, expected_s: float, decoded_s: float) -> None:
    missing = expected_s - decoded_s
    if missing > _MIN_SHORTFALL_S and missing > _MAX_SHORTFALL * expected_s:
        raise AudioDecodeError(
            label,
            f"the recording is truncated or damaged: its header says {expected_s:.2f} s "
            f"but only {decoded_s:.2f} s could be decoded; upload the complete file",
        )


def _too_long(label: str, seconds: float, limit: float) -> InputTooLarge:
    return InputTooLarge(f"{label}: the recording is longer than the limit ({seconds:.0f} s > {limit:.0f} s)")


def _ffmpeg_reason(exc: Exception) -> str:
    import av

    detail = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, EOFError):  # av's EOFError derives from the built-in one
        return (
            "the file ends before the recording does: it is truncated, or not audio; upload the complete file"
        )
    if isinstance(exc, av.InvalidDataError):
        return f"not a recognised audio format, or the data is corrupt (FFmpeg: {detail})"
    return f"FFmpeg could not decode the recording ({detail})"


def _layout_for(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
