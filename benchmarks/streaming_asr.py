"""Accuracy, segmentation and endpoint latency of ``asr.StreamingTranscriber`` on recordings fed live.

    python benchmarks/streaming_asr.py [--set demo|agent|real|phone|all|every] [--repeat 3] \
        [--endpoint-silence 0.7] [--min-window 30] ...   (any StreamingOptions field, see --help)

Each stream is fed in 100 ms frames as fast as possible, every ``feed`` call timed. Sets:
  demo:  the customer channel (1) of each call in demo/recordings (manifest turns are the reference)
  agent: the agent channel (0) of the same calls, another synthetic voice
  real:  tests/data/jfk.flac, both channels of tests/data/stereo_diarization.wav, the LibriVox
         utterances of shared/data/speech/pocketsphinx_testdata and realpython/harvard.wav
  phone: shared/data/speech/pyannote/sample.wav, a 30 s telephone conversation (both parties, one
         channel; reference from sample.stm)
  all = demo + real + phone; every = all + agent

Reported per set: WER of the finals' text (evals.textnorm on both sides), finals against reference
turns (demo), RTF (processing seconds / audio seconds) and, per final of a reference turn:

  wait     = audio fed when the final came out − the turn's end of speech (endpoint silence wait)
  proc     = processing time of the feed calls from the one holding the end of speech to the one
             that returned the final; wait + proc is the endpoint latency counted pessimistically
             (the final decode actually runs during the wait)
  realtime = when the final would come out if frames arrived in real time and each feed call ran
             when both its frame and the previous call were done, minus the end of speech

Timings on a shared machine are noisy: ``--repeat`` runs every stream again and the median over
repeats of each turn's numbers is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from asr import StreamingOptions, StreamingTranscriber, StreamUpdate, decode_audio  # noqa: E402
from evals.textnorm import normalize_text  # noqa: E402

SPEECH = ROOT.parent / "shared/data/speech"
FRAME_S = 0.1


@dataclass
class Stream:
    name: str
    group: str
    samples: np.ndarray
    reference: str
    turns: list[tuple[float, float, str]] = field(default_factory=list)  # reference (start, end, text)


@dataclass
class Run:
    updates: list[tuple[int, StreamUpdate]]  # (index of the feed call that returned it, update)
    durations: list[float]  # seconds per feed call; the last one is finish()
    frame_ends: list[float]  # stream seconds fed after each call


def load_streams(which: str) -> list[Stream]:
    streams: list[Stream] = []
    for group, party in (("demo", "customer"), ("agent", "agent")):
        if which not in (group, "every") and not (which == "all" and group == "demo"):
            continue
        manifest = json.loads((ROOT / "demo/recordings/manifest.json").read_text())
        for call in manifest["calls"]:
            channel = call["channels"][party]
            audio = decode_audio(ROOT / "demo/recordings" / call["file"])
            turns = [(t["start"], t["end"], t["text"]) for t in call["turns"] if t["channel"] == channel]
            reference = " ".join(t[2] for t in turns)
            name = call["call_id"] if party == "customer" else f"{call['call_id']}/agent"
            streams.append(Stream(name, group, audio.channel(channel), reference, turns))
    if which in ("real", "all", "every"):
        data = ROOT / "tests/data"
        jfk = (
            "And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country."
        )
        streams.append(Stream("jfk", "real", decode_audio(data / "jfk.flac").channel(0), jfk))
        stereo = decode_audio(data / "stereo_diarization.wav")
        left = (
            "He began a confused complaint against the wizard, who had vanished behind the curtain "
            "on the left."
        )
        streams.append(Stream("stereo-left", "real", stereo.channel(0), left))
        streams.append(
            Stream("stereo-right", "real", stereo.channel(1), "The horizon seems extremely distant.")
        )
        librivox = SPEECH / "pocketsphinx_testdata/librivox"
        if librivox.is_dir():
            for line in (librivox / "transcription").read_text().splitlines():
                text, _, file_id = line.rpartition("(")
                text = text.replace("<s>", "").replace("</s>", "").strip()
                path = librivox / f"{file_id.strip(' )')}.wav"
                streams.append(Stream(path.stem[-4:], "real", decode_audio(path).channel(0), text))
        harvard = SPEECH / "realpython/harvard.wav"
        if harvard.is_file():
            text = (
                "The stale smell of old beer lingers. It takes heat to bring out the odor. A cold dip "
                "restores health and zest. A salt pickle tastes fine with ham. Tacos al pastor are my "
                "favorite. A zestful food is the hot cross bun."
            )
            streams.append(Stream("harvard", "real", decode_audio(harvard).channel(0), text))
    if which in ("phone", "all", "every"):
        stm = SPEECH / "pyannote/sample.stm"
        if stm.is_file():
            turns = []
            for line in stm.read_text().splitlines():
                parts = line.split(maxsplit=5)
                turns.append((float(parts[3]), float(parts[4]), parts[5]))
            mono = decode_audio(SPEECH / "pyannote/sample.wav").channel(0)
            streams.append(Stream("pyannote", "phone", mono, " ".join(t[2] for t in turns)))
    return streams


def run_stream(stream: Stream, options: StreamingOptions) -> Run:
    transcriber = StreamingTranscriber(options)
    frame = int(FRAME_S * 16000)
    updates: list[tuple[int, StreamUpdate]] = []
    durations: list[float] = []
    frame_ends: list[float] = []
    for i in range(0, stream.samples.shape[0], frame):
        chunk = stream.samples[i : i + frame]
        t0 = time.perf_counter()
        out = transcriber.feed(chunk)
        durations.append(time.perf_counter() - t0)
        frame_ends.append(transcriber.seconds_received)
        updates += [(len(durations) - 1, u) for u in out]
    t0 = time.perf_counter()
    out = transcriber.finish()
    durations.append(time.perf_counter() - t0)
    frame_ends.append(transcriber.seconds_received)
    updates += [(len(durations) - 1, u) for u in out]
    return Run(updates, durations, frame_ends)


@dataclass
class Latency:
    wait: float
    proc: float
    realtime: float


def turn_latencies(stream: Stream, run: Run) -> list[Latency | None]:
    """Latencies of the last final that overlaps each reference turn (None: no final)."""
    finals = [(i, u) for i, u in run.updates if u.kind == "final"]
    # Real-time replay: call k may start when its frame has arrived and call k-1 is done.
    done: list[float] = []
    for k, d in enumerate(run.durations):
        done.append(max(run.frame_ends[k], done[-1] if done else 0.0) + d)
    out: list[Latency | None] = []
    for start, end, _ in stream.turns:
        match = [(i, u) for i, u in finals if u.start < end and u.end > start]
        if not match:
            out.append(None)
            continue
        i, u = match[-1]
        first = next(k for k, fed in enumerate(run.frame_ends) if fed >= end)
        out.append(Latency(u.decoded_at - end, sum(run.durations[first : i + 1]), done[i] - end))
    return out


def summary(label: str, values: list[float]) -> str:
    ranked = sorted(values)
    p95 = ranked[min(len(ranked) - 1, round(0.95 * (len(ranked) - 1)))]
    return (
        f"  {label:9s} median {statistics.median(ranked):.3f}  p95 {p95:.3f}  "
        f"max {ranked[-1]:.3f} s   (n={len(ranked)})"
    )


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalize_text(reference), normalize_text(hypothesis) or "<empty>"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", default="all", choices=["demo", "agent", "real", "phone", "all", "every"])
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--step", type=float)
    p.add_argument("--endpoint-silence", type=float)
    p.add_argument("--pad", type=float)
    p.add_argument("--confirm-lag", type=float)
    p.add_argument("--margin", type=float)
    p.add_argument("--min-window", type=float)
    p.add_argument("--partial-beam", type=int)
    p.add_argument("--final-beam", type=int)
    p.add_argument("--agreement", type=int)
    p.add_argument("--max-utterance", type=float)
    p.add_argument("--show", action="store_true", help="print each stream's finals")
    args = p.parse_args()
    names = {
        "step": "step_s",
        "endpoint_silence": "endpoint_silence_s",
        "pad": "speech_pad_s",
        "confirm_lag": "confirm_lag_s",
        "margin": "window_margin_s",
        "min_window": "min_window_s",
        "partial_beam": "partial_beam_size",
        "final_beam": "final_beam_size",
        "agreement": "agreement",
        "max_utterance": "max_utterance_s",
    }
    options = StreamingOptions(
        **{v: getattr(args, k) for k, v in names.items() if getattr(args, k) is not None}
    )
    print(options)
    streams = load_streams(args.set)
    StreamingTranscriber(options).feed(streams[0].samples[:16000])  # load the models

    runs: dict[str, list[Run]] = {s.name: [] for s in streams}
    for _ in range(args.repeat):
        for s in streams:
            runs[s.name].append(run_stream(s, options))

    every_ref: list[str] = []
    every_hyp: list[str] = []
    for group in ("demo", "agent", "real", "phone"):
        members = [s for s in streams if s.group == group]
        if not members:
            continue
        refs: list[str] = []
        hyps: list[str] = []
        lat: list[Latency] = []
        counts: list[tuple[int, int]] = []
        bounds: list[tuple[float, float]] = []
        proc_total = audio_total = 0.0
        for s in members:
            first = runs[s.name][0]
            finals = [u for _, u in first.updates if u.kind == "final"]
            refs.append(s.reference)
            hyps.append(" ".join(u.text for u in finals))
            proc_total += statistics.median(sum(r.durations) for r in runs[s.name])
            audio_total += s.samples.shape[0] / 16000
            if args.show:
                print(f"  {s.name}: WER {wer(s.reference, hyps[-1]):.3f}")
                for u in finals:
                    print(f"    [{u.start:6.2f} {u.end:6.2f}] {u.text}")
            if not s.turns:
                continue
            counts.append((len(finals), len(s.turns)))
            for start, end, _ in s.turns:
                over = [u for u in finals if u.start < end and u.end > start]
                if over:
                    bounds.append((abs(over[0].start - start), abs(over[-1].end - end)))
            per_run = [turn_latencies(s, r) for r in runs[s.name]]
            for j in range(len(s.turns)):
                got = [x for x in (pr[j] for pr in per_run) if x is not None]
                if got:  # the median over repeats of each number
                    lat.append(
                        Latency(
                            statistics.median(x.wait for x in got),
                            statistics.median(x.proc for x in got),
                            statistics.median(x.realtime for x in got),
                        )
                    )
        every_ref += refs
        every_hyp += hyps
        print(f"\n{group}: {len(members)} streams, {audio_total:.0f} s")
        print(f"  WER {wer(' '.join(refs), ' '.join(hyps)):.3f}   RTF {proc_total / audio_total:.3f}")
        if counts:
            print("  finals / reference turns per stream:", " ".join(f"{a}/{b}" for a, b in counts))
            starts, ends = [b[0] for b in bounds], [b[1] for b in bounds]
            print(
                f"  |start error| median {statistics.median(starts):.2f} max {max(starts):.2f} s; "
                f"|end error| median {statistics.median(ends):.2f} max {max(ends):.2f} s"
            )
        if lat:
            print(summary("wait", [x.wait for x in lat]))
            print(summary("proc", [x.proc for x in lat]))
            print(summary("wait+proc", [x.wait + x.proc for x in lat]))
            print(summary("realtime", [x.realtime for x in lat]))

    words = sum(len(normalize_text(r).split()) for r in every_ref)
    print(f"\nall streams: WER {wer(' '.join(every_ref), ' '.join(every_hyp)):.3f} over {words} words")


if __name__ == "__main__":
    main()
