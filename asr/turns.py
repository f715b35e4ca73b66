"""Turning recogniser segments into speaker turns: pure functions, tested without a model.

Invariant kept throughout: a turn with words has ``text == " ".join(w.word for w in words)``, so
character offsets in ``text`` (PII spans, QA evidence) map back to word time spans.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from asr.types import Turn, Word

__all__ = ["ChannelSegments", "SegmentLike", "WordLike", "build_turns", "merge_turns", "segment_to_turns"]


class WordLike(Protocol):
    """What a recogniser word needs to offer (faster-whisper's ``Word`` fits)."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def word(self) -> str: ...
    @property
    def probability(self) -> float: ...


class SegmentLike(Protocol):
    """What a recogniser segment needs to offer (faster-whisper's ``Segment`` fits)."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def words(self) -> Sequence[WordLike] | None: ...


@dataclass(slots=True)
class ChannelSegments:
    """The segments recognised on one channel and who spoke on it."""

    speaker: str
    channel: int | None
    segments: Iterable[SegmentLike]


def build_turns(
    channels: Sequence[ChannelSegments],
    *,
    duration: float,
    pause_split_s: float,
    merge_gap_s: float | None,
) -> list[Turn]:
    """All channels' segments as turns sorted by start time.

    Each segment becomes a turn, split where words pause for ``pause_split_s`` or longer. With
    ``merge_gap_s`` set (stereo), consecutive turns of the same speaker and channel closer than
    that are then joined; ``None`` (mono) keeps segment boundaries, the only cue left for a change
    of speaker when there is one channel.
    """
    turns: list[Turn] = []
    for ch in channels:
        for segment in ch.segments:
            turns.extend(
                segment_to_turns(
                    segment,
                    speaker=ch.speaker,
                    channel=ch.channel,
                    duration=duration,
                    pause_split_s=pause_split_s,
                )
            )
    if merge_gap_s is None:
        return sorted(turns, key=_order)
    return merge_turns(turns, max_gap_s=merge_gap_s)


def segment_to_turns(
    segment: SegmentLike,
    *,
    speaker: str,
    channel: int | None,
    duration: float,
    pause_split_s: float,
) -> list[Turn]:
    """One segment as one or more turns (split at long pauses); [] when it holds no text."""
    seg_start = _clamp(segment.start, duration)
    seg_end = max(seg_start, _clamp(segment.end, duration))
    words: list[Word] = []
    for w in segment.words or ():
        text = w.word.strip()  # Whisper words carry their leading space
        if not text:
            continue
        start = _clamp(w.start, duration)
        end = max(start, _clamp(w.end, duration))
        if words and not w.word[:1].isspace():
            # No leading space: the piece continues the word before ("cold" + "-hearted", "fifty" + "-five").
            prev = words[-1]
            words[-1] = Word(
                prev.start, max(prev.end, end), prev.word + text, min(prev.probability, float(w.probability))
            )
        else:
            words.append(Word(start, end, text, float(w.probability)))
    if not words:
        text = " ".join(segment.text.split())
        if not text or segment.words:  # words that were all blank: nothing was said
            return []
        return [Turn(speaker=speaker, start=seg_start, end=seg_end, text=text, channel=channel)]

    groups: list[list[Word]] = [[words[0]]]
    for prev, word in itertools.pairwise(words):
        if word.start - prev.end >= pause_split_s:
            groups.append([word])
        else:
            groups[-1].append(word)
    turns = []
    for i, group in enumerate(groups):
        # The segment's own bounds frame its first and last piece; words never stick out.
        start = min(seg_start, group[0].start) if i == 0 else group[0].start
        end = max(seg_end, group[-1].end) if i == len(groups) - 1 else group[-1].end
        turns.append(
            Turn(
                speaker=speaker,
                start=start,
                end=max(end, max(w.end for w in group)),
                text=" ".join(w.word for w in group),
                words=group,
                channel=channel,
            )
        )
    return turns


def merge_turns(turns: Iterable[Turn], *, max_gap_s: float) -> list[Turn]:
    """Sort turns by start and join neighbours of one speaker and channel less than ``max_gap_s`` apart.

    Only neighbours in start order are joined, so a turn is never merged across another party
    who started speaking in between (a backchannel "mm-hmm" keeps the turns apart).
    """
    merged: list[Turn] = []
    for turn in sorted(turns, key=_order):
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.speaker == turn.speaker
            and prev.channel == turn.channel
            and turn.start - prev.end < max_gap_s
        ):
            merged[-1] = Turn(
                speaker=prev.speaker,
                start=min(prev.start, turn.start),
                end=max(prev.end, turn.end),
                text=f"{prev.text} {turn.text}",
                words=[*prev.words, *turn.words],
                channel=prev.channel,
            )
        else:
            merged.append(turn)
    return merged


def _order(turn: Turn) -> tuple[float, float, int]:
    return (turn.start, turn.end, -1 if turn.channel is None else turn.channel)


def _clamp(t: float, duration: float) -> float:
    return min(max(float(t), 0.0), duration)
