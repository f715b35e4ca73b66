"""Small synthetic recordings for tests that need distinct, valid audio files."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def write_tone(
    path: Path, *, freq: float = 440.0, seconds: float = 0.5, rate: int = 16000, channels: int = 2
) -> Path:
    """A PCM16 WAV sine tone; a different ``freq`` gives a file with different content."""
    n = int(seconds * rate)
    frames = bytearray()
    for i in range(n):
        v = int(8000 * math.sin(2 * math.pi * freq * i / rate))
        frames += struct.pack("<" + "h" * channels, *([v] * channels))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path
