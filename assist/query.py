"""What to search for: whether a turn carries a need, and the query it makes with its context.

Spoken turns are full of fillers ("um so yeah"), acknowledgements ("okay thanks") and identity
answers ("it's John, March fourth") that carry no knowledge need; searching on them only risks a
wrong card. A turn is worth a search when enough content words remain. A turn that refers back
("how much is that", "and the other plan?") or is short gets the content words of the latest
earlier turns that name things (the agent's offer, the customer's earlier question) appended, most
recent first, so the search sees what "that" means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["FormedQuery", "QueryOptions", "content_words", "form_query", "is_need"]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)?")
_REDACTED = re.compile(r"\[[A-Z_]+\]")

# Function words and spoken fillers: they never say what the customer needs.
_STOP = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having he
    he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if
    in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on
    once only or other ought our ours ourselves out over own same shan't she she'd she'll she's
    should shouldn't so some such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've this those through to too under until up very
    was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
    while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your
    yours yourself yourselves also just really um uh uhm er erm ah oh hmm mm yeah yep yes yup no
    nope okay ok alright right sure well like so hi hello hey thanks thank please sorry great good
    fine perfect cool awesome bye goodbye actually basically kind sort know mean guess think gonna
    wanna gotta got get go going want wanted need needed could would one ones thing things
    something anything maybe still even much many call calling today now lot bit little way sir
    ma'am mister miss
    """.split()
)
# Words that point back at something said earlier ("this" and "there" mostly do not: "this month").
# "they" is usually the place or product just discussed ("do they take cards"), not the company.
_ANAPHORA = frozenset(
    """
    that it its those these they them their theirs he she him his her one ones other another same
    """.split()
)
_MONTHS = frozenset(
    """
    january february march april may june july august september october november december
    """.split()
)
_NUMBER_WORDS = frozenset(
    """
    zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand first second third fourth fifth sixth seventh eighth ninth tenth
    twentieth thirtieth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth
    eighteenth nineteenth
    """.split()
)


@dataclass(slots=True, frozen=True)
class QueryOptions:
    """``min_content_words``: fewer content words than this and a turn is not a need (identity answers
    and acknowledgements). ``short_turn_words``: a need this short also takes context.
    ``context_words``: at most this many content words are borrowed from earlier turns."""

    min_content_words: int = 2
    short_turn_words: int = 3
    context_turns: int = 3
    context_words: int = 12


@dataclass(slots=True)
class FormedQuery:
    text: str  # what is searched
    turn_words: list[str]  # the turn's own content words
    context_used: list[str] = field(default_factory=list)  # the earlier turns it borrowed from


def content_words(text: str) -> list[str]:
    """Lower-cased words that are not fillers, function words, spelled numbers, dates or redactions."""
    words = []
    for token in _TOKEN.findall(_REDACTED.sub(" ", text)):
        w = token.lower().strip("'-")
        if not w or w in _STOP or w in _NUMBER_WORDS or w in _MONTHS or w[0].isdigit():
            continue
        words.append(w)
    return words


def is_need(text: str, options: QueryOptions | None = None) -> bool:
    """Whether a customer turn says enough to search on."""
    o = options or QueryOptions()
    return len(set(content_words(text))) >= o.min_content_words


def _refers_back(text: str) -> bool:
    return any(t.lower() in _ANAPHORA for t in _TOKEN.findall(text))


def form_query(turn: str, context: Sequence[str] = (), options: QueryOptions | None = None) -> FormedQuery:
    """The search text for ``turn``. ``context`` holds earlier turns, oldest first, optionally
    prefixed ``"agent: "`` / ``"customer: "`` (FORMATS §4)."""
    o = options or QueryOptions()
    own = content_words(turn)
    query = FormedQuery(text=turn.strip(), turn_words=own)
    if not context or not (_refers_back(turn) or len(own) < o.short_turn_words):
        return query
    borrowed: list[str] = []
    have = set(own)
    for earlier in reversed(context[-o.context_turns :]):
        body = (
            earlier.split(":", 1)[1]
            if re.match(r"^\s*(agent|customer|system|user)\s*:", earlier, re.I)
            else earlier
        )
        words = [w for w in content_words(body) if w not in have]
        if not words:
            continue
        room = o.context_words - len(borrowed)
        if room <= 0:
            break
        borrowed.extend(words[:room])
        have.update(words[:room])
        query.context_used.append(earlier.strip())
    if borrowed:
        query.text = f"{turn.strip()} {' '.join(borrowed)}"
    return query
