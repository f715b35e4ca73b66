#!/usr/bin/env python3
"""Make the synthetic "live calls" for the assist latency benchmark and the browser test
(generated synthetic demo data for the FICTIONAL carrier Brightline Mobile).

Each call is a customer asking one knowledge question after another (9 per call, 36 in all), each
about a different document of the demo knowledge base in ``demo/knowledge/``, and an agent who
answers with a short turn ("Sure, let me check that for you."). Some questions lean on an earlier
turn ("And how much is that phone per month?"). The manifest lists, for every customer turn, the
knowledge-base document ids that a good assistant should suggest (``expected``; ``[]`` for turns
with nothing to suggest: identity details, goodbyes, a promotion that is not valid on the call's
date).

The audio is made exactly as ``scripts/make_demo_audio.py`` makes the demo calls, with its code:
agent = eSpeak NG on channel 0, customer = the Piper ``en_US-joe-medium`` voice on channel 1,
16 kHz 16-bit stereo FLAC, turn times measured from the synthesized audio. Gaps between turns are
0.4-0.9 s from a seeded RNG; the output is deterministic.

    python scripts/make_live_calls.py --out demo/live
    # also transcribe every call with the project's ASR (bundled Whisper tiny.en) and check that
    # each customer question is recognisable (word error rate per turn):
    python scripts/make_live_calls.py --out demo/live --verify
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_demo_audio as demo  # the sibling script, for its audio code

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "demo" / "knowledge"
DEFAULT_SEED = 20_261_123
GAP_S = (0.4, 0.9)
QUESTION_S = (3.0, 7.0)
CALL_S = (60.0, 100.0)

MANIFEST_NOTE = (
    "generated synthetic demo data: live calls for the assist latency benchmark, with the knowledge "
    "base documents each customer question should bring up. Fictional company (Brightline Mobile), "
    "invented people, scripted and spoken by text-to-speech. Not real calls."
)

RATES = "products/roaming-rates.html"
VOICEMAIL = "procedures/voicemail-reset.txt"
DEVICECARE_TERMS = "policies/devicecare-terms.pdf"


@dataclass(frozen=True)
class Line:
    speaker: demo.Speaker
    text: str
    expected: tuple[str, ...] = ()  # customer turns only: the documents to suggest


def A(text: str) -> Line:
    return Line("agent", text)


def C(text: str, *expected: str) -> Line:
    return Line("customer", text, expected)


@dataclass(frozen=True)
class LiveCall:
    call_id: str
    title: str
    started_at: str
    agent_voice: str
    lines: tuple[Line, ...]


CALLS: tuple[LiveCall, ...] = (
    LiveCall(
        call_id="live-001-plans-and-offers",
        title="Shopping for a plan: Holiday Unlimited, plans, home internet, phones",
        started_at="2026-11-23T10:05:00Z",
        agent_voice="en-us+f5",
        lines=(
            A("Thank you for calling Brightline Mobile, this is Anna. How can I help you today?"),
            C(
                "Hi Anna. I saw an ad for the Holiday Unlimited deal. What exactly is that offer?",
                "promo-holiday-unlimited",
            ),
            A("Sure, let me pull that up for you."),
            C(
                "Okay. And what do I get with the Brightline Basic plan, how much data?",
                "plan-brightline-basic",
            ),
            A("Let me check that for you."),
            C("How much hotspot data comes with the Unlimited Plus plan?", "plan-unlimited-plus"),
            A("Good question, one moment."),
            C(
                "What happens if I use up all my data before the end of the month?",
                "proc-data-usage-throttling",
                "plan-brightline-basic",
            ),
            A("I'll explain that in a second."),
            C(
                "Can I also get five G home internet at my house, and how do you check?",
                "product-5g-home-internet",
            ),
            A("I can check your address for you."),
            C(
                "And what would it cost me to make international calls to my family in India?",
                "product-international-calling",
            ),
            A("Let me look up the rates."),
            C("Do all of your phones work with an e SIM, or do I need a SIM card?", "product-esim"),
            A("Sure, let me check that for you."),
            C("Is there any deal if I trade in my old phone when I buy a new one?", "promo-trade-in-bonus"),
            A("Yes, and it's best with the Lumen X15 Pro."),
            C("And how much is that phone per month? What colors does it come in?", "device-lumen-x15-pro"),
            A("Let me pull up the details."),
            C("Okay, I think that's everything I wanted to know. Thank you so much."),
            A("You're welcome. Thanks for calling Brightline Mobile."),
        ),
    ),
    LiveCall(
        call_id="live-002-billing-and-account",
        title="Existing customer: double charge, autopay, late fees, address, voicemail, order",
        started_at="2026-11-23T13:40:00Z",
        agent_voice="en-us+f3",
        lines=(
            A("Thank you for calling Brightline Mobile, this is Beth. Can I have your name and birth date?"),
            C("Sure. It's Alex Rivera, and my birthday is April second, nineteen ninety."),
            A("Thank you, Alex. How can I help?"),
            C(
                "I think I was charged twice for my bill this month. Can you check that?",
                "proc-double-charge-refund",
            ),
            A("I'm sorry about that, let me look."),
            C("Also, how do I set up autopay, so I don't forget to pay again?", "faq-autopay"),
            A("Sure, I can help with that."),
            C(
                "And if I pay my bill a few days late, is there a late fee?",
                "proc-payment-arrangement",
            ),
            A("Let me check the billing rules."),
            C(
                "I'd rather not say my card number out loud. Is there another way to pay?",
                "proc-card-payment",
                "policy-privacy-pci",
            ),
            A("Yes, there is. One moment."),
            C("I'm moving next month. How do I change my address on the account?", "faq-change-of-address"),
            A("I can help with that."),
            C(
                "By the way, why did you need my date of birth at the start of the call?",
                "proc-identity-verification",
            ),
            A("Good question."),
            C(
                "My husband wants to call about my account sometimes. Is he allowed to do that?",
                "policy-privacy-pci",
                "proc-identity-verification",
            ),
            A("Let me check our privacy rules."),
            C("I also forgot my voicemail password. Can you reset it for me?", VOICEMAIL),
            A("Sure, one moment."),
            C(
                "Last thing, where is my phone order? It was supposed to arrive yesterday.",
                "faq-order-tracking",
            ),
            A("Let me track that for you."),
            C("Great, that's all for today. Thanks for your help."),
            A("Thank you for calling Brightline Mobile. Goodbye."),
        ),
    ),
    LiveCall(
        call_id="live-003-travel-and-devices",
        title="Trip to Italy, a cracked screen, returns and upgrades",
        started_at="2026-11-23T16:15:00Z",
        agent_voice="en-us+f4",
        lines=(
            A("Thank you for calling Brightline Mobile, this is Claire. What can I do for you?"),
            C("Hi. I'm going to Italy next week. What are the roaming rates over there?", RATES),
            A("For Italy you'll need a roaming pass."),
            C("Okay, and how much does that cost for each day I'm away?", "addon-roaming-pass", RATES),
            A("Let me check that for you."),
            C(
                "What should I do if I land over there and my mobile data still doesn't work at all?",
                "proc-roaming-no-data",
            ),
            A("Good question, one moment."),
            C(
                "My screen is cracked, too. Does DeviceCare cover that, and what do I pay?",
                "proc-devicecare-claim",
            ),
            A("Let me look at your protection."),
            C(
                "And how many DeviceCare claims am I actually allowed to make in one year?",
                DEVICECARE_TERMS,
                "proc-devicecare-claim",
            ),
            A("I'll check the terms."),
            C(
                "And if I lose my phone while I'm on the trip, what do I need to do?",
                "proc-lost-stolen-sim-swap",
            ),
            A("Sure, let me explain."),
            C("Also, can I still return a phone that I bought online about ten days ago?", "proc-returns"),
            A("Let me check the return window."),
            C(
                "Do you have a simple flip phone with big buttons for my dad? He hates smartphones.",
                "device-brightline-flip",
            ),
            A("Yes, we do. One moment."),
            C(
                "And when will I be eligible to upgrade my own phone to one of the new models?",
                "proc-upgrade-device-order",
            ),
            A("Let me check your eligibility."),
            C("Alright, that's all. Thanks a lot for your help."),
            A("Have a great trip. Thanks for calling Brightline Mobile."),
        ),
    ),
    LiveCall(
        call_id="live-004-internet-and-cancel",
        title="Home internet drops every evening; the customer thinks about cancelling",
        started_at="2026-11-23T19:30:00Z",
        agent_voice="en-us+f2",
        lines=(
            A("Thank you for calling Brightline Mobile, this is Dana. How can I help?"),
            C(
                "Hi. My home internet keeps dropping every evening. What can I do about it?",
                "proc-home-internet-evening-drops",
            ),
            A("I'm sorry to hear that. Let me check."),
            C("This is the third time I'm calling about this, and I want to complain.", "policy-complaints"),
            A("I understand, and I'm sorry."),
            C("So when exactly is somebody going to call me back about it?", "policy-callback"),
            A("Let me check the ticket."),
            C("Honestly, I'm thinking about cancelling. What would that cost me?", "proc-cancellation"),
            A("I understand. One moment."),
            C(
                "Is there anything you can offer me to stay? I've been with you for six years.",
                "promo-loyalty-retention",
                "promo-holiday-unlimited",
            ),
            A("Let me see what I can do."),
            C("Can I still get that summer deal, the half price for two months?"),
            A("Let me check that for you."),
            C(
                "And if I do decide to leave, how do I keep my phone number with the new company?",
                "proc-port-out-transfer-pin",
            ),
            A("I can explain that."),
            C(
                "What's the price of Unlimited Max these days, with everything included?",
                "plan-unlimited-max",
            ),
            A("It's seventy five dollars a month."),
            C("And the smaller Lumen phone, the X15, how much is that one?", "device-lumen-x15"),
            A("Let me check the price."),
            C("Okay. I'll think about it and call you back. Thanks."),
            A("Thank you for calling Brightline Mobile."),
        ),
    ),
)


# --------------------------------------------------------------------------------------------


def knowledge_ids(folder: Path = KNOWLEDGE_DIR) -> set[str]:
    """Document ids in the knowledge folder, read as FORMATS.md §3 says (front matter id, record
    ids in CSV/JSON, else the path relative to the folder); hidden files are skipped."""
    ids: set[str] = set()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_dir() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                ids |= {row["id"] for row in csv.DictReader(handle)}
        elif path.suffix == ".json":
            ids |= {record["id"] for record in json.loads(path.read_text(encoding="utf-8"))}
        else:
            match = None
            if path.suffix == ".md":
                match = re.match(r"---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), re.S)
            front = yaml.safe_load(match.group(1)) if match else {}
            ids.add(str(front.get("id") or rel.as_posix()))
    return ids


def make_calls(out_dir: Path, seed: int) -> list[Path]:
    known = knowledge_ids()
    customer = demo.JoePiperVoice()
    entries: list[dict[str, Any]] = []
    written: list[Path] = []
    for index, call in enumerate(CALLS):
        missing = {doc for line in call.lines for doc in line.expected} - known
        if missing:
            raise SystemExit(
                f"{call.call_id}: unknown knowledge document id(s): {', '.join(sorted(missing))}"
            )
        rng = np.random.default_rng([seed, index])
        turns = tuple(
            demo.Turn(line.speaker, line.text, gap=0.0 if i == 0 else round(float(rng.uniform(*GAP_S)), 3))
            for i, line in enumerate(call.lines)
        )
        agent = demo.EspeakVoice(variant=call.agent_voice)
        rendered = demo.render(turns, agent, customer, rng)
        rows = rendered.turns
        for line, row in zip(call.lines, rows, strict=True):
            if line.speaker == "customer":
                row["expected"] = list(line.expected)
                length = row["end"] - row["start"]
                if line.expected and not QUESTION_S[0] <= length <= QUESTION_S[1]:
                    print(
                        f"warning: {call.call_id}: question lasts {length:.1f} s: {line.text!r}",
                        file=sys.stderr,
                    )
        if not CALL_S[0] <= rendered.duration <= CALL_S[1]:
            print(f"warning: {call.call_id} lasts {rendered.duration:.1f} s", file=sys.stderr)
        file_name = f"{call.call_id}.flac"
        path = out_dir / file_name
        demo.write_flac(path, rendered.audio)
        written.append(path)
        questions = sum(1 for line in call.lines if line.speaker == "customer" and line.expected)
        entries.append(
            {
                "call_id": call.call_id,
                "file": file_name,
                "audio": file_name,
                "title": call.title,
                "channel": "voice",
                "channels": dict(demo.CHANNELS),
                "started_at": call.started_at,
                "as_of": call.started_at[:10],
                "duration": round(rendered.duration, 3),
                "sample_rate": demo.SAMPLE_RATE,
                "voices": {"agent": agent.describe(), "customer": customer.describe()},
                "knowledge_questions": questions,
                "turns": rows,
            }
        )
        size_kib = path.stat().st_size / 1024
        print(f"{path}  {rendered.duration:5.1f} s  {questions} questions  {size_kib:6.0f} KiB")
    manifest = {
        "description": MANIFEST_NOTE,
        "synthetic": True,
        "generated_by": "scripts/make_live_calls.py",
        "seed": seed,
        "knowledge": "demo/knowledge",
        "format": {"codec": "flac", "sample_rate": demo.SAMPLE_RATE, "channels": 2, "bits": 16},
        "channels": dict(demo.CHANNELS),
        "calls": entries,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(manifest_path)
    return written


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def verify(out_dir: Path, max_wer: float = 0.35) -> int:
    """Transcribe each call with the project's ASR and compare every customer question with what
    Whisper heard in its time span. Returns the number of questions above ``max_wer``."""
    import jiwer

    from asr import transcribe_file

    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    bad = 0
    for call in manifest["calls"]:
        transcript = transcribe_file(out_dir / call["audio"])
        words = [w for t in transcript.turns if t.speaker == "customer" for w in t.words]
        for turn in call["turns"]:
            if turn["speaker"] != "customer":
                continue
            heard = " ".join(
                w.word.strip()
                for w in words
                if turn["start"] - 0.3 <= (w.start + w.end) / 2 <= turn["end"] + 0.3
            )
            wer = jiwer.wer(" ".join(_words(turn["text"])), " ".join(_words(heard)) or "-")
            flag = "  <-- check" if wer > max_wer else ""
            bad += wer > max_wer
            print(f"{call['call_id']} {turn['start']:6.2f} WER {wer:4.2f}  {heard}{flag}")
    print(f"{bad} customer turn(s) above WER {max_wer}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("demo/live"), help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for the gaps between turns")
    parser.add_argument("--verify", action="store_true", help="transcribe the calls and check the questions")
    parser.add_argument("--verify-only", action="store_true", help="check the existing files, make nothing")
    args = parser.parse_args(argv)
    if not args.verify_only:
        make_calls(args.out, args.seed)
    if args.verify or args.verify_only:
        return 1 if verify(args.out) else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
