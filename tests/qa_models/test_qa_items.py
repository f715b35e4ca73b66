"""The built-in scorers of the default scorecard, item by item: for each item a clear positive, at
least two different negatives and (where the item allows it) an ``na`` dialogue, in typed text and in
lower-case unpunctuated ASR text, on voice calls with turn times and on chat. Every answer's evidence
must point at the turn (and the span inside it) that justifies it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from qa_models import DocumentFacts, KnowledgeFact, QAScorer
from qa_models.qa import ItemResult, QAOptions, facts, rules
from qa_models.tagger import TagInput
from tests.fakes import HashingEncoder
from tests.qa_models.dialogues import CARD, dialogue, score_item, turn_of


def evidence_at(result: ItemResult, call: TagInput, turn: int, phrase: str | None = None) -> None:
    """``result`` has evidence on ``turn`` whose span is the turn's own text (and covers ``phrase``)."""
    found = [e for e in result.evidence if e.turn == turn]
    assert found, f"no evidence on turn {turn}: {turn_of(result)} ({result.rationale})"
    text = call.turns[turn].text
    for e in found:
        assert text[e.start_char : e.end_char] == e.text, e
        assert e.speaker == call.turns[turn].speaker
    if phrase is not None:
        at = text.lower().index(phrase.lower())
        end = at + len(phrase)
        assert any(e.start_char < end and at < e.end_char for e in found), (phrase, found)


def check(call: TagInput, item_id: str, answer: str, scorer: QAScorer | None = None) -> ItemResult:
    result = score_item(call, item_id, scorer)
    assert result.answer == answer, f"{item_id}: {result.answer} ({result.rationale})"
    assert 0.0 < result.confidence <= 1.0
    assert result.rationale
    return result


def test_every_default_item_has_a_builtin_scorer() -> None:
    from qa_models.qa.rules import BUILTIN

    assert {i.id for i in CARD.items} <= set(BUILTIN)


def test_no_phrase_pattern_matches_nothing() -> None:
    # A stray "|" at the end of a split pattern string adds an empty alternative, which matches
    # every turn; the dialogue tests only notice it on the items they cover.
    empty = [
        f"{mod.__name__}.{name}"
        for mod in (rules, facts)
        for name, value in vars(mod).items()
        if isinstance(value, re.Pattern) and value.fullmatch("") is not None
    ]
    assert not empty


# ------------------------------------------------------------------------------------ greeting


def test_greeting_yes_company_and_own_name_in_the_first_turn() -> None:
    call = dialogue(
        "A: Thank you for calling Brightline Mobile, my name is Dana. How can I help you today?",
        "C: Hi Dana, I've got a question about my bill.",
    )
    r = check(call, "greeting", "yes")
    evidence_at(r, call, 0, "Brightline Mobile")
    evidence_at(r, call, 0, "Dana")


def test_greeting_yes_asr_text() -> None:
    call = dialogue(
        "A: good morning thanks for calling northwind energy you're speaking with priya how can i help",
        "C: morning um yeah i'm moving house next week",
    )
    r = check(call, "greeting", "yes")
    evidence_at(r, call, 0, "northwind")
    evidence_at(r, call, 0, "priya")


def test_greeting_yes_names_across_the_first_two_agent_turns() -> None:
    call = dialogue(
        "A: Harbor Insurance, good afternoon.",
        "C: Hello? Is this claims?",
        "A: Yes it is, this is Marco speaking. How can I help?",
        "C: I need to report a burst pipe.",
    )
    r = check(call, "greeting", "yes")
    evidence_at(r, call, 0, "Harbor Insurance")
    evidence_at(r, call, 2, "Marco")


def test_greeting_yes_on_chat() -> None:
    call = dialogue(
        "A: Hi there! Welcome to Skyway Airlines support, I'm Alex. What can I do for you today?",
        "C: my flight got cancelled",
        channel="chat",
    )
    r = check(call, "greeting", "yes")
    evidence_at(r, call, 0, "Skyway Airlines")
    evidence_at(r, call, 0, "Alex")


def test_greeting_yes_with_the_configured_company_name() -> None:
    call = dialogue(
        "A: hi you're through to acme my name's jo what can i do for you",
        "C: hi jo i need a new router",
    )
    r = check(call, "greeting", "yes", QAScorer(QAOptions(company_names=("Acme",))))
    evidence_at(r, call, 0, "acme")
    evidence_at(r, call, 0, "jo")


def test_greeting_no_without_the_company_name() -> None:
    call = dialogue(
        "A: Hi, this is Dana, how can I help you today?",
        "C: Hi, I'd like to check my balance.",
        "A: Sure, happy to help with that.",
    )
    r = check(call, "greeting", "no")
    assert "company name" in r.rationale
    evidence_at(r, call, 0, "Dana")


def test_greeting_no_when_the_only_name_is_the_agents() -> None:
    call = dialogue("A: Hiya, you're through to Priya, how can I help?", "C: I want a new phone.")
    assert "company name" in check(call, "greeting", "no").rationale


def test_greeting_no_without_the_agents_own_name() -> None:
    call = dialogue(
        "A: thank you for calling brightline mobile how can i help",
        "C: yeah hi my phone won't connect to the network",
        "A: okay no problem let's have a look",
    )
    r = check(call, "greeting", "no")
    assert "own name" in r.rationale
    evidence_at(r, call, 0, "brightline mobile")


@pytest.mark.parametrize(
    "opening",
    [
        "thanks for calling brightline mobile youve got kendra how can i help",
        "good morning ashbury borough council waste and recycling youre speaking to jodie how can i help",
        "morning um langa shield you speaking to thabo",
        "Hi, this is Jordan Ellis calling from Cedar Rock Home Loans. May I speak with Patricia?",
        "Good morning, welcome to PaySetu Payroll Services, Suresh this side. How may I help you?",
        "Hi, thanks for messaging Marlow Street Dental 😊 I'm Jess on reception. How can I help?",
    ],
)
def test_greeting_yes_for_asr_and_outbound_openings(opening: str) -> None:
    call = dialogue("A: " + opening, "C: hi yes", "A: okay")
    check(call, "greeting", "yes")


def test_greeting_yes_when_the_agent_says_back_the_company_the_customer_asked_for() -> None:
    call = dialogue(
        "A: Hello, Jun here, good afternoon. How can I help?",
        "C: Hi, is this Tala Notebooks warranty? My laptop won't charge.",
        "A: Yes po, this is Tala warranty. What is the serial number?",
    )
    evidence_at(check(call, "greeting", "yes"), call, 2, "Tala")


def test_greeting_no_when_the_agent_only_agrees_to_the_company_asked_for() -> None:
    call = dialogue(
        "A: Service, Kylie speaking.",
        "C: Oh, hi, is that Redgum Motors? I'm ringing about my Corolla.",
        "A: Yeah, Redgum. So four eighty-six, that's the brake pads.",
    )
    assert "company name" in check(call, "greeting", "no").rationale


@pytest.mark.parametrize(
    "opening",
    [
        "hello clyde sun solar you're through tae morag how can i help ye",
        "thank you for callin acadiana power and light outage line this is tremaine um i see you're callin",
        "good morning you've called wildflower bay waterpark and rides guest services brodie speaking",
        "brightline mobile home internet this is tyler can i get your name and date of birth",
        "Kia ora, Kōwhai Bay Dental, this is Aroha.",
    ],
)
def test_greeting_yes_for_dialect_openings(opening: str) -> None:
    check(dialogue("A: " + opening, "C: aye hiya", "A: okay"), "greeting", "yes")


def test_greeting_no_when_the_opening_names_only_a_department() -> None:
    call = dialogue("A: Bula, prescription line, Sera speaking.", "C: Bula, I need a refill.")
    assert "company name" in check(call, "greeting", "no").rationale


def test_greeting_no_when_only_the_company_says_here() -> None:
    call = dialogue("C: How much is membership?", "A: Hi! Pulse Fitness here. Off-peak is £24.99 a month.")
    assert "own name" in check(call, "greeting", "no").rationale


def test_greeting_no_when_the_agent_skips_it() -> None:
    call = dialogue(
        "A: Yeah, what's the account number?",
        "C: Uh, it's 4471 2290.",
        "A: Okay. What's the problem?",
    )
    r = check(call, "greeting", "no")
    evidence_at(r, call, 0)


def test_greeting_no_when_the_names_come_only_later() -> None:
    call = dialogue(
        "A: Hello?",
        "C: Hi, is this the billing line?",
        "A: Yes, go ahead.",
        "C: I was charged twice.",
        "A: Sorry, I should have said, this is Kim at Brightline Mobile billing.",
    )
    r = check(call, "greeting", "no")
    assert "later" in r.rationale
    assert r.features["agent_name_later"] == 1.0


# ----------------------------------------------------------------------------- verify_identity


def test_verify_identity_yes_identifiers_before_account_details() -> None:
    call = dialogue(
        "A: Thanks for calling Brightline Mobile, my name is Dana.",
        "C: Hi, I want to know why my bill is so high this month.",
        "A: I can help with that. Can I get your account number and date of birth, please?",
        "C: Sure, 5550123, and the 3rd of March 1985.",
        "A: Thank you, that all matches. I can see your bill this month includes roaming charges of $30.",
        "C: Oh, that was my trip to Spain.",
    )
    r = check(call, "verify_identity", "yes")
    evidence_at(r, call, 2, "account number")
    evidence_at(r, call, 4, "I can see your bill")
    assert turn_of(r)[0] == 2


def test_verify_identity_the_customers_complaint_said_back_before_the_check_discloses_nothing() -> None:
    call = dialogue(
        "A: Brightline chat, Priyanka here.",
        "C: My card has been charged two times for this month's bill. Kindly check.",
        "A: I'm sorry to see you've been charged twice. So I can open the account, could you give me "
        "the full name on the account and your date of birth?",
        "C: Dilani Wickramasinghe, 14 August 1979.",
        "A: Thank you, the details match. Autopay took 64.18 USD and a manual payment was made too.",
    )
    evidence_at(check(call, "verify_identity", "yes"), call, 2, "date of birth")
    # what the customer never said is read off the account, whatever follows in the turn
    told = dialogue(
        "A: Brightline chat, Priyanka here.",
        "C: Something's wrong with my bill.",
        "A: I can see you've been charged twice. Could you give me your date of birth?",
        "C: 14 August 1979.",
    )
    check(told, "verify_identity", "no")
    assert rules._VERIFIED.search("Thank you Ms Adebayo, the details match the file.")
    assert not rules._VERIFIED.search("Your complaint is logged in our system.")
    # said back for the customer to confirm, in any language, before the check
    confirmed = dialogue(
        "A: Sampaguita City Library help desk, Joy here.",
        "C: I can't log in, and I have 2 books na overdue I think.",
        "A: So you can't log in, and you'd like to check your 2 overdue books. Tama po ba?",
        "C: Opo",
        "A: May I have your library card number and your security word?",
        "C: 2024-118-5573, kalamansi.",
        "A: Thank you, you're verified. Both books are due back on the 18th.",
    )
    evidence_at(check(confirmed, "verify_identity", "yes"), confirmed, 4, "security word")


def test_verify_identity_yes_asr_address_and_dob() -> None:
    call = dialogue(
        "A: northwind energy this is priya",
        "C: hi i think my last meter reading was wrong",
        "A: okay before i go into the account could i take the first line of your address and your date of"
        " birth please",
        "C: twelve elm road and fourth of june seventy nine",
        "A: lovely thank you thats all matches so looking at the account the last meter reading was on the"
        " second",
    )
    r = check(call, "verify_identity", "yes")
    evidence_at(r, call, 2, "address")


def test_verify_identity_yes_one_time_code_on_chat() -> None:
    call = dialogue(
        "A: Hi, you're chatting with Sam at Cobalt Bank.",
        "C: I need to change the address on my account.",
        "A: Sure. I've just sent a six-digit code to the mobile number on file, could you type it here?",
        "C: 604 118",
        "A: Thanks, you're verified. I've updated the address on your account to 9 Hill Street.",
        channel="chat",
    )
    r = check(call, "verify_identity", "yes")
    evidence_at(r, call, 2, "sent a six-digit code")
    evidence_at(r, call, 4, "updated the address")


def test_verify_identity_no_when_details_are_disclosed_without_a_check() -> None:
    call = dialogue(
        "A: Brightline Mobile, Jordan speaking.",
        "C: Hi, how much do I owe at the moment?",
        "A: Let me look. I can see your account has a balance of $120.40, due on the 14th.",
        "C: Okay, thanks.",
    )
    r = check(call, "verify_identity", "no")
    evidence_at(r, call, 2, "I can see your account")
    assert turn_of(r) == [2]


def test_verify_identity_no_when_the_change_comes_before_the_check() -> None:
    call = dialogue(
        "A: cobalt bank this is lee",
        "C: yeah i moved can you change my address to 14 park lane",
        "A: no problem ive updated the address on your account to 14 park lane",
        "C: great",
        "A: and just for our records can i take your date of birth",
        "C: first of may ninety",
    )
    r = check(call, "verify_identity", "no")
    assert "afterwards" in r.rationale
    assert turn_of(r)[0] == 2
    evidence_at(r, call, 2, "updated the address")
    evidence_at(r, call, 4, "date of birth")


def test_verify_identity_na_when_no_account_is_involved() -> None:
    call = dialogue(
        "A: Thanks for calling Brightline Mobile, this is Dana.",
        "C: Hi, what time does your store on Main Street close on Saturdays?",
        "A: Our Main Street store is open until 6 pm on Saturdays.",
        "C: Great, thanks!",
        "A: You're welcome, have a good day.",
    )
    r = check(call, "verify_identity", "na")
    assert r.evidence == []


def test_verify_identity_na_general_plan_question_in_asr() -> None:
    call = dialogue(
        "A: brightline mobile you're speaking with tom",
        "C: hi yeah i'm thinking of switching to you what plans do you have",
        "A: sure so we've got the unlimited plan at forty five a month and the basic at twenty",
        "C: okay cool i'll have a think",
    )
    check(call, "verify_identity", "na")


def test_verify_identity_no_when_only_a_name_is_taken() -> None:
    # A name (or an email) finds the account; it does not prove who is calling.
    call = dialogue(
        "A: pulsefit memberships its jake",
        "C: hi i need to cancel my membership",
        "A: yep no worries can i grab your name",
        "C: its shannon kelly",
        "A: got ya so you're on the twelve month flex plan and you've got four months left on the contract",
    )
    r = check(call, "verify_identity", "no")
    evidence_at(r, call, 4, "you're on the twelve month flex plan")


@pytest.mark.parametrize(
    ("lookup", "read_out"),
    [
        ("okay whats the number", "yeah so youre on unlimited plus sixty a month thats the price"),
        (
            "ok ma'am what's the name on the account",
            "ok ma'am yes i can see ma'am you have unpaid balance of 2398",
        ),
    ],
)
def test_verify_identity_no_when_a_lookup_is_followed_by_the_account_read_out(
    lookup: str, read_out: str
) -> None:
    call = dialogue(
        "A: brightline mobile", "C: my bill went up", f"A: {lookup}", "C: 555 214 8830", f"A: {read_out}"
    )
    evidence_at(check(call, "verify_identity", "no"), call, 4)


def test_verify_identity_na_when_a_name_is_taken_for_a_product_hold() -> None:
    call = dialogue(
        "A: Harlow Hardware, Gus speaking.",
        "C: Can you hold the snow blower from the flyer for me?",
        "A: I can hold it at the service desk till six. What's the name?",
        "C: Marcus Webb.",
        "A: Got it, it's on hold under Marcus Webb until six tonight.",
    )
    check(call, "verify_identity", "na")


def test_verify_identity_no_when_the_check_fails_and_the_agent_goes_on() -> None:
    call = dialogue(
        "A: coastline energy this is mick",
        "C: my bill is four hundred dollars its normally one eighty",
        "A: whats the account number",
        "C: three three zero one eight eight four two",
        "A: and can you just confirm the address on the account",
        "C: fourteen bank street",
        "A: hmm i've got a different street here but no worries i'll go ahead",
        "A: okay so i can see this bill was on an estimated read",
    )
    r = check(call, "verify_identity", "no")
    evidence_at(r, call, 7, "i can see this bill")
    given_away = dialogue(
        "A: Novatek support, Vikram speaking.",
        "C: My laptop won't turn on.",
        "A: For verification, please tell me the answer to your security question: your first pet.",
        "C: I honestly can't remember.",
        "A: No problem. The answer on the account is Biscuit. Does that ring a bell?",
        "C: Oh yes, Biscuit.",
        "A: Okay. Did you try holding the power button for thirty seconds?",
    )
    assert "failed" in check(given_away, "verify_identity", "no").rationale


def test_verify_identity_yes_when_a_code_is_sent_before_anything_changes() -> None:
    call = dialogue(
        "A: Kaveri Bank, Ramesh speaking.",
        "C: My debit card is blocked.",
        "A: Let me check. First I need to verify you. May I have your registered mobile number?",
        "C: Nine eight four five five, five five one two three.",
        "A: Thank you. I am sending a six-digit one-time password to this number now. Kindly read it out.",
        "C: Four one seven, two nine three.",
        "A: Thank you, the OTP is verified. I have removed the block on your card.",
    )
    r = check(call, "verify_identity", "yes")
    evidence_at(r, call, 2)


def test_verify_identity_no_when_an_outbound_call_names_the_card_first() -> None:
    call = dialogue(
        "A: Hi, this is Kevin calling from Summit Credit Union's fraud team. Am I speaking with Linda?",
        "C: Yes.",
        "A: We flagged a transaction on your Visa debit card ending one eight eight one at ElectroMart.",
        "C: What? No!",
        "A: Before we go further I need to verify your identity. Can you give me your date of birth?",
    )
    r = check(call, "verify_identity", "no")
    evidence_at(r, call, 2)


# ----------------------------------------------------------------------------- understand_need


def test_understand_need_yes_explicit_restatement() -> None:
    call = dialogue(
        "A: Thank you for calling Brightline Mobile, this is Dana.",
        "C: Hi, I was charged twice for my bill this month.",
        "A: Oh no. Just to confirm, you're seeing two charges for the same bill?",
        "C: Yes, two of 45 dollars.",
        "A: Okay, let me look into that.",
    )
    r = check(call, "understand_need", "yes")
    evidence_at(r, call, 2, "Just to confirm")


def test_understand_need_yes_asr_so_you_want() -> None:
    call = dialogue(
        "A: skyline broadband this is mia",
        "C: hi im moving on the fifteenth and i need the internet moved to the new place",
        "A: okay so you want to move your broadband to your new address from the fifteenth is that right",
        "C: yeah exactly",
        "A: no problem ive booked the move for the fifteenth",
    )
    r = check(call, "understand_need", "yes")
    evidence_at(r, call, 2, "so you want")


def test_understand_need_yes_sounds_like_on_chat() -> None:
    call = dialogue(
        "A: Hi, Alex here from Skyway Airlines. How can I help?",
        "C: my bag didn't arrive in Denver and the app says it's still in Chicago",
        "A: It sounds like your bag missed the connection in Chicago. Can I have your booking reference?",
        "C: KX7PQ2",
        channel="chat",
    )
    r = check(call, "understand_need", "yes")
    evidence_at(r, call, 2, "sounds like")


def test_understand_need_no_when_the_agent_jumps_straight_to_acting() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Hi, my phone says no service since this morning.",
        "A: Okay. I've reset your connection.",
        "C: Oh. Right.",
        "A: Anything else?",
        "C: No.",
        "A: Bye.",
    )
    r = check(call, "understand_need", "no")
    assert r.evidence == []


def test_understand_need_no_for_good_luck_said_before_acting() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Hi, my phone says no service since this morning.",
        "A: Well, you're in luck, I've reset your connection.",
        "C: Oh. Right.",
    )
    check(call, "understand_need", "no")


def test_understand_need_no_in_asr_with_only_procedural_questions() -> None:
    call = dialogue(
        "A: cobalt bank lee speaking",
        "C: hi i've got a payment on my card i don't recognise from a shop called zentra",
        "A: whats the card number",
        "C: it ends in 4821",
        "A: ok ive blocked the card a new one will be posted out",
        "C: oh ok",
        "A: anything else",
    )
    check(call, "understand_need", "no")


@pytest.mark.parametrize(
    "restated",
    [
        "Thanks, that's verified. So you've reached your data allowance and want to know your options.",
        "So it's the bill dated the second of November, and you think it's way over what you used.",
        "lovely so your usage has more than doubled and you're the only one there",
        "Just so I'm looking for the right thing: two payments of $68.40 for the November bill?",
        "Okay. So this is the package for two. You want the thirteenth to the twentieth instead.",
        "No bother. So you started trading in March and this is your first return.",
        "i can see the earlier tickets so you've already restarted the router and changed the wifi channel",
        "Okay. So you lost your job and you can't make the November payment.",
        "Thanks, that matches. So: (1) switch to the flexi pass, and (2) check the room charge.",
        "okay you verified so you wanting to cancel the line",
        "oh naw sorry tae hear that is it your solar panels you're phonin aboot",
        "we'll get you taken care of so you ran out the burner shut off and you need a delivery tonight",
        "oh no okay so you're in zambia calls work but no data at all for three days",
        "okay got it so the right aid whistles and the battery's dying by dinner",
        "Got it, so it's the app login that's the problem, not the door itself.",
        "Perfect. So just so I've got it right: the data's been real slow for the last few days. Calls okay?",
    ],
)
def test_understand_need_yes_for_restatements_in_other_words(restated: str) -> None:
    call = dialogue(
        "A: Ardmore Gas, Siobhan speaking.",
        "C: Hi, I've got a question about my account.",
        "A: " + restated,
        "C: Yes.",
        "A: Right, here is what we'll do.",
    )
    evidence_at(check(call, "understand_need", "yes"), call, 2)


def test_understand_need_on_an_outbound_call_and_instructions_are_no_restatement() -> None:
    outbound = dialogue(
        "A: Kia ora, it's Mere calling from Harbourside Vets about Biscuit's blood results.",
        "C: Oh hi, yes.",
        "A: Good news first: his liver is fine.",
    )
    assert "outbound" in check(outbound, "understand_need", "yes").rationale
    told = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: My internet keeps dropping.",
        "A: Okay. You need to restart the router. So you unplug it for thirty seconds.",
        "C: Fine.",
    )
    check(told, "understand_need", "no")
    # checking with someone else is not checking what the customer needs
    registrar = dialogue(
        "A: Hi there! How can I help you today?",
        "C: I want to ask about French classes for work.",
        "A: Beginner A1 is Mon & Wed 6-8pm, 10 weeks.",
        "C: You said 10 weeks but the site says 12.",
        "A: Let me confirm with the registrar.",
    )
    check(registrar, "understand_need", "no")


# -------------------------------------------------------------------------------------- empathy


def test_empathy_yes_acknowledges_the_frustration() -> None:
    call = dialogue(
        "A: Thank you for calling Brightline Mobile, my name is Dana.",
        "C: Hi, I was charged twice this month and honestly I'm really frustrated.",
        "A: I'm so sorry about that, I understand how frustrating that is. Let me take a look.",
    )
    r = check(call, "empathy", "yes")
    evidence_at(r, call, 1, "frustrated")
    evidence_at(r, call, 2, "so sorry")


def test_empathy_yes_asr_repeat_caller() -> None:
    call = dialogue(
        "A: skyline broadband this is mia",
        "C: yeah this is the third time i've called about my internet dropping out",
        "A: oh no i'm really sorry you've had to call us again let's get this sorted today",
    )
    r = check(call, "empathy", "yes")
    evidence_at(r, call, 1, "third time")
    evidence_at(r, call, 2, "sorry")


def test_empathy_yes_worried_customer_on_chat() -> None:
    call = dialogue(
        "A: Hi, you're chatting with Sam at Cobalt Bank.",
        "C: I think someone has used my card, I'm really worried",
        "A: That must be really worrying. Let's get your card secured right away.",
        channel="chat",
    )
    r = check(call, "empathy", "yes")
    evidence_at(r, call, 1, "worried")
    evidence_at(r, call, 2, "That must be")


def test_empathy_no_when_the_frustration_is_ignored() -> None:
    call = dialogue(
        "A: Brightline Mobile, Jordan speaking.",
        "C: This is ridiculous, my internet has been down for three days.",
        "A: Account number?",
        "C: 5550123.",
        "A: Okay, I've booked an engineer for Thursday.",
    )
    r = check(call, "empathy", "no")
    evidence_at(r, call, 1, "ridiculous")


def test_empathy_no_when_only_the_wait_is_apologised_for() -> None:
    call = dialogue(
        "A: northwind energy priya speaking",
        "C: hi im really worried i cant afford this bill its twice what it normally is",
        "A: ok can i put you on hold",
        "C: fine",
        "A: sorry for the wait so the bill is based on an estimated reading",
        "C: right",
    )
    r = check(call, "empathy", "no")
    evidence_at(r, call, 1, "worried")


def test_empathy_na_when_the_customer_is_calm() -> None:
    call = dialogue(
        "A: Thanks for calling Harbor Insurance, this is Marco.",
        "C: Hi Marco, I'd just like to add my new car to my policy.",
        "A: Of course, I can help with that.",
        "C: Great, thank you.",
    )
    r = check(call, "empathy", "na")
    assert r.evidence == []


def test_empathy_yes_when_the_agent_acknowledges_a_feeling_no_list_names() -> None:
    # "I broke my wrist" names no feeling, but the agent's answer shows the reviewer heard one.
    call = dialogue(
        "A: Pulse Fitness, Marco speaking.",
        "C: I broke my wrist mountain biking and can't train for eight weeks. Can I pause my membership?",
        "A: Oh no, sorry to hear about your wrist! That sounds painful. We can freeze it for you.",
    )
    r = check(call, "empathy", "yes")
    evidence_at(r, call, 2, "sorry to hear about")
    # An apology for something else is no such acknowledgement.
    calm = dialogue(
        "A: Harbor Insurance.",
        "C: I'd like to add my son as a driver.",
        "A: Sorry, I should have said, my name is Aoife. I can help with that.",
    )
    check(calm, "empathy", "na")
    # An outbound call that catches the customer at dinner, the apology at the end.
    dinner = dialogue(
        "A: Hi, this is Dana calling from Brightline Mobile.",
        "C: I'm just sitting down to eat, actually.",
        "A: I'll be quick. You could save five dollars a month on Max.",
        "C: Okay, send me the details.",
        "A: Will do, and sorry again for interrupting your dinner.",
    )
    evidence_at(check(dinner, "empathy", "yes"), dinner, 4, "sorry again for interrupting")


@pytest.mark.parametrize(
    ("customer", "agent"),
    [
        ("I dropped my work phone, so annoying.", "Oh no, that's the worst. I'd be stressed too."),
        (
            "I've an awful rash and I'm away from home.",
            "That doesn't sound pleasant, the last thing you want.",
        ),
        ("I went round Lisbon with no maps last time.", "Oh, that sounds miserable. Let's fix it."),
        ("Oh no. A shortage. Did I miss something?", "You didn't. I know it's not the news anyone wants."),
        ("i got charged twice this month?? 😤", "Sorry to see that, two payments for one bill is annoying."),
        ("my order is missing the naan 😩", "Oh no, sorry your order turned up short."),
        ("Two more charges I don't know about.", "Oh, that's an unsettling thing to wake up to."),
        ("Oh for goodness' sake. I'm all over the place.", "Ach, it happens more than you'd think."),
        ("Oh, heck. I'll miss me appointment now.", "Don't fret, you've plenty of time yet."),
        ("Nuff scam call a gwaan these days.", "That's fair, and good on you for checking."),
        ("Same darn thing happened last month too. Kinda getting old.", "Oh, that's no fun at all."),
        ("It's been a right upheaval.", "I'm sorry, that's a lot to be dealing with all at once."),
        ("Oh, come on, man. I take Thursday off special.", "I'm really sorry, that's not fair to you."),
        (
            "They cut my hours and I'm stressed about every dollar.",
            "I do understand. It's real money.",
        ),
        ("no heating and i'm worried, the baby's here", "oh no that's no good with a little one"),
        (
            "I'm really embarrassed, I've never missed a payment.",
            "Honestly, don't be embarrassed, it happens.",
        ),
        ("please tell me i didn't lose my price 😭", "Totally get why that one would make you panic."),
        (
            "I did pay in the app, I totally forgot Autopay was on. Ugh.",
            "That happens, you're not the only one.",
        ),
        ("i've got nae power and the wean's here", "oh naw sorry tae hear that"),
        ("My dad passed away two weeks ago and we can't do it in December.", "Sorry for your loss. Okay."),
    ],
)
def test_empathy_yes_for_feelings_and_acknowledgements_in_other_words(customer: str, agent: str) -> None:
    call = dialogue("A: Hi, Sam here from Dishdash.", f"C: {customer}", f"A: {agent}", "C: ok")
    evidence_at(check(call, "empathy", "yes"), call, 2)


@pytest.mark.parametrize(
    "feeling",
    [
        "someone reversed into me and i'm still a bit shaky to be honest",
        "I took the day off work for this",
        "my internet is down and i work from home so it's really really hard for me",
        "My dad's surgery got moved and I'm kind of scrambling",
        "the bill is very high so i am having lot of tension",
        "he's not answering and i just don't know what i'm supposed to do",
        "charged twice on the nineteenth and twentieth. I'm pure raging, to be honest.",
        "the internet is crawling again, same thing happened last month",
        "Oh, come on. I took Thursday off for this.",
        "Nobody told me about a surcharge, bit cheeky that.",
        "I'm a freelancer with deadlines this week, I really need this fixed fast.",
        "Last time the roaming bill was very expensive, so I want to check first.",
        "My husband died in March and the account is still in his name.",
    ],
)
def test_empathy_no_for_feelings_said_in_other_words_and_ignored(feeling: str) -> None:
    call = dialogue("A: Umhlanga Shield, Thabo.", f"C: {feeling}", "A: Policy number?", "C: 4471", "A: Done.")
    evidence_at(check(call, "empathy", "no"), call, 1)


def test_empathy_a_plain_statement_of_what_something_would_be_is_no_acknowledgement() -> None:
    nightmare = dialogue(
        "A: Table Mountain Removals, Ayesha.",
        "C: The new house isn't ready, again. It's been a nightmare. Can we move it?",
        "A: So you'd like to move it to the weekend after. That would be the twenty-eighth.",
    )
    check(nightmare, "empathy", "no")
    # reassurance about an apology is no acknowledgement of a feeling the customer never voiced
    sorry = dialogue(
        "A: Harbour Gym, Lee.", "C: Sorry, I dropped the phone.", "A: No need to apologise. Name?"
    )
    check(sorry, "empathy", "na")


def test_empathy_na_for_surprise_at_good_news() -> None:
    call = dialogue(
        "A: Delroy from Yaad Vibes Tickets. The concert has moved to December nineteenth.",
        "C: Wait, seriously? Oh my gosh, dat even better! Mi cousin dem can come now!",
        "A: Your tickets are valid for the new date.",
    )
    check(call, "empathy", "na")
    # ... but not surprise at bad news
    bad = dialogue(
        "A: Delroy from Yaad Vibes Tickets. The concert has moved to December nineteenth.",
        "C: Wait, seriously? I'm away then.",
        "A: Your tickets are valid for the new date.",
    )
    check(bad, "empathy", "no")


def test_empathy_an_acknowledgement_before_the_feeling_found_answers_an_earlier_one() -> None:
    # The first complaint ("again ... love that for me") names no feeling; the agent's answer to it counts
    # for the "third time" found later, unless it is a stock apology.
    def call(ack: str) -> TagInput:
        return dialogue(
            "A: Larder & Ladle, Becca here.",
            "C: no chicken in me box. again. love that for me",
            "A: " + ack + " I've added a credit for the chicken.",
            "C: can i skip next week too",
            "A: Done, next week is skipped.",
            "C: ok. just dont want it a third time",
            "A: I'll pass it on to the warehouse.",
            channel="chat",
        )

    sorry = call("Oh no, I'm really sorry about that.")
    evidence_at(check(sorry, "empathy", "yes"), sorry, 2, "sorry about")
    check(call("Sorry about the trouble."), "empathy", "no")


def test_empathy_no_when_but_takes_the_acknowledgement_back() -> None:
    call = dialogue(
        "A: Demerara Net, Rohan speaking.",
        "C: this is de third time i calling about it i fed up man",
        "A: yeah i get that but it's the process i can't escalate without it",
    )
    check(call, "empathy", "no")


def test_empathy_no_when_the_customer_is_dismayed_and_the_agent_moves_on() -> None:
    call = dialogue(
        "A: Cedar Rock Home Loans, Jordan speaking.",
        "C: Oh no. A shortage? 😟",
        "A: Yes. Your new payment is $1,912 from January.",
    )
    check(call, "empathy", "no")


# ---------------------------------------------------------------------------- resolution_steps


def test_resolution_steps_yes_action_taken_with_a_time_frame() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I was charged twice.",
        "A: I've processed a refund for the duplicate charge; you'll see it within 3 to 5 business days.",
    )
    r = check(call, "resolution_steps", "yes")
    evidence_at(r, call, 2, "processed")
    evidence_at(r, call, 2, "within 3 to 5 business days")


def test_resolution_steps_yes_steps_explained_in_asr() -> None:
    call = dialogue(
        "A: brightline mobile tom speaking",
        "C: my mobile data isnt working on my new phone",
        "A: okay so first go into settings then tap mobile data and turn it off and back on",
        "C: ok done",
        "A: and then restart the phone and it should pick up the network",
    )
    r = check(call, "resolution_steps", "yes")
    evidence_at(r, call, 2)


def test_resolution_steps_yes_escalation_with_a_callback_time() -> None:
    call = dialogue(
        "A: Skyline Broadband, Mia here.",
        "C: My line has been dropping every evening.",
        "A: I'll escalate this to our network team and they'll call you back within 48 hours.",
    )
    r = check(call, "resolution_steps", "yes")
    evidence_at(r, call, 2, "escalate")
    evidence_at(r, call, 2, "within 48 hours")


@pytest.mark.parametrize(
    "steps",
    [
        # where to go and what to do there
        "If you go to the Skyvale website and look for delayed baggage, you can put that in and see it.",
        # an instruction after a condition, with when the money arrives
        "If you bought them on our website, use the refund form with your booking number, and the money "
        "goes back to your card within 10 working days.",
    ],
)
def test_resolution_steps_yes_for_instructions_the_customer_can_follow(steps: str) -> None:
    call = dialogue("A: Box office, Hemi here.", "C: Can I get my money back for the show?", f"A: {steps}")
    check(call, "resolution_steps", "yes")


def test_resolution_steps_yes_for_a_wrong_number_the_agent_points_on() -> None:
    call = dialogue(
        "A: Good morning, Lagan Tyre and Exhaust, Gareth speaking.",
        "C: Is that outpatients? I'm ringing about moving my scan.",
        "A: Ah, no, sorry, this is a tyre place.",
        "C: Oh for goodness' sake.",
        "A: The hospital's number will be on your appointment letter.",
    )
    evidence_at(check(call, "resolution_steps", "yes"), call, 2, "this is a tyre place")
    # the same without the wrong number: nothing done, nothing explained
    right = dialogue(
        "A: Good morning, Lagan Tyre and Exhaust, Gareth speaking.",
        "C: I'm ringing about moving my tyre fitting.",
        "A: Ah, okay.",
        "C: Can you?",
        "A: Not really.",
    )
    check(right, "resolution_steps", "no")


@pytest.mark.parametrize(
    ("said", "evidence"),
    [
        ("So that's Bella booked in with Mr Okafor at ten past four today.", "that's Bella booked in with"),
        ("We can't book doctors here. Let me find the medical centre's number for you.", "Let me find the"),
    ],
)
def test_resolution_steps_yes_for_a_booking_said_back_or_the_right_number_found(
    said: str, evidence: str
) -> None:
    call = dialogue(
        "A: Tynebank Vets, Jo speaking.",
        "C: Can Bella be seen today?",
        f"A: {said}",
        "C: Lovely.",
    )
    evidence_at(check(call, "resolution_steps", "yes"), call, 2, evidence)


def test_resolution_steps_no_with_only_a_vague_promise() -> None:
    call = dialogue(
        "A: Cobalt Bank, Lee speaking.",
        "C: My transfer hasn't arrived.",
        "A: Hmm, I'm not sure. Someone will look into it.",
        "C: When?",
        "A: I couldn't say.",
    )
    r = check(call, "resolution_steps", "no")
    evidence_at(r, call, 2, "Someone will look into it")


def test_resolution_steps_no_when_nothing_is_done_or_explained() -> None:
    call = dialogue(
        "A: northwind energy priya speaking",
        "C: hi my bill looks really high",
        "A: yeah bills are higher in winter",
        "C: ok but it's double",
        "A: yeah that happens",
        "C: ok bye",
    )
    r = check(call, "resolution_steps", "no")
    assert r.evidence == []


# ------------------------------------------------------------------------------- hold_etiquette


def test_hold_etiquette_yes_asked_and_thanked() -> None:
    call = dialogue(
        "A: Thank you for calling Brightline Mobile, this is Dana.",
        "C: Hi, I was charged twice this month.",
        "A: Would it be okay if I put you on a brief hold while I check your account?",
        "C: Sure.",
        "A: Thank you for holding. I can see the two payments.",
        pauses={4: 45.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "Would it be okay")
    evidence_at(r, call, 4, "Thank you for holding")


def test_hold_etiquette_yes_asr_bear_with_me() -> None:
    call = dialogue(
        "A: skyline broadband mia speaking",
        "C: my router keeps flashing orange",
        "A: can you bear with me for a minute while i run a line test",
        "C: yep",
        "A: thanks for waiting the line test came back clear",
        pauses={4: 70.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "can you bear with me")
    evidence_at(r, call, 4, "thanks for waiting")


def test_hold_etiquette_yes_on_chat_after_a_long_pause() -> None:
    call = dialogue(
        "A: Hi, you're chatting with Sam at Cobalt Bank.",
        "C: Can you check if my transfer went through?",
        "A: Do you mind if I take a few minutes to check with our payments team?",
        "C: ok",
        "A: Thanks for your patience! The transfer was sent this morning.",
        channel="chat",
        pauses={4: 300.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "Do you mind")
    evidence_at(r, call, 4, "Thanks for your patience")


def test_hold_etiquette_no_when_the_agent_goes_silent_without_a_word() -> None:
    call = dialogue(
        "A: Brightline Mobile, Jordan speaking.",
        "C: My roaming isn't working in France.",
        "A: What's your number?",
        "C: 07700 900123.",
        "A: Okay, roaming is now switched on.",
        pauses={4: 50.0},
    )
    r = check(call, "hold_etiquette", "no")
    assert "without a word" in r.rationale
    evidence_at(r, call, 3)
    evidence_at(r, call, 4)


def test_hold_etiquette_no_when_announced_but_not_asked_and_not_thanked() -> None:
    call = dialogue(
        "A: northwind energy priya speaking",
        "C: i want to know why my direct debit went up",
        "A: let me check that",
        "C: ok",
        "A: right so it went up because of the new tariff",
        pauses={4: 40.0},
    )
    r = check(call, "hold_etiquette", "no")
    assert "not asked" in r.rationale and "no thanks" in r.rationale
    evidence_at(r, call, 2, "let me check")
    evidence_at(r, call, 4)


def test_hold_etiquette_no_when_asked_but_not_thanked() -> None:
    call = dialogue(
        "A: Harbor Insurance, Marco speaking.",
        "C: I'd like an update on my claim.",
        "A: May I put you on hold for a moment while I pull it up?",
        "C: Yes, fine.",
        "A: Right, the assessor has approved the claim.",
        pauses={4: 35.0},
    )
    r = check(call, "hold_etiquette", "no")
    assert "no thanks" in r.rationale
    evidence_at(r, call, 2, "May I put you on hold")
    evidence_at(r, call, 4)


def test_hold_etiquette_na_without_a_hold() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: What's the PUK code process?",
        "A: You can find it in the app under Settings.",
        "C: Thanks.",
    )
    r = check(call, "hold_etiquette", "na")
    assert r.evidence == []


def test_hold_etiquette_na_when_the_customer_asks_for_the_moment() -> None:
    call = dialogue(
        "A: Cobalt Bank, Lee speaking. Can I take your card number's last four digits?",
        "C: hold on let me grab my card",
        "A: Sure, take your time. Thanks, got it.",
        "C: It's 4821.",
        pauses={2: 30.0},
    )
    check(call, "hold_etiquette", "na")


def test_hold_etiquette_no_when_the_customer_has_to_check_the_line() -> None:
    # The silence ends with the customer, not the agent: it is still the agent's unannounced hold.
    call = dialogue(
        "A: heartnet broadband kieran speaking",
        "C: my internet's been down since last night",
        "A: okay so the light is orange let me just run a test",
        "C: hello are you there",
        "A: yeah still here the test shows a fault on the line",
        pauses={3: 40.0},
    )
    r = check(call, "hold_etiquette", "no")
    assert "not asked" in r.rationale
    evidence_at(r, call, 2, "let me just run a test")


def test_hold_etiquette_yes_for_a_polite_request_to_hold() -> None:
    call = dialogue(
        "A: Zappeats, Arjun speaking.",
        "C: My refund never came.",
        "A: I will check it. Please hold on the line, sir.",
        "A: Thank you for holding, sir. The refund was sent yesterday.",
        pauses={3: 47.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "Please hold")


def test_hold_etiquette_a_bare_bear_with_me_is_not_asking() -> None:
    lines = (
        "A: Cirrus Air, Imani speaking.",
        "C: My flight was cancelled.",
        "A: Bear with me.",
        "A: Thank you for your patience. There's a flight at twelve forty.",
    )
    assert "not asked" in check(dialogue(*lines, pauses={3: 37.0}), "hold_etiquette", "no").rationale
    asked = (*lines[:2], "A: Bear with me a sec, I'm pulling up the other flights.", lines[3])
    check(dialogue(*asked, pauses={3: 37.0}), "hold_etiquette", "yes")


def test_hold_etiquette_a_transfer_the_customer_agreed_to_needs_no_thanks() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I'd like to pay the repair fee.",
        "A: I'll transfer you to our billing team, they take card payments. Is that alright?",
        "C: Yeah, fine.",
        "A: Hi, billing team, Priya here. I can take that payment for you now.",
        pauses={4: 49.0},
    )
    check(call, "hold_etiquette", "yes")


def test_hold_etiquette_no_on_chat_when_asked_to_wait_but_not_thanked() -> None:
    call = dialogue(
        "A: Hi, you're chatting with Sam at Keystone Savings.",
        "C: What do you charge for an international wire?",
        "A: Let me check the current fee for you. Do you mind waiting a minute or two?",
        "C: sure",
        "A: Okay, so international wires are forty-five dollars each.",
        channel="chat",
        pauses={4: 95.0},
    )
    r = check(call, "hold_etiquette", "no")
    assert "no thanks" in r.rationale


def test_hold_etiquette_short_explained_pauses_beside_a_proper_hold() -> None:
    lines = (
        "A: Harbor Insurance, Aoife speaking.",
        "C: I'd like to add my son to the policy.",
        "A: Would you mind if I put you on hold while I get the quote?",
        "C: Not at all.",
        "A: Thanks very much for holding. It's one hundred and twelve euro. Shall I add him?",
        "C: Yes please.",
        "A: Done. I'm just updating the policy now.",
        "A: Okay, he's on the policy from today.",
    )
    # The 20 s of typing after a proper hold is not a hold of its own ...
    r = check(dialogue(*lines, pauses={4: 90.0, 7: 20.0}), "hold_etiquette", "yes")
    evidence_at(r, dialogue(*lines, pauses={4: 90.0, 7: 20.0}), 4, "Thanks very much for holding")
    # ... but a call whose only pause it is judges it as one: announced, not asked, not thanked.
    only = (*lines[:2], "A: Just a moment, I am doing it.", "A: Done, he's on the policy from today.")
    check(dialogue(*only, pauses={3: 22.0}), "hold_etiquette", "no")


def test_hold_etiquette_thanks_for_being_on_hold() -> None:
    call = dialogue(
        "A: Kaveri Bank, Ramesh speaking.",
        "C: My card is blocked.",
        "A: May I place your call on hold for two minutes while I check the card status, sir?",
        "C: Okay.",
        "A: Thank you for being on hold, sir. The card was blocked after three wrong PINs.",
        pauses={4: 88.0},
    )
    check(call, "hold_etiquette", "yes")


def test_hold_etiquette_yes_for_holds_asked_and_thanked_in_other_words() -> None:
    holding = dialogue(
        "A: St. Aldric billing, Dana speaking.",
        "C: A lab charge is on my bill twice.",
        "A: Would you mind holding for a minute or two while I pull up the itemized charges?",
        "C: That's fine.",
        "A: Okay, the lab was billed twice, I've removed one.",
        pauses={4: 96.0},
    )
    r = check(holding, "hold_etiquette", "no")  # asked, but never thanked
    assert "no thanks" in r.rationale and "not asked" not in r.rationale
    back = dialogue(
        "A: Kestrel Property, Sam speaking.",
        "C: The boiler's stopped again.",
        "A: Bear with me a sec while I pull up the September job.",
        "A: Right, thanks for that. In September the pressure had dropped.",
        pauses={3: 31.0},
    )
    check(back, "hold_etiquette", "yes")
    chat = dialogue(
        "A: Hi, you're chatting with Dana.",
        "C: I was charged twice",
        "A: Give me a couple of minutes to go through your payments and I'll be right back.",
        "A: Thanks for waiting. Found it: two payments of $68.40.",
        channel="chat",
        pauses={3: 112.0},
    )
    check(chat, "hold_etiquette", "yes")


# -------------------------------------------------------------------------------------- courtesy


def test_courtesy_yes_on_a_polite_call() -> None:
    call = dialogue(
        "A: Thank you for calling Skyway Airlines, this is Alex.",
        "C: Hi, I'd like to change my seat.",
        "A: Of course, happy to help. Let me see what's available for you.",
        "C: Thanks.",
        "A: You're welcome! I've moved you to 14A.",
    )
    r = check(call, "courtesy", "yes")
    assert r.evidence == []


def test_courtesy_no_when_the_agent_blames_the_customer() -> None:
    call = dialogue(
        "A: Brightline Mobile, Jordan speaking.",
        "C: I got charged for going over my data.",
        "A: Well, that's not my problem. You should have checked your usage.",
    )
    r = check(call, "courtesy", "no")
    evidence_at(r, call, 2, "not my problem")


def test_courtesy_no_asr_dismissive_and_impatient() -> None:
    call = dialogue(
        "A: northwind energy priya",
        "C: i still dont understand why my bill doubled",
        "A: look as i already said its an estimated reading",
        "C: but it cant be that much",
        "A: calm down theres nothing i can do about it",
    )
    r = check(call, "courtesy", "no")
    evidence_at(r, call, 2, "as i already said")
    evidence_at(r, call, 4, "calm down")


def test_courtesy_no_for_blame_and_brush_offs_and_yes_for_one_alone() -> None:
    blame = dialogue(
        "A: quick fix hello",
        "C: you said thursday and nobody called me",
        "A: the supplier late lor not our problem",
    )
    evidence_at(check(blame, "courtesy", "no"), blame, 2, "not our problem")
    brushed = dialogue(
        "A: Thanks for contacting Flickbox support!",
        "C: I cancelled but you still charged me!!",
        "A: There's no cancellation, so you must not have finished the process. Anyway I can cancel it now.",
        "C: I want my money back",
        "A: Sorry, it's the policy.",
    )
    r = check(brushed, "courtesy", "no")
    evidence_at(r, brushed, 2, "you must not have")
    evidence_at(r, brushed, 4, "it's the policy")
    # One firm statement of the rules, politely made, is no discourtesy.
    firm = dialogue(
        "A: Marlowe Suites, Ana speaking.",
        "C: Can I get a refund on my saver booking?",
        "A: I'm sorry, that rate is non-refundable, it's in the terms, but I can move your dates for free.",
    )
    check(firm, "courtesy", "yes")


def test_courtesy_no_for_curt_replies_and_passing_the_blame() -> None:
    curt = dialogue(
        "A: Hi. Ledgerwise Tax chat. What do you need?",
        "C: Will my fee change this year?",
        "A: Fee is £245.",
        "C: Ok thanks",
        "A: np",
        channel="chat",
    )
    r = check(curt, "courtesy", "no")
    evidence_at(r, curt, 0, "What do you need?")
    evidence_at(r, curt, 4, "np")
    deflected = dialogue(
        "A: Harbourside Pet Cover, Dave speaking.",
        "C: So should I ring the vet and chase them up?",
        "A: Up to you. It's the vet holding it up, not us.",
    )
    evidence_at(check(deflected, "courtesy", "no"), deflected, 2, "not us")
    # asking what the customer needs, or leaving a choice to them in a sentence, is polite
    fine = dialogue(
        "A: Harbourside Pet Cover, Dave speaking. What do you need help with today?",
        "C: Should I ring the vet myself?",
        "A: That's up to you, but I'm happy to ring them for you if you'd like.",
    )
    check(fine, "courtesy", "yes")


def test_courtesy_no_when_the_agent_talks_over_the_customer() -> None:
    call = dialogue(
        "A: Harbor Insurance, Marco speaking.",
        "C: Hi, so the reason I'm calling is that my claim was--",
        "A: Yeah, claims are on a different line.",
        "C: But I was told to--",
        "A: You'll have to call the claims number.",
    )
    # The agent starts while the customer is still talking (overlapping turns).
    for i in (2, 4):
        t = call.turns[i]
        shift = call.turns[i - 1].end - t.start + 1.0
        call.turns[i] = type(t)(t.speaker, t.start + shift - 2.0, t.end + shift - 2.0, t.text)
    r = check(call, "courtesy", "no")
    assert "talked over" in r.rationale
    evidence_at(r, call, 2)


def test_courtesy_yes_for_cutting_in_politely_and_counting_usage() -> None:
    call = dialogue(
        "A: Oakhollow Home, Imani speaking.",
        "C: And if you need to refund me, my card's a Visa, four one one one, one one one one--",
        "A: Sorry to jump in, Dale, but you don't need to give me your card number at all.",
        "C: Oh. Right.",
        "A: Could you also note how many times the leg has come loose this month?",
    )
    t = call.turns[2]  # the agent starts while the customer is still talking
    call.turns[2] = type(t)(t.speaker, call.turns[1].end - 1.0, t.end, t.text)
    assert call.turns[2].start < call.turns[1].end
    check(call, "courtesy", "yes")


@pytest.mark.parametrize(
    "cut_in",
    [
        "Oh, hang on, Dale, don't read me the card! We take it through the secure line.",
        "Dale? Are you still there? I was going to say --",
        "Please don't tell me the code, Dale, not me and not anyone.",
    ],
)
def test_courtesy_yes_for_cutting_in_to_stop_a_card_or_when_the_line_breaks_up(cut_in: str) -> None:
    call = dialogue(
        "A: Oakhollow Home, Imani speaking.",
        "C: Here, my card is four one one one, one one --",
        f"A: {cut_in}",
        "C: Oh. Right.",
    )
    t = call.turns[2]  # the agent starts while the customer is still talking
    call.turns[2] = type(t)(t.speaker, call.turns[1].end - 1.0, t.end, t.text)
    check(call, "courtesy", "yes")


@pytest.mark.parametrize(
    ("reply", "evidence"),
    [
        ("No need for capitals, I'm reading it. What's the email?", "No need for capitals"),
        ("I'm not saying anything, I'm telling you how it works.", "telling you how it works"),
        ("yeah i get that but it's the process", "it's the process"),
        ("There's no need to shout at me.", "no need to shout"),
        ("we don't check every label, that's why it's on the customer to separate it", "on the customer to"),
    ],
)
def test_courtesy_no_for_scolding_and_pushing_back(reply: str, evidence: str) -> None:
    call = dialogue(
        "A: Reelbox support, Sam here.",
        "C: I CANCELLED AND YOU STILL CHARGED ME",
        f"A: {reply}",
        "C: i did the restart twice already",
        "A: i mean we have to rule stuff out",
    )
    evidence_at(check(call, "courtesy", "no"), call, 2, evidence)


# ---------------------------------------------------------------------- no_sensitive_data_spoken


def test_no_sensitive_data_yes_when_only_the_last_digits_are_read() -> None:
    call = dialogue(
        "A: Cobalt Bank, Lee speaking.",
        "C: My card number is 4111 1111 1111 1111.",
        "A: Thanks. I can see the card ending in 1111 was blocked yesterday.",
    )
    r = check(call, "no_sensitive_data_spoken", "yes")
    assert r.evidence == []


def test_no_sensitive_data_no_for_a_full_card_number() -> None:
    call = dialogue(
        "A: Cobalt Bank, Lee speaking.",
        "C: I want to check the card you sent me.",
        "A: Sure, the new card number is 4532 7788 1290 4417, expiring in May.",
    )
    r = check(call, "no_sensitive_data_spoken", "no")
    evidence_at(r, call, 2, "4532 7788 1290 4417")
    e = r.evidence[0]
    assert e.text == "4532 7788 1290 4417"


def test_no_sensitive_data_no_for_a_card_number_said_in_words() -> None:
    call = dialogue(
        "a: brightline mobile tom speaking",
        "c: hi i want to update my payment card",
        "a: ok so i have the card as four five three two seven seven eight eight one two nine zero four four"
        " one seven",
    )
    r = check(call, "no_sensitive_data_spoken", "no")
    evidence_at(r, call, 2)


def test_no_sensitive_data_no_for_a_password_read_out() -> None:
    call = dialogue(
        "A: Skyline Broadband, Mia here.",
        "C: I'm locked out of my online account.",
        "A: No problem, I've reset it. Your new temporary password is Blue42Sky, please change it.",
    )
    r = check(call, "no_sensitive_data_spoken", "no")
    evidence_at(r, call, 2, "Blue42Sky")


def test_no_sensitive_data_no_for_a_security_answer_read_out() -> None:
    call = dialogue(
        "A: harbor insurance marco speaking",
        "C: i forgot my security answer",
        "A: oh thats ok the security answer we have is fluffy so you can use that",
    )
    r = check(call, "no_sensitive_data_spoken", "no")
    evidence_at(r, call, 2, "fluffy")


def test_no_sensitive_data_no_when_the_agent_repeats_a_secret_the_customer_gave() -> None:
    typed = dialogue(
        "C: I can't log in, but I'm sure my password is Riverbank!2025",
        "A: I've had a look: Riverbank!2025 was your password, but it expired yesterday.",
    )
    evidence_at(check(typed, "no_sensitive_data_spoken", "no"), typed, 1, "Riverbank!2025 was")
    asked = dialogue(
        "A: quick fix hello",
        "A: the technician need your pass code to test the screen",
        "C: ok it's one nine zero three two two",
        "A: one nine zero three two two ok i write down on the job",
    )
    evidence_at(check(asked, "no_sensitive_data_spoken", "no"), asked, 3, "one nine zero")
    answer = dialogue(
        "A: For a reset I need the answer to your security question.",
        "C: Security answer is Bramble.",
        "A: Thanks, security answer Bramble, that matches.",
    )
    check(answer, "no_sensitive_data_spoken", "no")
    # the answer given as a sentence ("It is Kanchipuram."), repeated as the check
    sentence = dialogue(
        "A: May I have the answer to your security question, please?",
        "C: It is Kanchipuram.",
        "A: Kanchipuram, yes, that is correct.",
    )
    evidence_at(check(sentence, "no_sensitive_data_spoken", "no"), sentence, 2, "Kanchipuram, yes")
    # ... or with a pause in it ("It's, um, bluebell forty-two.")
    paused = dialogue(
        "A: Before I can cancel anything, I need your verbal passcode.",
        "C: It's, um, bluebell forty-two.",
        "A: Bluebell forty-two, that's correct, thank you.",
    )
    evidence_at(check(paused, "no_sensitive_data_spoken", "no"), paused, 2, "Bluebell forty-two")
    # the answer to a security question, before whatever else the customer adds
    pet = dialogue(
        "A: I need to ask your security question: what was the name of your first pet?",
        "C: Biscuit. also my password was Sunset!2019 if that helps",
        "A: Thanks, the security answer Biscuit matches what we have.",
    )
    check(pet, "no_sensitive_data_spoken", "no")
    # a two-word security answer said back ...
    maiden = dialogue(
        "A: just for security can you tell me the answer to your security question, "
        "your mother's maiden name",
        "C: o driscoll",
        "A: o driscoll perfect that's correct thanks mary",
    )
    evidence_at(check(maiden, "no_sensitive_data_spoken", "no"), maiden, 2, "o driscoll perfect")
    # ... but not a unit number asked for with an ID number
    unit = dialogue(
        "A: Can you confirm your unit number and the last three characters of your ID number?",
        "C: It's B fourteen. Last three are four seven K.",
        "A: Thank you. The payment went to B forty-one instead of B fourteen.",
    )
    check(unit, "no_sensitive_data_spoken", "yes")
    # the numbers of a bank account, asked for and read back in full
    bank = dialogue(
        "A: Routing and account number.",
        "C: Routing is zero one one, zero zero zero, one three eight. Account is five five five, one two.",
        "A: Routing zero one one zero zero zero one three eight, account five five five one two. Updated.",
    )
    check(bank, "no_sensitive_data_spoken", "no")


def test_no_sensitive_data_yes_when_a_secret_is_checked_without_repeating_it() -> None:
    kept = dialogue(
        "A: What's your mother's maiden name?",
        "C: Flanagan.",
        "A: That's perfect, thank you. My password is never needed, so don't share it.",
        "C: My password is Riverbank!2025, by the way.",
        "A: Please don't share that. I've sent you a reset link.",
    )
    check(kept, "no_sensitive_data_spoken", "yes")
    # A one-time code is spent once read, so reading it back is no disclosure.
    code = dialogue(
        "A: I've texted you a one-time code, read it to me.", "C: 590 338", "A: 590 338, verified."
    )
    check(code, "no_sensitive_data_spoken", "yes")
    passcode = dialogue(
        "A: I'm sending a one-time passcode by text now. Can you read it back to me?",
        "C: Three one eight, five five two.",
        "A: Three one eight five five two, that's matched, thanks.",
    )
    check(passcode, "no_sensitive_data_spoken", "yes")
    # a bank account only mentioned: the confirmation number read back is no secret
    mentioned = dialogue(
        "A: There's no fee when it's from a bank account. Your confirmation number is K-H 510338.",
        "C: K-H five one zero three three eight. Lovely.",
        "A: So, confirmation K-H five one zero three three eight.",
    )
    check(mentioned, "no_sensitive_data_spoken", "yes")


# ----------------------------------------------------------------------------- closing section


def test_confirm_resolution_yes_with_a_recap() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I was charged twice.",
        "A: I've refunded the duplicate charge.",
        "C: Thanks.",
        "A: So to recap, the duplicate charge is refunded and you'll see it in 3 to 5 days. Anything else?",
        "C: No, that's all.",
    )
    r = check(call, "confirm_resolution", "yes")
    evidence_at(r, call, 4)


def test_confirm_resolution_yes_asking_whether_it_works_now_in_asr() -> None:
    call = dialogue(
        "A: skyline broadband mia speaking",
        "C: my wifi keeps dropping",
        "A: ok ive pushed a reset to your router from our end",
        "C: ok its rebooting",
        "A: is it working now",
        "C: yeah its back",
    )
    r = check(call, "confirm_resolution", "yes")
    evidence_at(r, call, 4, "is it working now")


def test_confirm_resolution_no_when_the_call_just_ends() -> None:
    call = dialogue(
        "A: Cobalt Bank, Lee speaking.",
        "C: Can you unblock my card?",
        "A: Sure, what's your date of birth?",
        "C: 1 May 1990.",
        "A: Okay.",
        "C: So is it unblocked?",
        "A: Bye.",
    )
    r = check(call, "confirm_resolution", "no")
    assert r.evidence == []


def test_confirm_resolution_no_in_asr_when_the_agent_hands_off() -> None:
    call = dialogue(
        "A: northwind energy priya speaking",
        "C: i want to switch to the fixed tariff",
        "A: right i'll pass that on",
        "C: ok",
        "A: ok then bye",
    )
    check(call, "confirm_resolution", "no")


def test_confirm_resolution_yes_for_a_recap_listed_after_a_colon() -> None:
    call = dialogue(
        "A: Harbourside Vets, Mere.",
        "C: How did Biscuit's bloods come back?",
        "A: So: liver and sugar normal, kidneys a touch high, recheck Thursday at nine. Anything else?",
        "C: No, thanks.",
    )
    evidence_at(check(call, "confirm_resolution", "yes"), call, 2, "So: liver")


def test_confirm_resolution_yes_when_the_agent_says_what_is_now_done() -> None:
    call = dialogue(
        "A: Pinecrest Insurance, Renata speaking.",
        "C: I need to add my son to the car policy.",
        "A: What's his date of birth and licence number?",
        "C: March 3 2009, L228449017.",
        "A: Okay, he's added as of today on the Civic.",
        "C: Great.",
        "A: Thanks for calling, bye.",
    )
    r = check(call, "confirm_resolution", "yes")
    evidence_at(r, call, 4, "he's added")


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("I've done the refund there for the payment on the sixteenth.", "yes"),
        ("yep i've refunded the forty five it goes back on the card", "yes"),
        ("Done, $30.50 in credit is on your account now.", "yes"),
        ("Does that cover everything you wanted to know?", "yes"),
        ("okay so quick rundown, refund of the second charge, back in five days", "yes"),
        ("Alright, here's where we're at: the second charge is refunded.", "yes"),
        ("Here's where everything stands: one charge refunded. Does that all look right?", "yes"),
        ("So remember: the refund shows in five days, nothing to do your end.", "yes"),
        ("so to go over it, refund of the second charge back in five days, does that all make sense", "yes"),
        ("Perfect, so you have everything you need.", "yes"),
        ("The reference is R four four one. Have you got that written down okay?", "yes"),
        ("so just to run through it the fault is on the feeder and the crew is out on it", "yes"),
        ("I've moved it to Tuesday. Does that get you where you need to be?", "yes"),
        # after a comma "so" gives a reason, not a summary
        ("The cut-off is Tuesday, so you're well in time to ask.", "no"),
        ("done", "no"),  # a bare "done" says nothing of what was done
        ("I've no idea when the refund goes through.", "no"),
    ],
)
def test_confirm_resolution_what_the_agent_has_done_or_a_check(said: str, answer: str) -> None:
    call = dialogue(
        "A: Munchroute support, Ali here.",
        "C: I was charged twice for my order.",
        "A: Let me look at that.",
        f"A: {said}",
        "C: Okay.",
        "A: Thanks for getting in touch.",
    )
    check(call, "confirm_resolution", answer)


def test_confirm_resolution_no_for_a_state_that_is_only_promised_or_asked() -> None:
    call = dialogue(
        "A: Pinecrest Insurance, Renata speaking.",
        "C: I need to add my son to the car policy.",
        "A: Send us his licence and once he's added we post a letter.",
        "C: Okay. Is it set up now?",
        "A: Is it set up? Not yet. Bye.",
    )
    check(call, "confirm_resolution", "no")


def test_confirm_resolution_yes_for_a_recap_that_lists_the_outcomes() -> None:
    call = dialogue(
        "A: Brightline Mobile, Tomas speaking.",
        "C: My phone was stolen tonight.",
        "A: I've blocked the IMEI and emailed you a new eSIM code.",
        "C: Thank you.",
        "A: Okay. Then that's everything on our side. So: IMEI blocked, eSIM code on the way to your "
        "email, number active once you scan it. Anything else?",
        "C: No, thanks.",
    )
    r = check(call, "confirm_resolution", "yes")
    evidence_at(r, call, 4, "So: IMEI blocked")


def test_confirm_resolution_yes_when_the_customer_says_it_works_now() -> None:
    call = dialogue(
        "A: brightline mobile ana speaking",
        "C: i'm in spain and i have no data",
        "A: settings mobile data options turn on data roaming",
        "C: okay it's on i'm restarting it",
        "C: okay i have four g now oh thank god",
        "A: okay",
        "A: bye",
    )
    r = check(call, "confirm_resolution", "yes")
    evidence_at(r, call, 4)
    # ... not when they take it back in the same breath
    still = dialogue(
        "A: brightline mobile ana speaking",
        "C: i'm in spain and i have no data",
        "A: settings mobile data options turn on data roaming",
        "C: okay it's back up and um no it still says no internet",
        "A: bye",
    )
    check(still, "confirm_resolution", "no")


def test_confirm_resolution_no_when_the_customer_only_asks_about_a_fix() -> None:
    call = dialogue(
        "A: Ledgerly support.",
        "C: Every request fails with a 429.",
        "A: there's an incident open, no ETA yet",
        "C: Is there a workaround?",
        "A: then you'll have to wait for the fix",
        "C: Right. Can someone let us know when it's resolved?",
        "A: keep an eye on the status page",
        "C: Fine. Thanks.",
        "A: np",
    )
    check(call, "confirm_resolution", "no")


def test_confirm_resolution_yes_when_the_agent_agrees_to_the_customers_recap() -> None:
    lines = (
        "A: Hi, you're chatting with Ana at Harborview Hotels.",
        "C: Can I bring my two dogs, and is late checkout possible?",
        "A: Two dogs are fine, it's $75 for the stay. Late checkout until 1pm is $30.",
        "C: Got it. So, 2 dogs fine, $75 for the stay, 1pm checkout for $30 if available?",
    )
    call = dialogue(
        *lines, "A: Yep!", "C: Perfect, thanks", "A: Anything else I can help with?", channel="chat"
    )
    r = check(call, "confirm_resolution", "yes")
    evidence_at(r, call, 4)
    # A recap the agent does not confirm is not one.
    check(dialogue(*lines, "A: Anything else I can help with?", channel="chat"), "confirm_resolution", "no")


def test_offer_further_help_yes() -> None:
    call = dialogue(
        "A: Thank you for calling Harbor Insurance, this is Marco.",
        "C: I've added my car, thanks.",
        "A: Great. Is there anything else I can help you with today?",
        "C: No, that's it.",
        "A: Thanks for calling, take care.",
    )
    r = check(call, "offer_further_help", "yes")
    evidence_at(r, call, 2, "anything else")


def test_offer_further_help_yes_asr() -> None:
    call = dialogue(
        "A: skyway airlines alex speaking",
        "C: i wanted a window seat",
        "A: done youre in fourteen a",
        "C: brilliant",
        "A: was there anything else i can do for you today",
        "C: nope thats it",
    )
    r = check(call, "offer_further_help", "yes")
    evidence_at(r, call, 4, "anything else")


def test_offer_further_help_no_when_the_agent_wraps_up() -> None:
    call = dialogue(
        "A: Thank you for calling Harbor Insurance, this is Marco.",
        "C: I'd like to add my car.",
        "A: I've added it to the policy.",
        "C: Thanks.",
        "A: Thanks for calling, goodbye.",
    )
    r = check(call, "offer_further_help", "no")
    assert r.evidence == []


def test_offer_further_help_no_on_chat_ending_abruptly() -> None:
    call = dialogue(
        "A: Hi, Alex from Skyway Airlines here.",
        "C: can I bring a guitar on board",
        "A: Yes, as long as it fits in the overhead bin.",
        "C: ok thx",
        "A: Closing this chat now.",
        channel="chat",
    )
    check(call, "offer_further_help", "no")


def test_closing_yes_thanks_and_goodbye() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: That's all, thanks.",
        "A: Thank you for calling Brightline, have a great day!",
    )
    r = check(call, "closing", "yes")
    evidence_at(r, call, 2, "Thank you for calling")
    evidence_at(r, call, 2, "have a great day")


def test_closing_yes_asr() -> None:
    call = dialogue(
        "A: northwind energy priya speaking",
        "C: ok thats sorted then",
        "A: lovely thanks for your call today bye now",
        "C: bye",
    )
    r = check(call, "closing", "yes")
    evidence_at(r, call, 2, "thanks")


def test_closing_no_goodbye_without_thanks() -> None:
    call = dialogue(
        "A: Cobalt Bank, Lee speaking.",
        "C: Okay that's everything.",
        "A: Okay, bye.",
    )
    r = check(call, "closing", "no")
    assert "goodbye but no thanks" in r.rationale
    evidence_at(r, call, 2)


def test_closing_no_when_the_only_thanks_is_for_holding() -> None:
    call = dialogue(
        "A: Skyline Broadband, Mia here.",
        "C: Is my engineer still coming?",
        "A: Let me check, one moment.",
        "C: Sure.",
        "A: Thanks for holding, yes, Thursday morning. Right, I'll end the call there.",
    )
    r = check(call, "closing", "no")
    evidence_at(r, call, 4)


@pytest.mark.parametrize(
    "last",
    [
        "Thanks for your patience, Leanne, and I hope your son has a great birthday on Saturday.",
        "Thank you for bearing with us, Mr Morrison, and I hope all goes well on Monday. Safe crossing.",
        "Thanks for your patience, Geneviève. Bonne soirée!",
        # the wish may come first
        "You're welcome. Take care, and thanks for your patience this morning.",
    ],
)
def test_closing_yes_for_thanks_with_a_parting_wish(last: str) -> None:
    call = dialogue("A: Northlink Parcels, Dot here.", "C: no thats all", f"A: {last}", channel="chat")
    evidence_at(check(call, "closing", "yes"), call, 2, "for")


def test_closing_no_when_the_call_is_lost_on_hold() -> None:
    # the agent's last words thank the customer mid-call; then the customer is left on hold
    call = dialogue(
        "A: wildflower bay guest services brodie speaking",
        "C: it's about the closure yesterday",
        "A: lovely thanks shelley i just need to check with my team leader can i pop you on hold for a sec",
        "C: yeah righto",
        "C: hello are you still there brodie",
    )
    assert "left waiting" in check(call, "closing", "no").rationale


# ------------------------------------------------------------------------- accurate_information

PLAN = KnowledgeFact(
    "plan-unlimited",
    "Unlimited Plus plan",
    "product",
    "The Unlimited Plus plan costs $45 per month and includes unlimited calls, texts and 100 GB of data.",
    1.0,
)
PROMO = KnowledgeFact(
    "promo-summer",
    "Summer switch promotion",
    "promotion",
    "Summer switch promotion: new customers who switch get 50% off their first three months.",
    1.0,
    valid_from=date(2026, 6, 1),
    valid_to=date(2026, 8, 31),
)
REFUND = KnowledgeFact(
    "proc-refund",
    "Refunds for duplicate charges",
    "procedure",
    "A refund for a duplicate charge reaches the customer's account within 5 business days.",
    1.0,
)


def facts_scorer(encoder: object | None = None) -> QAScorer:
    if encoder is None:
        # Word-hashing similarities run lower than the sentence encoder's the defaults are set for.
        opts = QAOptions(facts=facts.FactOptions(contradict_relevance=0.6, clash_relevance=0.6))
        return QAScorer(opts, knowledge=DocumentFacts([PLAN, PROMO, REFUND], HashingEncoder()))  # type: ignore[arg-type]
    return QAScorer(knowledge=DocumentFacts([PLAN, PROMO, REFUND], encoder))  # type: ignore[arg-type]


def document_scorer(fact: KnowledgeFact) -> QAScorer:
    """A scorer over one document whose lines, not its overall relevance, decide: word hashing scores a
    whole document too low for an amount clash."""
    opts = QAOptions(facts=facts.FactOptions(min_relevance=0.1, clash_relevance=1.0))
    return QAScorer(opts, knowledge=DocumentFacts([fact], HashingEncoder()))  # type: ignore[arg-type]


def plan_call(agent_line: str, *, day: date = date(2026, 3, 2)) -> TagInput:
    return dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: How much is the Unlimited Plus plan per month?",
        "A: " + agent_line,
        "C: Okay, thanks.",
        day=day,
    )


def test_accurate_information_yes_for_the_right_price() -> None:
    call = plan_call("The Unlimited Plus plan is $45 a month with 100 GB of data.")
    r = check(call, "accurate_information", "yes", facts_scorer())
    evidence_at(r, call, 2, "$45")


def test_accurate_information_a_decimal_point_does_not_end_the_sentence() -> None:
    # "45.00 USD a month" split into "... 45." and "00 USD a month ..." would call the price $0
    call = plan_call("The Unlimited Plus plan is 45.00 USD a month with unlimited calls and 100 GB of data.")
    r = check(call, "accurate_information", "yes", facts_scorer())
    assert any(e.turn == 2 and e.text.startswith("The Unlimited Plus plan is 45.00 USD") for e in r.evidence)


def test_accurate_information_no_for_a_wrong_price() -> None:
    call = plan_call("The Unlimited Plus plan is $35 a month.")
    r = check(call, "accurate_information", "no", facts_scorer())
    evidence_at(r, call, 2, "$35")
    assert "$35" in r.rationale and "$45" in r.rationale


def test_accurate_information_no_for_a_wrong_price_in_asr_words() -> None:
    call = dialogue(
        "A: brightline mobile tom speaking",
        "C: how much is the unlimited plus plan",
        "A: so unlimited plus is 55 dollars a month",
        "C: ok",
    )
    r = check(call, "accurate_information", "no", facts_scorer())
    evidence_at(r, call, 2, "55 dollars")


def test_accurate_information_no_for_an_expired_promotion_presented_as_current() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I'm thinking of switching to you from another network.",
        "A: Great timing, with our summer switch promotion you get 50% off your first three months.",
        "C: Oh nice.",
        day=date(2026, 10, 5),
    )
    r = check(call, "accurate_information", "no", facts_scorer())
    evidence_at(r, call, 2, "summer switch promotion")
    assert "2026-10-05" in r.rationale


def test_accurate_information_yes_for_the_promotion_inside_its_window() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I'm thinking of switching to you from another network.",
        "A: Great timing, with our summer switch promotion you get 50% off your first three months.",
        "C: Oh nice.",
        day=date(2026, 7, 5),
    )
    r = check(call, "accurate_information", "yes", facts_scorer())
    evidence_at(r, call, 2, "50%")


def test_accurate_information_a_promotion_named_before_its_window_is_wrong() -> None:
    # Another promotion, current on the call date, repeats the named one's terms: the agent still
    # offered the one they named, before it starts.
    holiday = KnowledgeFact(
        "promo-holiday",
        "Holiday Unlimited - Unlimited Plus for 45 USD/month",
        "promotion",
        "Holiday Unlimited: Unlimited Plus for 45 USD/month for 12 months.",
        1.0,
        valid_from=date(2026, 11, 20),
        valid_to=date(2026, 12, 31),
    )
    loyalty = KnowledgeFact(
        "promo-loyalty",
        "Loyalty Reward - offers for customers who want to leave",
        "promotion",
        "Loyalty Reward: from 20 November the offer is Holiday Unlimited, Unlimited Plus for 45 USD/month.",
        1.0,
        valid_from=date(2026, 1, 1),
        valid_to=date(2027, 6, 30),
    )
    opts = QAOptions(
        facts=facts.FactOptions(min_relevance=0.3, contradict_relevance=0.3, clash_relevance=0.3)
    )
    scorer = QAScorer(opts, knowledge=DocumentFacts([holiday, loyalty], HashingEncoder()))  # type: ignore[arg-type]
    line = "so we've got the holiday unlimited deal going right now, unlimited plus for forty five a month"
    early = dialogue(
        "A: Brightline Mobile, Dana speaking.", "C: any deals?", f"A: {line}", day=date(2026, 11, 9)
    )
    r = check(early, "accurate_information", "no", scorer)
    assert "Holiday Unlimited" in r.rationale and "2026-11-09" in r.rationale
    inside = dialogue(
        "A: Brightline Mobile, Dana speaking.", "C: any deals?", f"A: {line}", day=date(2026, 11, 25)
    )
    check(inside, "accurate_information", "yes", scorer)
    # as speech recognition writes the name, with no word for an offer in the sentence
    asr = "what i can do is the holiday and limited thats unlimited plus for forty five a month"
    heard = dialogue("A: Brightline Mobile.", "C: any deals?", f"A: {asr}", day=date(2026, 11, 9))
    check(heard, "accurate_information", "no", scorer)
    # announced for when it starts
    soon = "and from tomorrow we have holiday unlimited, unlimited plus for forty five a month"
    ahead = dialogue("A: Brightline Mobile.", "C: any deals?", f"A: {soon}", day=date(2026, 11, 19))
    check(ahead, "accurate_information", "yes", scorer)
    assert facts._names("the back to school deal", "Back to School 2026 - 150 USD off")
    assert not facts._names("unlimited plus", "Unlimited Plus plan")  # a product, not a promotion's name


def test_accurate_information_offers_stacked_against_their_terms() -> None:
    text = (
        "Holiday Unlimited: Unlimited Plus for 45 USD/month. Not combinable with the Loyalty Reward\ncredit."
    )
    holiday = KnowledgeFact("promo-holiday", "Holiday Unlimited - 45 USD/month", "promotion", text, 1.0)
    terms = "Loyalty credit: 10 USD a month. The loyalty credit cannot be combined with Holiday Unlimited."
    loyalty = KnowledgeFact("promo-loyalty", "Loyalty Reward - retention offer", "promotion", terms, 1.0)

    def offered(line: str, kb: list[KnowledgeFact]) -> TagInput:
        return dialogue(
            "A: Brightline Mobile, Dana speaking.",
            "C: I'm thinking of leaving.",
            "A: We have Holiday Unlimited at forty-five a month, and you qualify for our loyalty credit.",
            f"A: {line}",
        )

    for kb in ([holiday], [loyalty]):
        scorer = QAScorer(knowledge=DocumentFacts(kb, HashingEncoder()))  # type: ignore[arg-type]
        call = offered("And I can stack the credit on top of the holiday price.", kb)
        r = check(call, "accurate_information", "no", scorer)
        evidence_at(r, call, 3, "stack")
        assert "cannot be combined" in r.rationale
        for fine in (
            "I can't stack them, so it's one or the other.",
            "On top of that, your hotspot stays the same.",
        ):
            assert score_item(offered(fine, kb), "accurate_information", scorer).answer != "no"


def test_accurate_information_a_named_promotion_is_checked_however_it_ranks() -> None:
    # Plan documents match the sentence better than the promotion it names, which comes fifth and
    # below the relevance an unnamed promotion needs: naming it is enough to check its window.
    plans = [
        KnowledgeFact(
            f"plan-{n}",
            f"Unlimited Plus plan {n}",
            "product",
            f"Unlimited Plus is great: a discount on a new phone, offer {n}.",
            1.0,
        )
        for n in range(4)
    ]
    school = KnowledgeFact(
        "promo-school",
        "Back to School 2026 - 150 USD off a new phone",
        "promotion",
        "Back to School: 150 USD off any new phone of 600 USD or more.",
        1.0,
        valid_from=date(2026, 8, 1),
        valid_to=date(2026, 9, 15),
    )
    opts = QAOptions(facts=facts.FactOptions(min_relevance=0.0, contradict_relevance=0.99))
    scorer = QAScorer(opts, knowledge=DocumentFacts([*plans, school], HashingEncoder()))
    line = "You're on Unlimited Plus, which is great, as we have the Back to School offer on a new phone."
    assert [f.doc_id for f in scorer.knowledge.lookup(line, 5)][-1] == "promo-school"  # type: ignore[union-attr]
    late = dialogue("A: Brightline Mobile, Dana speaking.", "C: I want a new phone.", f"A: {line}")
    r = check(late, "accurate_information", "no", scorer)
    assert "Back to School" in r.rationale


def test_accurate_information_no_when_the_agent_takes_a_statement_back() -> None:
    def call(*lines: str) -> TagInput:
        return dialogue("A: Highveld Home Loans, Candice speaking.", "C: I lost my job.", *lines)

    # the agent corrects a figure an agent gave earlier in the call
    later = call(
        "A: We can give you a payment holiday of up to six months.",
        "C: That would help.",
        "A: With a retrenchment it's up to three months, not six.",
    )
    evidence_at(check(later, "accurate_information", "no", facts_scorer()), later, 4, ", not six")
    # ... or takes it back
    mistake = call(
        "A: The refund is instant.",
        "C: Really?",
        "A: Sorry, my mistake. The bank posts it within 3 to 5 business days.",
    )
    evidence_at(check(mistake, "accurate_information", "no", facts_scorer()), mistake, 4, "my mistake")
    mixed = call(
        "A: Compensation needs a delay of two hours.",
        "C: Your website says from 60 minutes you get 50%.",
        "A: I apologise, you're right, I mixed it up. Delays of 60 to 119 minutes get 50%.",
    )
    check(mixed, "accurate_information", "no", facts_scorer())
    # ... or the customer catches it
    caught = call("A: The excess is 35,000 for all cars.", "C: First you said thirty five, now it's fifty?")
    check(caught, "accurate_information", "no", facts_scorer())
    # a figure that was never said before is no correction
    fresh = call("A: With a retrenchment it's up to three months, not six.", "C: Okay.")
    assert check(fresh, "accurate_information", "na", facts_scorer()).evidence == []
    # nor is the customer's own bill put right, a count of things, or an account pulled up
    bill = call(
        "C: I've a bill for three hundred and twelve pounds.",
        "A: So you've had a bill for three hundred and twelve pounds.",
        "A: With the real reading it's a hundred and forty-six pounds, not three hundred and twelve.",
    )
    check(bill, "accurate_information", "yes", facts_scorer())
    count = call("A: I see two payments.", "A: So it's a duplicate payment, not two charges on the bill.")
    assert score_item(count, "accurate_information", facts_scorer()).answer != "no"
    found = call("A: okay yeah i got it up, you're on the basic plan")
    assert score_item(found, "accurate_information", facts_scorer()).answer != "no"


def test_accurate_information_yes_when_the_agent_says_the_promotion_has_ended() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Can I still get the summer switch promotion?",
        "A: I'm afraid the summer switch promotion ended in August.",
        day=date(2026, 10, 5),
    )
    assert score_item(call, "accurate_information", facts_scorer()).answer != "no"


def test_accurate_information_na_without_factual_statements() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Can you tell me who I spoke to yesterday?",
        "A: I'm not able to see that, but I can help with your question.",
    )
    r = check(call, "accurate_information", "na", facts_scorer())
    assert "no factual information" in r.rationale
    # An agent who talks the customer through something at length has informed them, even with no
    # sentence the rules can check.
    walkthrough = dialogue(
        "A: Swiftpak, good afternoon.",
        "C: My parcel was meant to come today and nothing.",
        "A: okay so the driver has a lot of stops today so i cant really say when hes getting to you but it "
        "could still be today and if not the depot will phone you in the morning to arrange a new slot or a "
        "collection from the branch nearest to you whichever suits you better",
        "C: okay",
        "A: and if you'd rather not wait in you can also change the delivery to a neighbour or a safe place "
        "in the app under manage delivery",
    )
    check(walkthrough, "accurate_information", "yes", facts_scorer())


def test_accurate_information_spelled_amounts_and_the_calls_own_amounts() -> None:
    from qa_models.qa.facts import amounts

    # a bare price per month is money too; "four thirteen" reads as $4.13 or $413
    assert amounts("it's ninety-nine dollars, or four thirteen a month")["money"] == {99.0, 4.13, 413.0}
    assert amounts("a hundred and twelve dollars")["money"] == {112.0}
    assert amounts("between nine and twelve gigabytes")["data"] == {12.0}  # not 9.12 or 912
    assert amounts("one thousand eight hundred and twelve dollars")["money"] == {1812.0}
    # A price said in words is checked like one in digits ...
    wrong = plan_call("Unlimited Plus is thirty-five dollars a month.")
    check(wrong, "accurate_information", "no", facts_scorer())
    # ... but an amount the customer brought up is the call's own, not a claim about the plan.
    own = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I was charged $35 twice for Unlimited Plus.",
        "A: I've refunded the thirty-five dollars. Unlimited Plus is $45 a month.",
    )
    check(own, "accurate_information", "yes", facts_scorer())
    # What the agent did on this account, or found on it, is not a claim about the offer either.
    done = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: I'm on Unlimited Plus and my bill went up.",
        "A: I can see you pay thirty-five dollars a month for Plus. Okay, done, I've added a "
        "thirty-five dollar credit to your next bill.",
    )
    assert "nothing contradicts" in check(done, "accurate_information", "yes", facts_scorer()).rationale


def test_accurate_information_a_line_about_the_same_thing_gives_the_amount() -> None:
    claims = KnowledgeFact(
        "proc-claims",
        "Device protection claims",
        "procedure",
        "Device protection is 12 USD a month and covers accidental damage, loss and theft.",
        1.0,
        document_text="Device protection is 12 USD a month and covers accidental damage, loss and theft.\n"
        "| Claim | Deductible |\n|---|---|\n| Screen repair (front glass only) | 29 USD |\n"
        "| Replacement after loss or theft | 149 USD |",
    )
    scorer = document_scorer(claims)

    def quote(deductible: str) -> TagInput:
        return dialogue(
            "A: Brightline Mobile, Dana speaking.",
            "C: I cracked the front glass of my phone.",
            f"A: For a front-glass screen repair the deductible is {deductible} dollars.",
            "C: Forty-nine. Okay.",  # an echo after the quote does not make it the customer's own amount
        )

    # The document as a whole is not relevant enough for an amount clash, but its table row on the
    # same repair gives another deductible.
    r = check(quote("forty-nine"), "accurate_information", "no", scorer)
    assert "$29" in r.rationale
    check(quote("twenty-nine"), "accurate_information", "yes", scorer)
    # "the deductible is ... dollars" states an amount; only "the forty-nine dollars" refers back to one.
    assert facts._DEFINITE.findall("the deductible is forty-nine dollars") == []
    assert facts._DEFINITE.findall("I've refunded the forty-nine dollars") == ["forty-nine dollars"]


def test_accurate_information_a_list_item_the_statement_names_in_full_gives_the_amount() -> None:
    upgrades = KnowledgeFact(
        "proc-upgrades",
        "Upgrades and new device orders",
        "procedure",
        "Upgrades and new device orders.",
        1.0,
        document_text="## Payment options\n\n- Pay in full or over 24 months at 0% APR.\n"
        "- Upgrade fee: 35 USD when ordered through an agent or in a store, waived in the app.\n\n"
        "Plan Max is 75 USD/month: 50 GB of hotspot.",
    )
    scorer = document_scorer(upgrades)

    def quote(said: str) -> TagInput:
        return dialogue(
            "A: Brightline Mobile, Dana speaking.",
            "C: I'd like to upgrade my phone.",
            f"A: Sure. Now, {said}",
        )

    # The line shares only "upgrade" and "fee" with the statement, but those are all of its item's name.
    r = check(
        quote("there's a twenty-five dollar upgrade fee when it's done over the phone."),
        "accurate_information",
        "no",
        scorer,
    )
    assert "$35" in r.rationale
    check(
        quote("there's a thirty-five dollar upgrade fee when it's done over the phone."),
        "accurate_information",
        "yes",
        scorer,
    )
    # "Plan Max is 75 USD/month" before a colon is a sentence, not an item's name
    check(
        quote("on Plan Max the trade-in credit would be up to $400."), "accurate_information", "yes", scorer
    )


def test_accurate_information_the_list_item_a_statement_names_gives_its_amount() -> None:
    # A fee table, and the same figures as "Name: figure" sentences (as a PDF's text reads); the
    # monthly price is elsewhere in the document.
    table = (
        "DeviceCare is 12 USD a month.\n\n| Claim | Deductible |\n|---|---|\n"
        "| Screen repair (front glass only) | 29 USD |\n| Other accidental damage repair | 99 USD |\n"
        "| Replacement after loss or theft | 149 USD |"
    )
    prose = (
        "DeviceCare is 12 USD a month.\n5. Deductibles\nScreen repair (front glass only): 29 USD. Other "
        "accidental damage repair: 99 USD.\nReplacement after loss or theft, or when a device cannot be\n"
        "repaired: 149 USD."
    )

    def scorer(text: str) -> QAScorer:
        return document_scorer(
            KnowledgeFact("proc-claims", "Device protection", "procedure", text, 1.0, document_text=text)
        )

    def quote(line: str, *after: str) -> TagInput:
        return dialogue(
            "A: Brightline Mobile, Dana speaking.", "C: My phone needs a claim.", f"A: {line}", *after
        )

    for kb in (scorer(table), scorer(prose)):
        # the amount said is another item's (the wrong row), or no item's
        r = check(
            quote("For a cracked screen the deductible is ninety-nine dollars."),
            "accurate_information",
            "no",
            kb,
        )
        assert "$29" in r.rationale
        evidence_at(r, quote("For a cracked screen the deductible is ninety-nine dollars."), 2, "ninety-nine")
        theft = "The deductible for a replacement after loss or theft is ninety-nine dollars."
        assert "$149" in check(quote(theft), "accurate_information", "no", kb).rationale
        check(
            quote("For a cracked screen the deductible is fifty dollars."), "accurate_information", "no", kb
        )
        check(
            quote("For a cracked screen the deductible is twenty-nine dollars."),
            "accurate_information",
            "yes",
            kb,
        )
        # put right later in the call
        fixed = quote(
            theft,
            "C: Okay.",
            "A: Actually, for a replacement after theft it's a hundred and forty-nine dollars.",
        )
        check(fixed, "accurate_information", "yes", kb)
        # a figure from elsewhere in the document names no item of the list
        check(
            quote("It's twelve dollars a month and covers cracked screens, loss and theft."),
            "accurate_information",
            "yes",
            kb,
        )
    # the PDF's title line names the list; its last item wraps onto a second line
    heading, items = facts._blocks(prose)[0]
    assert heading == "Deductibles"
    assert [label for label, _ in items][1:] == [
        "Other accidental damage repair",
        "Replacement after loss or theft, or when a device cannot be repaired",
    ]


def test_accurate_information_no_when_the_customer_catches_a_contradiction() -> None:
    call = dialogue(
        "A: Marlowe Suites, Priya speaking.",
        "C: I need to cancel this weekend's stay. Can you tell me if I get a refund?",
        "A: Yes, bookings can be cancelled free of charge up to a day before arrival.",
        "C: Great, please cancel it.",
        "A: Actually this booking is on a rate that can't be refunded.",
        "C: What?? You literally just told me it was free to cancel.",
    )
    r = check(call, "accurate_information", "no", facts_scorer())
    evidence_at(r, call, 5, "You literally just told me")
    assert any(e.turn == 4 for e in r.evidence)
    # asking the agent to tell something, or recalling what they said, is no challenge
    fine = dialogue(
        "A: Marlowe Suites, Priya speaking.",
        "C: Can you tell me if I get a refund when I cancel?",
        "A: Yes, bookings can be cancelled free of charge up to a day before arrival.",
        "C: So you said a day before, okay, please cancel it then.",
    )
    check(fine, "accurate_information", "yes", facts_scorer())
    # the customer pointing back at a figure the agent gave a moment before
    caught = dialogue(
        "A: Harbourline Home Loans, Andrea speaking.",
        "C: I can't make the December payment.",
        "A: There's a fifteen-day grace period before a late charge.",
        "C: Okay.",
        "A: And after ten days the late charge goes on.",
        "C: Ten days? You said fifteen just now.",
    )
    evidence_at(check(caught, "accurate_information", "no", facts_scorer()), caught, 5, "You said fifteen")


def test_accurate_information_yes_for_information_without_amounts() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Does the eSIM work on the Flip phone?",
        "A: The Flip takes a physical SIM only, so you'll need a SIM card from a store.",
    )
    r = check(call, "accurate_information", "yes", facts_scorer())
    assert r.evidence and r.evidence[0].turn == 2


def test_accurate_information_na_without_a_knowledge_checker() -> None:
    call = plan_call("The Unlimited Plus plan is $35 a month.")
    r = check(call, "accurate_information", "na", QAScorer())
    assert "no knowledge base" in r.rationale
    assert r.features["knowledge"] == 0.0


@pytest.mark.slow
def test_accurate_information_on_the_real_embedder(model_cache: Path) -> None:
    from knowledge import EmbedderOptions, get_embedder

    scorer = facts_scorer(get_embedder(EmbedderOptions(cache_dir=model_cache)))
    right = plan_call("Unlimited Plus is forty-five... sorry, $45 a month, with 100 GB.")
    wrong = plan_call("That one's $39.99 a month.")
    expired = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Do you have any deals for people switching from another network?",
        "A: Yes, right now switchers get 50% off the first three months.",
        day=date(2026, 11, 20),
    )
    assert score_item(right, "accurate_information", scorer).answer == "yes"
    r = score_item(wrong, "accurate_information", scorer)
    assert r.answer == "no", r.rationale
    evidence_at(r, wrong, 2, "$39.99")
    r = score_item(expired, "accurate_information", scorer)
    assert r.answer == "no", r.rationale
    evidence_at(r, expired, 2, "50%")
    # The price of a plan the knowledge base does not describe is no wrong price for the one it does.
    other = dialogue(
        "A: Northwind Broadband, Sam speaking.",
        "C: What do your plans cost?",
        "A: Our Standard plan is $15.99 a month.",
    )
    assert score_item(other, "accurate_information", scorer).answer == "yes"


# ---------------------------------------------------------------------- more phrasings per item
# Each row: the item, the answer, then the call's lines. Phrasings real agents use, and near misses
# that must not count (a polite "as I mentioned" is not rude; "thank you for calling, my name is
# Sarah" names no company).

VARIANTS = [
    ("greeting", "yes", ["A: Hello, you are speaking with John from Brightline Mobile."]),
    ("greeting", "yes", ["A: Hi, John here from Cobalt Bank, how can I help?"]),
    ("greeting", "yes", ["A: hello you're through to northwind energy my name's kelly"]),
    ("greeting", "yes", ["A: Hey, I'm Tom with Acme support."]),
    ("greeting", "no", ["A: Thank you for calling, my name is Sarah.", "C: hi", "A: How can I help?"]),
    ("greeting", "no", ["A: good morning thank you for calling this is sam"]),
    ("greeting", "no", ["A: Hi there, how can I help you today?"]),
    ("greeting", "yes", ["A: Zentro, Tom speaking, how can I help?"]),
    ("greeting", "yes", ["A: good afternoon zentro tom speaking"]),
    ("greeting", "no", ["A: Hello, Tom speaking."]),
    ("greeting", "no", ["A: Hello?", "C: Hi, it's Maria Lopez.", "A: Hi Maria, this is Tom, what can I do?"]),
    (
        "verify_identity",
        "no",
        [
            "A: Brightline Mobile, Dana speaking.",
            "C: Why was I charged twice?",
            "A: I can see two charges of $45 on your account. Can I take your date of birth first?",
        ],
    ),
    (
        "verify_identity",
        "yes",
        [
            "A: Cobalt Bank, Lee speaking.",
            "C: What do I owe on my credit card?",
            "A: Can you please verify the account holder's name and address?",
            "C: Jo Park, 12 Elm Street.",
            "A: Thank you. You currently owe $240.",
        ],
    ),
    (
        "empathy",
        "na",
        ["A: Skyway Airlines, Alex.", "C: I'm not worried about it, just curious about the fee."],
    ),
    (
        "empathy",
        "na",
        ["A: Northwind Energy, Priya.", "C: I pay every month by direct debit, can I change the date?"],
    ),
    (
        "empathy",
        "yes",
        ["A: Brightline, Dana.", "C: im not very happy about this", "A: i can see why youre upset"],
    ),
    (
        "understand_need",
        "yes",
        [
            "A: Skyway Airlines, Alex.",
            "C: I need to change my flight to Friday.",
            "A: You'd like to move your flight to Friday, no problem.",
        ],
    ),
    (
        "understand_need",
        "yes",
        [
            "A: Cobalt Bank, Lee.",
            "C: I was charged a late fee but I paid on time.",
            "A: I understand, you were charged a late fee even though you paid on time. Let me check.",
        ],
    ),
    (
        "resolution_steps",
        "yes",
        [
            "A: Cobalt Bank, Lee.",
            "C: How do I reset my password?",
            "A: Go to the login page, click forgot password, and follow the link in the email we send you.",
        ],
    ),
    (
        "resolution_steps",
        "yes",
        [
            "A: Skyline Broadband.",
            "C: No internet.",
            "A: An engineer will visit on Thursday between 8 and 12.",
        ],
    ),
    (
        "resolution_steps",
        "yes",
        [
            "A: Cobalt Bank.",
            "C: Refund?",
            "A: ok i've put the refund through, it'll show in three to five working days",
        ],
    ),
    (
        "resolution_steps",
        "no",
        ["A: Cobalt Bank.", "C: Refund?", "A: I don't know, try calling back tomorrow."],
    ),
    ("courtesy", "yes", ["A: Brightline.", "C: My bill?", "A: As I mentioned, the bill includes roaming."]),
    (
        "courtesy",
        "yes",
        ["A: Brightline.", "C: My bill?", "A: You should have received an email about it yesterday."],
    ),
    (
        "courtesy",
        "yes",
        [
            "A: Brightline.",
            "C: sorry, probably a stupid question",
            "A: Not a stupid question at all! Whatever suits you.",
        ],
    ),
    (
        "courtesy",
        "no",
        ["A: Brightline.", "C: I still don't get it.", "A: I've told you three times already."],
    ),
    ("courtesy", "no", ["A: Brightline.", "C: But I paid!", "A: Sir, you're not listening to me."]),
    (
        "no_sensitive_data_spoken",
        "yes",
        ["A: Cobalt Bank.", "C: Ref?", "A: Your reference is 2026 0302 1500 7788."],
    ),
    (
        "no_sensitive_data_spoken",
        "yes",
        ["A: Cobalt Bank.", "C: Number?", "A: Call us on 0800 123 4567 890."],
    ),
    ("no_sensitive_data_spoken", "yes", ["A: Skyline.", "C: Login?", "A: Your password is case sensitive."]),
    (
        "no_sensitive_data_spoken",
        "no",
        ["A: Cobalt Bank.", "C: Which one?", "A: It's 4532 0151 1283 0366, right?"],
    ),
    (
        "no_sensitive_data_spoken",
        "no",
        ["A: Skyline.", "C: Login?", "A: ok the password on the account is sunshine99"],
    ),
    (
        "no_sensitive_data_spoken",
        "no",
        ["A: Skyline.", "C: Wifi?", "A: the wifi password was reset so it's now blue fox seven seven four"],
    ),
    ("no_sensitive_data_spoken", "no", ["A: Cobalt Bank.", "C: My PIN?", "A: Your new PIN is 4 4 1 9."]),
    (
        "confirm_resolution",
        "yes",
        [
            "A: Northwind.",
            "C: Change my address.",
            "A: Sure.",
            "C: Thanks.",
            "A: Right, that's your address updated now.",
        ],
    ),
    ("offer_further_help", "yes", ["A: Harbor.", "C: Thanks.", "A: Lovely. Is that everything for today?"]),
    (
        "offer_further_help",
        "no",
        ["A: Harbor.", "C: 12 Elm Street.", "A: Is that all correct on the policy?"],
    ),
    ("closing", "yes", ["A: Skyline.", "C: That's all.", "A: Thanks for your patience today, take care."]),
    ("closing", "yes", ["A: Skyline.", "C: That's all.", "A: I appreciate your call, have a good evening."]),
    # from the fourth dev set's errors: names with accents, "you've got Marcus", a terse ask as a
    # statement, a conditional offer to verify, ASR tag questions, reassurance as acknowledgement
    ("greeting", "yes", ["A: Hi there, you're chatting with Tomás from Lumen Books."]),
    ("greeting", "yes", ["A: Brightline Mobile, good morning! You've got Marcus."]),
    ("greeting", "no", ["A: Brightline Mobile. You've got the billing line, how can I help?"]),
    (
        "verify_identity",
        "yes",
        [
            "A: Skyway Airlines, Alex.",
            "C: My flight was cancelled.",
            "A: Can I have your confirmation code?",
            "C: K7RQ4M.",
            "A: Thanks. I've got your booking here, Denver to Boston.",
        ],
    ),
    (
        "verify_identity",
        "yes",
        [
            "A: Brightline.",
            "C: Why is my bill so high?",
            "A: Name and date of birth.",
            "C: Jo Park, May second 1980.",
            "A: Okay. I can see your bill has $63 of roaming on it.",
        ],
    ),
    (
        "verify_identity",
        "na",
        [
            "A: Brightline, Dana.",
            "C: Do I need anything to use my phone in Spain?",
            "A: A travel pass. You can add it in the app, or if you'd rather I add it, I'd just need to "
            "verify your account first.",
            "C: No thanks, I'll use the app.",
        ],
    ),
    (
        "verify_identity",
        "no",
        [
            "A: Pinecrest Insurance, Craig.",
            "C: How much more will it cost to add my son?",
            "A: Who am I speaking with?",
            "C: Ana Lind.",
            "A: Okay Ana, right now you're paying $218 a month.",
        ],
    ),
    (
        "understand_need",
        "yes",
        [
            "C: Do you have deals if I bring my own number?",
            "A: Hi, this is Kenji at Brightline! So you're looking at switching and keeping your number.",
            "C: Yes.",
            "A: The Summer Switch offer takes half off Unlimited Plus for two months.",
            "C: Great.",
            "A: You can sign up in the app.",
            "C: Thanks.",
            "A: Anything else?",
        ],
    ),
    (
        "understand_need",
        "yes",
        [
            "A: harbor bank how can i help",
            "C: i lost my debit card at the gas station yesterday",
            "A: oh no okay so your debit card went missing at the gas station yesterday right",
            "C: yeah",
        ],
    ),
    (
        "understand_need",
        "no",
        [
            "A: brightline mobile this is sherri",
            "C: i need the transfer pin for my number",
            "A: okay i see the account and you've been with us since twenty nineteen why are you leaving",
        ],
    ),
    (
        "empathy",
        "yes",
        [
            "A: Summit Fitness, Tay.",
            "C: I'm having knee surgery next week, it's been a rough month.",
            "A: Oh, I'm sorry, I hope it goes well.",
        ],
    ),
    (
        "empathy",
        "yes",
        [
            "A: Northfield Savings, Colin.",
            "C: There are two charges on my card I didn't make.",
            "A: Okay, I know that's alarming to see. Let's get the card blocked.",
        ],
    ),
    (
        "empathy",
        "yes",
        [
            "A: Ridgeway Power.",
            "C: I can't pay by Wednesday and I'm panicking.",
            "A: Don't panic, we'll sort it.",
        ],
    ),
    (
        "courtesy",
        "no",
        [
            "A: Brightline.",
            "C: I did that twice already!",
            "A: like i said i need you to do it anyway that's the process",
        ],
    ),
    (
        "courtesy",
        "no",
        ["A: Lumora.", "C: CANCEL. please.", "A: Fine. As I said, a notice went out in October."],
    ),
    ("courtesy", "yes", ["A: Brightline.", "C: Is Friday ok?", "A: Friday is fine. I'll book it for you."]),
    (
        "no_sensitive_data_spoken",
        "no",
        [
            "A: Brightline.",
            "C: Voicemail?",
            "A: I've made you a temporary PIN. It's five two nine, zero eight one.",
        ],
    ),
    (
        "no_sensitive_data_spoken",
        "yes",
        [
            "A: Brightline.",
            "C: Voicemail?",
            "A: I've texted you a temporary PIN. It's valid for ten minutes.",
        ],
    ),
    (
        "resolution_steps",
        "yes",
        ["A: Summit Fitness.", "C: Freeze it please.", "A: okay done it's frozen until january"],
    ),
    (
        "resolution_steps",
        "no",
        ["A: Cobalt Bank.", "C: My card doesn't work.", "A: Yes, I see your card is blocked.", "C: And?"],
    ),
    (
        "no_sensitive_data_spoken",
        "yes",
        ["A: Brightline.", "C: Voicemail?", "A: Your PIN has been reset. Your reference is 55501234."],
    ),
    (
        "verify_identity",
        "yes",
        [
            "A: Cobalt Bank, Lee.",
            "C: What's my balance?",
            "A: If you could confirm your date of birth for me, I'll pull it up.",
            "C: May second 1980.",
            "A: Thanks. Your balance is $240.",
        ],
    ),
    (
        "resolution_steps",
        "no",
        [
            "A: Brightline.",
            "C: Why is there $63 of roaming on my bill?",
            "A: You're on Unlimited Plus, which doesn't include Mexico. Calls there are $0.25 a minute.",
            "C: Can you take some of it off?",
            "A: No. You made 252 minutes of calls, that's $63.",
            "C: Can I speak to a supervisor?",
            "A: A pass would have been $10 a day. They'll tell you the same.",
        ],
    ),
]


@pytest.mark.parametrize(
    ("item_id", "answer", "lines"), VARIANTS, ids=[f"{v[0]}-{v[1]}-{n}" for n, v in enumerate(VARIANTS)]
)
def test_phrasings(item_id: str, answer: str, lines: list[str]) -> None:
    check(dialogue(*lines), item_id, answer)


def test_hold_etiquette_short_hold_that_was_asked_for_still_counts() -> None:
    call = dialogue(
        "A: Brightline Mobile, Dana speaking.",
        "C: Is my upgrade ready?",
        "A: Is it okay if I place you on hold for a moment?",
        "C: Yes.",
        "A: Thanks so much for waiting, yes it's ready.",
        pauses={4: 8.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "Is it okay")
    evidence_at(r, call, 4, "Thanks so much for waiting")


def test_hold_etiquette_chat_wait_the_agent_announced() -> None:
    # On chat a reply takes a while anyway; a wait the agent announced and wrote again after is a hold.
    lines = [
        "C: My roaming pass is on my bill twice.",
        "A: Hi, Sam here. Let me go through the charges on your bill, one moment please.",
        "A: Thanks for your patience! I can see the duplicate.",
    ]
    call = dialogue(*lines, channel="chat", chat_step_s=110.0)
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "Thanks for your patience")
    unannounced = dialogue(
        lines[0], "A: Hi, Sam here.", "A: I can see the duplicate.", channel="chat", chat_step_s=110.0
    )
    check(unannounced, "hold_etiquette", "na")


@pytest.mark.parametrize(
    "ask",
    [
        "Shall I run a quote for your phone? It takes about 2 minutes, is that ok?",
        "Would you mind giving me two or three minutes while I regenerate the invoice?",
        "Let me check the train's arrival record, 2 minutes please.",
    ],
)
def test_hold_etiquette_chat_wait_asked_a_turn_before_the_customer_agreed(ask: str) -> None:
    # the customer's "ok" comes between the ask and the silence, and the wait is shorter than a chat
    # hold of its own: the agent's ask and "thanks for waiting" make it one
    call = dialogue(
        "C: Can I trade in my old phone?",
        f"A: {ask}",
        "C: ok can",
        "A: Thanks for waiting! It qualifies for the $250 credit.",
        channel="chat",
        pauses={3: 100.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 3, "Thanks for waiting")


@pytest.mark.parametrize(
    "handover",
    [
        "Okay, transferring you to the payment line now; I'll stay on with you.",
        "Great. You'll hear some prompts; I'll stay on the line. Go ahead whenever you're ready.",
    ],
)
def test_hold_etiquette_na_while_the_customer_keys_a_card_into_the_payment_line(handover: str) -> None:
    # the customer is busy on the secure line, not waiting for the agent
    call = dialogue(
        "A: Brightline Mobile, Owen speaking.",
        "C: I'd like to pay my bill, it's a hundred and thirty-two dollars.",
        "A: I'll take that through our secure payment line, where you type the card on your keypad.",
        "C: Okay.",
        f"A: {handover}",
        "A: That's gone through on the card ending four four four four.",
        pauses={5: 80.0},
    )
    check(call, "hold_etiquette", "na")
    # ... but one the agent asks for and thanks the customer for is judged as a hold
    asked = dialogue(
        "A: Brightline Mobile, Keisha speaking.",
        "C: Do I pay you for the repair?",
        "A: We take it through our secure payment line, where you type the card on your keypad. "
        "Is it okay if I put you through to it? I'll be right here.",
        "C: Aye, go ahead.",
        "A: Thank you for waiting. The payment went through on the card ending one one one one.",
        pauses={4: 68.0},
    )
    evidence_at(check(asked, "hold_etiquette", "yes"), asked, 4, "Thank you for waiting")


def test_hold_etiquette_on_chat_the_customer_going_quiet_is_no_hold() -> None:
    call = dialogue(
        "A: Hi, you're chatting with Farah at Brightline Mobile.",
        "C: is my roaming pass on?",
        "A: Yes, it's active through the 11th. Is there anything else I can help with?",
        "A: Hi Jason, just checking if you're still there?",
        "A: As I haven't heard back, I'll close this chat now. Thank you for contacting Brightline Mobile!",
        channel="chat",
        pauses={3: 240.0, 4: 300.0},
    )
    check(call, "hold_etiquette", "na")
    # the agent waiting after asking whether the customer is still there, then closing
    away = dialogue(
        "A: Hi, you're chatting with Sam at Derwent Cycle Share.",
        "C: Nah I reckon that's it, hang on just checking the app...",
        "A: Hi Tom, are you still there?",
        "A: Looks like you've stepped away, so I'll close this chat now. Cheers!",
        channel="chat",
        pauses={2: 250.0, 3: 185.0},
    )
    check(away, "hold_etiquette", "na")


def test_hold_etiquette_on_chat_a_wait_announced_and_thanked_is_a_hold_at_any_length() -> None:
    call = dialogue(
        "C: I want to cancel, it's too expensive.",
        "A: I understand. Let me look at your usage for the last three bills, one moment please.",
        "A: Thanks for waiting. You're paying for hotspot you don't use.",
        channel="chat",
        pauses={2: 64.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 2, "Thanks for waiting")


def test_hold_etiquette_can_you_stay_with_me_asks() -> None:
    call = dialogue(
        "C: It says the code goes to the authenticator app.",
        "A: Let me check with my team lead, it may take 3-4 minutes. Can you stay with me?",
        "C: Yes ok",
        "A: Thank you for waiting. The way back in is an account recovery request.",
        channel="chat",
        pauses={3: 230.0},
    )
    r = check(call, "hold_etiquette", "yes")
    evidence_at(r, call, 1, "Can you stay with me")


@pytest.mark.parametrize(
    ("ask", "reply", "answer"),
    [
        # the customer gives the go-ahead for the look the agent announced
        ("Let me take a look at what you've got before we do anything.", "Sure, go ahead.", "yes"),
        ("Let me take a look at what you've got before we do anything.", "Okay.", "no"),
        # asking to transfer the customer asks for the wait
        ("May I transfer you to them now? It may take a minute or two.", "Yes, please.", "yes"),
    ],
)
def test_hold_etiquette_a_go_ahead_or_a_transfer_asked_for(ask: str, reply: str, answer: str) -> None:
    call = dialogue(
        "A: Brightline Mobile, Tasha speaking.",
        "C: I'm thinking of leaving, it's the price.",
        f"A: {ask}",
        f"C: {reply}",
        "A: Okay, thanks for bearing with me. You're on Unlimited Plus at sixty a month.",
        pauses={4: 38.0},
    )
    check(call, "hold_etiquette", answer)


def test_hold_etiquette_two_holds_the_second_not_thanked() -> None:
    call = dialogue(
        "A: Harbor Insurance, Marco speaking.",
        "C: I need my claim status and my renewal date.",
        "A: Could I put you on hold while I check the claim?",
        "C: Sure.",
        "A: Thanks for holding, the claim is approved.",
        "C: And the renewal?",
        "A: Can I put you on hold again?",
        "C: Fine.",
        "A: Right, it renews on the 1st of June.",
        pauses={4: 30.0, 8: 40.0},
    )
    r = check(call, "hold_etiquette", "no")
    assert r.features["holds"] == 2.0
    evidence_at(r, call, 8)


def test_greeting_reads_a_redacted_agent_name() -> None:
    # Stored transcripts have names redacted before QA sees them.
    call = dialogue(
        "A: Thank you for calling Brightline Mobile, my name is [PERSON], how can I help?",
        "C: Hi, I have a question about my bill.",
    )
    r = check(call, "greeting", "yes", QAScorer())
    assert any("[PERSON]" in e.text for e in r.evidence)


@pytest.mark.parametrize(
    ("lines", "expected", "turn"),
    [
        # an outbound call that leads with the customer's own details, before any check
        (
            [
                "A: Hi, this is Ray with Pacer Rent-A-Car. I'm calling about your rental from Orlando.",
                "C: Okay?",
                "A: Can you confirm your date of birth?",
            ],
            "no",
            0,
        ),
        # a terse ask for an identifier named by what it identifies, then the account
        (
            [
                "A: Ledgerly support, Tomas here.",
                "C: Our sync is failing.",
                "A: workspace id?",
                "C: acme-eu",
                "A: I've pulled up your account, there's an incident open.",
            ],
            "yes",
            2,
        ),
        # the purpose of an outbound call, then the check in the same turn
        (
            [
                "A: Hi Isla, this is the Admissions Office. I'm calling about your application for "
                "Veterinary Medicine. Before I go into any detail, could you confirm your date of birth?",
                "C: Twelfth of April, two thousand and eight.",
                "A: Thank you. Your application has been accepted.",
            ],
            "yes",
            0,
        ),
        # a polite ask in a chat, and a terse one naming where the identifiers are on file
        (
            [
                "A: Hello, how can I help you?",
                "C: My concert was postponed.",
                "A: Please provide your order number and the email address used for the booking.",
                "C: GT-558203, achieng@postmail.example",
                "A: The event on your booking has been rescheduled.",
            ],
            "yes",
            2,
        ),
        (
            [
                "A: Welcome to Brightline chat. I'm Kevin.",
                "C: No internet abroad.",
                "A: Full name and date of birth on the account.",
                "C: Jocelyn Manalo. Feb 9 1991",
                "A: Verified. You're on Unlimited Plus with no Roaming Pass on the line.",
            ],
            "yes",
            2,
        ),
        # a look-up by account number, then the details, then the agent's own check: too late
        (
            [
                "A: Highveld Home Loans, Candice. Let me pull you up. What's your home loan account number?",
                "C: It's eight zero zero four, one two seven.",
                "A: Ah yes, I see the November instalment of 14,820 rand went off on the first. Before we go "
                "further, can I just verify you: your date of birth?",
            ],
            "no",
            2,
        ),
        # what the account owes, told to whoever answers an outbound call, before the check
        (
            [
                "A: Good morning, this is Tendai from Msasa Lock-Up Storage. May I speak to Farai?",
                "C: He's out, I'm his brother.",
                "A: It's just that his unit is now two months behind, it's ninety dollars outstanding.",
                "C: I'll tell him.",
                "A: Can you confirm your unit number and date of birth?",
            ],
            "no",
            2,
        ),
        # details read off the account, with words between "the" and what they belong to
        (
            [
                "A: Hi! Thanks for reaching out to Pantry Parade, I'm Jess.",
                "C: My chicken was spoiled.",
                "A: I see your Saturday 11/14 box had the Lemon Herb Chicken Thighs.",
                "A: Before I make any changes, can you confirm your zip code?",
            ],
            "no",
            2,
        ),
        (
            [
                "A: Hello, Little Lampuki Childcare, Dorianne here.",
                "C: Luca was off sick, why am I paying?",
                "A: Let me open Luca's account. Yes I see the October invoice, 210 euros for 14 sessions.",
            ],
            "no",
            2,
        ),
        # matched by voice ID before the agent took the call
        (
            [
                "A: Good evening, Brightline. Our voice ID has already matched you as the account holder.",
                "C: My internet keeps dropping.",
                "A: I can see two earlier tickets on your account.",
            ],
            "yes",
            0,
        ),
        # verified by the phone menu before the call reached the agent
        (
            [
                "A: Benefits line, agent 447.",
                "C: It's about my claim.",
                "A: okay the system shows you verified through the phone menu so your claim is pending",
            ],
            "yes",
            2,
        ),
        # the caller's number and voice ID matched: where the call comes from discloses nothing
        (
            [
                "A: thank you for callin acadiana power this is tremaine um i see you're callin from the "
                "number on the account and our voice verification has matched you as marie guidry "
                "is that right",
                "C: yeah that's me, the power's out",
                "A: i can see the outage on your account",
            ],
            "yes",
            0,
        ),
        # an outbound call names its purpose, then checks before going into it
        (
            [
                "A: Good afternoon, may I speak with Shanique Brown?",
                "C: Speaking.",
                "A: Hi, this is Delroy calling from Yaad Vibes Tickets, about your booking for Bay Jam. "
                "Before I go into the booking, can you confirm the e-mail address you booked with?",
                "C: shaniqueb88 at mailbox dot com.",
                "A: Thank you, that matches. The concert has been moved to December.",
            ],
            "yes",
            2,
        ),
        # the registered mobile number asked for and checked
        (
            [
                "C: Order HB-5581207 came today and the eggs are missing.",
                "A: Please share the registered mobile number on the order.",
                "C: 0300 5550192",
                "A: Thank you. I can see the order. The eggs were out of stock at packing time.",
            ],
            "yes",
            1,
        ),
        # already signed in to the app the customer writes from
        (
            [
                "C: Can I keep the car till Tuesday?",
                "A: Since you're messaging from inside the Harbourview app, you're already signed in to your "
                "account, so I've got your booking up: HV-30917, due back Sunday.",
            ],
            "yes",
            1,
        ),
        # the account is signed in; the customer's complaint said back to be confirmed is no disclosure
        (
            [
                "C: Unnu charge mi $3,500 seh mi nuh return di bike.",
                "A: So you docked the bike, but you were charged the bike fee, and you want it removed. "
                "Is that right?",
                "C: Yes man exactly",
                "A: Since you're chatting from the app, your account is already signed in and verified.",
                "C: ok",
                "A: I've reversed the fee.",
            ],
            "yes",
            3,
        ),
        # an outbound call that needs the passcode before changing anything
        (
            [
                "A: Hello, this is Trevor calling from Sentinel Watch Monitoring. May I speak with Deborah?",
                "C: Yeah, that's me.",
                "A: We've got an alarm signal from your home. Before I can cancel anything, I need your "
                "verbal passcode.",
                "C: It's bluebell forty-two.",
                "A: That's correct, thank you. I've cancelled the dispatch.",
            ],
            "yes",
            2,
        ),
    ],
)
def test_verify_identity_outbound_terse_and_menu_verified(lines: list[str], expected: str, turn: int) -> None:
    call = dialogue(*lines)
    r = check(call, "verify_identity", expected, QAScorer())
    assert r.evidence and r.evidence[0].turn == turn


def test_no_sensitive_data_bank_account_numbers_read_out_in_full() -> None:
    # from the record on chat, or back to the customer on a call; the company's own account is public
    record = dialogue(
        "C: Tom Hollis hasn't been paid.",
        "A: His pay went to the bank details we hold: sort code 20-45-77, account number 41236985.",
        channel="chat",
    )
    evidence_at(check(record, "no_sensitive_data_spoken", "no"), record, 1, "sort code")
    profile = dialogue(
        "C: One employee's salary has not gone to his account today.",
        "A: The account on his profile is 2051 0310 0448 7 at Eastern Commerce Bank, Gulshan branch.",
        channel="chat",
    )
    evidence_at(check(profile, "no_sensitive_data_spoken", "no"), profile, 1, "account on his profile")
    readback = dialogue(
        "A: Have you got the new bank details?",
        "C: Sort code's forty, twelve, seventy-six, and the account number's three one nine two six eight "
        "one nine.",
        "A: So that's sort code four zero, one two, seven six, account three one nine two six eight one "
        "nine.",
    )
    check(readback, "no_sensitive_data_spoken", "no")
    ours = dialogue(
        "C: How do I pay the overpayment?",
        "A: By transfer to our sort code, four zero, nine one, one five, account number seven one zero four "
        "four two eight three.",
    )
    check(ours, "no_sensitive_data_spoken", "yes")


def test_no_sensitive_data_a_number_given_in_words_is_the_whole_number() -> None:
    # the customer's "ID number is nine zero zero five one one": an agent saying "nine" later
    # has not repeated it
    lines = (
        "A: Can I have your file number and date of birth?",
        "C: File A F two oh nine one seven, born eleven May. And my ID number is nine zero zero five one "
        "one.",
    )
    call = dialogue(
        *lines,
        "A: That's fine, you don't need to give me your ID number. Accounts opens at nine tomorrow.",
    )
    check(call, "no_sensitive_data_spoken", "yes")
    echoed = dialogue(*lines, "A: Thanks, ID number nine zero zero five one one, noted.")
    check(echoed, "no_sensitive_data_spoken", "no")


@pytest.mark.parametrize(
    "disclosure",
    [
        "And while I have you, I see there's a balance of ninety-six dollars from October on the account.",
        "yeah got it june twelfth the garden package balance of eleven thousand four hundred due in april",
        "Yes, I have you here. Your October bill is fourteen thousand three hundred.",
        "I have you here, and you also have arrears of three thousand one hundred from August.",
    ],
)
def test_verify_identity_no_for_a_balance_read_off_the_account_unchecked(disclosure: str) -> None:
    call = dialogue(
        "A: Good afternoon, may I speak to Paulette Alleyne?",
        "C: Speaking.",
        f"A: {disclosure}",
        "C: I paid that already.",
    )
    evidence_at(check(call, "verify_identity", "no"), call, 2)


def test_courtesy_no_for_blame_and_pointing_at_the_small_print() -> None:
    blame = dialogue(
        "C: Why is this bill so big?",
        "A: Well, if you'd sent us readings in, you wouldn't have ended up with a catch-up bill.",
    )
    evidence_at(check(blame, "courtesy", "no"), blame, 1, "if you'd sent us readings")
    letter = dialogue(
        "C: Why is my refund still on hold?",
        "A: We emailed you twice. You should have sent that letter back then, that's why it's stuck.",
    )
    evidence_at(check(letter, "courtesy", "no"), letter, 1, "You should have sent")
    curt = dialogue(
        "C: Nobody told me the code expires.",
        "A: The 72 hr window is in the delivery text.",
        "C: And the sand charge?",
        "A: Cleaning fee. It's in the rental agreement you signed.",
    )
    check(curt, "courtesy", "no")
