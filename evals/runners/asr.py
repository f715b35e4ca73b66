"""The ``asr`` task: transcribe labeled calls that have audio and reference turns, and score them.

Both sides are normalised with ``evals.textnorm`` and put in time order: reference words are spread
evenly over their turn's ``start``–``end`` (file order when a turn has no times), hypothesis words
carry the model's word times.

- ``wer``: corpus word error rate, Σ(S + D + I) / Σ N over every file. When the transcript names
  the parties (one party per channel) and the reference does too, a file's errors are counted per
  party stream (the agent's words against the agent's, the customer's against the customer's, as
  cpWER does with the speaker mapping fixed by the channels), so overlapping speech does not
  depend on how two parties' words interleave; a word given to the wrong party then counts as an
  error in both streams. Otherwise the whole time-ordered text is one stream.
- ``wer_agent`` / ``wer_customer``: the party streams on their own. Only files whose transcript
  names the parties count; a mono transcript's speaker is ``unknown``.
- ``speaker_accuracy``: on those files, the reference and hypothesis words in time order are
  aligned by minimum edit distance; of the reference words aligned to a hypothesis word (match or
  substitution), the share whose hypothesis turn has the reference word's speaker.
- ``rtf``: Σ processing time / Σ audio duration (decoding and transcription; the model is loaded
  before the clock starts).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from common.errors import InvalidInput
from common.formats import LabeledCall, LineError
from evals.inputs import EvalData
from evals.metrics import WordErrors, speaker_attribution, word_errors
from evals.results import Prediction, Sample, SystemResult
from evals.runners.base import TaskContext, TaskOutcome, evenly_spaced, load_model
from evals.textnorm import normalize_words
from evals.types import LabeledCalls

__all__ = ["run_asr"]

PARTIES = ("agent", "customer")


def _model_name(transcriber: Any) -> str:
    options = getattr(transcriber, "options", None)
    model = getattr(options, "model", None)
    return f"whisper {model}" if model else type(transcriber).__name__


def _for_call(transcriber: Any, call: LabeledCall) -> Any:
    """The transcriber with the call's agent channel (a copy sharing the loaded model)."""
    from asr import WhisperTranscriber

    agent = call.channels.get("agent", 0)
    if isinstance(transcriber, WhisperTranscriber) and transcriber.options.agent_channel != agent:
        copy = WhisperTranscriber(dataclasses.replace(transcriber.options, agent_channel=agent))
        copy._model = transcriber.model
        return copy
    return transcriber


def _reference_turns(call: LabeledCall) -> list[tuple[str, str]]:
    turns = list(call.turns)
    if turns and all(t.start is not None for t in turns):
        turns.sort(key=lambda t: t.start or 0.0)
    return [(t.speaker, t.text) for t in turns]


def _spread(words: list[str], start: float | None, end: float | None, order: float) -> list[float]:
    if start is None:
        return [order] * len(words)
    stop = end if end is not None and end > start else start
    step = (stop - start) / max(1, len(words))
    return [start + step * (i + 0.5) for i in range(len(words))]


def _timed_reference(call: LabeledCall) -> list[tuple[str, str, float]]:
    """``(word, speaker, time)`` of the reference in time order (file order without times)."""
    timed = all(t.start is not None for t in call.turns)
    out: list[tuple[str, str, float]] = []
    for i, turn in enumerate(call.turns):
        words = normalize_words(turn.text)
        times = _spread(words, turn.start if timed else None, turn.end, float(i))
        out += [(w, turn.speaker, t) for w, t in zip(words, times, strict=True)]
    out.sort(key=lambda x: x[2])
    return out


def _timed_hypothesis(transcript: Any) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for turn in transcript.turns:
        words = normalize_words(turn.text)
        timed = [(normalize_words(w.word), w.start) for w in turn.words]
        if [x for ws, _ in timed for x in ws] == words:
            out += [(x, turn.speaker, start) for ws, start in timed for x in ws]
        else:  # the model's word split differs from ours: spread over the turn
            out += [
                (w, turn.speaker, t)
                for w, t in zip(words, _spread(words, turn.start, turn.end, 0), strict=True)
            ]
    out.sort(key=lambda x: x[2])
    return out


def _ratio(errors: WordErrors) -> float | None:
    return errors.wer


def run_asr(data: EvalData, ctx: TaskContext) -> TaskOutcome:
    if not isinstance(data.data, LabeledCalls):
        raise InvalidInput(f"the asr task reads labeled calls (FORMATS.md §1); {data.source} is {data.kind}")
    calls = data.data
    usable = [c for c in calls.calls if c.audio and c.turns and c.channel == "voice"]
    notes: list[str] = []
    if len(usable) < len(calls.calls):
        notes.append(
            f"{len(calls.calls) - len(usable)} of {len(calls.calls)} calls have no audio or no reference "
            f"turns and are not part of the asr task"
        )
    chosen = evenly_spaced(usable, ctx.limit)
    transcriber, unavailable = load_model(ctx, data, "asr")
    if unavailable is not None:
        return TaskOutcome(n=len(chosen), model=unavailable, notes=notes)
    name = _model_name(transcriber)
    if hasattr(transcriber, "model"):
        _ = transcriber.model  # load before the clock starts
    from asr import decode_audio
    from common.errors import CallscopeError

    total = WordErrors()
    by_party = {p: WordErrors() for p in PARTIES}
    same = aligned = 0
    processing = audio_s = 0.0
    per_item: dict[str, dict[str, Any]] = {}
    samples: list[Sample] = []
    latencies: list[float] = []
    skipped: list[LineError] = []
    for i, call in enumerate(chosen, start=1):
        path = call.audio_path(calls.base_dir)
        assert path is not None
        ctx.progress(f"asr {i}/{len(chosen)}: {call.call_id}")
        started = time.perf_counter()
        try:
            audio = decode_audio(path)
            transcript = _for_call(transcriber, call).transcribe(audio)
        except CallscopeError as exc:
            skipped.append(LineError(path=str(path), line=0, message=f"{call.call_id}: {exc}"))
            continue
        elapsed = time.perf_counter() - started
        processing += elapsed
        audio_s += audio.duration
        latencies.append(elapsed * 1000)

        ref_turns = _reference_turns(call)
        ref = [(w, speaker) for w, speaker, _ in _timed_reference(call)]
        hyp = [(w, speaker) for w, speaker, _ in _timed_hypothesis(transcript)]
        hyp_parties = {t.speaker for t in transcript.turns} & set(PARTIES)
        ref_parties = {s for s, _ in ref_turns}
        by_speaker = bool(hyp_parties) and ref_parties <= set(PARTIES)
        if by_speaker:
            errors = WordErrors()
            for party in sorted(ref_parties | {s for _, s in hyp}):
                errors += word_errors([w for w, s in ref if s == party], [w for w, s in hyp if s == party])
        else:
            errors = word_errors([w for w, _ in ref], [w for w, _ in hyp])
        total += errors
        item: dict[str, Any] = {
            "wer": errors.wer,
            "reference_words": errors.reference_words,
            "substitutions": errors.substitutions,
            "deletions": errors.deletions,
            "insertions": errors.insertions,
            "duration_s": round(audio.duration, 3),
            "rtf": elapsed / audio.duration if audio.duration else None,
        }
        if by_speaker:
            for party in PARTIES:
                ref_p = [w for w, s in ref if s == party]
                if ref_p:
                    party_errors = word_errors(ref_p, [w for w, s in hyp if s == party])
                    by_party[party] += party_errors
                    item[f"wer_{party}"] = party_errors.wer
            s_same, s_aligned = speaker_attribution(ref, hyp)
            same += s_same
            aligned += s_aligned
            item["speaker_accuracy"] = s_same / s_aligned if s_aligned else None
        per_item[call.call_id] = item
        reference_text = " ".join(text for _, text in ref_turns)
        hypothesis_text = " ".join(t.text for t in transcript.turns)
        samples.append(
            Sample(
                id=call.call_id,
                expected=reference_text,
                input=str(path),
                predictions={
                    name: Prediction(
                        predicted=hypothesis_text,
                        correct=errors.wer == 0 if errors.wer is not None else None,
                        score=errors.wer,
                        evidence={
                            "turns": [
                                {"speaker": t.speaker, "start": t.start, "end": t.end, "text": t.text}
                                for t in transcript.turns
                            ],
                            "normalized_reference": " ".join(w for w, _ in ref),
                            "normalized_hypothesis": " ".join(w for w, _ in hyp),
                        },
                    )
                },
            )
        )
    metrics: dict[str, float | int | None] = {
        "wer": total.wer,
        "wer_agent": _ratio(by_party["agent"]),
        "wer_customer": _ratio(by_party["customer"]),
        "speaker_accuracy": same / aligned if aligned else None,
        "rtf": processing / audio_s if audio_s else None,
        "reference_words": total.reference_words,
        "audio_s": round(audio_s, 3),
    }
    model = SystemResult(
        name=name,
        metrics=metrics,
        per_item=per_item,
        latencies_ms=latencies,
        latency_label="transcription time per file (ms)",
    )
    config: dict[str, Any] = {"normalisation": "evals.textnorm: lowercase, no punctuation, digit by digit"}
    if hasattr(transcriber, "options"):
        options = transcriber.options
        config["transcribe"] = {
            k: getattr(options, k) for k in ("model", "compute_type", "beam_size", "vad", "cpu_threads")
        }
    return TaskOutcome(
        n=len(samples), model=model, samples=samples, notes=notes, config=config, skipped=skipped
    )
