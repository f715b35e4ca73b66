"""``accurate_information``: what the agent stated, checked against the company's knowledge.

The agent's factual statements (sentences with a price, a percentage, an amount of data or days, or
a promotion) are looked up through a small ``KnowledgeChecker`` interface: the app passes one over
its knowledge base (``api``), the evals and tests one over documents in memory (``DocumentFacts``).
A statement is *contradicted* when the best-matching document gives other amounts of the same kind,
or when it is a promotion presented as current on a call date outside the promotion's validity
window; *supported* when the amounts agree. Without a checker the item is ``na`` and says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from qa_models.qa.types import Evidence, ItemResult
from qa_models.qa.view import CallView, Match, compile_phrases
from qa_models.scorecard import ScorecardItem

if TYPE_CHECKING:
    from qa_models.heads import Encoder

__all__ = ["DocumentFacts", "FactOptions", "KnowledgeChecker", "KnowledgeFact", "amounts", "check_facts"]


@dataclass(slots=True)
class KnowledgeFact:
    """A document that matches a statement: its best passage (``text``), the whole document when
    the checker has it (``document_text``), and its relevance to the statement (0..1)."""

    doc_id: str
    title: str
    kind: str
    text: str
    score: float
    valid_from: date | None = None
    valid_to: date | None = None
    document_text: str = ""

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@runtime_checkable
class KnowledgeChecker(Protocol):
    """Documents that match a statement, best first, whatever their validity (an expired promotion
    must be found to be caught). A checker may say ``ready = False`` (no documents yet): the item is
    then ``na`` as without one."""

    def lookup(self, text: str, k: int = 3) -> list[KnowledgeFact]: ...


@dataclass(slots=True)
class FactOptions:
    """``min_relevance``: a document below it is not about the statement; ``contradict_relevance``:
    a promotion is only called out of date when its document is at least this relevant;
    ``clash_relevance``: amounts are only called wrong against a document at least this relevant
    (higher: a price from another product or another company's plan is not a wrong price)."""

    min_relevance: float = 0.45
    contradict_relevance: float = 0.7
    clash_relevance: float = 0.75
    #: an agent who says at least this many words has given some information, even without a sentence
    #: the rules recognise as one
    min_words_informative: int = 60
    #: a document line about the same thing as a statement ("| Screen repair (front glass only) | 29 USD |"
    #: for "the screen repair deductible is forty-nine dollars") shares at least this many content words
    #: with it, and at least this share of the statement's content words; its amount then contradicts a
    #: different one at any relevance above ``min_relevance``
    line_overlap: int = 3
    line_coverage: float = 0.7
    #: a list item (a table row, a "Name: figure" line) is what a statement is about when it alone shares
    #: the most content words with it, at least this many, counting its label's words and one for its
    #: table header's ("Deductible")
    row_overlap: int = 2
    #: how many documents are searched for a promotion the statement names
    named_lookup: int = 10


# --------------------------------------------------------------------------------- statements

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?:[$£€]\s?(?P<a>{_NUMBER}))|(?:(?P<b>{_NUMBER})\s?(?:dollars?|bucks|pounds?|euros?|usd|gbp|eur)\b)",
    re.IGNORECASE,
)
# Prices said without a currency word: "eight ninety-nine", "thirty-seven forty-six a month".
_PER = re.compile(rf"(?P<a>{_NUMBER})\s?(?:a|an|per|/)\s?(?:month|mo|year|yr|week|line)\b", re.IGNORECASE)
_PERCENT = re.compile(rf"(?P<a>{_NUMBER})\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_DATA = re.compile(rf"(?P<a>{_NUMBER})\s?(?:gb|gigs?|gigabytes?|mb|megabytes?)\b", re.IGNORECASE)
_DAYS = re.compile(rf"(?P<a>{_NUMBER})[\s-]?(?:business |working |calendar )?days?\b", re.IGNORECASE)
# A bare price ("seventy a month") is money like "$75/month" in the documents, so both are one kind.
_KINDS = {"money": (_MONEY, _PER), "percent": (_PERCENT,), "data": (_DATA,), "days": (_DAYS,)}
_PROMO = compile_phrases(
    r"promo\w*|promotion\w*|offer|deal|discount\w*|\d+(?:\.\d+)? ?(?:%|percent|per cent) off|\w+ off|free|"
    r"bonus|trade[- ]in|credit of|sale|special"
)
_PAST = compile_phrases(
    r"ended|expired|no longer|was (?:available|running|on)|used to|isn't running|is not running|"
    r"not running|finished|is over|was over|isn't available|is not available|not available anymore|"
    r"until last|(?:wasn't|was not|isn't|is not) (?:valid|active)"
)
# A promotion announced as coming ("from tomorrow we have ...") is no claim that it runs today.
_FUTURE = compile_phrases(
    r"from tomorrow|starting (?:tomorrow|on|from|next)|starts (?:on|tomorrow|next|from)|from (?:the )?\d|"
    r"from (?:next|the \w+ of)|coming (?:soon|up)|(?:will|'ll) (?:start|begin|be available|launch)|"
    r"launches|as of (?:tomorrow|next)|(?:isn't|is not|hasn't|has not) (?:started|available) yet|not yet"
)
# A decimal point ("1.00 USD a minute") does not end a sentence.
_SENTENCE = re.compile(r"(?:[^.!?]|(?<=\d)\.(?=\d))+[.!?]?")
_ACCOUNT = compile_phrases(
    r"your (?:\w+ ){0,2}(?:bill|balance|payment|account|charges?|usage|order|refund|statement|last|"
    r"current|outstanding|"
    r"due|autopay|direct debit|invoice)",
    r"you (?:were|have been|got|'ve been) (?:charged|billed|refunded|credited)|you (?:owe|paid|used|spent)",
    r"i can see|i see (?:that )?you|on your account|(?:on|to) (?:the|your) next (?:bill|statement|invoice)",
    # What the agent has just done or will do on this account ("I've added a $10 credit", "okay, done,
    # six days added") is the call's transaction, not a claim about the offer.
    r"(?:i've|i have|i just|we've|we have|i'll|i will|i'm going to|im going to) (?:just |now |"
    r"also )?(?:added|"
    r"applied|credited|refunded|processed|booked|scheduled|issued|waived|reversed|removed|sent|add|apply|"
    r"credit|refund|process|book|schedule|issue|waive|reverse|remove|send)",
    r"^\W*(?:(?:okay|ok|right|alright)\W+)?(?:done|all set|all done)\b",
)
# The customer catches the agent contradicting what they said earlier in the call ("wait, you just said
# there's no change fee", "first you said thirty five, now it is fifty"), or the agent takes it back
# ("sorry, my mistake"): evidently wrong information, whichever of the two statements is the wrong one.
_CHALLENGE = compile_phrases(
    r"you (?:just|literally|literally just|already|only just) (?:said|told me)|(?:i )?thought you said|"
    r"(?:that's|thats|that is|it's|its) not what you (?:just )?said|you said the opposite|"
    r"(?:but|wait) you (?:said|told me)|(?:first|earlier|before|a minute ago) you said|you said (?:earlier|"
    r"before)|you said (?:\w+ ){1,3}(?:just now|a (?:minute|second|moment) ago)"
)
_TAKEN_BACK = compile_phrases(
    r"my mistake|i misspoke|i was (?:wrong|mistaken)|i gave you (?:the )?wrong|let me correct (?:myself|"
    r"that)|i stand corrected|i mixed (?:it|that|them|those) up|"
    r"i got (?:it|that|them|those) (?:wrong|mixed up)"
)
#: A sentence that tells the customer how things are: what something costs, includes, takes or
#: requires, or what the customer can or will have to do.
INFORMATIVE = compile_phrases(
    r"(?:it|that|this|there|which|they|the \w+(?: \w+)?) (?:is|are|was|'s|costs?|includes?|comes? with|"
    r"takes?|gives?|covers?|works?|has|have|needs?|requires?|means|applies|resets?|expires?|runs?) ",
    r"(?:you(?:'ll| will)? (?:need|have|get|be able|can|can't|cannot|won't|should|must|receive|see|pay)|"
    r"we (?:offer|have|don't|do not|can't|cannot|charge|need|require)|(?:our|the) (?:policy|fee|process|"
    r"plan|price|rate|limit|deadline|window|warranty|guarantee))",
)


_UNITS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)
}
_SCALES = {"hundred": 100, "thousand": 1000}
_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
# "the sixty-two dollars", "that $62": an amount referred back to. Only number words may come between
# the article and the unit ("the deductible is forty-nine dollars" states a new amount).
_NUMBER_WORDS = "|".join([*_UNITS, *_TENS, *_SCALES, "and"])
_DEFINITE = re.compile(
    rf"\b(?:the|that|those|this) ([$£€]\s?\d[\d,.]*|(?:(?:\d[\d,.]*|{_NUMBER_WORDS})[\s-]+)+"
    r"(?:dollars?|bucks|pounds?|euros?))",
    re.IGNORECASE,
)
# "it's up to three months, not six": a figure an agent gave earlier in the call, corrected
# (a figure, whole and at the end of its clause: "not two charges on the bill" corrects nothing)
_NOT_FIGURE = re.compile(
    rf",\s*not (?P<figure>\d[\d,.]*|(?:{_NUMBER_WORDS})(?:[\s-]+(?:{_NUMBER_WORDS}))*)"
    r"(?:\s+(?:dollars?|pounds?|euros?|days?|weeks?|months?|years?|hours?|minutes?|percent|gigs?|gb))?\s*(?=[.,;!?]|$)",
    re.IGNORECASE,
)


def _groups(words: list[str]) -> list[int]:
    """Number words as the numbers they group into: "a hundred and eighty" → [180]; "eight
    ninety-nine" → [8, 99] (how prices are said: 8.99 or 899)."""
    groups: list[int] = []
    total = current = 0
    started = False
    for w in words:
        if w in _SCALES:
            if _SCALES[w] == 100:
                current = max(current, 1) * 100
            else:
                total, current = total + max(current, 1) * 1000, 0
            started = True
            continue
        v = _UNITS.get(w, _TENS.get(w, 0))
        fits = (
            not started
            or (current == 0 and total > 0)  # "one thousand eight hundred"
            or (current % 100 == 0 and current > 0 and v < 100)
            or (current % 10 == 0 and v < 10 and current % 100 != 0)
        )
        if started and not fits:
            groups.append(total + current)
            total = current = 0
        current += v
        started = True
    if started:
        groups.append(total + current)
    return groups


def _spelled(text: str) -> list[str]:
    """The text with spelled-out numbers written in digits, in one or two readings ("eight ninety-nine
    dollars" → "899 dollars" and "8.99 dollars")."""
    spans: list[tuple[int, int, list[int]]] = []
    run: list[tuple[int, int, str]] = []

    def flush() -> None:
        while run and run[-1][2] in ("and", "a"):
            run.pop()
        words = [w for *_, w in run if w not in ("and", "a")]
        if words and any(w not in ("and", "a") for w in words):
            spans.append((run[0][0], run[-1][1], _groups(words)))
        run.clear()

    for m in _WORD.finditer(text):
        w = m.group(0).lower()
        number = w in _UNITS or w in _TENS or w in _SCALES
        # "and" joins only after a scale ("a hundred and twelve", not "nine and twelve")
        joiner = (w == "and" and bool(run) and run[-1][2] in _SCALES) or w == "a"
        if number or joiner:
            if run and m.start() - run[-1][1] > 2:
                flush()
            run.append((m.start(), m.end(), w))
        else:
            flush()
    flush()
    if not spans:
        return [text]
    readings = []
    for joined in (True, False):
        out, last = [], 0
        for start, end, groups in spans:
            if len(groups) == 2 and groups[1] < 100 and groups[1] >= 10:
                value = f"{groups[0] * 100 + groups[1]}" if joined else f"{groups[0]}.{groups[1]:02d}"
            else:
                value = " ".join(str(g) for g in groups)
            out.append(text[last:start] + value)
            last = end
        out.append(text[last:])
        readings.append("".join(out))
    return readings if readings[0] != readings[1] else readings[:1]


def amounts(text: str) -> dict[str, set[float]]:
    """The amounts in a text by kind (money, percent, data, days), digits or spelled out."""
    out: dict[str, set[float]] = {}
    for reading in _spelled(text):
        for kind, patterns in _KINDS.items():
            for m in (m for pattern in patterns for m in pattern.finditer(reading)):
                raw = m.group("a") or (m.groupdict().get("b") or "")
                try:
                    out.setdefault(kind, set()).add(round(float(raw.replace(",", "")), 2))
                except ValueError:
                    continue
    return out


def _statements(view: CallView) -> list[Match]:
    found: list[Match] = []
    for i in view.agent:
        text = view.text(i)
        for s in _SENTENCE.finditer(text):
            sentence = s.group(0).strip()
            if len(sentence) < 8:
                continue
            if sentence.endswith("?") or _ACCOUNT.search(sentence):
                continue  # a question, or the customer's own account: not a claim about the offer
            if amounts(sentence) or _PROMO.search(sentence):
                start = s.start() + (len(s.group(0)) - len(s.group(0).lstrip()))
                found.append(
                    Match(i, start, start + len(sentence), view.turns[i].text[start : start + len(sentence)])
                )
    return found


@dataclass(slots=True)
class _Verdict:
    statement: Match
    fact: KnowledgeFact | None
    outcome: str  # supported | contradicted | unchecked
    why: str


def _judge(
    statement: Match,
    plain: str,
    facts: list[KnowledgeFact],
    day: date | None,
    opts: FactOptions,
    known_in_call: dict[str, set[float]] | None = None,
    said_later: dict[str, set[float]] | None = None,
) -> _Verdict:
    relevant = [f for f in facts if f.score >= opts.min_relevance]
    if not relevant:
        return _Verdict(statement, None, "unchecked", "no matching document")
    best = relevant[0]
    # An amount the customer said, or one the agent refers back to ("the sixty-two dollars"), is the
    # call's own transaction, not a claim about what the company offers.
    said = {
        k: v - (known_in_call or {}).get(k, set()) - amounts(" ".join(_DEFINITE.findall(plain))).get(k, set())
        for k, v in amounts(plain).items()
    }
    said = {k: v for k, v in said.items() if v}
    # A promotion the agent calls by its name is the one offered, whatever else shares its terms, and
    # naming it makes the sentence an offer.
    named = [f for f in relevant if f.kind == "promotion" and _names(plain, f.title)]
    promo = bool(named) or _PROMO.search(plain) is not None

    def agrees(fact: KnowledgeFact) -> bool:
        known = amounts(fact.document_text or fact.text)
        return any(said[k] & known[k] for k in said if k in known)

    if promo and day is not None and not _PAST.search(plain):
        # The promotion the agent offers is the most relevant one, or one whose terms (50% off, $10
        # credit) the agent repeats. Offered outside its window, as if current, it is wrong, unless
        # a promotion valid on the call date fits the statement as well.
        promotions = named or [f for f in relevant if f.kind == "promotion"]
        current = [f for f in promotions if f.valid_on(day) and (f is best or agrees(f))]
        expired = [
            f
            for f in promotions
            if not f.valid_on(day)
            and not (f.valid_from is not None and day < f.valid_from and _FUTURE.search(plain))
            and (f in named or (f is best and f.score >= opts.contradict_relevance) or (said and agrees(f)))
        ]
        if expired and not current:
            fact = expired[0]
            window = f"{fact.valid_from or '…'} to {fact.valid_to or '…'}"
            return _Verdict(
                statement, fact, "contradicted", f"'{fact.title}' runs {window}, not on the call date {day}"
            )
    for fact in relevant:
        row = _attributed(said, plain, fact, opts)
        if row is not None:
            which, k, figures = row
            # a wrong figure the agent puts right later in the call ("sorry, one forty-nine") stands corrected
            if which == "other" and not figures & (said_later or {}).get(k, set()):
                return _Verdict(
                    statement,
                    fact,
                    "contradicted",
                    f"said {', '.join(_fmt(k, v) for v in sorted(said[k]))}; '{fact.title}' says "
                    f"{', '.join(_fmt(k, v) for v in sorted(figures)[:3])}",
                )
        if row is not None or agrees(fact):
            return _Verdict(statement, fact, "supported", f"matches '{fact.title}'")
    for fact in relevant:
        line = _line_clash(said, plain, fact, opts)
        if line is not None:
            k, figure = line
            return _Verdict(
                statement,
                fact,
                "contradicted",
                f"said {', '.join(_fmt(k, v) for v in sorted(said[k]))}; '{fact.title}' says {figure}",
            )
    known = amounts(best.document_text or best.text)
    clash = [k for k in said if k in known and not (said[k] & known[k])]
    if clash and best.score >= opts.clash_relevance:
        k = clash[0]
        said_s = ", ".join(_fmt(k, v) for v in sorted(said[k]))
        known_s = ", ".join(_fmt(k, v) for v in sorted(known[k])[:4])
        return _Verdict(statement, best, "contradicted", f"said {said_s}; '{best.title}' says {known_s}")
    return _Verdict(
        statement, best, "supported" if not said else "unchecked", f"consistent with '{best.title}'"
    )


_LINES = re.compile(r"\n+|(?<=[.!?])\s+")
_CLAUSES = re.compile(r"(?<=[.!?;])\s+")
# "I can stack that on top", "I'll put both on", "you get them together": two offers at once
_TOGETHER = compile_phrases(
    # ("on top of that" only goes on to the next thing)
    r"stack\w*|on top of (?!that|this|it|everything)|both (?:of them|on|applied|offers|discounts)|put both|"
    r"apply both|"
    r"(?:have|get|keep|combine) (?:them|both|the two) (?:together|at once)|combined? (?:them|it|with)"
)
# "I can't stack those", "only one of them": the agent declining to put offers together
_DECLINED = compile_phrases(r"can't|cannot|can not|won't|not|only one|either|unfortunately")
# a promotion's terms: "Not combinable with the Loyalty Reward credit or another plan discount", "The
# loyalty credit cannot be combined with Holiday Unlimited"
_NOT_COMBINED = re.compile(
    r"(?P<subject>\b[\w -]{0,40}?)\s*\b(?:not|never|cannot|can't|can not)(?: be)? (?:combinable|combined|"
    r"stackable|stacked|used together) with (?P<other>[^.;:]+?)(?= on the same| at the same|[.;:]|$)",
    re.IGNORECASE,
)
_GENERIC_OFFER = frozenset(
    "credit discount offer promotion promo another other plan line same reward".split()
)
_ITEM = re.compile(r"(?:[-*+]|\d+[.)])\s")
# a Markdown heading, or a short title line as a PDF's text gives it ("5. Deductibles")
_HEADING = re.compile(r"#+\s*(?P<md>.*)|(?:\d+[.)]\s+)?(?P<short>[A-Z][\w&/()-]*(?: [\w&/()-]+){0,3})")
_LABELLED = re.compile(r"(?:[-*+]|\d+[.)])?\s*\**(?P<label>[^:.*]{3,80}?)\**:\s*\S")
_FILLER = frozenset(
    """the and but for you your our that this with was were are has have had can could would will not
    yes okay just about there they them what how when also which then than from into only all any more
    less now here some their its it's that's you'll you're dollars dollar bucks usd pounds euros month
    months year years week weeks day days business working gigs gig per each one""".split()
).union(_UNITS, _TENS, _SCALES)


def _terms(text: str) -> set[str]:
    """Content words, plural or not ("glass", "glasses" → "glas")."""
    words = (w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _FILLER)
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words}


def _blocks(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """A document's lists of like things, each with what names its figures (a table's header, the
    heading above it: "Deductibles") and its items as (label, text) pairs: a table's rows, labelled by
    their first cell, and the "Name: figure" items of a list or a paragraph ("Screen repair (front
    glass only): 29 USD.")."""
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    heading = header = ""
    run: list[str] = []  # the list items and sentences since the last blank line or heading
    para = ""  # the paragraph being read (its lines wrap mid-sentence)
    item = False  # whether the last line was a list item, which an indented line continues

    def flush() -> None:
        nonlocal para
        run.extend(p for p in _CLAUSES.split(para.strip()) if p)
        para = ""

    def close() -> None:
        flush()
        items = [(m.group("label"), p) for p in run if (m := _LABELLED.match(p))]
        if len(items) >= 2:
            blocks.append((heading, items))
        run.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|"):
            close()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not header:
                header = line
                blocks.append((f"{heading} {header}", []))
            elif not re.fullmatch(r"[|:\-\s]+", line):
                blocks[-1][1].append((cells[0], line))
            continue
        header = ""
        title = _HEADING.fullmatch(line)
        if not line or title:
            close()
            heading = (title.group("md") or title.group("short")) if title else heading
            item = False
        elif _ITEM.match(line):
            flush()
            run.append(line)
            item = True
        elif item and raw[:1].isspace():
            run[-1] += " " + line
        else:
            para += " " + line
            item = False
    close()
    return [(context, items) for context, items in blocks if len(items) >= 2]


def _attributed(
    said: dict[str, set[float]], plain: str, fact: KnowledgeFact, opts: FactOptions
) -> tuple[str, str, set[float]] | None:
    """Whether a list in the document puts the statement's amount on what the statement is about:
    ``("same", kind, figures)`` when the item it names gives that amount, ``("other", kind, figures)``
    when that item gives other figures and the amount said is another item's, or in none of the
    document ("for a cracked screen the deductible is $99" against "Screen repair: 29 USD. Other
    accidental damage: 99 USD."), None when the statement names no one item of a list. An item is
    named by the words of its label, and those of the list's header or heading ("Deductibles")."""
    mine = _terms(plain)
    body = fact.document_text or fact.text
    wrong: tuple[str, str, set[float]] | None = None
    for context, block in _blocks(body):
        named_list = bool(mine & _terms(context))
        for k in (k for k in said if k in ("money", "percent")):
            rows = [
                (len(mine & _terms(label)) + named_list, known[k])
                for label, text in block
                if k in (known := amounts(text))
            ]
            top = max((n for n, _ in rows), default=0)
            named = [values for n, values in rows if n == top]
            if len(rows) < 2 or len(named) != 1 or top < opts.row_overlap:
                continue
            if said[k] & named[0]:
                return "same", k, named[0]
            in_rows = any(said[k] & values for _, values in rows)
            if wrong is None and (in_rows or not said[k] & amounts(body).get(k, set())):
                wrong = "other", k, named[0]
    return wrong


def _line_clash(
    said: dict[str, set[float]], plain: str, fact: KnowledgeFact, opts: FactOptions
) -> tuple[str, str] | None:
    """The kind and the document's figure when a line of ``fact`` says what the statement says it
    about, with another amount of the same kind (the statement's own amount is in no relevant document
    when this is asked)."""
    mine = _terms(plain)
    for line in _LINES.split(fact.document_text or fact.text):
        known = amounts(line)
        kinds = [k for k in said if k in known]
        if not kinds:
            continue
        shared = mine & _terms(line)
        # a "Name: figure" item whose whole name the statement says ("Upgrade fee: 35 USD when ordered
        # through an agent" for "a twenty-five dollar upgrade fee over the phone")
        label = _LABELLED.match(line.strip())
        named = (
            label is not None
            and not amounts(label.group("label"))
            and len(words := _terms(label.group("label"))) >= 2
            and words <= mine
        )
        if named or (len(shared) >= opts.line_overlap and len(shared) >= opts.line_coverage * len(mine)):
            k = kinds[0]
            return k, f"{', '.join(_fmt(k, v) for v in sorted(known[k]))} ({line.strip(' |')[:60]})"
    return None


def _names(text: str, title: str) -> bool:
    """Whether ``text`` says the name a title starts with ("Holiday Unlimited - Unlimited Plus for
    45 USD" → "holiday unlimited"; a year in the name may be left out), or nearly, as speech
    recognition writes it ("holiday and limited"). One-word names are too common words to count."""
    name = re.sub(r"\b(?:19|20)\d\d\b", " ", re.split(r"\s+[-–(:]", title, maxsplit=1)[0])
    words = re.findall(r"[a-z0-9]+", name.lower())
    said = re.findall(r"[a-z0-9]+", text.lower())
    if len(words) < 2:
        return False
    if f" {' '.join(words)} " in f" {' '.join(said)} ":
        return True
    # The same letters give or take a short word: compare runs of as many words, and one more.
    target = "".join(words)
    return len(target) >= 10 and any(
        SequenceMatcher(None, target, "".join(said[i : i + n])).ratio() >= 0.88
        for n in (len(words), len(words) + 1)
        for i in range(len(said) - n + 1)
    )


def _union(parts: Iterable[dict[str, set[float]]]) -> dict[str, set[float]]:
    """The amounts of several texts together, by kind."""
    out: dict[str, set[float]] = {}
    for part in parts:
        for kind, values in part.items():
            out.setdefault(kind, set()).update(values)
    return out


def _merge(*lists: list[KnowledgeFact]) -> list[KnowledgeFact]:
    """Documents from several lookups, each once with its best score, best first."""
    best: dict[str, KnowledgeFact] = {}
    for facts in lists:
        for f in facts:
            if f.doc_id not in best or f.score > best[f.doc_id].score:
                best[f.doc_id] = f
    return sorted(best.values(), key=lambda f: -f.score)


def _fmt(kind: str, value: float) -> str:
    number = f"{value:g}"
    units = {"money": f"${number}", "percent": f"{number}%", "data": f"{number} GB", "days": f"{number} days"}
    return units[kind]


def check_facts(
    view: CallView,
    item: ScorecardItem,
    knowledge: KnowledgeChecker | None,
    options: FactOptions | None = None,
) -> ItemResult:
    opts = options or FactOptions()
    statements = _statements(view)
    features: dict[str, float] = {
        "statements": float(len(statements)),
        "knowledge": float(knowledge is not None),
    }
    if knowledge is None or not getattr(knowledge, "ready", True):
        return ItemResult(
            item.id,
            "na",
            0.5,
            "no knowledge base to check the agent's statements against",
            [],
            "rules",
            features,
        )
    corrected = _said_otherwise(view)
    if corrected is not None:
        told = view.agent_before(corrected.turn, 1)
        return ItemResult(
            item.id,
            "no",
            0.7,
            f"the agent said otherwise earlier in the call: {corrected.text[:60]!r}",
            [view.evidence(t) for t in told] + [view.evidence(corrected)],
            "rules",
            features,
        )
    stacked = _stacked(view, knowledge)
    if stacked is not None:
        m, fact, other = stacked
        return ItemResult(
            item.id,
            "no",
            0.75,
            f"offers '{fact.title}' together with {other}, which its terms say cannot be combined",
            [view.evidence(m)],
            "rules",
            features,
        )
    if not statements:
        said = view.first(INFORMATIVE, view.agent)
        # Reviewers keep "na" for calls where the agent barely spoke: whoever answers a customer at any
        # length tells them something.
        spoken = sum(len(view.text(a).split()) for a in view.agent)
        if said is None and spoken < opts.min_words_informative:
            return ItemResult(
                item.id, "na", 0.7, "the agent gave no factual information", [], "rules", features
            )
        return ItemResult(
            item.id,
            "yes",
            0.6 if said is not None else 0.5,
            "the agent gave information with no amounts or offers to check; nothing contradicts it",
            [view.evidence(said)] if said is not None else [],
            "rules",
            features,
        )
    # each turn's amounts once: a statement weighs those said before it and after it
    said_in = {t: amounts(view.text(t)) for t in (*view.customer, *view.agent)}
    verdicts = []
    for s in statements:
        earlier = [c for c in view.customer if c < s.turn]
        # only what the customer said before: one who echoes a quoted price ("forty-nine, okay")
        # does not make it the call's own amount
        customer_amounts = _union(said_in[c] for c in earlier)
        plain = view.text(s.turn)[s.start : s.end]
        # The customer's previous turn names what the agent is answering about ("that one's $39");
        # the statement alone is the better query when it names its subject itself. Each document
        # keeps its better score of the two.
        context = earlier[-1:]
        wide = knowledge.lookup(plain, opts.named_lookup)
        # a promotion the agent names is checked however far down the list its document comes
        facts = wide[:3] + [f for f in wide[3:] if f.kind == "promotion" and _names(plain, f.title)]
        if context:
            facts = _merge(facts, knowledge.lookup(" ".join([view.text(context[0]), plain]), 3))
        rest = amounts(view.text(s.turn)[s.end :])
        later = _union([rest, *(said_in[a] for a in view.agent if a > s.turn)])
        verdicts.append(_judge(s, plain, facts, view.call_date, opts, customer_amounts, later))
    wrong = [v for v in verdicts if v.outcome == "contradicted"]
    right = [v for v in verdicts if v.outcome == "supported"]
    features.update(contradicted=float(len(wrong)), supported=float(len(right)))

    def ev(v: _Verdict) -> Evidence:
        return view.evidence(v.statement)

    if wrong:
        return ItemResult(
            item.id,
            "no",
            0.75 if len(wrong) == 1 else 0.85,
            f"'{wrong[0].statement.text[:60]}': {wrong[0].why}",
            [ev(v) for v in wrong[:3]],
            "rules",
            features,
        )
    if right:
        return ItemResult(
            item.id,
            "yes",
            0.8,
            f"{len(right)} statement(s) agree with the knowledge base ({right[0].why})",
            [ev(v) for v in right[:3]],
            "rules",
            features,
        )
    return ItemResult(
        item.id,
        "yes",
        0.55,
        "the agent's statements match nothing in the knowledge base that contradicts them",
        [ev(v) for v in verdicts[:2]],
        "rules",
        features,
    )


def _stacked(view: CallView, knowledge: KnowledgeChecker) -> tuple[Match, KnowledgeFact, str] | None:
    """Where the agent puts two offers together ("I can stack that on top of the holiday price") that a
    promotion's terms say cannot be combined ("The loyalty credit cannot be combined with Holiday
    Unlimited"), both named in the call."""
    said = " ".join(view.text(a) for a in view.agent)

    def named(phrase: str) -> bool:
        words = _terms(phrase) - _GENERIC_OFFER
        hits = [w for w in words if re.search(rf"\b{w}", said, re.IGNORECASE)]
        return bool(words) and 2 * len(hits) >= len(words)

    for m in view.find(_TOGETHER, view.agent):
        sentence = next((p for p in _CLAUSES.split(view.text(m.turn)) if m.text in p), m.text)
        if _DECLINED.search(sentence):
            continue
        for fact in knowledge.lookup(view.text(m.turn), 5):
            if fact.kind != "promotion":
                continue
            for rule in _NOT_COMBINED.finditer(" ".join((fact.document_text or fact.text).split())):
                subject = rule.group("subject") or ""
                if not (named(subject) if _terms(subject) - _GENERIC_OFFER else _names(said, fact.title)):
                    continue
                for other in re.split(r",|\bor\b|\band\b", rule.group("other")):
                    if named(other):
                        return m, fact, other.strip()
    return None


def _said_otherwise(view: CallView) -> Match | None:
    """Where the call shows the agent said something wrong: the customer catching a contradiction,
    the agent taking a statement back, or correcting a figure an agent gave before."""
    found = view.first(_CHALLENGE, view.customer) or view.first(_TAKEN_BACK, view.agent)
    if found is not None:
        return found
    for m in view.find(_NOT_FIGURE, view.agent):
        corrected = _NOT_FIGURE.search(m.text)
        if corrected is None:
            continue
        figure = corrected.group("figure")
        said = [
            a for a in view.agent if a < m.turn and re.search(rf"\b{re.escape(figure)}\b", view.text(a), re.I)
        ]
        if not said:
            continue
        # an amount the customer gave first (their bill) is theirs to correct, not the agent's mistake
        value = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", _spelled(figure)[0])}
        theirs = _union(amounts(view.text(c)) for c in view.customer if c < said[0])
        if not any(value & values for values in theirs.values()):
            return m
    return None


# ------------------------------------------------------------------------------- in memory


class DocumentFacts:
    """A ``KnowledgeChecker`` over documents held in memory, matched by sentence embeddings of their
    paragraphs (with the title). For evals, tests and small knowledge bases; the app uses its index."""

    def __init__(self, documents: Sequence[KnowledgeFact], encoder: Encoder, max_chars: int = 700) -> None:
        self.documents = list(documents)
        self.encoder = encoder
        self._owner: list[int] = []
        passages: list[str] = []
        for n, doc in enumerate(self.documents):
            body = doc.document_text or doc.text
            for para in _paragraphs(body, max_chars):
                self._owner.append(n)
                passages.append(f"{doc.title}. {para}")
        self._passages = passages
        self._vectors = encoder.embed(passages) if passages else np.zeros((0, encoder.dim), np.float32)

    def lookup(self, text: str, k: int = 3) -> list[KnowledgeFact]:
        if not self._passages:
            return []
        scores = self._vectors @ self.encoder.embed([text])[0]
        out: list[KnowledgeFact] = []
        seen: set[int] = set()
        for j in np.argsort(-scores):
            owner = self._owner[int(j)]
            if owner in seen:
                continue
            seen.add(owner)
            doc = self.documents[owner]
            out.append(
                KnowledgeFact(
                    doc.doc_id,
                    doc.title,
                    doc.kind,
                    self._passages[int(j)],
                    float(scores[j]),
                    doc.valid_from,
                    doc.valid_to,
                    doc.document_text or doc.text,
                )
            )
            if len(out) == k:
                break
        return out


def _paragraphs(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        while len(block) > max_chars:
            cut = block.rfind(". ", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 3 else max_chars
            out.append(block[:cut].strip())
            block = block[cut:].strip()
        if block:
            out.append(block)
    return out
