"""Helpers for the privacy tests: transcripts with word timestamps, tone recordings, no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av
import numpy as np

from asr.types import Transcript, Turn, Word

#: Seconds per word in ``make_turn``: each word lasts WORD_S - GAP_S, then a gap of GAP_S.
WORD_S = 0.5
GAP_S = 0.1


def make_turn(speaker: str, text: str, start: float, channel: int | None = None) -> Turn:
    """A turn whose words are text split on spaces, WORD_S apart from start."""
    words = [
        Word(start + i * WORD_S, start + i * WORD_S + WORD_S - GAP_S, w, 0.9)
        for i, w in enumerate(text.split(" "))
    ]
    return Turn(speaker, words[0].start, words[-1].end, text, words, channel)


def make_transcript(*turns: tuple[str, str, int]) -> Transcript:
    """Turns (speaker, text, channel) one after another, one second apart."""
    out, t = [], 0.0
    for speaker, text, channel in turns:
        turn = make_turn(speaker, text, t, channel)
        out.append(turn)
        t = turn.end + 1.0
    return Transcript(out, duration=t)


def write_stereo_tone(path: Path, *, rate: int = 22050, seconds: float = 2.0) -> np.ndarray:
    """A stereo sine recording written with PyAV (pcm_s16le); returns the int16 samples (2, n)."""
    n = int(rate * seconds)
    t = np.arange(n) / rate
    # Phases keep both channels away from zero near the edges the tests look at.
    data = np.stack([0.5 * np.sin(2 * np.pi * 440 * t + 1.0), 0.4 * np.sin(2 * np.pi * 330 * t + 2.0)])
    pcm = np.round(data * 32767).astype(np.int16)
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream("pcm_s16le", rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(pcm.T).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = rate
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return pcm


@contextmanager
def no_network() -> Iterator[None]:
    """Any attempt to open a network connection fails loudly inside this block."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    saved = socket.socket.connect, socket.create_connection, socket.getaddrinfo
    socket.socket.connect, socket.create_connection, socket.getaddrinfo = refuse, refuse, refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[method-assign]
