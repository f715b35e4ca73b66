"""Built-in scorers for the items of the default scorecard (``standard-voice``).

Each scorer reads the call through ``CallView``, decides from a few named checks (``features``, the
facts the answer rests on; calibration refits on them), and returns the answer with the evidence
span, a confidence and a one-line rationale. Phrase lists are written for both typed text and
lower-case, unpunctuated ASR output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from qa_models.qa.types import Evidence, ItemResult
from qa_models.qa.view import CallView, Gap, Match, compile_phrases
from qa_models.scorecard import ScorecardItem

if TYPE_CHECKING:
    from qa_models.qa.scorer import QAScorer

__all__ = ["BUILTIN", "ItemScorer"]

ItemScorer = Callable[[CallView, ScorecardItem, "QAScorer"], ItemResult]


def _result(
    item: ScorecardItem,
    answer: str,
    confidence: float,
    rationale: str,
    evidence: list[Evidence],
    features: dict[str, float],
) -> ItemResult:
    return ItemResult(item.id, answer, confidence, rationale, evidence, "rules", features)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1]}…"'


def _sentence_at(view: CallView, m: Match) -> str:
    """The sentence a match stands in, with its closing punctuation."""
    text = view.text(m.turn)
    start = max(text.rfind(p, 0, m.start) for p in ".!?") + 1
    end = min((i for i in (text.find(p, m.end) for p in ".!?") if i >= 0), default=len(text) - 1)
    return text[start : end + 1]


# ------------------------------------------------------------------------------------ greeting

_NOT_A_NAME = (
    "sorry|calling|here|happy|glad|going|just|so|really|very|not|able|afraid|looking|trying|sure|good|"
    "great|fine|well|the|a|an|with|from|at|on|in|to|your|you|and|speaking|how|what|thank|thanks|"
    "hello|hi|hey|please|this|that|it|we|our|one|also|now|currently|pleased|delighted|back|still|"
    "ok|okay|right|checking|reaching|getting|available|ready|having|seeing|showing|call|customer"
)
_ORG_WORDS = (
    r"mobile|bank|banking|energy|electric|power|gas|water|air|airlines?|airways|insurance|telecom|"
    r"wireless|broadband|internet|cable|fibre|fiber|stream\w*|tv|media|health|care|retail|store|"
    r"stores|shop|group|services?|financial|credit|union|utilities|motors|travel|homes?|cent(?:er|re)|"
    r"medical|hospital|clinic|hire|rentals?|pharmacy|hotels?|university|college|gym|fitness|delivery|logistics|"
    r"express|parcels?|mortgages?|loans?|lending|software|cloud|benefits|council"
)
# A stored transcript has names redacted: "my name is [PERSON]" still gives a name. "Pulse Fitness
# here" names the company, not the agent.
_NAME = rf"(?:\[PERSON\]|(?!(?:{_NOT_A_NAME}|{_ORG_WORDS})\b)[^\W\d_][\w'-]+)"
_AGENT_NAME = compile_phrases(
    rf"my name(?:'s| is) {_NAME}",
    # ASR drops apostrophes and short words: "youre speaking to jodie", "you speaking to thabo"
    rf"(?:you're|youre|you are|you've been|youve been|you) (?:speaking|talking|chatting|connected|through) "
    rf"(?:with|to|tae) {_NAME}"
    rf"(?= (?:speaking|here|from|at|on|in|how|what)\b|[,.!]|$)",
    rf"(?:i'm|i am|im) {_NAME}(?= (?:and|speaking|here|from|with|at|on|how|what|i|calling)\b|[,.!]|$)",
    rf"(?:this is|it's|it is) {_NAME}"
    r"(?= (?:speaking|here|from|with|at|on|in|how|what|calling|um|uh|er|(?:can|may|could) (?:i|we))\b|"
    r"[,.!]|$)",
    rf"(?:this is|it's|it is) {_NAME} {_NAME}(?= (?:speaking|here|from|with|calling)\b)",
    rf"{_NAME} (?:speaking|here|this side)(?= [,.!]|[,.!]|$| how| what| from| at| with| on| and)",
    rf"(?:you've got|youve got|you have|you got) {_NAME}(?= [,.!]|[,.!]|$| (?:speaking|here|on|at|how|what))",
)
#: words that follow "thank you for calling" or "from" when no company name does
_NOT_A_COMPANY = (
    r"this|my|how|today|us|and|you|we|i|it|in|for|back|again|so|with|from|about|regarding|our|me|who|what|"
    r"the|a|an|your|that|today's|while|during|earlier|everyone|anyone|here|now|is|are|can|may|customer|"
    r"support|service|help|holding|waiting|being|to|on|at|there|just|calling"
)
_OPENING_WORDS = (
    r"hello|hi|hey|hiya|good|morning|afternoon|evening|thanks|thank|yes|yeah|yep|ok|okay|right|sorry|"
    r"welcome|um|uh|er|oh|well|so|greetings|sure|great|perfect|lovely"
)
_HELLO_ABROAD = r"bula|aloha|namaste|jambo|hola|bonjour|howzit|mabuhay|talofa|salaam|kia ora"
#: "Bula, prescription line, Sera speaking": a department alone names no company
_DEPARTMENT = frozenset(
    "customer guest member client prescription prescriptions reservations bookings booking billing claims "
    "sales accounts refunds returns orders repairs support service services help care emergency technical "
    "tech line desk team department centre center enquiries inquiries".split()
)
_COMPANY = rf"(?:the )?(?!(?:{_NOT_A_COMPANY})\b)[a-z0-9][\w&'-]*"
_COMPANY_INTRO = compile_phrases(
    r"(?:thank(?:s| you)(?: so much)? for (?:calling|callin'?|contacting|choosing|reaching out to|reaching|"
    r"messaging|texting|writing to|getting in touch with)"
    r"|welcome to|you've reached|you have reached|youve reached|you've called|you have called|youve called|"
    r"calling from|here at|on behalf of|"
    rf"(?:you're|you are|youre|you've been|you have been) (?:through|connected|put through) to) {_COMPANY}",
    # "this is Tom from Acme", "Priya here with Northwind", "you're chatting with Sam at Cobalt"
    rf"(?:(?:this is|i'm|i am|im|my name is|my name's|it's) {_NAME}|{_NAME} (?:speaking|here)|"
    rf"(?:speaking|chatting|talking) (?:with|to) {_NAME}) (?:from|at|with) {_COMPANY}",
    rf"[a-z0-9][\w&'-]* (?:{_ORG_WORDS})(?: (?:customer|member|client))? (?:service|services|support|care|"
    r"help ?desk|team|line|desk|billing)",
    rf"[a-z0-9][\w&'-]* (?:{_ORG_WORDS})(?=,| this| my| how| you| speaking| here| and|[.!?]|$)",
)
#: The phone opening "Acme, Tom speaking" / "Good morning, Cobalt Bank, this is Lee": a name of one to
#: three words ("Cirrus Air reservations") that opens the call's first agent turn and is followed by
#: the agent's own name. Only the first turn: later ("Hi Maria, this is Tom") the word before the
#: agent's name is the customer's.
_PHONE_OPENING = compile_phrases(
    r"^(?:(?:good (?:morning|afternoon|evening)|g'day|yeah|yes|hi|hello|hiya|hey|morning|afternoon|evening|"
    rf"{_HELLO_ABROAD})"
    r"[,.!]? )?(?:(?:um|uh|er) )?"
    rf"(?!(?:{_OPENING_WORDS}|{_NOT_A_COMPANY})\b)[a-z0-9][\w&'-]*"
    # "and" may join words inside the name: "Ashbury Borough Council waste and recycling"
    rf"(?: (?!(?:{_NOT_A_COMPANY.replace('|and|', '|')})\b)[a-z0-9][\w&'-]*){{0,6}}"
    rf"(?=,? (?:{_NAME} (?:speaking|here)|this is|my name|it's|"
    r"(?:you're|youre|you) (?:speaking|through|talking)|how (?:can|may) i|what can i))",
)
#: The customer asks whose line it is ("Is this Tala Notebooks warranty?", "have I got the council?") ...
_COMPANY_ASKED = compile_phrases(
    r"(?:is (?:this|that|it)|have i (?:got|reached)|am i (?:through|speaking|talking) (?:to|with)|are you) "
    rf"(?:the )?(?!(?:{_NOT_A_NAME}|{_OPENING_WORDS})\b)[a-z0-9][\w&'-]*"
)
#: ... and the agent says the name back: "Yes po, this is Tala warranty", "you've got Lone Star Home Loan".
#: ("Yeah, Redgum." only agrees: it names nothing.)
_COMPANY_SAID_BACK = (
    r"(?:this is|it's|it is|you've got|youve got|you have|you've reached|you're through to) (?:\w+ )?"
)


_HELLO = compile_phrases(
    r"hello|hi|hey|good (?:morning|afternoon|evening)|thank(?:s| you) for (?:calling|contacting|choosing|"
    r"reaching)|welcome"
)


def _same_end(a: Match, b: Match | None) -> bool:
    return b is not None and a.turn == b.turn and a.end == b.end


def greeting(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    opening = view.agent[: view.options.greeting_turns]
    later = view.agent[view.options.greeting_turns : view.options.greeting_turns + 3]
    if not opening:
        return _result(item, "no", 0.6, "the agent never speaks", [], {"agent_turns": 0.0})
    names = tuple(n for n in scorer.options.company_names if n.strip())
    company_re = (
        compile_phrases(*(re.escape(n).replace(r"\ ", " ") for n in names)) if names else _COMPANY_INTRO
    )
    agent = view.first(_AGENT_NAME, opening)
    # "you're through to Priya" names the agent, not a company: a company match must end elsewhere
    company = next((m for m in view.find(company_re, opening) if not _same_end(m, agent)), None)
    if company is None and not names:
        company = view.first(_PHONE_OPENING, opening[:1])
        if company is not None and _department_only(company.text):
            company = None
        company = company or _company_said_back(view, opening)
    hello = view.first(_HELLO, opening)
    features = {
        "company_name": float(company is not None),
        "agent_name": float(agent is not None),
        "greeting_word": float(hello is not None),
        "company_name_later": float(company is None and view.first(company_re, later) is not None),
        "agent_name_later": float(agent is None and view.first(_AGENT_NAME, later) is not None),
    }
    evidence = [view.evidence(m) for m in (company, agent) if m is not None]
    if company is not None and agent is not None:
        return _result(
            item,
            "yes",
            0.9,
            f"company and own name given: {_quote(view.text(company.turn))}",
            evidence,
            features,
        )
    missing = " and ".join(
        n for n, m in (("company name", company), ("agent's own name", agent)) if m is None
    )
    if not evidence:
        evidence = [view.evidence(opening[0])]
    late = features["company_name_later"] or features["agent_name_later"]
    note = " (given later than the opening)" if late else ""
    return _result(item, "no", 0.8, f"no {missing} in the agent's first turns{note}", evidence, features)


def _department_only(text: str) -> bool:
    words = re.sub(rf"^\W*(?:(?:{_OPENING_WORDS}|{_HELLO_ABROAD})\b\W*)*", "", text.lower()).split()
    return bool(words) and all(w.strip(",.!") in _DEPARTMENT for w in words)


def _company_said_back(view: CallView, opening: Sequence[int]) -> Match | None:
    """The company named by the customer's question and said back in the agent's next opening turn."""
    for a in opening:
        asked = [m for c in view.customer if c < a for m in view.find(_COMPANY_ASKED, [c])]
        for m in asked[-1:]:
            word = re.escape(re.split(r"[\s,.;:!-]+", m.text)[-1])
            hit = view.first(compile_phrases(_COMPANY_SAID_BACK + word), [a])
            if hit is not None:
                return hit
    return None


# ----------------------------------------------------------------------------- verify_identity

_IDENTIFIER = (
    r"account (?:number|no|pin|password)|date of birth|birth ?date|d o b|dob|birthday|post ?code|"
    r"zip(?: code)?|"
    r"security (?:question|answer|word|code|pin|phrase|details)|passcode|pass code|pin(?: number)?|"
    r"memorable (?:word|date|information)|one[- ]time (?:code|passcode|pin|password)|verification code|"
    r"(?:the|a) (?:[\w-]+ )?code (?:i|we|that we|that i)(?:'ve| have)? (?:just )?(?:sent|texted|emailed)|"
    r"(?:four|six|4|6)[- ]digit code|"
    r"last (?:four|4|three|3) (?:digits|numbers)|(?:first line of )?(?:your |the )?(?:billing |home )?address"
    r"(?: on (?:file|the account))?|mother'?s maiden name|policy number|member(?:ship)? "
    r"number|customer (?:number|id)|reference number|booking reference|order number|confirmation number|"
    r"social security|ssn|national insurance|card number|"
    # "the registered mobile number on the order": the customer's number on file, asked for
    r"(?:registered|account) (?:mobile|phone|cell|contact)(?: number)?"
)
#: "workspace id", "member ID", "patient number": an identifier named by what it identifies
_ID_WORD = (
    r"(?:member|membership|customer|account|client|policy|patient|student|employee|workspace|user|booking|"
    r"order|claim|case|ticket|loan|reservation|confirmation|rental|tracking|way ?bill|parcel|consignment) ?"
    r"(?:id|number|no|reference|ref|code)"
)
#: A code sent to the customer's phone or email to read back: a check, not a change to the account.
_CODE_SENT = (
    r"(?:i|we)(?:'ve|ve| have|'ll|ll| will|'m|m| am|'re| are)? (?:going to |just |now )*(?:sent|send|sending|"
    r"texted|text|texting|emailed|email|emailing) (?:you |over |through )?(?:a|an|the) (?:[\w-]+ ){0,2}"
    r"(?:code|passcode|pin|otp|one[- ]time password)"
)
_VERIFY_ASK = compile_phrases(
    # the terse ask: "Address?", "Name and date of birth?"
    # (a name alone is how an account is found, not a check)
    rf"(?:and |ok |okay |sure |thanks )?(?:(?:your |the )?name and )?(?:your |"
    rf"the )?(?:{_IDENTIFIER}|{_ID_WORD})"
    rf"(?: and (?:your |the )?"
    rf"(?:name|{_IDENTIFIER}|{_ID_WORD}))?(?: please)?(?:\?|(?=\s*$))",
    # ... or the whole turn: "Name and date of birth.", "Full name and date of birth on the account."
    rf"^(?:(?:your |the )?(?:full )?name and )?(?:your |the )?(?:{_IDENTIFIER}|{_ID_WORD})"
    rf"(?: and (?:your |the )?(?:name|{_IDENTIFIER}|{_ID_WORD}))?"
    rf"(?: on (?:the|your) (?:account|file|booking))?(?: please)?\.?$",
    rf"(?:please|kindly) (?:provide|give|share|send|tell|confirm|enter|type)[^.?!]{{0,40}}(?:{_ID_WORD}|"
    rf"{_IDENTIFIER})",
    r"(?:for|to complete|to do) (?:the |a |some )?(?:verification|security|id check)",
    rf"(?:i|we) (?:need|'ll need|will need) (?:your|the) (?:[\w-]+ ){{0,2}}(?:{_IDENTIFIER}|{_ID_WORD})",
    r"(?:sending|send|sent|texting|text) (?:you )?(?:an? |the )?(?:[\w-]+ )?(?:otp|one[- ]time|verification|"
    r"security) ?(?:code|password|pin|number)?",
    r"(?:need to|have to|must|let me|i'll|let's|let us) (?:first |just |quickly )?(?:verify|confirm|"
    r"authenticate|identify) (?:you|your identity|who)",
    rf"(?:can|could|may|would) (?:i|you|we) (?:please )?(?:get|have|take|give|grab|tell|read|provide|send|"
    rf"share)[^.?!]{{0,40}}(?:{_ID_WORD}|{_IDENTIFIER})",
    rf"(?:verify|confirm|check|validate|authenticate|identify|security)\w*[^.?!]{{0,60}}(?:{_IDENTIFIER})",
    rf"(?:can|could|may|would) (?:i|you|we) (?:please )?(?:get|have|take|give|grab|tell|read|provide|"
    rf"start with|"
    rf"confirm|verify)[^.?!]{{0,40}}(?:{_IDENTIFIER})",
    rf"(?:what(?:'s| is)|and) (?:your|the) (?:{_IDENTIFIER})",
    r"(?:verify|confirm) (?:your|the) (?:identity|account|details)",
    r"(?:pass|answer) (?:a |some |the )?(?:quick )?security",
    r"security (?:check|questions?|verification|step|process)",
    _CODE_SENT,
)
_CODE_SENT_RE = compile_phrases(_CODE_SENT)
#: "If you'd rather I add it, I'd just need to verify your account": an offer, not a check (but "if you
#: could confirm your postcode" is an ask)
_HYPOTHETICAL = re.compile(r"\bif you(?:'d| would)? (?:rather|prefer|want|like)\b[^.?!]*$", re.IGNORECASE)
# The check failed: the answer does not match what is on file, or the agent gives the answer away.
_CHECK_FAILED = compile_phrases(
    r"(?:doesn't|does not|didn't|did not|don't|do not) match|not matching|that's not what i have",
    r"(?:i've got|i have|i've|i see|it shows|showing|we have) (?:a )?different (?:\w+ )?(?:here|on (?:file|"
    r"the account|the system))?",
    r"the answer (?:on|we have on|i have on|on file for) (?:the|your) (?:account|file) is",
)
_VERIFIED = compile_phrases(
    r"(?:you're|you are|you've been|youve been|that's|thats) (?:now |all )?(?:verified|authenticated|"
    r"confirmed)",
    r"(?:that|those|everything|it|the details|your details) (?:all )?(?:matches|match|checks out|checked out|"
    r"is correct|are correct)",
    r"thank(?:s| you) for (?:verifying|confirming (?:that|those|your))",
    r"(?:you|you've|you have) (?:already )?verified (?:through|via|in|on|with|by)",
    r"(?:already|been) (?:verified|authenticated)|verified (?:through|via|in|by) the (?:app|ivr|automated|"
    r"phone menu|menu|keypad|phone system|system|portal)",
    # (not "the complaint is logged in our system")
    r"(?:you're|you are|(?:your )?account is) (?:already )?(?:logged|signed) in",
    r"passed (?:the )?(?:security|verification)",
    r"^\W*(?:(?:okay|ok|thanks|thank you)\W+)?verified\b",
    r"voice ?(?:id|print|recognition|biometrics?|verification) (?:has |have )?(?:already |just )?(?:matched|"
    r"verified|confirmed|recogni[sz]ed|identified|authenticated)",
)
_DISCLOSE = compile_phrases(
    r"(?:i can see|i see|i'm seeing|im seeing|i've pulled up|ive pulled up|i have pulled up|looking at|"
    r"according to|it shows|it's showing|its showing|the system shows|on the system|i've found|i found) "
    r"[^.?!]{0,40}(?:your|the|this|that) (?:[\w/-]+ ){0,2}(?:account|bill|balance|charges?|payments?|plan|"
    r"statement|order|booking|box|parcel|package|shipment|appointment|unit|lease|tenancy|flight|ticket|"
    r"policy|"
    r"claim|card|subscription|invoice|usage|data|line|contract|device|address|meter|reading|transactions?|"
    r"reservation|delivery|refund|records?|history|file|direct debit|renewal|(?:\w+ )?(?:instal?lment|"
    r"repayment|premium|loan|bond|mortgage|arrears))",
    r"your (?:current |outstanding |last |latest |remaining |next |new |(?:jan|febr)uary |march |april |may |"
    r"june |july |august |september |october |november |december )?(?:balance|bill|payment|statement|"
    r"order|plan|contract|usage|due date|renewal|policy|claim|delivery|booking|reservation|refund|"
    r"subscription"
    r"|limit|premium|direct debit|invoice|meter reading)s? (?:is|was|were|are|shows|comes to|came to|has|"
    r"will be|of|for|totals|ends|went|shipped|says)",
    r"(?:there (?:is|are|was|were)|i see|i can see) (?:a |two |three |\d+ )?(?:charges?|payments?|"
    r"transactions?|deposits?|refunds?|orders?|claims?|debits?) (?:of|for|on|from)",
    r"(?:i've|ive|i have|i just|i'll|ill|i will|let me|i'm going to|im going to|we've|"
    r"we have) (?:go ahead and |"
    r"just |now )?(?:changed|change|updated|update|cancell?ed|cancel|processed|process|refunded|refund|"
    r"credited|"
    r"credit|reset|reversed|reverse|switched|switch|moved|move|added|add|removed|remove|applied|apply|"
    r"upgraded|upgrade|unlocked|unlock|blocked|block|froze|freeze|frozen|rebooked|rebook|reissued|reissue|"
    r"waived|waive|issued|issue a refund|ordered|order you|activated|activate|suspended|suspend|"
    r"restored|restore|re-?sent|sent a replacement) (?:that|it|this|the|your|you|a|an|those)",
    # read off the account: "so you're on the twelve month flex plan ... four months left on the contract"
    r"(?:you're|youre|you are) on (?:the|our) [^.?!]{0,40}(?:plan|tariff|package|contract|membership|policy)|"
    r"(?:you're|youre|you are) on [^.?!]{1,40}(?:a|per) month|"
    r"you(?:'ve| have| also have) (?:got )?(?:(?:an? )?(?:unpaid|outstanding|overdue) (?:balance|bill|amount|"
    r"payment|invoice)|arrears of)|"
    r"you(?:'re| are) (?:currently |now )?paying|"
    r"you(?:'ve| have) (?:got )?[^.?!]{0,30}(?:left|remaining|outstanding|owing) on (?:the|your)",
    r"(?:transactions?|charges?|payments?|purchases?|debits?) (?:on|to|from) your (?:[\w-]+ ){0,3}(?:card|"
    r"account)|(?:card|account) ending (?:in )?(?:\d|zero|one|two|three|four|five|six|seven|eight|nine)",
    # what a named account owes: "his unit is now two months behind, it's ninety dollars outstanding"
    r"(?:two|three|four|five|six|\d+|a|one) (?:months?|weeks?|payments?) (?:behind|overdue|in arrears|late)|"
    r"(?:dollars|pounds|euros|rand|\d) (?:\w+ )?(?:outstanding|overdue|owing|in arrears)|"
    r"(?:there's|there is|you have|you've got) (?:a|an) (?:\w+ )?balance (?:of|for)|"
    r"balance of [^.?!]{1,40}(?:due|outstanding|owing|overdue)|"
    r"you (?:currently |still )?owe|you(?:'ve| have|ve) (?:used|paid|spent|been (?:charged|billed|credited|"
    r"refunded))|you were (?:charged|billed|credited|refunded)|(?:you're|you are|youre) (?:owed|in credit|"
    r"in arrears|behind on)",
)


#: "Okay, I see it." after looking the customer up: what follows is from their account.
_SEEN = compile_phrases(
    r"(?:yeah,? |ok,? |okay,? )?(?:i see it|i've got it up|i have it up|found it|got it up here)",
    r"(?:i've|i have|i've just|i just) (?:got|pulled|brought|called) (?:up )?(?:your|the) "
    r"(?:account|details|file|record|booking|order|reservation|profile|membership|claim)s?(?: up)?",
    # outbound and chat openings that lead with the customer's own details
    r"(?:i can see|i see|i'm seeing|it looks like|looks like) you(?:'re| are| have|'ve| were| had) "
    r"(?:on|paying|using|been|got|due|signed|asking|ordered|booked|behind|over)",
    r"(?:your|tonight's|today's|yesterday's|this morning's|last night's|recent) (?:order|booking|rental|"
    r"reservation|delivery|claim|bill|payment|refund) (?:from|of|for|at|on|#)",
)
_LOOKUP = compile_phrases(
    r"(?:pull|bring|call|look) (?:you|your (?:account|details|file|booking|policy)|it) up|look you up|"
    r"(?:find|locate|pull up|bring up) (?:you|your (?:account|details|file|booking|policy|record))"
)
_VERIFY_INTENT = compile_phrases(
    r"(?:verify|authenticate) (?:you|your identity)|(?:security|verification) (?:questions?|check)|"
    r"(?:for|to complete) (?:the )?(?:security|verification)"
)
# "I'm calling about your application. Before I go into any detail, could you confirm ...": the
# purpose of an outbound call discloses nothing when the check follows in the same turn.
_PURPOSE = compile_phrases(
    r"(?:calling|contacting|reaching out|following up|writing)(?: (?:from|at|with) [^.?!]{1,40}?)? (?:you )?"
    r"(?:about|regarding|on|re) your (?:\w+ )?\w+"
)
# "I see you're calling from the number on the account": where the call comes from, not what the account holds
_CALLER_ID = compile_phrases(
    r"(?:calling|callin'?|ringing|phoning) (?:from|on) (?:the|a|your) (?:number|phone|line)"
)


_DISCLOSE_FILLER = frozenset("have been were your that this with from there".split())


def _echoes_customer(view: CallView, m: Match) -> bool:
    """Whether a disclosure only repeats what the customer said ("sorry to see you've been charged
    twice" after "my card has been charged two times")."""
    words = {w for w in re.findall(r"[a-z]{4,}", m.text.lower()) if w not in _DISCLOSE_FILLER}
    said = " ".join(view.text(c) for c in view.customer if c < m.turn).lower()
    # "charged" echoes "charge"
    return bool(words) and all(re.search(rf"\b{re.sub(r'(?:ed|ing|s)$', '', w)}", said) for w in words)


def verify_identity(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    asks = [
        m
        for m in view.find(_VERIFY_ASK, view.agent)
        if not _HYPOTHETICAL.search(view.text(m.turn)[: m.start])
    ]
    # "Let me pull you up. What's your account number?" then "Before we go further, can I verify you":
    # the agent's own later check shows the first ask was a look-up, not the verification
    lookups = {m.turn for m in view.find(_LOOKUP, view.agent)}
    intents = [m.turn for m in view.find(_VERIFY_INTENT, view.agent)]
    asks = [m for m in asks if not (m.turn in lookups and any(t > m.turn for t in intents))]
    ask_turns = {m.turn for m in asks}
    verified = list(view.find(_VERIFIED, view.agent))
    disclosures = sorted(
        [
            *view.find(_DISCLOSE, view.agent),
            *view.find(_ACTION_NOW, view.agent),
            *view.find(_SEEN, view.agent),
            *(m for m in view.find(_PURPOSE, view.agent) if m.turn not in ask_turns),
        ],
        key=lambda m: (m.turn, m.start),
    )
    # Order by turn and by place in the turn: "Thanks, that matches. I can see your bill ..." checks
    # first; "I can see your bill ... can I take your date of birth?" discloses first.
    # Sending the code to read back is part of the check, not a change to the account.
    code_turns = {m.turn for m in view.find(_CODE_SENT_RE, view.agent)}
    # In the turn that asks for the check, neither the customer's own complaint said back nor the call's
    # purpose said before the ask is a disclosure; nor, anywhere, where the call comes from.
    purposes = [p for p in view.find(_PURPOSE, view.agent) if p.turn in ask_turns]
    disclosures = [
        d
        for d in disclosures
        if d.turn not in code_turns
        and not _CALLER_ID.search(d.text)
        and not (
            (d.turn in ask_turns or view.text(d.turn).rstrip().endswith("?")) and _echoes_customer(view, d)
        )
        and not (
            d.turn in ask_turns and any(p.turn == d.turn and p.start <= d.start < p.end for p in purposes)
        )
    ]
    checks = sorted(asks + verified, key=lambda m: (m.turn, m.start))
    # A check that failed ("I've got a different street here, but I'll go ahead") only counts when a
    # later check passed.
    failed = view.first(_CHECK_FAILED, [a for a in view.agent if checks and a >= checks[0].turn])
    if failed is not None:
        checks = [c for c in checks if (c.turn, c.start) > (failed.turn, failed.end)]
    check = checks[0] if checks else None
    first_disclosure = disclosures[0] if disclosures else None
    checked_first = check is not None and (
        first_disclosure is None
        # inside a disclosure's own span ("the system shows you verified ... so your claim") it came first
        or (check.turn, check.start) < (first_disclosure.turn, first_disclosure.end)
    )
    features = {
        "check_failed": float(failed is not None),
        "asked_identifier": float(bool(asks)),
        "confirmed_verified": float(bool(verified)),
        "disclosed_or_changed": float(bool(disclosures)),
        "checked_before_disclosure": float(checked_first),
    }
    if first_disclosure is None and failed is not None and check is None:
        # Asking for an identifier means the call is about an account; the check then failed.
        return _result(
            item,
            "no",
            0.7,
            f"the identity check failed and the agent went on: {_quote(failed.text, 40)}",
            [view.evidence(failed)],
            features,
        )
    if first_disclosure is None:
        if check is not None:
            return _result(
                item,
                "yes",
                0.75,
                "identity checked; no account details disclosed",
                [view.evidence(check)],
                features,
            )
        return _result(
            item, "na", 0.75, "no account-specific details were discussed or changed", [], features
        )
    if check is not None and checked_first:
        return _result(
            item,
            "yes",
            0.85,
            f"identity checked ({_quote(check.text, 40)}) before account details",
            [view.evidence(check), view.evidence(first_disclosure)],
            features,
        )
    late = " (checked only afterwards)" if check is not None else ""
    if failed is not None and check is None:
        late = f" (the check failed: {_quote(failed.text, 40)})"
    return _result(
        item,
        "no",
        0.8 if check is None else 0.7,
        f"account details disclosed or changed without verifying identity first{late}",
        [view.evidence(first_disclosure)] + ([view.evidence(check)] if check is not None else []),
        features,
    )


# ----------------------------------------------------------------------------- understand_need

_RESTATE = compile_phrases(
    r"just (?:to|so i can|so i) (?:confirm|make sure|clarify|check|be clear|understand)",
    r"just so (?:i'm|im|i am|we're|we are) (?:looking (?:at|for) the right|clear|on the same page)",
    r"(?:just )?so (?:i've|ive|i have|i) got (?:it|this|that|you) (?:right|straight)",
    # ("let me confirm with the registrar" asks someone else)
    r"let me (?:just )?(?:make sure|confirm(?! with)|recap|repeat|check i|check that i|see if i)",
    r"if i (?:understand|understood|heard|have) (?:you|this|that|it)? ?(?:correctly|right)",
    r"so what (?:i'm|im|i am) hearing|what you're saying is|so you're saying|so you are saying",
    r"to (?:make sure|confirm) i (?:understand|have (?:this|that|it) right|got (?:this|that|it))",
    r"(?:it )?sounds like (?:you|your|the)",
    r"(?:so |okay so |ok so |alright so |right so )?you(?:'re| are) (?:calling|contacting|reaching out|"
    r"writing|chatting|phoning|phonin'?|ringing) (?:about|aboot|because|regarding|since|to)",
    r"(?:is that|is this|was that|have i got that|did i get that|have i understood that) (?:right|correct)",
    r"(?:correct|right) me if i'?m wrong",
    # "okay got it, so the right aid whistles and ...": an acknowledgement, then the need in their words
    r"(?:got it|gotcha|understood|i see),? so (?:the|your|it's|it is|you)\b",
    r"(?:so|okay so|ok so|alright so|right so) (?:you(?:'d| would) like|you want|you wanna|you need|"
    r"you(?:'re| are|re)? (?:asking|looking|hoping|wanting|trying|needing)|"
    r"your (?:issue|problem|question|concern) is|"
    # "So you lost your job and ...": what happened, in the simple past
    r"you (?:lost|had|saw|paid|bought|went|made|took|sent|left|broke|dropped|forgot|missed|found|spent|"
    r"put|got charged|got billed|ran|came|woke|heard|told|said|thought|felt|kept|began|fell|gave|wrote|drove|"
    r"flew|rang|threw|sat|ate|chose|brought|caught|hit|cut|hurt|met|sold)|"
    r"the (?:issue|problem) is|"
    # where the customer is or what they are without: "okay so you're in zambia, no data for three days"
    r"you(?:'re| are) (?:in (?!luck)\w+|abroad|overseas|away|travell?ing|visiting|stuck|without|locked out|"
    r"out of)|"
    r"you(?:'ve| have) been|you were|you got|you('re| are) seeing|you noticed|you received|"
    # what the customer did or has had happen: "so you started trading in March", "so you've reached
    # your allowance", "so your usage has more than doubled"
    r"you(?:'ve| have)? (?:already |just |also )?(?!got\b)[a-z]+ed|you(?:'ve| have) (?:already |just |also )?"
    r"(?:had|seen|lost|run out|hit|gone over)|"
    r"your (?:\w+ )?(?:has|have|is|are|was|were|hasn't|isn't|keeps|went|got) [^.?!]{3,60} and "
    r"you(?:'re|'ve|'d| are| have| were| think| want| need))",
    # "So it's the bill dated the second, and you think it's way over"
    r"(?:so|okay so|ok so|right so) (?:it's|it is|this is) (?:the|your) [^.?!]{3,80}\band you(?:'re| are| "
    r"think| feel| want| need|'d like| would like)",
    r"i understand (?:that )?(?:you(?:'d| would| want| need|'re| are| have|'ve| were| was| got| did| didn't| "
    r"received| can't| cannot| haven't| paid| noticed| saw)|your \w+ (?:is|isn't|was|wasn't|has|hasn't|"
    r"keeps))",
    # a restatement that opens a sentence: "You'd like to move the flight to Friday, no problem."
    r"(?:^|(?<=[.!?,]\s))(?:you(?:'d| would) like|you(?:'re| are) (?:looking|hoping|wanting|trying)) to",
    r"(?:^|(?<=[.!?]\s))you want (?:the|to|a|an|your|it|them)\b",
    r"you(?:'d| would) like (?:me )?to [^.?!]{3,80}\?",
    r"am i right",
    # "So: (1) switch to the flexi pass, and (2) check the room charge."
    r"(?:^|(?<=[.!?]\s))(?:(?:okay|ok|right|great|thanks)\W+)?so: ?(?:\(?1\)|first|one)",
)
_OUTBOUND = compile_phrases(
    r"(?:i'm|im|i am|i was|we're|we are) (?:just )?(?:calling|ringing|phoning|reaching out) (?:from|about|"
    r"because|regarding|to let you know|with|on behalf)|(?:this is|it's) \w+(?: \w+)? (?:calling|ringing) "
    r"(?:from|about)|the reason (?:i'm|im|i am|for my) call"
)
_TAG_QUESTION = re.compile(r"\b(?:right|correct|yeah)\W*$", re.IGNORECASE)
_STOP = set(
    "the a an and or but to of for in on at is it i you my your me we our that this with was be have has "
    "had do did so just can could would will not no yes ok okay um uh like get got about there they them "
    "what how why when please thanks thank hi hello".split()
)


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _STOP and len(w) > 2}


def understand_need(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    # The restatement should come before the agent acts: look in the agent's turns up to two thirds.
    window = view.agent[: max(3, (2 * len(view.agent) + 2) // 3)]
    # The agent's first turn is a greeting, unless the customer spoke first (chat: the question, then
    # "Hi, this is Kenji. So you're looking at switching ...").
    if window and not (view.customer and view.customer[0] < window[0]):
        window = window[1:] or window
    phrase = view.first(_RESTATE, window)
    echo: Match | None = None
    for i in window:
        text = view.text(i)
        # ASR text has no question marks: "... at the gas station right"
        if "?" not in text and not _TAG_QUESTION.search(text):
            continue
        said = (
            set().union(*(_content(view.text(c)) for c in view.customer if c < i)) if view.customer else set()
        )
        shared = _content(text) & said
        if len(shared) >= 3:
            echo = Match(i, 0, len(text), text)
            break
    features = {"restate_phrase": float(phrase is not None), "echo_question": float(echo is not None)}
    if phrase is not None:
        return _result(
            item,
            "yes",
            0.85,
            f"the agent restates the need: {_quote(view.text(phrase.turn))}",
            [view.evidence(phrase)],
            features,
        )
    if echo is not None:
        return _result(
            item,
            "yes",
            0.65,
            "the agent asks back about the customer's own words",
            [view.evidence(echo)],
            features,
        )
    # On a call the agent made, the need is the agent's own: reviewers look for its purpose stated.
    purpose = view.first(_OUTBOUND, view.agent[:2])
    if purpose is not None:
        return _result(
            item,
            "yes",
            0.6,
            f"an outbound call that states its purpose: {_quote(view.text(purpose.turn))}",
            [view.evidence(purpose)],
            features,
        )
    return _result(item, "no", 0.7, "the agent never restates or confirms the customer's need", [], features)


# -------------------------------------------------------------------------------------- empathy

_FEELING_STRONG = compile_phrases(
    r"frustrat\w*|annoy\w*|angry|furious|livid|upset|ridiculous|unacceptable|outrageous|disgust\w*|"
    r"raging|fuming|seething|gutted|pissed off|cheesed off|(?:so|really|pure|proper) mad|"
    r"for (?:goodness'?|heaven'?s|god'?s|pete'?s) sake|all over the place|"
    r"fed up|sick (?:and tired )?of|tired of|had enough|(?:a |complete |total )?joke|nightmare|"
    r"worried|anxious|stressed|stressful|panick\w*|scared|terrified|desperate|distress\w*|"
    r"(?:really |so |very )?disappoint\w*|not (?:very |too |at all |so |really |that |exactly )?(?:happy|"
    r"pleased|"
    r"impressed|satisfied)|unhappy|dissatisfied|appalling|terrible|horrible|awful|"
    r"useless|pathetic|waste of (?:my )?time|can(?:'t|not|t) believe|third time|fourth time|second time|"
    r"again and again|keeps? happening|every single (?:month|time|day)|every time i (?:call|ring|phone|try|"
    r"contact)|hung up on|nobody (?:called|helped|"
    r"got back)|no one (?:called|helped|got back)|been (?:waiting|on hold) (?:for )?(?:ages|hours|forever|"
    r"\w+ (?:days|weeks|hours|minutes))|losing (?:my )?(?:patience|mind)|what a mess|this is insane|"
    r"seriously|i'm done|im done|cancel everything|inconvenien\w*|hassle|(?:such )?a pain|stuck|"
    r"stranded|can't afford|cant afford|freaking out|concerned|concern is|embarrass\w*|humiliat\w*|"
    r"alarm(?:ed|ing)|rough (?:day|week|month|year|time|few \w+)|bummed|oh no|"
    r"shak(?:y|en|ing) up|still (?:a bit |quite )?shak(?:y|en)|scrambling|(?:lot of|so much|under) tension|"
    r"(?:really |so |very )+hard for (?:me|us)|(?:took|taken|take|taking) (?:the|a|\w+day) (?:day )?off|"
    r"another day off|getting old|(?:the )?same (?:darn |damn |dang |bloody )?thing (?:happened|again)|"
    r"oh,? come on|come on,? man|upheaval|"
    r"(?:don't|dont|do not) know what (?:i'm|im|i am) (?:supposed|meant) to|at my wits'? end|"
    r"[\U0001F61E\U0001F61F\U0001F620\U0001F621\U0001F622\U0001F624\U0001F625\U0001F629\U0001F62B\U0001F62D"
    r"\U0001F630\U0001F641\u2639]|"
    # trouble and urgency people voice without naming a feeling; reviewers count it as inconvenience
    r"keeps? (?:logging|crashing|dropping|failing|freezing|cutting|kicking|charging|happening|going)|"
    r"(?:got|been|was|were|is) (?:stolen|hacked|scammed|lost|cancell?ed|cut off|overcharged|double charged)|"
    r"(?:too|so|very|really|super|crazy) expensive|(?:a )?(?:bit of a )?(?:bummer|shame|pity)|"
    r"fraud\w*|scam\w*|(?:a bit|bit|pretty|quite|very|rather) cheeky|"
    r"(?:is|it's|its) (?:urgent|an emergency)|as soon as possible|asap|(?:i|we) (?:really )?need (?:it|this|"
    r"that)(?: \w+)? (?:today|tonight|now|asap|urgently|fast|quickly|right away)|"
    r"(?:really|so|totally|completely|a bit) confused|confusing|"
    # a death in the family
    r"passed away|passed on|funeral|bereave\w*|(?:my|our|her|his) (?:\w+ )?(?:died|has died|passed)"
)
_EMPATHY = compile_phrases(
    r"(?:i'm|im|i am|we're|we are) (?:so |really |very |truly |terribly |"
    r"genuinely )?sorry(?! (?:to interrupt|"
    r"for (?:the|your|keeping you on) (?:wait|hold)|(?:i |we )?(?:didn't|did not) (?:catch|hear|get)|can you|"
    r"could you|what was|say again|come again))",
    r"(?:my |our |sincere |sincerest )?apologi(?:es|ze|se)(?! for (?:the|your) (?:wait|hold))",
    r"sorry for your loss|(?:my|our) (?:deepest |sincere |sincerest )?condolences",
    r"i (?:completely |totally |really |fully |absolutely |can |do )?understand(?: (?:how|why|that|your|the|"
    r"what|this|it|you're|you are)|,|\.|$)",
    r"i can (?:only )?(?:imagine|understand|see (?:why|how|that))",
    # "that must be stressful", not "that would be the twenty-eighth"
    r"that must (?:be|have been|feel|sound)(?! (?:the|a|an|it|right|correct|why|because|\d)\b)",
    r"that (?:would|does|will) (?:be|feel|sound) (?:so |really |very )?(?:frustrating|stressful|worrying|"
    r"upsetting|awful|hard|difficult|scary|horrible)",
    r"(?:that|this|it)(?:'s| is| sounds| seems| was)(?: really| so| very| incredibly| super| such|"
    r" definitely| just| quite| pretty| absolutely)? "
    r"(?:an? |the )?(?:big |real |horrible |awful )?(?:frustrating|annoying|stressful|worrying|upsetting|"
    r"inconvenient|awful|terrible|difficult|hard|horrible|miserable|worst|gutting|rotten|frightening|fright|"
    r"worry|shock|"
    r"pain|hassle|nightmare|not (?:ok|okay|good|great|acceptable|right|fair)|no good|unfair|concerning|scary|"
    r"disappointing|no fun|rough|tough)",
    r"(?:that|this|it) (?:doesn't|does not|don't) sound (?:pleasant|good|fun|great|nice)|"
    r"the last thing you (?:want|need)",
    # "yeah i get that but it's the process": a "but" takes the acknowledgement back
    r"i hear you(?!\W+but\b)|hear your frustration|i get (?:it|that|why)(?!\W+but\b)|understandabl[ey]|"
    r"totally fair|fair enough",
    r"(?:totally|completely) get why|(?:would|will|'d) make (?:anyone|you|me|anybody) (?:\w+ )?(?:panic|"
    r"worry|worried|nervous|upset|angry|mad|anxious|cross|furious|stressed)",
    r"i know (?:how|that(?:'s| is| must)|it(?:'s| is| must)|this (?:is|has|must))",
    r"(?:i'd|i would) (?:be|feel) (?:the same|frustrated|upset|annoyed|worried|stressed|anxious|panicking|"
    r"furious|livid|gutted)(?: too)?",
    r"not the experience (?:we|you)|shouldn't have (?:happened|had to)|should(?: not|n't) have to",
    r"thank(?:s| you) for (?:your patience|bearing with|being (?:so )?patient|being understanding|"
    r"raising this|letting us know|bringing this)",
    r"i appreciate (?:your patience|you (?:bearing|being)|how)",
    r"don't (?:worry|panic|stress|fret)|no need to (?:worry|panic|fret)|rest assured",
    r"(?:that's|that is) (?:totally |completely |perfectly )?fair|good on you",
    r"(?:let me|i'll|i will|i'm going to) (?:make this right|sort this out for you|get this sorted|"
    r"take care of (?:this|that|it) for you)",
)


# An acknowledgement only said to a feeling ("I'm so sorry to hear that", "that must be stressful"):
# reviewers read it as the customer having voiced one, in words no list can hold.
_ACK_FEELING = compile_phrases(
    r"(?:(?:i'm|im|i am|we're|we are) )?(?:so |really |very |truly |terribly |genuinely )?sorry "
    r"(?:(?:to|tae) hear|about (?:that|this|the|your|all)|for (?:the trouble|all (?:the|this)|what)|"
    r"(?:it's|that's|this has|it has) been|(?:that )?your \w+)",
    r"(?:please|oh) don't (?:worry|panic)|don't (?:panic|fret)",
    r"(?:that's|that is|it's|it is) (?:a lot|so much) to (?:deal with|be dealing with|take in|handle|"
    r"cope with)|"
    r"a lot on your plate",
    r"i (?:completely |totally |really |fully |absolutely |can |do )?understand(?:,| how| why (?:you|that|"
    r"this)| your (?:frustration|concern|worry))",
    r"i can (?:only )?imagine",
    r"(?:(?:that|it|this)(?:'s| is| was)|is|sounds|must be|was|are|would be) "
    r"(?:really |so |very |such |incredibly |definitely )?(?:an? )?"
    r"(?:awful |really )?(?:frustrating|annoying|stressful|worrying|upsetting|inconvenient|awful|terrible|"
    r"nasty|difficult|nightmare|scary|disappointing|rough|tough|painful|worry|shock|not ideal|alarming|"
    r"unsettling|distressing|nerve-?wracking|"
    r"fright|horrible|miserable|gutting)",
    r"i know how|hear your frustration|i hear you",
    r"i (?:totally|completely|honestly) get (?:it|that)|(?:nobody|no one) (?:wants|likes) to",
    # reassurance for a customer embarrassed by a slip ("Ach, you're grand, it happens more than you'd
    # think"); "happens all the time" to an annoyed customer brushes the annoyance off
    r"it happens (?:more than|to (?:everyone|everybody|the best))|no harm done|"
    r"don't be (?:embarrassed|ashamed|sorry|hard on yourself)|"
    r"nothing to be (?:embarrassed|ashamed|sorry) about|"
    r"no need to (?:be (?:embarrassed|sorry)|feel bad)|"
    r"(?:an )?easy mistake(?: to make)?|"
    r"(?:you're|you are|youre) (?:not|definitely not|far from) (?:the only one|alone)",
    # an outbound call that caught the customer at a bad moment
    r"sorry (?:again )?(?:for|about|to be) (?:interrupting|disturbing|bothering) your (?:dinner|evening|"
    r"day|meal|lunch|weekend|morning)",
)
_STOCK_SORRY = re.compile(
    r"sorry (?:about|for) (?:the|any) (?:trouble|inconvenience|wait|delay|hassle|confusion)", re.IGNORECASE
)
#: "Wait, seriously? Oh my gosh, that's even better!": surprise at good news is no complaint
_SURPRISE = re.compile(r"seriously|can(?:'t|not|t) believe", re.IGNORECASE)
_DELIGHT = compile_phrases(
    r"even better|great news|amazing|brilliant|fantastic|awesome|thrilled|delighted|so happy|"
    r"love (?:it|that)|yay|woo+hoo+"
)
#: "I'm not worried", "it isn't really a hassle": a feeling the customer denies
_NEGATED = re.compile(
    r"(?:\bnot|n't|\bnever|\bno)\s+(?:(?:at all|really|too|that|very|so|even|a|an|the)\s+)*$", re.IGNORECASE
)


def empathy(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    feelings = [
        m
        for m in view.find(_FEELING_STRONG, view.customer)
        if not _NEGATED.search(view.text(m.turn)[: m.start])
        and not (_SURPRISE.fullmatch(m.text) and view.first(_DELIGHT, [m.turn]))
    ]
    # The sentiment model (an encoder pass over every customer turn) only when no feeling is named.
    negative = [] if feelings else scorer.negative_turns(view)
    if negative:
        # No feeling named, but a turn that reads as a complaint ("it's not great to be honest").
        feelings = [Match(t, 0, len(view.text(t)), view.turns[t].text) for t, _ in negative]
    if not feelings:
        ack = view.first(_ACK_FEELING, view.agent)
        if ack is not None:
            return _result(
                item,
                "yes",
                0.6,
                f"the agent acknowledges how the customer feels: {_quote(ack.text, 40)}",
                [view.evidence(ack)],
                {"feelings": 0.0, "acknowledged": 1.0},
            )
        return _result(
            item,
            "na",
            0.7,
            "the customer expressed no frustration, worry or inconvenience",
            [],
            {"feelings": 0.0},
        )
    first = feelings[0]
    # Whatever acknowledges an unnamed feeling acknowledges a named one too; said before the first feeling
    # found, it answers one no list caught ("no chicken in it. again. love that for me" / "I'm really
    # sorry about that"), while a general phrase or a stock "sorry about the trouble" there is a script.
    found = [
        *(m for m in view.find(_EMPATHY, view.agent) if m.turn > first.turn - 2),
        *(
            m
            for m in view.find(_ACK_FEELING, view.agent)
            if m.turn > first.turn - 2 or not _STOCK_SORRY.search(_sentence_at(view, m))
        ),
    ]
    acks = sorted(found, key=lambda m: (m.turn, m.start))
    features = {
        "feelings": float(len(feelings)),
        "negative_turns": float(len(negative)),
        "acknowledged": float(bool(acks)),
        "acknowledgements": float(len(acks)),
    }
    feeling_ev = view.evidence(first)
    if acks:
        return _result(
            item,
            "yes",
            0.85 if len(feelings) > 1 or len(acks) > 1 else 0.75,
            f"customer: {_quote(first.text, 30)}; agent: {_quote(acks[0].text, 40)}",
            [feeling_ev, view.evidence(acks[0])],
            features,
        )
    strength = 0.8 if len(feelings) > 1 else 0.6
    return _result(
        item,
        "no",
        strength,
        f"the customer said {_quote(first.text, 30)} and the agent never acknowledged it",
        [feeling_ev],
        features,
    )


# ---------------------------------------------------------------------------- resolution_steps

_ACTION_NOW = compile_phrases(
    r"(?:i'm|im|i am|we're|we are) (?:now |just |also )?(?:adding|processing|applying|sending|resetting|"
    r"updating|changing|cancell?ing|booking|ordering|issuing|refunding|crediting|setting up|escalating|"
    r"submitting|arranging|scheduling|removing|reversing|waiving|unlocking|activating|transferring)",
    r"(?:adding|applying|processing|cancell?ing|updating|changing|resetting|removing|booking|sending) "
    r"(?:it|that|this|them|those|the \w+) (?:now|for you|right now)",
    r"(?:it's|it is|that's|that is) (?:now )?(?:on|active|live|in place)(?= [.!]|[.!]|$)",
)
_ACTION_DONE = compile_phrases(
    r"(?:i've|ive|i have|we've|weve|we have|i just|i've just|i have just|i went ahead and|"
    r"i've gone ahead and|"
    r"i have gone ahead and) (?:now |also |already |just )?(?:processed|issued|applied|refunded|credited|"
    r"reset|"
    r"sent|submitted|raised|logged|opened|escalated|booked|scheduled|arranged|cancell?ed|changed|updated|"
    r"added|removed|activated|ordered|reversed|waived|unlocked|unblocked|replaced|rebooked|transferred|"
    r"set up|put through|reported|blocked|frozen|froze|fixed|restored|restarted|re-?sent|emailed|texted|"
    r"created|filed|upgraded|moved|switched|enabled|disabled|corrected|adjusted|flagged|requested|placed|"
    r"dispatched|posted|refreshed|reprovisioned|re-?provisioned|reconnected|extended|renewed|paid|"
    r"marked|noted|lodged|credited|booked|arranged|generated)",
    r"(?:that's|thats|that has|it's|its|it has|this has|everything's|everything is|you're|you are|your "
    r"\w+(?: \w+)? (?:is|has|was)|the \w+(?: \w+)? (?:is|has|was)) (?:been |now |all |already )*(?:done|"
    r"processed|sorted|fixed|cancell?ed|set up|applied|resolved|updated|completed|all set|sorted out|"
    r"refunded|credited|reversed|removed|activated|reset|restored|unlocked|back on|working|approved|booked|"
    r"scheduled|arranged|submitted|raised|logged|escalated|sent|issued|dispatched|ordered|posted|paid|waived|"
    r"cleared|lifted|re-?activated|renewed|extended|changed|moved|added|switched|put through|cancell?ed)",
    # a state that is also how problems are described ("your card is blocked") only with "now" or "been"
    r"(?:that's|it's|it is|your \w+ (?:is|has)|the \w+ (?:is|has)) (?:now|been|now been) (?:frozen|paused|"
    r"blocked|locked|suspended|reinstated)",
    # "okay done, it's frozen November and December"
    r"^\W*(?:(?:okay|ok|right|alright)\W+)?(?:done|all done)\b",
    r"(?:i've|ive|i have|we've|weve|we have|i just|i've just|so i) (?:now |also |just )?put "
    r"(?:the|your|that|this|it|a|an) (?:\w+ )?(?:through|in)",
    # "So that's Bella booked in with Mr Okafor at ten past four"
    r"(?:that's|thats|that is) (?:[\w']+ ){1,3}(?:booked|scheduled|arranged|requested|ordered|cancell?ed|"
    r"set up)(?: in)? (?:for|with|at|on|to)\b",
    # a wrong number put right: "Let me find the medical centre's number for you ... it's five five five"
    r"(?:let me|i'll|i will|i can) (?:find|get|give) (?:you )?(?:the|their) (?:[\w']+ ){0,2}(?:number|"
    r"contact details|email address)",
)
_ACTION_PLANNED = compile_phrases(
    r"(?:i will|i'll|ill|we will|we'll|i'm going to|im going to|i am going to|let me|i can) (?:go ahead and |"
    r"now |just |also |personally )?(?:process|issue|refund|credit|reset|send|submit|raise|escalate|book|"
    r"schedule|arrange|cancel|change|update|add|remove|activate|order|reverse|waive|unlock|replace|"
    r"transfer you|set up|call you|email you|text you|fix|file|create|switch|upgrade|apply|log|open|"
    r"put in|lodge|expedite|reship|resend|re-?send|reconnect|restore|remove)",
    r"(?:an engineer|a technician|the engineer|the technician|a courier|the courier|our team|the team|"
    r"a specialist|a colleague|my colleague|my manager|a manager|the \w+ team|they|we) (?:will|'ll|"
    r"is going to|"
    r"are going to|is booked to|is scheduled to|is due to) (?:visit|come|call|ring|be (?:in touch|there|out|"
    r"with you)|arrive|deliver|collect|contact|email|text|get back)",
)
_STEPS_EXPLAINED = compile_phrases(
    r"you can (?:also |just |always |still )?(?!(?:i|you|we|it|that)\b)[a-z]+ "
    r"(?:it|them|that|this|the|your|a|an|in|"
    r"on|online|at|from|through|by|with|up|for|any|our)",
    r"(?:i'd|i would|i) (?:suggest|recommend|advise)|my (?:suggestion|recommendation|advice) (?:is|would be)",
    r"(?:you'll|you will|youll) (?:need|want|have) to|what you(?:'ll| will)? need to do|all you (?:need|"
    r"have) "
    r"to do|the next steps? (?:is|are|will be)|next steps?|here's what (?:happens|will happen|you do)|"
    r"(?:first|firstly|step one),? (?:you|go|open|tap|click|log|head)|then (?:tap|click|go|select|restart|"
    r"open|choose|enter|toggle|turn)|go (?:in)?to (?:settings|your account|my account|(?:the|our|their) "
    r"(?:[\w-]+ )?(?:app|website|site|portal))|tap on|click on|restart (?:your|the)|"
    r"turn (?:it|the \w+|your \w+|wi-?fi) (?:off|on)|"
    r"(?:log|sign) (?:in|into)|you can (?:also )?(?:pay|do|track|check|download|call|visit|bring|return|"
    r"drop|use|go)|just (?:bring|send|return|drop|reply|call)|(?:you'll|you will|youll) (?:get|receive|see)",
    # what follows, and when: "it'll show in three to five working days"
    r"(?:it'll|it will|itll|that'll|that will|it should|that should|they'll|they will|this will|which will) "
    r"(?:then )?(?:show|arrive|appear|reach|clear|go through|be (?:back|credited|refunded|with you|delivered|"
    r"fixed|resolved|restored|active|there|processed|sent|updated))",
    # an instruction that opens a sentence or follows "and"/"then": "Unplug the router, then ..."
    r"(?:^|(?<=[.!?,;]\s)|(?<=\band\s)|(?<=\bthen\s))(?:please )?(?:go(?! ahead)|click|tap|select|choose|"
    r"open|"
    r"press|unplug|plug|restart|reboot|switch|turn|enter|type|log|sign|follow|visit|navigate|download|"
    r"install|"
    r"update|reset|remove|insert|scroll|call|bring|send|fill|complete|reply|head|pop|upload|attach|submit|"
    r"return|use|email|contact|message|text)\b[^.!?,;]{0,60}",
)
_TIMEFRAME = compile_phrases(
    r"within (?:the next )?(?:\d+|a|an|one|two|three|four|five|six|seven|ten|fourteen|twenty[- ]four|"
    r"forty[- ]eight|twenty-one|thirty)[- ]?(?:to[- ]\w+[- ])?(?:business |working )?(?:days?|hours?|weeks?|"
    r"minutes?)",
    r"(?:\d+|one|two|three|four|five|seven|ten|24|48|72)(?: to (?:\d+|\w+))?[- ](?:business |working )?"
    r"(?:days?|hours?|weeks?)",
    r"by (?:the end of )?(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"end of (?:the )?(?:day|week)|next week|close of business|\d)",
    r"tomorrow|later today|this (?:afternoon|evening)|next (?:week|monday|tuesday|wednesday|thursday|friday)|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|next billing cycle|next bill|"
    r"next statement",
)
_VAGUE = compile_phrases(
    r"someone (?:will|should|might|may) (?:look into|get back|be in touch|contact|call|reach out)|"
    r"(?:look into it|looking into it)|(?:can't|cannot|can not) (?:do|help) (?:anything|much)|"
    r"nothing (?:i|we) can do|(?:you'll|you will) (?:just )?have to (?:wait|call back)|try again later"
)

_WRONG_NUMBER = compile_phrases(
    r"(?:the |a )?wrong number|(?:you've|you have) (?:got|reached|dialled|dialed|called) the wrong|"
    r"this is (?:a|an) (?:\w+ ){0,2}(?:place|shop|bakery|garage|business|firm|store|restaurant|salon)\b"
)
#: The customer leaving with the matter open: answers given were not a resolution.
_UNRESOLVED = compile_phrases(
    r"(?:so )?(?:there's|there is) nothing (?:you|anyone) can do|unbelievable|useless|waste of (?:my )?time|"
    r"(?:can|could|may) i (?:talk|speak) to (?:a|your|the) (?:supervisor|manager)"
)


def resolution_steps(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    done = sorted(
        [*view.find(_ACTION_DONE, view.agent), *view.find(_ACTION_NOW, view.agent)], key=lambda m: m.turn
    )
    planned = list(view.find(_ACTION_PLANNED, view.agent))
    steps = list(view.find(_STEPS_EXPLAINED, view.agent))
    timeframe = list(view.find(_TIMEFRAME, view.agent))
    vague = list(view.find(_VAGUE, view.agent))
    features = {
        "action_taken": float(len(done)),
        "action_planned": float(len(planned)),
        "steps_explained": float(len(steps)),
        "time_frame": float(len(timeframe)),
        "vague_only": float(bool(vague) and not done and not timeframe),
    }
    if done:
        ev = [view.evidence(done[0])] + ([view.evidence(timeframe[0])] if timeframe else [])
        return _result(item, "yes", 0.85, f"the agent acted: {_quote(done[0].text, 50)}", ev, features)
    if (planned or steps) and timeframe:
        first = (planned + steps)[0]
        return _result(
            item,
            "yes",
            0.8,
            f"a next step with a time frame: {_quote(first.text, 40)} … {_quote(timeframe[0].text, 30)}",
            [view.evidence(first), view.evidence(timeframe[0])],
            features,
        )
    if len(steps) >= 2 or (steps and planned):
        return _result(
            item,
            "yes",
            0.65,
            f"the agent explains the steps: {_quote(steps[0].text, 50)}",
            [view.evidence(m) for m in steps[:2]],
            features,
        )
    if planned and not vague:
        return _result(
            item,
            "yes",
            0.55,
            f"the agent commits to an action, without a time frame: {_quote(planned[0].text, 40)}",
            [view.evidence(planned[0])],
            features,
        )
    if not vague and view.first(_UNRESOLVED, view.customer[-4:]) is None:
        # A question answered is a matter resolved: an information call has no other step.
        from qa_models.qa.facts import INFORMATIVE, amounts

        answers = [m for m in view.find(INFORMATIVE, view.agent)]
        priced = [i for i in view.agent if amounts(view.text(i))]
        if len(answers) + len(priced) >= 3:
            first = (
                answers[0]
                if answers
                else Match(priced[0], 0, len(view.text(priced[0])), view.text(priced[0]))
            )
            features["information_given"] = float(len(answers) + len(priced))
            return _result(
                item,
                "yes",
                0.55,
                "the agent answered the customer's questions",
                [view.evidence(first)],
                features,
            )
    wrong_number = view.first(_WRONG_NUMBER, view.agent[:3])
    if wrong_number is not None:
        # The caller meant someone else: telling them so, and where to turn, is all there is to do.
        return _result(
            item,
            "yes",
            0.6,
            f"a wrong number, and the agent says so: {_quote(wrong_number.text, 50)}",
            [view.evidence(wrong_number)],
            features,
        )
    if vague:
        return _result(
            item,
            "no",
            0.75,
            f"only a vague next step: {_quote(vague[0].text, 50)}",
            [view.evidence(vague[0])],
            features,
        )
    ev = [view.evidence(steps[0])] if steps else []
    return _result(
        item, "no", 0.65, "no concrete step taken or explained, no next step with a time frame", ev, features
    )


# ------------------------------------------------------------------------------- hold_etiquette

_TRANSFER = (
    r"(?:transfer|transferring|put|putting|connect|connecting) you (?:through |over |across )?(?:to|now)"
)
_HOLD_WORDS = compile_phrases(
    r"(?:put|place|pop|keep) you on (?:a )?(?:brief |quick |short |small )?hold|on hold|"
    r"hold(?:ing)? (?:for|on|the line)|(?:mind|okay with|ok with|happy) (?:holding|waiting)|"
    r"stay on (?:the line )?(?:until|while)"
    r"|(?:can|could|would|will) you (?:please )?(?:hold|bear with me|hang on|give me)|bear with(?: me| us)?|"
    r"one (?:moment|second|sec|minute)|just a (?:moment|second|sec|minute|tick)|give me (?:a|one|two|a few|"
    r"just a) (?:moment|second|sec|minute|tick)s?|let me (?:just )?(?:check|look|pull|have a look|"
    r"find|see|run|test|try|bring up|"
    r"go and|dig|investigate|confirm|speak|ask|take a look)|hang (?:on|tight)|"
    r"(?:mind|okay|ok|alright) if i (?:put|place)",
    r"(?:takes?|taking|need|give me|giving me|have|allow me) (?:just |about |around |roughly |up to )?"
    r"(?:a|one|two|three|four|five|a few|a couple(?: of)?|few|\d+)(?:(?: or | to |-)(?:two|three|four|five|"
    r"\d+))? (?:more )?(?:moments?|minutes?|mins?|seconds?|secs?)|go quiet",
    r"while i (?:quickly )?(?:check|look|find|pull|confirm|speak|ask|run|see|get|go|contact|call|review|"
    r"investigate|dig|search|consult|verify|chat|reach out|escalate|raise|process|sort|set)",
    r"(?:i'll|ill|i will|i'm going to|im going to|i am going to|i need to|i just need to) (?:just |quickly |"
    r"now )?(?:check|look|find|pull|confirm|speak|ask|consult|dig|investigate|have a look|run|contact|"
    r"reach out)",
    r"check (?:with|in with) (?:my|our|the|a) (?:\w+ )?(?:team|colleague|manager|supervisor|department)",
    _TRANSFER,
)
_HOLD_ASK = compile_phrases(
    r"(?:may|can|could|might) i (?:please )?(?:put|place|pop|have you|ask you to|transfer you|connect you)",
    r"(?:can|could|may) i (?:take|have) (?:a|one|two|a few|a couple of) (?:minutes?|moments?|seconds?)",
    r"(?:is it|would it be|will it be|would that be|is that) (?:ok|okay|alright|all right|fine|good)",
    r"do you mind|would you mind|(?:are you )?(?:ok|okay|alright|all right|happy) (?:to|with|if)",
    r"(?:can|could|would|will) you (?:please )?(?:hold|bear with me|hang on|give me|stay with me|stay on|"
    r"wait)",
    r"mind if i|if you don't mind|if you dont mind|if that's (?:ok|okay|alright|all right)|"
    r"with your permission",
    r"(?:hold|moment|minute|second|check)[^.?!]{0,30}\?",
    # A polite request that says for how long or why is how many agents ask ("please hold the line",
    # "bear with me a sec, I'm pulling up..."); a bare "bear with me" is not.
    r"please (?:hold|wait|stay on|bear|give me|allow me)|(?:hold|wait)[^.?!]{0,20} please|"
    r"(?:one|a|just a|two|three|a few|\d+) (?:moments?|minutes?|secs?|seconds?),? please",
    r"bear with(?: me| us)? (?:(?:for )?(?:a|one|two|just a) (?:sec|second|moment|minute|tick)|"
    r"while|i'm \w+ing|"
    r"im \w+ing|i am \w+ing)",
    r"give me (?:a|one|two|a few|a couple of) (?:minutes?|moments?|secs?|seconds?) (?:to|while)",
)
_GO_AHEAD = re.compile(
    r"^\W*(?:(?:sure|yes|yeah|yep|ok|okay|of course|no problem|please)\W+)*go (?:ahead|for it)\b",
    re.IGNORECASE,
)
# The agent's first words back from a hold: "Right, thanks for that." thanks the customer for it.
_RETURN_THANKS = re.compile(
    r"^\W*(?:(?:right|okay|ok|alright|so|great|lovely)\W+)?(?:thanks|thank you)\b", re.IGNORECASE
)
_PUT_ON_HOLD = compile_phrases(r"(?:put|place|pop) you on (?:a )?(?:\w+ )?hold")
_HOLD_THANKS = compile_phrases(
    r"thank(?:s| you)(?: [\w ]{1,20}?)? for (?:holding|waiting|your patience|being (?:so )?patient|"
    r"being on hold|bearing with me|hanging on|hanging in|the wait|your time while|staying on)",
    r"(?:i |really )?appreciate (?:your patience|you (?:holding|waiting|bearing))",
    r"thanks for (?:that|the) (?:wait|hold)",
    r"ta (?:very much )?for (?:holding|waiting|your patience|bearing)",
)
_HOLD_SORRY = compile_phrases(
    r"sorry (?:for|about) (?:the|that|keeping you|your) (?:\w+ )?(?:wait|hold|delay)"
)
_CUSTOMER_PAUSE = compile_phrases(
    r"hold on|one (?:sec|second|moment|minute)|let me (?:find|grab|get|check|look|see)|give me a (?:sec|"
    r"second|"
    r"moment|minute)|just a (?:sec|second|moment|minute)|hang on"
)


_EXPLICIT_HOLD = compile_phrases(
    r"(?:put|place|pop|keep) you on (?:a )?(?:\w+ )?hold|(?:can|could|would|will) you (?:please )?(?:hold|"
    r"bear "
    r"with me|hang on)|(?:mind|okay|ok|alright) if i (?:put|place)|(?:mind|ok with|okay with|happy to) "
    r"(?:waiting|holding)|give me (?:a|one|two|a few|a couple of) minutes|(?:can|could|may) i (?:take|have) "
    r"(?:a|one|two|a few|a couple of) (?:minutes?|moments?)"
)
# The agent saying what they are doing just before a short silence ("I'm applying it now, I'll just be
# typing"): reviewers do not treat such a pause as a hold.
_WORKING = compile_phrases(
    r"typing|(?:i'm|im|i am) (?:just |now )?\w+ing (?:it|that|this|the|your|those|them)|bear with|"
    r"(?:one|a) (?:moment|sec|second)|just a (?:moment|sec|second|tick)"
)
# The customer checking the line is still open: whatever the gap, the agent had gone quiet.
_ARE_YOU_THERE = compile_phrases(
    r"(?:are|r) (?:you|u) (?:still )?there|(?:you|u)(?:'re| are)? still there|anyone there|still with me|"
    r"^\W*hello\W*(?:hello\W*)*"
    r"(?:\?|$)"
)
_TRANSFERRED = compile_phrases(_TRANSFER)
# The customer is busy, not waiting: keying a card into the secure payment line while the agent stays on
# (unless the agent thanks them for waiting afterwards, as for a hold).
_CUSTOMER_TASK = compile_phrases(
    r"(?:secure |automated )?(?:payment|pay) (?:line|system)|(?:on|with|into) (?:your|the) keypad|"
    r"you(?:'ll| will) hear (?:some |the |a few )?(?:prompts|instructions)"
)
# On chat, the agent writing after the customer went quiet ("Hi Jason, just checking if you're still
# there?", "As I haven't heard back, I'll close this chat"): the silence was the customer's.
_NO_REPLY = compile_phrases(
    r"(?:haven't|have not|hasn't|didn't|did not) (?:heard|had a reply|had a response|received a (?:reply|"
    r"response))|(?:you've|you have) (?:stepped away|gone quiet)|(?:i'll|i will|i'm going to) (?:close|end) "
    r"(?:this|the) chat"
)


def _announcement(view: CallView, after: int) -> int | None:
    """The agent turn among the last two before ``after`` that announced a hold, if any."""
    return next(
        (a for a in reversed(view.agent_before(after, 2)) if view.first(_HOLD_WORDS, [a]) is not None), None
    )


def _holds(view: CallView) -> list[tuple[Gap, int | None]]:
    """The agent's holds: silences of at least the hold gap that the agent ends (and that did not
    follow the customer asking for a moment), with the agent turn that announced each, if any."""
    threshold = _hold_gap(view)
    out: list[tuple[Gap, int | None]] = []
    for gap in view.gaps():
        if view.turns[gap.after].speaker != "agent":
            if gap.seconds >= threshold / 2 and view.first(_ARE_YOU_THERE, [gap.after]) is not None:
                out.append((gap, _announcement(view, gap.after)))
            continue
        # A hold the agent asked for explicitly ("can I put you on hold?") counts when shorter too.
        explicit = view.first(_EXPLICIT_HOLD, view.agent_before(gap.after, 1)) is not None
        before = view.turns[gap.before]
        announcement = _announcement(view, gap.after)
        thanked = view.first(_HOLD_THANKS, [gap.after]) is not None
        # On chat, an agent who announced a wait ("one moment please") and wrote again after it: the
        # silence is theirs, not the customer's typing.
        # So is one the agent announced a turn earlier ("this may take 2-3 minutes" / "ok fine") or
        # thanks the customer for ("Thank you for waiting").
        announced = view.is_text and (
            (before.speaker == "agent" and view.first(_HOLD_WORDS, [gap.before]) is not None)
            or announcement is not None
            or thanked
        )
        # ... and a wait announced in one message and thanked for in the next is a hold at any length.
        if explicit or (view.is_text and announcement is not None and thanked):
            least = min(threshold / 2, view.options.hold_gap_s)
        elif announced:
            least = threshold / 2
        else:
            least = threshold
        if gap.seconds < least:
            continue
        if before.speaker == "customer" and view.first(_CUSTOMER_PAUSE, [gap.before]) is not None:
            continue
        if view.first(_CUSTOMER_TASK, view.agent_before(gap.after, 2)) is not None and not thanked:
            continue
        if view.is_text and (
            any(view.first(p, [gap.after]) is not None for p in (_ARE_YOU_THERE, _NO_REPLY))
            # ... and after the agent asked whether the customer is still there
            or view.first(_ARE_YOU_THERE, [gap.before]) is not None
        ):
            continue
        out.append((gap, announcement))
    if not out and not view.timed:
        # No timings: only explicit holds are visible.
        for m in view.find(_PUT_ON_HOLD, view.agent):
            after = view.agent_after(m.turn, 1)
            out.append((Gap(m.turn, after[0] if after else m.turn, 0.0), m.turn))
    return out


def _hold_gap(view: CallView) -> float:
    return view.options.chat_hold_gap_s if view.is_text else view.options.hold_gap_s


def _working_pause(view: CallView, gap: Gap) -> bool:
    """A short silence right after the agent said what they were doing."""
    before = gap.before
    return (
        gap.seconds < 2 * _hold_gap(view)
        and view.turns[before].speaker == "agent"
        and any(view.first(p, [before]) is not None for p in (_WORKING, _ACTION_NOW, _HOLD_WORDS))
        and view.first(_EXPLICIT_HOLD, [before]) is None
    )


def hold_etiquette(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    holds = _holds(view)
    if not holds:
        return _result(item, "na", 0.75, "no hold or long silence on the call", [], {"holds": 0.0})
    # Beside a real hold, short pauses the agent explained are not judged as holds of their own.
    holds = [h for h in holds if not _working_pause(view, h[0])] or holds
    asked = thanked = sorry = 0
    evidence: list[Evidence] = []
    problems: list[str] = []
    for gap, announce in holds:
        ask_turns = view.agent_before(gap.after, 2)
        ask = view.first(_HOLD_ASK, ask_turns) if announce is not None else None
        if ask is None and announce is not None and gap.before == announce + 1:
            # "Let me take a look." / "Sure, go ahead.": the customer gave the go-ahead asked for
            ask = view.first(_GO_AHEAD, [gap.before])
        after = [gap.after, *view.agent_after(gap.after, 1)]
        thanks = view.first(_HOLD_THANKS, after) or view.first(_RETURN_THANKS, [gap.after])
        apology = view.first(_HOLD_SORRY, after) if thanks is None else None
        asked += ask is not None
        thanked += thanks is not None
        sorry += apology is not None
        evidence.append(view.evidence(ask or (announce if announce is not None else gap.before)))
        evidence.append(view.evidence(thanks or apology or gap.after))
        when = f"{gap.seconds:.0f} s silence" if gap.seconds else "hold"
        if announce is None:
            problems.append(f"{when} without a word to the customer")
        elif ask is None:
            problems.append(f"{when} announced but the customer was not asked")
        # After a transfer (to a payment line, a colleague) the agent is not back from a silence.
        transfer = announce is not None and view.first(_TRANSFERRED, [announce]) is not None
        if thanks is None and apology is None and not transfer:
            problems.append(f"no thanks after the {when}")
    n = len(holds)
    features = {
        "holds": float(n),
        "announced": float(sum(a is not None for _, a in holds)) / n,
        "asked": asked / n,
        "thanked": thanked / n,
        "apologised_only": sorry / n,
        "longest_s": max(g.seconds for g, _ in holds),
    }
    if not problems:
        conf = 0.85 if thanked == n else 0.65
        return _result(item, "yes", conf, f"asked before and thanked after {n} hold(s)", evidence, features)
    return _result(item, "no", 0.75 if len(problems) > 1 else 0.65, "; ".join(problems), evidence, features)


# -------------------------------------------------------------------------------------- courtesy

_RUDE_STRONG = compile_phrases(
    r"(?:that's|thats|that is|it's|its) not my (?:problem|fault|job|concern)|not my problem|"
    r"(?:it's|its|that's|thats|it is) (?:your|all your) (?:own )?fault|your own fault|that's on you|"
    r"calm down|you need to (?:listen|calm|relax|stop)|listen to me|are you (?:even )?listening|"
    r"you(?:'re| are|re) not listening|you (?:don't|dont|never) listen|"
    r"did you (?:even|not) (?:read|listen|check)|do you (?:even )?(?:understand|know how)|you people|"
    r"(?:i'm|im|i am) not going to (?:repeat|say)|i (?:already|just) (?:told you|said)|i already explained|"
    r"(?:i've|ive|i have) (?:already )?(?:told|explained (?:this|it|that) to) you (?:\w+ times|already|twice|"
    r"before)|as i (?:already|just) (?:said|told you|explained)|as i (?:said|told you|explained) (?:already|"
    r"twice)|"
    r"how many times(?! (?:you(?:'ve| have)?|they|he|she|it|a|the|per|in|do you use))|"
    r"not rocket science|clearly you|you clearly|whatever(?=\s*[,.!]|\s*$)|deal with it|"
    r"tough luck|"
    r"stop (?:interrupting|shouting|yelling)|i don't have (?:all day|time for)|i dont have (?:all day|time)|"
    r"that's a you problem|you should(?:'ve| have|ve) (?:read|known|checked|paid|called|listened|looked|"
    r"asked|kept|noticed|thought|been more careful|sent|replied|responded|returned|submitted|updated|"
    r"contacted|told us|filled)|you shouldn't have (?:done|used|clicked|given|shared|let|"
    r"ignored)|if you had (?:read|paid|listened|checked)|it's not that hard|it is not that hard|seriously\?|"
    r"if you(?:'d| had) (?:\w+ ){0,2}(?:sent|read|paid|listened|checked|called|kept|updated|submitted|told)"
    r"[^.?!]{0,60}you (?:wouldn't|would not) have|"
    r"not my department|go somewhere else|take it or leave it|nothing (?:more )?i can do about it|"
    r"stupid|dumb|idiot\w*|what's wrong with you|whats wrong with you|shut up|i (?:don't|dont) care|"
    r"i couldn't care less|not my issue|not our (?:problem|fault|concern|issue)|"
    r"you (?:really )?(?:do )?(?:have|need) to read (?:the|your)|"
    r"no need (?:for|to use) (?:the |all the )?(?:capitals|caps|capital letters|shouting)|"
    r"(?:i'm|im|i am) (?:just )?telling you how it works|"
    r"(?:there's |there is )?no need to (?:shout|yell|raise your voice|swear|be rude|get (?:angry|nasty|"
    r"aggressive|shirty))|(?:it's|its|that's|thats|it is) on the customer to"
)
_RUDE_WEAK = compile_phrases(
    r"there's nothing (?:i|we) can do|there is nothing (?:i|we) can do|i can't help you|i cannot help you|"
    r"(?:that's|thats|it's|its) (?:just )?(?:the|our) (?:policy|process|procedure|rules?)|"
    r"that's (?:just )?how (?:we do it|it works)|"
    r"(?:it's|its|that's|thats) (?:all )?in the (?:terms|contract|t ?& ?cs|small print|fine print)|"
    r"(?:is|are|was|it's|its|that's) (?:all |clearly )?(?:in|on) the (?:delivery |confirmation |booking )?"
    r"(?:text|email|letter|receipt)|(?:the )?(?:\w+ )?(?:agreement|contract|terms) you (?:signed|agreed to)|"
    r"not (?:really )?(?:something|anything) (?:we|i) (?:control|can (?:do|change))|"
    r"(?:i'm|im|i am) not sure what (?:else )?you want (?:me|us) to do|what do you want (?:me|us) to do|"
    # blame, and a sentence that waves the customer's point away
    r"you must (?:not have|have not|have missed|have skipped|have forgotten)|"
    r"(?:^|(?<=[.!?]\s))anyway(?=[,.!\s])|"
    r"it is what it is|"
    # a bare "Fine." to open a reply
    r"(?:^|(?<=[.!?]\s))fine(?=[.!])|i don't know what (?:else )?to tell you|"
    r"you'll just have to|as (?:i|we) (?:said|mentioned|explained)(?: (?:before|earlier))?|"
    r"like i (?:said|told you)|as i told you|obviously|again,? (?:the|i|you)|look,|listen,|um,? no|no no no|"
    r"ugh|fine,? whatever|"
    # passing the blame ("it's the vet holding it up, not us"), and a bare "What do you need?", "Up to
    # you." or "np" for a reply
    r",? not us(?=\s*[.!]|\s*$)|(?:^|(?<=[.!?]\s))what do you need\?|"
    r"(?:^|(?<=[.!?]\s))up to you(?=[.!])|^\W*np\W*$|"
    # "i mean we have to rule stuff out": a reply that opens by pushing back
    r"^\W*(?:(?:yeah|well)\W+)?i mean\b"
)
_CUT_OFF = re.compile(r"(?:--|—|–|\.\.\.|…)\s*$")


_EXCUSED = re.compile(
    r"\W*(?:(?:oh|um|uh)\W+)?(?:(?:so |really |very )?sorry|apologies|excuse me|pardon me)\W*(?:(?:to|for) "
    r"(?:jump(?:ing)? in|interrupt(?:ing)?|cut(?:ting)? (?:you )?off|stop(?:ping)? you|butt(?:ing)? in))?",
    re.IGNORECASE,
)


_STOP_READING = compile_phrases(
    r"(?:don't|dont|do not|no need to) (?:read|say|give|tell) (?:me |us )?(?:your|the|that|those) "
    r"(?:card|number|password|pin|details|digits|full|code|otp|one-time|security code|cvv)"
)


def _interruptions(view: CallView) -> list[int]:
    """Agent turns that start while the customer is still talking and cut the customer off."""
    out = []
    for i in view.agent:
        prev = [c for c in view.customer if c < i]
        if not prev:
            continue
        c = prev[-1]
        if c != i - 1:
            continue
        overlap = view.turns[c].end - view.turns[i].start
        cut = bool(_CUT_OFF.search(view.turns[c].text))
        if not ((view.timed and overlap > 0.4 and cut) or overlap > 1.5 or (not view.timed and cut)):
            continue
        # Cutting in politely ("Sorry to jump in, but don't read me your card number"), to stop the
        # customer reading out a card, or because the line broke up ("Declan? Are you still there?")
        if (
            _EXCUSED.match(view.text(i))
            or view.first(_STOP_READING, [i]) is not None
            or view.first(_ARE_YOU_THERE, [i]) is not None
        ):
            continue
        out.append(i)
    return out


def courtesy(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    # "it's not a stupid question at all": a denial is not an insult
    strong = [
        m for m in view.find(_RUDE_STRONG, view.agent) if not _NEGATED.search(view.text(m.turn)[: m.start])
    ]
    weak = [m for m in view.find(_RUDE_WEAK, view.agent) if not _NEGATED.search(view.text(m.turn)[: m.start])]
    interrupts = _interruptions(view)
    features = {"rude": float(len(strong)), "curt": float(len(weak)), "interruptions": float(len(interrupts))}
    if strong:
        return _result(
            item,
            "no",
            0.85,
            f"rude or blaming language: {_quote(strong[0].text)}",
            [view.evidence(m) for m in strong[:3]],
            features,
        )
    if interrupts and (len(interrupts) >= 2 or weak):
        return _result(
            item,
            "no",
            0.7,
            f"the agent talked over the customer {len(interrupts)} time(s)",
            [view.evidence(i) for i in interrupts[:3]],
            features,
        )
    if len(weak) >= 2:
        return _result(
            item,
            "no",
            0.6,
            f"dismissive language: {_quote(weak[0].text)}, {_quote(weak[1].text)}",
            [view.evidence(m) for m in weak[:3]],
            features,
        )
    if interrupts:
        return _result(
            item, "no", 0.55, "the agent talked over the customer", [view.evidence(interrupts[0])], features
        )
    conf = 0.7 if weak else 0.85
    return _result(
        item, "yes", conf, "no rude, dismissive or blaming language; no talking over", [], features
    )


# ---------------------------------------------------------------------- no_sensitive_data_spoken

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "for": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "to": "2",
    "too": "2",
}
_DIGIT_RUN = re.compile(r"\d(?:[\s-]*\d){12,18}")
_WORD_TOKEN = re.compile(r"[a-z]+|\d+", re.IGNORECASE)
_SECRET = compile_phrases(
    r"(?:your|the) (?:(?:new|temporary|temp|current|old|one[- ]time|default|online|account|login) )*"
    r"(?:password|passcode|pass code|pin|pin code|security (?:answer|word|code)|memorable word|cvv|cvc|"
    r"security number)(?: (?:on|for) (?:the|your) (?:account|file|card|profile))?(?: is|'s|:| will be|"
    r" would be|"
    r" has been set to| was set to)"
    r"(?! (?:sent|being|going|now|reset|set|changed|expired|correct|incorrect|wrong|required|needed|the same|"
    r"case|not|valid|invalid|locked|on its way|in|emailed|texted|at least|too|only|\d+ (?:digits?|characters?"
    r"|letters?)))\s*(?:[\"'][^\"']{2,40}[\"']|(?=[\w@#$%!*-]*\d)[\w@#$%!*-]+|"
    r"(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine) ?){3,})",
    # a code read out a few words after naming it, in the same or the next sentence: "a temporary pin ...
    # it's three nine zero one one seven", "a temporary PIN. It's five two nine, zero eight one."
    # (the next sentence only when it opens with the code: "... your PIN. Your reference is 5550" is not one)
    r"(?:password|passcode|pin|pin code|security code)[^.?!]{0,50}"
    r"(?:it's|its|it is|is|:|\. (?:it's|its|it is)) "
    r"(?:\d{4,}|(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[ ,]*){4,})",
    r"(?:mother'?s maiden name|security answer|answer to (?:your|the) security question|first pet|"
    r"place of birth)(?: (?:on file|we have|i have|it says))? (?:is|was|says|shows)"
    r"(?! (?:correct|right|wrong|incorrect|not|needed|required))\s*[\"']?\w+",
    # a password spelled out as characters: "it's now blue fox seven seven four two exclamation mark"
    r"(?:password|passcode|passphrase)[^.?!]{0,60}?(?:it's|its|it is|is)(?: now)? [^.?!]{0,40}?"
    r"(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|hash|capital|exclamation|underscore|"
    r"at sign|dollar sign|asterisk|star) ?){3,}",
    r"\[(?:CARD_NUMBER|US_SSN|CARD_SECURITY_CODE|PASSWORD)\]",
    r"(?:security code|cvv|cvc|three digit code) (?:is|of|on the back is) \d{3,4}",
)


# What a customer gives to prove who they are and should never hear back: a one-time code is not
# one of them (it is spent once read), nor a transfer PIN the company issues.
_SECRET_CUE = compile_phrases(
    r"(?:password|passcode|pass code|passphrase|pin(?: code| number)?|security (?:answer|word|question)|"
    r"memorable (?:word|answer)|answer to (?:your|the) security question|(?:mother'?s )?maiden name|cvv|cvc|"
    r"card security code|three[- ]digit code)"
)
# The numbers of a bank account or an identity document: secret when the agent asks for one
# ("Routing and account number.") or the customer names it, not where the agent only mentions one.
_BANK = r"routing(?: number)?|sort code|bank account(?: number)?|iban|bsb"
_NUMBER_CUE = compile_phrases(
    rf"{_BANK}|(?:national |personal )?id(?:entity)? number|national insurance(?: number)?|"
    r"social security(?: number)?|ssn|passport number|tax (?:file |id )?number"
)
# A bank account read out in full ("sort code 20-45-77, account number 41236985"), from the record or back
# to the customer: the digits after the cue make an account number, not the last four. The company's own
# ("pay to our sort code ...") is public.
_BANK_CUE = compile_phrases(
    _BANK,
    # "The account on his profile is 2051 0310 0448 7 at Eastern Commerce Bank."
    r"account[^.?!]{0,30}? (?:is|was)(?=[^.?!]*\bbank\b)",
)
_OURS = re.compile(r"\bour\s+(?:\w+\s+)?$", re.IGNORECASE)
_BANK_DIGITS = 7
_ASK = re.compile(r"\?|^\W*(?:\w+(?:\W+|$)){1,6}$|\b(?:may|can|could) i (?:have|get|take)|\bplease\b", re.I)
# ... but not a code spent once read, a transfer PIN the company issues, or a number that only finds a
# record ("member ID number")
_NOT_A_SECRET_CUE = re.compile(
    r"\b(?:transfer|one[- ]time|temporary|verification|six[- ]digit|6[- ]digit|member|customer|policy|order|"
    r"booking|employee|student|patient|claim|reference|case|ticket)\s+$",
    re.IGNORECASE,
)
_SECRET_GIVEN = re.compile(r"\s*(?:is|'s|:)\s+[\"'‘“]?(?P<value>[^\s\"'’”]{3,40})")
_ANSWER_LEAD = re.compile(
    r"^\W*(?:(?:yes|yeah|okay|ok|sure|um|uh)\W+)*(?:it(?:'s| is| was)|its|that's|that is|"
    r"(?:my|the) (?:answer|word) is)[\s,]+(?:(?:um|uh|er|erm)\W+)*",
    re.IGNORECASE,
)
_NOT_SECRETS = {"yes", "yeah", "okay", "sure", "fine", "right", "correct", "that", "this", "here", "what"}


def _plain_token(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _customer_secrets(view: CallView) -> list[tuple[int, str]]:
    """Secrets the customer said (turn, value): after naming one ("my password is Riverbank!2025"),
    or as the whole answer when the agent has just asked for one ("your pass code?" "one nine zero
    three two two")."""
    out: list[tuple[int, str]] = []
    for c in view.customer:
        text = view.text(c)
        for cue in _secret_cues(view, c, _SECRET_CUE) + _secret_cues(view, c, _NUMBER_CUE):
            given = _SECRET_GIVEN.match(text, cue.end)
            if given is None or _plain_token(given.group("value")) in _NOT_SECRETS:
                continue
            # "my ID number is nine zero zero five one one": the number, not its first word
            said = re.split(r"[.!?](?:\s|$)", text[given.start("value") :], maxsplit=1)[0]
            runs = [run for run in _spoken_digits(said).split() if len(run) >= 4]
            spoken = _plain_token(given.group("value")) in _DIGIT_WORDS or given.group("value")[0].isdigit()
            out += [(c, run) for run in runs] if spoken and runs else [(c, given.group("value"))]
        if view.agent_before(c, 1) == [c - 1] and _asks_for_secret(view, c - 1):
            digits = [run for run in _spoken_digits(text).split() if len(run) >= 4]
            # "It is Kanchipuram." answers "Kanchipuram"; "Biscuit. also my password was ..." answers
            # "Biscuit"
            answer = re.split(r"[.!?]\s", _ANSWER_LEAD.sub("", text), maxsplit=1)[0]
            words = [w for w in re.findall(r"[^\s,.!?]+", answer) if _plain_token(w) not in _NOT_SECRETS]
            # ... and "o driscoll" a security question (not "B fourteen" asked with an ID number)
            if len(words) == 1 or (len(words) == 2 and _secret_cues(view, c - 1, _SECRET_CUE)):
                out.append((c, " ".join(words)))
            else:
                out += [(c, run) for run in digits]
    return out


def _asks_for_secret(view: CallView, turn: int) -> bool:
    if _secret_cues(view, turn, _SECRET_CUE):
        return True
    return any(_ASK.search(_sentence_at(view, m)) for m in _secret_cues(view, turn, _NUMBER_CUE))


def _secret_cues(view: CallView, turn: int, pattern: re.Pattern[str]) -> list[Match]:
    text = view.text(turn)
    return [m for m in view.find(pattern, [turn]) if not _NOT_A_SECRET_CUE.search(text[: m.start])]


def _echoed_secrets(view: CallView) -> list[Match]:
    """Agent turns that repeat a secret the customer gave, in full."""
    found = []
    for c, value in _customer_secrets(view):
        key = _plain_token(value)
        if len(key) < 4:
            continue
        words = [_plain_token(w) for w in value.split()]
        for a in (a for a in view.agent if a > c):
            text = view.text(a)
            if key.isdigit():
                hit = any(key in run for run in _spoken_digits(text).split())
            else:
                said = [_plain_token(w) for w in text.split()]
                hit = any(said[k : k + len(words)] == words for k in range(len(said)))
            if hit:
                found.append(Match(a, 0, len(text), text))
                break
    return found


def _spoken_digits(text: str) -> str:
    """Runs of digits said as words ("four one one one") or typed, joined: "4111"."""
    out: list[str] = []
    run = ""
    for token in _WORD_TOKEN.findall(text.lower()):
        if token.isdigit():
            run += token
        elif token == "double" or token == "triple":
            run += "*" if token == "double" else "**"
        elif token in _DIGIT_WORDS and (token not in ("to", "too", "for", "o") or run):
            digit = _DIGIT_WORDS[token]
            while run.endswith("*"):
                run = run[:-1] + digit
                digit += _DIGIT_WORDS[token]
            run += digit
        else:
            if run:
                out.append(run.replace("*", ""))
            run = ""
    if run:
        out.append(run.replace("*", ""))
    return " ".join(out)


_CARD_WORDS = compile_phrases(
    r"card|visa|mastercard|master card|amex|american express|discover|debit|credit|cc"
)


def _luhn(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_like(digits: str, about_cards: bool) -> bool:
    return 13 <= len(digits) <= 19 and (about_cards or _luhn(digits))


def no_sensitive_data_spoken(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    found: list[Match] = []
    for i in view.agent:
        text = view.text(i)
        # A card number passes the Luhn check, or is said as one ("the card number is ..."): a
        # reference or phone number of the same length is neither.
        about_cards = _CARD_WORDS.search(text) is not None
        m = next(
            (m for m in _DIGIT_RUN.finditer(text) if _card_like(re.sub(r"\D", "", m.group(0)), about_cards)),
            None,
        )
        if m is not None:
            found.append(Match(i, m.start(), m.end(), m.group(0)))
            continue
        if any(_card_like(run, about_cards) for run in _spoken_digits(text).split()):
            found.append(Match(i, 0, len(text), text))
    banks = [
        m
        for m in view.find(_BANK_CUE, view.agent)
        if not _OURS.search(view.text(m.turn)[: m.start])
        and any(len(run) >= _BANK_DIGITS for run in _spoken_digits(view.text(m.turn)[m.start :]).split())
    ]
    secrets = list(view.find(_SECRET, view.agent)) + _echoed_secrets(view)
    features = {
        "card_numbers": float(len(found)),
        "bank_accounts": float(len(banks)),
        "secrets": float(len(secrets)),
    }
    hits = found + banks + secrets
    if hits:
        what = (
            "a complete card number"
            if found
            else "a full bank account number"
            if banks
            else "a password, code or security answer"
        )
        return _result(
            item,
            "no",
            0.85,
            f"the agent read out {what}: {_quote(hits[0].text, 40)}",
            [view.evidence(m) for m in hits[:3]],
            features,
        )
    return _result(
        item, "yes", 0.85, "no complete card number, password or security answer read out", [], features
    )


# ----------------------------------------------------------------------------------- closing part

_CONFIRM = compile_phrases(
    r"recap|run-?down|here's where (?:we're|we are|we've got to|everything stands|things stand|we landed)|"
    r"(?:so|okay so|ok so|alright so|right so),? remember:|(?:does|do) (?:that|those|it|everything) (?:all )?"
    r"(?:look|sound) (?:right|correct|good|ok|okay)|"
    r"(?:so,? )?to (?:recap|summari[sz]e|sum up|sum things up|confirm|go over (?:it|that|everything)|"
    r"run (?:through|over) (?:it|that|everything))|"
    r"(?:does|do) (?:that|those|it|everything) (?:all )?make sense|"
    r"you(?:'ve| have) (?:got )?everything you need|"
    r"(?:have you|you) got (?:that|it|everything)(?: \w+)? (?:written down|noted|down)|just to (?:recap|"
    r"summari[sz]e|confirm|"
    # (after a comma "so" gives a reason: "the cut-off is Tuesday, so you're well in time")
    r"let you know)|in summary|quick summary|"
    r"(?<![,;]\s)(?:so|okay so|ok so|alright so|right so|and so),? (?:i've|ive|"
    r"we've|that's|thats|you'll|you will|you're|you are|your)|(?:you're|you are|youre) (?:all|now) (?:set|"
    r"sorted|"
    r"good|done)|all set|(?:that's|thats|that is|it's|its|everything's|everything is|this is) (?:all |now |"
    r"been )*"
    r"(?:done|sorted|fixed|taken care of|processed|resolved|complete|completed|in place|cancell?ed|updated|"
    r"working)|(?:does|did|has) (?:that|this) (?:answer|solve|resolve|fix|help|sort|take care of|clear|"
    r"cover|get you)|"
    r"have i (?:answered|resolved|solved|helped|fixed|sorted)|is (?:that|everything|it|"
    r"this) (?:all )?(?:resolved|"
    r"sorted|clear|working|ok now|okay now|fixed|showing|clearer)|(?:is it|is that|are you) (?:working|happy|"
    r"sorted|ok|okay|all good)(?: now| with)?|should (?:now )?be (?:all )?(?:good|fixed|working|sorted|"
    r"resolved|"
    r"back|showing|updated|active)|(?:so )?you(?:'ll| will) (?:see|receive|get|have(?! to))|(?:you|"
    r"your \w+) should "
    r"(?:now )?(?:see|receive|get|have|be)|(?:is|was) that (?:helpful|what you needed)|that should (?:do it|"
    r"fix|"
    r"sort|take care)|"
    # "that's your refund processed", "that's the address updated now"
    r"(?:that's|thats|that is) (?:your|the|those|it) [^.?!]{1,40}?(?:done|sorted|fixed|cancell?ed|updated|"
    r"booked|"
    r"processed|changed|set up|reset|applied|added|removed|refunded|credited|in place|arranged|activated)"
)
_FURTHER = compile_phrases(
    r"anything else|any(?:thing)? other (?:questions?|issues?|concerns?|way|thing)|something else|"
    r"anything more|"
    r"any (?:more|further) questions|else (?:i|we) can (?:help|do|assist|look)|(?:help|assist) (?:you )?with "
    r"anything|is there (?:more|anything)|what else can (?:i|we)|further (?:help|assistance|questions)|"
    r"any(?:thing)? (?:else )?i can (?:help|assist|do)|(?:can|could|may) i help (?:you )?with anything|"
    r"(?:is|was) (?:that|there) (?:everything|all)(?! (?:correct|right|ok|okay|clear|good|fine|working|"
    r"sorted|"
    r"done|set|of|the|your|in|on|there|showing|matching|accurate|fixed|resolved|updated))|"
    r"will that be (?:all|everything)|anything further|(?:any|anything) (?:other|more) (?:questions?|i can)"
)
_THANKS = compile_phrases(
    r"thank(?:s| you)(?! for (?:holding|waiting|your patience|bearing|hanging))|cheers|(?:i |we )?appreciate "
    r"(?:you|your) (?:calling|call|time|business|patience|understanding)"
)
_GOODBYE = compile_phrases(
    r"have a (?:\w+ )?(?:day|one|evening|afternoon|morning|night|weekend|week|rest of)|take care|goodbye|"
    r"good bye|"
    r"bye(?:-bye| now| bye)?|all the best|enjoy (?:your|the)|speak soon|talk soon|good night|have a good|"
    r"best wishes|stay safe|kind regards|cheers|"
    r"(?:i )?hope (?:you|your \w+|the \w+) (?:has|have|gets?|enjoys?) (?:a|an|the|your|their|his|her|it)\b|"
    r"(?:i )?hope (?:all|it all|everything) goes well|safe (?:travels|trip|journey|crossing|flight|drive)|"
    r"bonne (?:soirée|soiree|journée|journee|nuit)"
)


# A recap: "So: IMEI blocked, eSIM code on the way, number active once you scan it."
_RECAP_START = re.compile(
    r"(?:^|[.!?]\s+)\W*(?P<so>(?:(?:okay|ok|alright|right|great|perfect)\W+)?so\b)", re.IGNORECASE
)
_STATE = compile_phrases(
    r"done|sorted|set up|all set|active|activated|on file|blocked|initiated|processed|fixed|updated|booked|"
    r"sent|on (?:the|its|their) way|arranged|cancell?ed|refunded|credited|applied|removed|added|reissued|"
    r"paid|"
    r"scheduled|confirmed|frozen|waived|restored|moved|transferred|resumes?|registered|logged|raised|"
    r"escalated|changed|reset|unlocked|ordered|in place|will (?:call|arrive|be|get|receive|reach|see|show)"
)
# The customer says the problem is gone ("ok now it shows Brightline with 5G", "that worked").
_CUSTOMER_FIXED = compile_phrases(
    r"(?:it's|its|it is|that's|thats|everything's|everything is|it) (?:now |all )?(?:working|connected|"
    r"fixed|sorted|resolved|back)|(?:working|works|connected|showing|gone through) now|(?:that|it|this) "
    r"(?:worked|did it|did the trick)|(?:now )?(?:i have|i've got|ive got|i got|i can see|it shows|it says|"
    r"i'm getting|im getting) [^.?!]{1,40} now|now (?:i have|i've got|ive got|i got|i can see|"
    r"it shows|it says)"
    r"|thank god|(?:connected|working|fixed|sorted)(?=\s*!)|(?:i'm|im|i am) (?:back )?in(?=\s*[.!])"
)
_STILL_BROKEN = re.compile(r"[^.?!]{0,40}?\b(?:but|still|not)\b", re.IGNORECASE)
_CONDITIONAL = re.compile(r"\b(?:when|if|until|once|whether|before|after)\W+$", re.IGNORECASE)
# What the agent has just done, stated as done ("alright, it's set up", "he's added as of today",
# "claim's open"): reviewers count it as confirming the outcome even without a recap.
_DONE_STATE = compile_phrases(
    r"(?:it's|its|it is|it has been|that's|thats|he's|hes|she's|shes|they're|theyre|he is|she is|they are|"
    r"(?:the|your) \w+(?: \w+)?(?:'s| is| are| has been| have been)|\w+'s) (?:now |all |been |officially |"
    r"just )*(?:done|set up|sorted|added|opened|frozen|paused|activated|booked|cancell?ed|processed|"
    r"applied|scheduled|submitted|lodged|raised|logged|in place|arranged|updated|changed|reset|refunded|"
    r"credited|reissued|blocked|unlocked|fixed|resolved|moved|reinstated|restored|waived|on (?:its|the) way)",
    # "I've done the refund there", "yep i've refunded the forty five", "Done, $30.50 credit is on ..."
    r"(?:i've|ive|i have|we've|we have) (?:now |just |also )?(?:done|processed|refunded|credited|cancell?ed|"
    r"booked|issued|reset|unlocked|reinstated|waived|arranged|lodged|submitted|applied)|^\W*(?:(?:okay|ok|"
    r"right|alright)\W+)?done\b(?=(?:\W+\w+){4})",  # a bare "done" says nothing of what was done
)


def _recap(view: CallView, turn: int) -> Match | None:
    """An agent turn that opens with "so" and lists at least two outcomes."""
    text = view.plain[turn]
    start = _RECAP_START.search(text)
    if start is None:
        return None
    at = start.start("so")
    rest = text[at:]
    # "So: liver and sugar normal, kidneys a touch high, recheck Thursday" is a list by its colon
    listed = rest[2:].lstrip().startswith(":") and rest.count(",") >= 2
    if not listed and (len(_STATE.findall(rest)) + rest.count(",") < 3 or not _STATE.search(rest)):
        return None
    return Match(turn, at, len(text), view.turns[turn].text[at:])


_AGREE = re.compile(
    r"^\W*(?:yes|yep|yup|yeah|ja|correct|exactly|that's (?:right|correct|it)|spot on|absolutely|right|"
    r"perfect|you got it|that's all correct)\b",
    re.IGNORECASE,
)


def _customer_recap(view: CallView, first: int) -> Match | None:
    """A recap the customer gives from turn ``first`` on ("So, 2 dogs fine, $75 for the stay ...?") that
    the agent's next turn agrees with: the agent confirmed the outcome."""
    for c in (c for c in view.customer if c >= first):
        text = view.plain[c]
        start = _RECAP_START.search(text)
        reply = view.agent_after(c, 1)
        if start is None or text[start.start("so") :].count(",") < 2 or not reply:
            continue
        if reply[0] == c + 1 and _AGREE.match(view.plain[reply[0]]):
            return Match(reply[0], 0, len(view.plain[reply[0]]), view.turns[reply[0]].text)
    return None


def _asserted(view: CallView, pattern: re.Pattern[str], turns: Sequence[int]) -> Iterator[Match]:
    """Matches said as a fact: not in a question, not after "when", "if", "once" ("once it's fixed")."""
    for m in view.find(pattern, turns):
        if not _CONDITIONAL.search(view.text(m.turn)[: m.start]) and not _sentence_at(view, m).endswith("?"):
            yield m


def _customer_fixed(view: CallView, after: int) -> Match | None:
    """The first customer statement after turn ``after`` that the problem is gone, and not taken back
    in the same breath ("okay it's back up and um no it still says no internet")."""
    return next(
        (
            m
            for m in _asserted(view, _CUSTOMER_FIXED, [c for c in view.customer if c > after])
            if not _STILL_BROKEN.match(view.text(m.turn)[m.end :])
        ),
        None,
    )


def _closing_turns(view: CallView) -> list[int]:
    return view.agent[-view.options.closing_turns :]


def confirm_resolution(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    start = len(view.agent) // 2
    tail = view.agent[start:] if len(view.agent) > 2 else view.agent
    found = list(view.find(_CONFIRM, tail))
    found += [m for m in (_recap(view, t) for t in tail) if m is not None]
    found += _asserted(view, _DONE_STATE, tail)
    fixed = _customer_fixed(view, len(view.turns) // 2) or _customer_recap(view, len(view.turns) // 2)
    features = {"confirmations": float(len(found)), "customer_confirmed": float(fixed is not None)}
    if not found and fixed is not None:
        return _result(
            item,
            "yes",
            0.6,
            f"the outcome is confirmed with the customer: {_quote(fixed.text, 50)}",
            [view.evidence(fixed)],
            features,
        )
    if found:
        best = max(found, key=lambda m: (m.turn, m.start))
        return _result(
            item,
            "yes",
            0.8 if len(found) > 1 else 0.7,
            f"the agent confirms the outcome: {_quote(best.text, 50)}",
            [view.evidence(best)],
            features,
        )
    return _result(
        item, "no", 0.7, "no summary of what was done and no check that the issue is resolved", [], features
    )


def offer_further_help(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    start = len(view.agent) // 3
    found = view.first(_FURTHER, view.agent[start:] or view.agent)
    features = {"offered": float(found is not None)}
    if found is not None:
        return _result(
            item,
            "yes",
            0.9,
            f"the agent offers more help: {_quote(found.text)}",
            [view.evidence(found)],
            features,
        )
    return _result(item, "no", 0.8, "the agent never asks whether there is anything else", [], features)


_FAREWELL_THANKS = compile_phrases(
    r"thank(?:s| you)(?: so much| very much| again)? for (?:your patience|being (?:so )?patient|"
    r"bearing with (?:me|us))"
)


_CALL_THANKS = compile_phrases(
    r"thank(?:s| you)(?: so much| very much)? (?:for (?:calling|contacting|choosing|chatting|reaching|"
    r"your call|your time|your business|being (?:with|a)|getting in touch|ringing|your patience today|"
    r"bearing with)|again)"
)


def closing(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    turns = _closing_turns(view)
    if not turns:
        return _result(item, "no", 0.6, "the agent never speaks", [], {"thanks": 0.0, "goodbye": 0.0})
    last_agent = view.agent[-1]
    # The customer left asking "are you still there?": the call was lost, whatever the agent said last.
    if view.first(_ARE_YOU_THERE, [c for c in view.customer if c > last_agent]) is not None:
        return _result(
            item,
            "no",
            0.7,
            "the call ends with the customer left waiting",
            [view.evidence(last_agent)],
            {"thanks": 0.0, "goodbye": 0.0, "customer_spoke_last": 1.0},
        )
    # A bare "Thanks." mid-call acknowledges an answer; before the last turn only a thanks for the
    # call itself ("thanks for calling", "for your time") belongs to the closing.
    closing_thanks = {m.turn for m in view.find(_CALL_THANKS, turns)}
    thanks = [m for m in view.find(_THANKS, turns) if m.turn == last_agent or m.turn in closing_thanks]
    goodbye = list(view.find(_GOODBYE, turns))
    # "Thanks for your patience today, take care": in the farewell itself it thanks the customer.
    if not thanks and any(g.turn == last_agent for g in goodbye):
        thanks = list(view.find(_FAREWELL_THANKS, [last_agent]))
    customer_after = sum(1 for c in view.customer if c > last_agent)
    features = {
        "thanks": float(bool(thanks)),
        "goodbye": float(bool(goodbye)),
        "customer_spoke_last": float(customer_after > 0),
    }
    if thanks:
        ev = [view.evidence(thanks[-1])] + ([view.evidence(goodbye[-1])] if goodbye else [])
        conf = 0.85 if goodbye else 0.7
        return _result(
            item,
            "yes",
            conf,
            f"the agent thanks the customer: {_quote(view.text(thanks[-1].turn), 60)}",
            ev,
            features,
        )
    ev = [view.evidence(last_agent)]
    why = "the call ends without the agent thanking the customer"
    if goodbye:
        why = "a goodbye but no thanks"
    return _result(item, "no", 0.75, why, ev, features)


def _accurate_information(view: CallView, item: ScorecardItem, scorer: QAScorer) -> ItemResult:
    from qa_models.qa.facts import check_facts

    return check_facts(view, item, scorer.knowledge, scorer.options.facts)


BUILTIN: dict[str, ItemScorer] = {
    "greeting": greeting,
    "verify_identity": verify_identity,
    "understand_need": understand_need,
    "empathy": empathy,
    "accurate_information": _accurate_information,
    "resolution_steps": resolution_steps,
    "hold_etiquette": hold_etiquette,
    "courtesy": courtesy,
    "no_sensitive_data_spoken": no_sensitive_data_spoken,
    "confirm_resolution": confirm_resolution,
    "offer_further_help": offer_further_help,
    "closing": closing,
}
