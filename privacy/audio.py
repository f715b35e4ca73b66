"""Audio redaction: silence the time ranges of redacted spans in a copy of the recording."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import InvalidInput
from privacy.types import RedactedSpan

if TYPE_CHECKING:
    import numpy as np

__all__ = ["silence_spans"]

# Output codecs by extension: lossless, so nothing but the silenced ranges changes audibly.
_CODECS = {".wav": "pcm_s16le", ".flac": "flac"}
_FRAME = 4096  # samples per encoded frame
_EPS = 1e-6  # in samples


def _encode(samples: np.ndarray, sample_rate: int, out_path: Path, codec: str) -> None:
    import av
    import numpy as np

    channels = samples.shape[0]
    layout = av.AudioLayout(f"{channels}c")  # FFmpeg's default layout: mono, stereo, 5.1, ...
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype(np.int16)
    interleaved = np.ascontiguousarray(pcm.T).reshape(1, -1)  # packed s16: L R L R ...
    # Write next to the target and rename, so a crash never leaves a half-redacted file behind.
    tmp = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
    try:
        with av.open(str(tmp), "w") as container:
            stream = container.add_stream(codec, rate=sample_rate, layout=layout)
            assert isinstance(stream, av.AudioStream)  # narrows the type: an audio codec makes one
            for i in range(0, pcm.shape[1], _FRAME):
                chunk = interleaved[:, i * channels : (i + _FRAME) * channels]
                frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=layout)
                frame.sample_rate = sample_rate
                frame.pts = i
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)


def silence_spans(
    source: str | Path,
    spans: Sequence[RedactedSpan],
    out_path: str | Path,
    *,
    padding_s: float = 0.15,
) -> int:
    """Write a copy of source with every span's time range, padded by padding_s on both sides,
    silenced on all channels (speech leaks across channels through echo and crosstalk).

    The copy keeps the original sample rate and channel count; out_path's extension picks the
    format: .wav (16-bit PCM) or .flac (16-bit). Spans without times (turns without words) are
    skipped. Returns how many spans silenced at least one sample. Raises ``AudioDecodeError``
    when source cannot be decoded, ``InvalidInput`` for an unsupported out_path or padding.
    """
    # The module, not the package: importing asr's audio half does not need its transcriber.
    from asr.audio import decode_audio

    source, out_path = Path(source), Path(out_path)
    codec = _CODECS.get(out_path.suffix.lower())
    if codec is None:
        raise InvalidInput(
            f"{out_path}: cannot write redacted audio as '{out_path.suffix}'; use a .wav or .flac path"
        )
    if padding_s < 0 or not math.isfinite(padding_s):
        raise InvalidInput(f"padding_s must be a finite number >= 0, got {padding_s}")
    if not out_path.parent.is_dir():
        raise InvalidInput(f"{out_path}: the folder {out_path.parent} does not exist; create it first")

    audio = decode_audio(source, sample_rate=None)  # native rate, every channel
    samples = audio.samples.copy()
    rate, n = audio.sample_rate, samples.shape[1]
    silenced = 0
    for span in spans:
        if span.start is None or span.end is None:
            continue
        # The epsilon absorbs float error in seconds (1.2 - 0.1 is 1.0999...), so a range that
        # starts on a sample boundary does not also silence the sample before it.
        first = max(0, math.floor((span.start - padding_s) * rate + _EPS))
        last = min(n, math.ceil((span.end + padding_s) * rate - _EPS))
        if first < last:
            samples[:, first:last] = 0.0
            silenced += 1
    _encode(samples, rate, out_path, codec)
    return silenced
