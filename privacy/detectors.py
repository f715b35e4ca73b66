"""Call-specific PII detectors, in plain Python so they can be tested without Presidio.

``privacy.recognizers`` wraps them as Presidio recognizers. Scores (the default threshold is 0.4):

- digit runs (``classify_run``): a Luhn-valid 13-19 digit card 0.95 (1.0 with card words near);
  with keywords near: security code 0.85, SSN 0.85 (its last four 0.6), date of birth 0.85,
  account 0.85, phone 0.85; without keywords: phone-shaped (NANP 10/11 digits, or "+"/"plus"
  international) 0.6, a card-length non-Luhn run said near card words 0.6, any other run of 9+
  digits 0.45 (callers seldom say 9+ digits that identify nothing, so an unexplained one is
  redacted as ACCOUNT_NUMBER). Alphanumeric references
  ("ABC123456"): 0.85 near account words, 0.45 when 8+ characters with 4+ digits.
- dates of birth: a date is DATE_OF_BIRTH only with "born"/"date of birth"/"DOB"/"birthday" near
  it or in the previous turn: 0.85 (0.75 for a spaCy DATE our patterns did not match).
- spoken emails ("john dot smith at example dot com"): 0.85; they need "at" and a known top-level
  domain after "dot", so "look at that" never matches.
- street addresses: 0.6, 0.85 with "address"/"live"/"ship" near.
- names introduced in speech ("my name is ...", "this is ..."): 0.7 (lower-case ASR text too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from privacy.context import ContextHit, context_near
from privacy.numbers import NumberRun, find_number_runs
from privacy.types import (
    ACCOUNT_NUMBER,
    ADDRESS,
    CARD_NUMBER,
    CARD_SECURITY_CODE,
    DATE_OF_BIRTH,
    EMAIL,
    PERSON,
    PHONE_NUMBER,
    US_SSN,
)

__all__ = [
    "DIGIT_CATEGORIES",
    "Detection",
    "classify_run",
    "find_dates",
    "introduced_names",
    "looks_like_organisation",
    "luhn_valid",
    "number_runs",
    "plausible_date_digits",
    "spoken_emails",
    "street_addresses",
]

#: Context categories that decide what a digit run is.
DIGIT_CATEGORIES = ("card", "cvv", "phone", "account", "ssn", "dob")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(slots=True, frozen=True)
class Detection:
    """A detected entity at text[start:end] with a score in 0..1."""

    entity: str
    start: int
    end: int
    score: float


# --- digit runs: cards, phones, account numbers, SSNs, security codes -------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    if not digits.isdigit() or set(digits) == {"0"}:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def number_runs(text: str) -> list[NumberRun]:
    """Runs that may be identifiers: quantities ("$45.99", "20 minutes") are left out."""
    return [run for run in find_number_runs(text) if not run.quantity]


def _card_window(run: NumberRun) -> tuple[int, int] | None:
    """Where the card is in a run, as items (i, j): the whole run if it is 13-19 digits and passes
    Luhn; in a longer run (a card said together with its expiry or other numbers) the longest
    item-aligned stretch of 13-19 digits that passes Luhn."""
    if run.has_letters or run.n_digits < 13:
        return None
    if run.n_digits <= 19:
        # Not searched inside: one in ten 13-digit stretches of a misheard card passes Luhn by chance.
        return (0, len(run.items)) if luhn_valid(run.digits) else None
    best: tuple[int, int] | None = None
    lengths = [len(item.digits) for item in run.items]
    for i in range(len(lengths)):
        total = 0
        for j in range(i, len(lengths)):
            total += lengths[j]
            if total > 19:
                break
            longer = best is None or j + 1 - i > best[1] - best[0]
            if total >= 13 and longer and luhn_valid("".join(it.digits for it in run.items[i : j + 1])):
                best = (i, j + 1)
    return best


def plausible_date_digits(digits: str) -> bool:
    """MMDDYY, MMDDYYYY, DDMMYYYY or YYYYMMDD as a caller reads a date of birth digit by digit."""
    if len(digits) not in (6, 8) or not digits.isdigit():
        return False

    def ok(month: str, day: str) -> bool:
        return 1 <= int(month) <= 12 and 1 <= int(day) <= 31

    if len(digits) == 8 and digits[:2] in ("19", "20") and ok(digits[4:6], digits[6:]):
        return True
    return ok(digits[:2], digits[2:4]) or ok(digits[2:4], digits[:2])


def _phone_shaped(run: NumberRun) -> bool:
    digits, n = run.digits, run.n_digits
    if run.has_letters:
        return False
    if run.plus:
        return 8 <= n <= 15
    # NANP: area codes and exchanges never start with 0 or 1.
    if n == 10:
        return digits[0] in "23456789"
    if n == 11:
        return digits[0] == "1" and digits[1] in "23456789"
    return False


def classify_run(run: NumberRun, ctx: ContextHit | None) -> list[Detection]:
    """What a run of digits is, given the nearest context keyword (or none)."""
    category = ctx.category if ctx else None
    n = run.n_digits

    if run.has_letters:
        # Alphanumeric references ("ABC123456"): accounts, policies, orders.
        size = len(run.digits)
        if size >= 6 and n >= 2 and category in ("account", "ssn", "card"):
            return [Detection(ACCOUNT_NUMBER, run.start, run.end, 0.85)]
        if size >= 8 and n >= 4:
            return [Detection(ACCOUNT_NUMBER, run.start, run.end, 0.45)]
        return []

    window = _card_window(run)
    if window is not None:
        i, j = window
        card = run.sub(i, j)
        found = [Detection(CARD_NUMBER, card.start, card.end, 1.0 if category == "card" else 0.95)]
        # Whatever was said around the card in the same breath ("... expiry oh five twenty six")
        # is classified on its own.
        if i > 0:
            found += classify_run(run.sub(0, i), ctx)
        if j < len(run.items):
            found += classify_run(run.sub(j, len(run.items)), ctx)
        return found

    span = (run.start, run.end)
    if category == "cvv" and n in (3, 4):
        return [Detection(CARD_SECURITY_CODE, *span, 0.85)]
    if category == "ssn" and n == 9:
        return [Detection(US_SSN, *span, 0.85)]
    if category == "ssn" and n == 4:
        return [Detection(US_SSN, *span, 0.6)]  # "the last four of your social"
    if category == "dob" and plausible_date_digits(run.digits):
        return [Detection(DATE_OF_BIRTH, *span, 0.85)]
    if category == "account" and n >= 6:
        return [Detection(ACCOUNT_NUMBER, *span, 0.85)]
    if category == "phone" and (_phone_shaped(run) or n == 7 or 10 <= n <= 15):
        return [Detection(PHONE_NUMBER, *span, 0.85)]
    if category == "card" and 13 <= n <= 19:
        # Card-length but not Luhn-valid: a misheard or misread card is still an identifier.
        return [Detection(ACCOUNT_NUMBER, *span, 0.6)]
    if _phone_shaped(run):
        return [Detection(PHONE_NUMBER, *span, 0.6)]
    if n >= 9:
        return [Detection(ACCOUNT_NUMBER, *span, 0.45)]
    return []


# --- dates ------------------------------------------------------------------------------------

# fmt: off
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_UNIT = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEEN = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_ORD_UNIT = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
_ORDINAL = (
    r"(?:(?:twenty|thirty)[\s-]" + _ORD_UNIT + r"|" + _ORD_UNIT
    + r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|thirtieth)"
)
_DAY = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?|" + _ORDINAL + r"|(?:twenty|thirty)[\s-]" + _UNIT
    + r"|" + _TEEN + r"|twenty|thirty|" + _UNIT + r")"
)
_SPOKEN_YEAR = (
    r"(?:(?:nineteen|twenty)\s+(?:hundred|o(?:h)?\s+" + _UNIT + r"|" + _TENS + r"(?:[\s-]" + _UNIT
    + r")?|" + _TEEN + r")"
    r"|two\s+thousand(?:\s+and)?(?:\s+(?:" + _TENS + r"(?:[\s-]" + _UNIT + r")?|" + _TEEN + r"|" + _UNIT
    + r"))?)"
)
_YEAR = r"(?:\d{4}|'\d{2}|" + _SPOKEN_YEAR + r")"
# Once the day is said, a two-digit year is clear too: "the third of March, eighty five".
_YEAR_AFTER_DAY = r"(?:" + _YEAR + r"|\d{2}|" + _TENS + r"(?:[\s-]" + _UNIT + r")?|oh\s+" + _UNIT + r")"
_DATE_RE = re.compile(
    r"\b(?:"
    # March 3rd, 1985 / March the third nineteen eighty five / March 3
    + _MONTHS + r"\s+(?:the\s+)?" + _DAY + r"\b(?:,?\s+(?:of\s+)?" + _YEAR_AFTER_DAY + r")?"
    # the 3rd of March 1985 / 3 March 85
    r"|(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTHS + r"(?:,?\s+" + _YEAR_AFTER_DAY + r")?"
    # March 1985 / March of eighty five
    r"|" + _MONTHS + r"\s+(?:of\s+)?" + _YEAR + r"|"
    # 03/03/1985, 3-3-85, 1985-03-03
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    r")\b",
    re.IGNORECASE,
)
# fmt: on
_MAY_VERB_RE = re.compile(r"^may\s+(?:the\s+)?(?:" + _UNIT + r"|" + _TEEN + r")\b", re.IGNORECASE)


def find_dates(text: str) -> list[tuple[int, int]]:
    """Character spans of dates written or spoken in text (any date; context decides DOB)."""
    spans = []
    for m in _DATE_RE.finditer(text):
        if _MAY_VERB_RE.match(m.group()) and m.group()[0].islower():
            continue  # "may one day", "may two" are verbs, not the month
        spans.append((m.start(), m.end()))
    return spans


# --- spoken emails ----------------------------------------------------------------------------

_TLDS = r"(?:com|net|org|edu|gov|mil|io|co|us|uk|ca|au|de|fr|info|biz|me|ai|app|dev|email|online)"
_ATOM = r"(?:[a-z0-9](?:\s+[a-z0-9]){2,}|[a-z0-9]+)"  # a word, or a spelled "j o h n"
_LOCAL_SEP = r"(?:\s*[._-]\s*|\s+(?:dot|period|underscore|under\s+score|dash|hyphen)\s+)"
_DOMAIN_SEP = r"(?:\s*[.-]\s*|\s+(?:dot|period|dash|hyphen)\s+)"
_DOT = r"(?:\s*\.\s*|\s+(?:dot|period)\s+)"
_SPOKEN_EMAIL_RE = re.compile(
    r"(?<![\w'.@-])" + _ATOM + r"(?:" + _LOCAL_SEP + _ATOM + r")*"
    r"(?:\s+at\s+|\s*@\s*)"
    r"[a-z0-9]+(?:" + _DOMAIN_SEP + r"[a-z0-9]+)*?" + _DOT + _TLDS + r"(?:" + _DOT + _TLDS + r")?\b",
    re.IGNORECASE,
)
_SPOKEN_MARK_RE = re.compile(r"\s(?:at|dot|period|underscore|dash|hyphen)\s", re.IGNORECASE)


# "pay online at acme dot com", "visit us at acme dot com": a website, not a mailbox.
_NOT_MAILBOX = _wordset(
    """us me you it that this them him her there here online website site web page look visit go
    check out find found available listed located everything anything something all more info
    home work find login log sign account app portal"""
)
_LOCAL_PART_RE = re.compile(r"^(\S+)\s*(?:@|\s+at\s)", re.IGNORECASE)


def spoken_emails(text: str) -> list[Detection]:
    """Email addresses said aloud; written ones are Presidio's EmailRecognizer's job."""
    found = []
    for m in _SPOKEN_EMAIL_RE.finditer(text):
        if not _SPOKEN_MARK_RE.search(m.group()):
            continue
        single_word_local = _LOCAL_PART_RE.match(m.group())
        if single_word_local and single_word_local.group(1).lower() in _NOT_MAILBOX:
            continue
        found.append(Detection(EMAIL, m.start(), m.end(), 0.85))
    return found


# --- street addresses -------------------------------------------------------------------------

# fmt: off
_STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
    r"|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|close|row"
    r"|loop|alley|plaza|pike|expressway|freeway|broadway)\.?"
)
# Words that cannot be part of a street name: "3 times down the road", "2 dogs and a cat".
_NOT_STREET = (
    r"(?:the|a|an|my|your|his|her|our|their|its|this|that|these|those|and|or|but|of|to|in|on|at"
    r"|for|from|with|by|down|up|across|over|under|off|times|time|minutes|hours|days|weeks|months"
    r"|years|dollars|bucks|people|calls|blocks|miles|feet|more|less|other|is|was|are|were|be|been"
    r"|i|you|he|she|we|they|it|way|one|two|three|four|five|six|seven|eight|nine|ten|am|pm)"
)
_STREET_WORD = r"(?!" + _NOT_STREET + r"\b)(?:[a-z][a-z'.-]*|\d+(?:st|nd|rd|th))"
_HOUSE_NUMBER = (
    r"(?:\d{1,6}[a-z]?(?:-\d{1,4})?|(?:" + _UNIT + "|" + _TEEN + "|" + _TENS + r")(?:[\s-](?:"
    + _UNIT + "|" + _TEEN + "|" + _TENS + r"|hundred|oh)){0,3})"
)
_UNIT_DESIGNATOR = (
    r"(?:,?\s+(?:apartment|apt|suite|ste|unit|floor|fl|room|rm|building|bldg|number|no)\.?\s*#?\s*"
    r"(?:\d+[a-z]?|[a-z]\d*|" + _UNIT + "|" + _TEEN + r")\b|,?\s*#\s*\d+[a-z]?\b)?"
)
_CITY_STATE_ZIP = (
    r"(?:,\s*(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}))?"
    r"(?:,?\s+(?-i:[A-Z]{2}))?"
    r"(?:,?\s+\d{5}(?:-\d{4})?)?"
)
_ADDRESS_RE = re.compile(
    r"(?<![$£€\d.,])\b" + _HOUSE_NUMBER
    + r"\s+(?:(?:north|south|east|west|n|s|e|w)\.?\s+)?(?:" + _STREET_WORD + r"\s+){1,4}"
    + _STREET_SUFFIX + r"(?![a-z])(?:\s+(?:n|s|e|w|ne|nw|se|sw)\b\.?)?" + _UNIT_DESIGNATOR + _CITY_STATE_ZIP,
    re.IGNORECASE,
)
# fmt: on


def street_addresses(text: str) -> list[Detection]:
    """House number + street name + street type, with apartment/unit and a trailing city/ZIP."""
    found = []
    for m in _ADDRESS_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in " ,.":
            end -= 1
        ctx = context_near(text, m.start(), end, ("address",))
        found.append(Detection(ADDRESS, m.start(), end, 0.85 if ctx else 0.6))
    return found


# --- names said in the call -------------------------------------------------------------------

_NAME_INTRO_RE = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name's|name\s+is|name's|under\s+the\s+name(?:\s+of)?"
    r"|account\s+holder\s+is|this\s+is|i'm|i\s+am|speaking\s+with|speaking\s+to|talking\s+to"
    r"|ask\s+for|mr\.?|mrs\.?|ms\.?|miss|mister)\s+",
    re.IGNORECASE,
)
# After these cues any word is a name ("my name is john smith" in lower-case ASR text); after the
# others ("this is", "I'm", "Mr.") only a capitalised word is.
_STRONG_INTRO_RE = re.compile(r"name|holder", re.IGNORECASE)
_NAME_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Words that end a name or show the phrase was not introducing one ("this is a problem").
_NOT_NAME = _wordset(
    """a an the and or but so just not also very really still here there calling speaking trying
    going gonna looking having getting with from at for of to in on about regarding because it
    its it's that this what who how why when where which yes yeah no okay ok sure well please
    thank thanks sorry good great fine glad happy afraid actually wondering hoping interested
    unable able ready done right correct wrong is was are were be been am i you he she we they me
    my your our their his her hi hello hey sir madam maam ma'am customer agent representative rep
    manager supervisor team department support service one two three four five six seven eight
    nine ten off over again now today tomorrow yesterday last next new old only all any some both
    each every other spelled spelt like same still mr mrs ms miss mister dr"""
)


def introduced_names(text: str) -> list[Detection]:
    """Names after "my name is", "this is", "speaking with", "Mr."; lower-case ASR text too."""
    found = []
    for m in _NAME_INTRO_RE.finditer(text):
        strong = bool(_STRONG_INTRO_RE.search(m.group()))
        words: list[tuple[int, int]] = []
        n_full_words = 0
        for w in _NAME_WORD_RE.finditer(text, m.end(), min(len(text), m.end() + 80)):
            # The name is the words right after the cue, separated only by spaces.
            gap_start = words[-1][1] if words else m.end()
            if text[gap_start : w.start()].strip():
                break
            word = w.group()
            if word.lower() in _NOT_NAME or (not strong and not word[0].isupper()):
                break
            if len(word) > 1:
                # A spelled name ("j o h n") is many one-letter words; a real name is up to three.
                if n_full_words == 3:
                    break
                n_full_words += 1
            words.append((w.start(), w.end()))
        if words:
            found.append(Detection(PERSON, words[0][0], words[-1][1], 0.7))
    return found


# --- what spaCy calls a PERSON but is not -----------------------------------------------------

_ORG_WORDS = _wordset(
    """wireless mobile telecom telecommunications communications cable internet broadband energy
    power electric gas water utilities bank banking credit union financial finance capital
    insurance assurance health healthcare medical pharmacy clinic hospital airlines airways air
    motors auto automotive services service solutions systems technologies technology tech labs
    group holdings partners inc llc ltd corp corporation co company companies store stores shop
    market mart express logistics shipping delivery travel hotels hotel resorts foods
    support care customer billing department team"""
)
#: Card brands and similar words the small spaCy model tags as PERSON.
_NOT_PEOPLE = _wordset(
    """visa mastercard amex discover maestro paypal venmo zelle apple google samsung iphone android
    netflix hulu spotify amazon prime xfinity verizon comcast"""
)
_GREETING_BEFORE_RE = re.compile(
    r"(?:(?:for\s+calling|welcome\s+to|calling\s+from|thank\s+you\s+for\s+choosing)"
    r"|(?:this\s+is|name\s+is|i'?m|i\s+am)\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?\s*,?\s+(?:from|with|at|here\s+at))"
    r"\s*$",
    re.IGNORECASE,
)


def looks_like_organisation(text: str, start: int, end: int) -> bool:
    """Whether a spaCy PERSON at text[start:end] is a company or brand ("Acme Wireless", "Visa")."""
    words = [w.lower().strip(".,'") for w in text[start:end].split()]
    if not words:
        return True
    if any(w in _ORG_WORDS for w in words) or all(w in _NOT_PEOPLE for w in words):
        return True
    # "Thank you for calling Acme", "this is Sarah from Acme": the agent names the company.
    return bool(_GREETING_BEFORE_RE.search(text[max(0, start - 80) : start]))
