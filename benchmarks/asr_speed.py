"""Speed of the callscope ASR pipeline against calling faster-whisper directly, on the same recordings.

    python benchmarks/asr_speed.py [RECORDING ...] [--repeat 5] [--two-party-call] [--beam-size N] ...

(a) pipeline: ``asr.decode_audio`` + ``WhisperTranscriber.transcribe`` (channel planning, turns).
(b) raw:      ``faster_whisper.decode_audio`` + ``WhisperModel.transcribe`` per channel with the same
              model folder, compute type, threads, beam size, VAD options and word timestamps (the
              keyword arguments come from the same ``TranscribeOptions``), segments consumed.

Both transcribe the same channels: each channel of a stereo call; once for mono, and for stereo
files whose channels are copies of each other (the pipeline detects those; raw faster-whisper
gets the downmix, as a faster-whisper user would do for such a file).

Default recordings: tests/data/jfk.flac, tests/data/stereo_diarization.wav and demo/recordings/
*.flac|*.wav|*.ogg. ``--two-party-call`` adds a call-length stereo recording built from
shared/data/speech/pyannote/sample.wav (30 s, two people on the phone): each speaker's spans from
sample.rttm on their own channel.

Definitions:
  RTF per channel = wall seconds / (audio seconds × channels transcribed)   (lower is faster)
  overhead        = pipeline wall / raw wall − 1, from the medians

Both models are warmed up on every file first; then each repetition times both paths on each
file, alternating which goes first, and the median per file and path is reported. Whisper encodes
every chunk as a padded 30 s window, so the time of one encoder pass is also printed: a channel
of d seconds cannot go below RTF (encoder pass / d), whatever the pipeline does.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from asr import TranscribeOptions, WhisperTranscriber, decode_audio  # noqa: E402
from asr.transcriber import plan_channels, resolve_model  # noqa: E402

DEFAULT_FILES = [ROOT / "tests/data/jfk.flac", ROOT / "tests/data/stereo_diarization.wav"]
DEMO_DIR = ROOT / "demo/recordings"
PYANNOTE = ROOT.parent / "shared/data/speech/pyannote"


def default_files() -> list[Path]:
    demo = (
        sorted(p for ext in ("*.flac", "*.wav", "*.ogg") for p in DEMO_DIR.glob(ext))
        if DEMO_DIR.is_dir()
        else []
    )
    return [*DEFAULT_FILES, *demo]


def two_party_call(folder: Path) -> Path:
    """pyannote's sample conversation as a stereo call: each speaker's RTTM spans on one channel."""
    mono = decode_audio(PYANNOTE / "sample.wav").mono()
    channels = np.zeros((2, mono.size), np.float32)
    speakers: dict[str, int] = {}
    for line in (PYANNOTE / "sample.rttm").read_text().splitlines():
        fields = line.split()
        start, length, speaker = float(fields[3]), float(fields[4]), fields[7]
        ch = speakers.setdefault(speaker, len(speakers))
        a, b = int(max(0.0, start - 0.1) * 16000), int((start + length + 0.1) * 16000)
        channels[ch, a:b] = mono[a:b]
    path = folder / "two_party_call.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(channels.T, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def words_of(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path, help="recordings (default: see above)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per file and path (median)")
    parser.add_argument("--two-party-call", action="store_true", help="add the 30 s two-party stereo call")
    defaults = TranscribeOptions()
    parser.add_argument("--model", default=defaults.model)
    parser.add_argument("--compute-type", default=defaults.compute_type)
    parser.add_argument("--cpu-threads", type=int, default=defaults.cpu_threads)
    parser.add_argument("--beam-size", type=int, default=defaults.beam_size)
    parser.add_argument("--vad-min-silence-ms", type=int, default=defaults.vad_min_silence_ms)
    parser.add_argument("--vad-speech-pad-ms", type=int, default=defaults.vad_speech_pad_ms)
    parser.add_argument("--no-vad", action="store_true")
    parser.add_argument("--no-word-timestamps", action="store_true")
    args = parser.parse_args(argv)

    options = TranscribeOptions(
        model=args.model,
        compute_type=args.compute_type,
        cpu_threads=args.cpu_threads,
        beam_size=args.beam_size,
        vad=not args.no_vad,
        vad_min_silence_ms=args.vad_min_silence_ms,
        vad_speech_pad_ms=args.vad_speech_pad_ms,
        word_timestamps=not args.no_word_timestamps,
    )
    tmp = tempfile.TemporaryDirectory()
    files = list(args.files) or default_files()
    if args.two_party_call:
        files.append(two_party_call(Path(tmp.name)))

    # The raw path talks to faster-whisper itself, with its own model instance of the same folder.
    import faster_whisper
    from faster_whisper.audio import pad_or_trim

    transcriber = WhisperTranscriber(options)
    raw_model = faster_whisper.WhisperModel(
        resolve_model(options.model),
        device=options.device,
        compute_type=options.compute_type,
        cpu_threads=options.cpu_threads,
        local_files_only=True,
    )
    kwargs = options.faster_whisper_kwargs()

    def pipeline(path: Path) -> str:
        return " ".join(t.text for t in transcriber.transcribe(decode_audio(path)).turns)

    def raw(path: Path, split: bool) -> str:
        audio = faster_whisper.decode_audio(str(path), split_stereo=split)
        texts: list[str] = []
        for channel in audio if split else (audio,):
            segments, _ = raw_model.transcribe(channel, **kwargs)
            texts.extend(s.text for s in segments)  # consuming the generator runs the model
        return " ".join(texts)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    print(
        f"faster-whisper {faster_whisper.__version__}; model={options.model}"
        f" compute_type={options.compute_type} cpu_threads={options.cpu_threads}"
        f" beam_size={options.beam_size} vad={options.vad}"
        f" (min_silence={options.vad_min_silence_ms} ms, pad={options.vad_speech_pad_ms} ms)"
        f" word_timestamps={options.word_timestamps}; repeat={args.repeat}"
    )
    window = pad_or_trim(raw_model.feature_extractor(np.zeros(30 * 16000, np.float32)))
    raw_model.encode(window)
    encode_times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        raw_model.encode(window)
        encode_times.append(time.perf_counter() - started)
    encode_s = statistics.median(encode_times)
    print(
        f"one encoder pass over a 30 s window: {encode_s:.3f} s "
        f"(RTF floor of a 5 s channel: {encode_s / 5:.3f})\n"
    )

    rows = []
    for path in files:
        decoded = decode_audio(path)
        passes = len(plan_channels(decoded, options))
        if passes > 2:
            print(f"skipping {path.name}: the raw baseline handles at most 2 channels")
            continue
        split = passes == 2
        runs: dict[str, Callable[[], str]] = {
            "pipeline": functools.partial(pipeline, path),
            "raw": functools.partial(raw, path, split),
        }
        texts = {name: fn() for name, fn in runs.items()}  # warm-up, and the outputs to compare
        times: dict[str, list[float]] = {"pipeline": [], "raw": []}
        for i in range(args.repeat):
            for name in ("pipeline", "raw") if i % 2 == 0 else ("raw", "pipeline"):
                started = time.perf_counter()
                runs[name]()
                times[name].append(time.perf_counter() - started)
        same = sorted(words_of(texts["pipeline"])) == sorted(words_of(texts["raw"]))
        rows.append(
            (path.name, decoded.duration, passes, statistics.median(times["pipeline"]),
             statistics.median(times["raw"]), same)
        )  # fmt: skip

    header = (
        f"{'recording':<26} {'audio s':>8} {'ch':>3} {'pipeline s':>11} {'raw s':>8} "
        f"{'RTF pipe':>9} {'RTF raw':>8} {'overhead':>9}  same words"
    )
    print(header)
    print("-" * len(header))
    for name, dur, ch, pipe_s, raw_s, same in rows:
        print(
            f"{name:<26} {dur:8.2f} {ch:3d} {pipe_s:11.3f} {raw_s:8.3f} {pipe_s / (dur * ch):9.3f} "
            f"{raw_s / (dur * ch):8.3f} {pipe_s / raw_s - 1:+9.1%}  {'yes' if same else 'NO'}"
        )
    channel_s = sum(dur * ch for _, dur, ch, *_ in rows)
    pipe_total = sum(r[3] for r in rows)
    raw_total = sum(r[4] for r in rows)
    print("-" * len(header))
    print(
        f"{'all':<26} {channel_s:8.2f} {'':>3} {pipe_total:11.3f} {raw_total:8.3f} "
        f"{pipe_total / channel_s:9.3f} {raw_total / channel_s:8.3f} {pipe_total / raw_total - 1:+9.1%}"
    )
    print(
        f"\nRTF per channel, all recordings: pipeline {pipe_total / channel_s:.3f}, "
        f"raw {raw_total / channel_s:.3f}"
        f" (target <= 0.10); pipeline/raw {pipe_total / raw_total:.3f} (target <= 1.10)"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at end (other processes on the machine skew every figure)")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
