from __future__ import annotations

import pytest

from analytics.conversation import (
    ConversationMetrics,
    ConversationOptions,
    conversation_metrics,
    summarize,
)
from asr import Turn, Word
from common.errors import InvalidInput


def turn(
    speaker: str, start: float, end: float, text: str = "", words: list[tuple[float, float]] | None = None
) -> Turn:
    return Turn(speaker, start, end, text or "words", [Word(s, e, "w") for s, e in words or []])


def metrics(turns: list[Turn], **kwargs: object) -> ConversationMetrics:
    got = conversation_metrics(turns, **kwargs)  # type: ignore[arg-type]
    assert got is not None
    return got


def test_turn_level_talk_silence_overtalk_and_backchannel() -> None:
    m = metrics(
        [
            turn("agent", 0, 10, "Thanks for calling, how can I help?"),
            turn("agent", 9, 12, "This is Sam."),  # overlaps the agent's own turn: merged to [0, 12]
            turn("customer", 11.2, 20, "My bill doubled."),  # overlaps the agent by 12 - 11.2 = 0.8 s
            turn("agent", 26, 30, "So the bill went up."),  # 20 → 26: 6 s of dead air
            turn("customer", 30.5, 35, "Yes, by forty dollars."),  # 30 → 30.5: a 0.5 s gap
            turn("agent", 33, 33.4, "mm-hm"),  # 0.4 s backchannel under the 0.5 s threshold: no overtalk
        ],
        duration_s=40,
    )
    assert m.duration_s == 40
    # agent [0, 12] + [26, 30] + [33, 33.4] = 12 + 4 + 0.4 = 16.4
    # customer [11.2, 20] + [30.5, 35] = 8.8 + 4.5 = 13.3
    assert m.talk_agent_s == pytest.approx(16.4)
    assert m.talk_customer_s == pytest.approx(13.3)
    assert m.talk_ratio == pytest.approx(16.4 / 29.7)
    # gaps in anyone's speech: 20 → 26 (6 s) and 30 → 30.5 (0.5 s); the 5 s after 35 is after the last word
    assert m.silence_s == pytest.approx(6.5)
    assert m.silence_share == pytest.approx(6.5 / 40)
    assert m.longest_silence_s == pytest.approx(6.0) and m.longest_silence_at == 20
    assert m.dead_air_count == 1
    assert m.overtalk_s == pytest.approx(0.8) and m.overtalk_count == 1
    assert m.hold_s == 0 and m.hold_count == 0
    assert [(s.kind, s.start, s.end) for s in m.segments] == [("overtalk", 11.2, 12), ("silence", 20, 26)]
    assert "customer spoke over the agent" in m.segments[0].note
    assert "after customer" in m.segments[1].note
    d = m.to_dict()
    assert d["segments"][1] == {"start": 20, "end": 26, "kind": "silence", "note": m.segments[1].note}
    assert d["dead_air_count"] == 1


def _wait_call(gap: float, agent_before: str, agent_after: str = "Okay, I found your order.") -> list[Turn]:
    # agent 0 → 5, customer 5 → 6, silence 6 → 6 + gap, agent back for 4 s
    return [
        turn("agent", 0, 5, agent_before),
        turn("customer", 5, 6, "Sure, just a second."),  # the customer's hold-like words do not count
        turn("agent", 6 + gap, 10 + gap, agent_after),
    ]


def test_announced_hold_of_20_s_is_a_hold_not_dead_air() -> None:
    m = metrics(_wait_call(20, "Let me pull that up, I'll put you on hold for a moment."))
    assert m.hold_count == 1 and m.hold_s == pytest.approx(20)
    assert m.dead_air_count == 0 and m.silence_s == 0 and m.longest_silence_s == 0
    assert m.longest_silence_at is None
    assert [(s.kind, s.start, s.end) for s in m.segments] == [("hold", 6, 26)]
    assert "put you on hold" in m.segments[0].note
    assert m.duration_s == 30  # no duration given: the last turn's end


def test_unannounced_silence_of_20_s_is_dead_air() -> None:
    m = metrics(_wait_call(20, "What is the order number?"))
    assert m.hold_count == 0 and m.hold_s == 0
    assert m.dead_air_count == 1
    assert m.silence_s == pytest.approx(20) and m.silence_share == pytest.approx(20 / 30)
    assert m.longest_silence_s == pytest.approx(20) and m.longest_silence_at == 6
    assert [s.kind for s in m.segments] == ["silence"]


def test_unannounced_silence_of_40_s_is_a_hold() -> None:
    m = metrics(_wait_call(40, "What is the order number?"))
    assert m.hold_count == 1 and m.hold_s == pytest.approx(40)  # 40 ≥ hold_min_s = 30
    assert m.dead_air_count == 0 and m.silence_s == 0
    assert "unannounced" in m.segments[0].note


def test_thanks_for_holding_after_a_silence_makes_it_a_hold() -> None:
    m = metrics(_wait_call(20, "What is the order number?", "Thank you for holding! I found it."))
    assert m.hold_count == 1 and m.hold_s == pytest.approx(20) and m.dead_air_count == 0
    # an announced silence under dead_air_s is an ordinary pause, not a hold
    short = metrics(_wait_call(3, "One moment please."))
    assert short.hold_count == 0 and short.silence_s == pytest.approx(3) and short.dead_air_count == 0


def test_word_timing_shows_pauses_a_turn_span_hides() -> None:
    # the agent's words: 0–0.5, 0.5–1.0, 1.2–2.0 (the 0.2 s gap < word_gap_s 0.3 is bridged), then 8–9, 9–10
    agent = turn(
        "agent", 0, 10, "Sure ... okay here it is", [(0, 0.5), (0.5, 1.0), (1.2, 2.0), (8, 9), (9, 10)]
    )
    customer = [turn("customer", 1.4, 2.6, "my account"), turn("customer", 10, 15, "thanks")]
    m = metrics([agent, *customer])
    # words: agent [0, 2] + [8, 10] = 4 s; customer 1.2 + 5 = 6.2 s; overlap [1.4, 2.0] = 0.6 s;
    # nobody speaks 2.6 → 8: 5.4 s of dead air
    assert m.talk_agent_s == pytest.approx(4.0) and m.talk_customer_s == pytest.approx(6.2)
    assert m.overtalk_s == pytest.approx(0.6) and m.overtalk_count == 1
    assert m.silence_s == pytest.approx(5.4) and m.dead_air_count == 1 and m.longest_silence_at == 2.6
    span = metrics([turn("agent", 0, 10, agent.text), *customer])
    # turn span: agent [0, 10] = 10 s covers the customer's [1.4, 2.6] (1.2 s overtalk) and the pause
    assert span.talk_agent_s == pytest.approx(10.0) and span.talk_customer_s == pytest.approx(6.2)
    assert span.overtalk_s == pytest.approx(1.2)
    assert span.silence_s == 0 and span.dead_air_count == 0


def test_small_gaps_between_words_do_not_split_an_overtalk() -> None:
    agent = turn("agent", 0, 1.6, "no wait listen", [(0, 0.4), (0.55, 0.9), (1.05, 1.6)])
    customer = turn("customer", 0.2, 1.5, "but I already paid")
    # gaps of 0.15 s are bridged: agent [0, 1.6], overlap [0.2, 1.5] = 1.3 s; customer came in second
    m = metrics([agent, customer])
    assert m.overtalk_count == 1 and m.overtalk_s == pytest.approx(1.3)
    assert "customer spoke over the agent" in m.segments[0].note
    # without bridging the overlaps are 0.2, 0.35 and 0.45 s: each a backchannel under 0.5 s
    split = metrics([agent, customer], options=ConversationOptions(word_gap_s=0))
    assert split.overtalk_count == 0 and split.overtalk_s == 0


def test_unknown_speakers_fill_the_line_but_are_no_party() -> None:
    m = metrics(
        [
            turn("agent", 0, 5),
            turn("unknown", 5, 12, "(recorded message)"),  # no silence here, else 7 s of dead air
            turn("customer", 12, 20),
            turn("supervisor", 15, 17),  # overlaps the customer: not overtalk, the supervisor is no party
        ]
    )
    assert m.talk_agent_s == 5 and m.talk_customer_s == 8
    assert m.talk_ratio == pytest.approx(5 / 13)
    assert m.silence_s == 0 and m.overtalk_count == 0 and m.duration_s == 20
    only_unknown = metrics([turn("unknown", 0, 4), turn("unknown", 10, 12)])
    assert only_unknown.talk_ratio == 0 and only_unknown.dead_air_count == 1  # 4 → 10 is 6 s


def test_text_channels_and_untimed_calls_have_no_metrics() -> None:
    timed = [turn("agent", 0, 3), turn("customer", 3, 6)]
    for channel in ("chat", "email", "sms"):
        assert conversation_metrics(timed, channel=channel) is None
    assert conversation_metrics([turn("agent", 0, 0), turn("customer", 0, 0)]) is None
    assert conversation_metrics([]) is None
    with pytest.raises(InvalidInput, match="unknown channel 'fax'"):
        conversation_metrics(timed, channel="fax")
    with pytest.raises(InvalidInput, match="turn 1: end"):
        conversation_metrics([turn("agent", 0, 3), turn("customer", 5, 4)])
    with pytest.raises(InvalidInput, match="duration_s"):
        conversation_metrics(timed, duration_s=-1)


def test_speech_past_the_given_duration_is_cut() -> None:
    m = metrics([turn("agent", 0, 4), turn("customer", 8, 14)], duration_s=10)
    # customer [8, 14] cut to [8, 10]: 2 s; silence 4 → 8
    assert m.talk_customer_s == pytest.approx(2) and m.silence_s == pytest.approx(4)
    assert m.talk_ratio == pytest.approx(4 / 6) and m.silence_share == pytest.approx(0.4)
    assert metrics([turn("agent", 0, 4), turn("customer", 8, 14)], duration_s=0).duration_s == 14  # unknown


def test_summarize_means_for_the_manager_view() -> None:
    a = metrics(_wait_call(20, "What is the order number?"))  # 30 s, 20 s dead air, ratio 9/10
    b = metrics(_wait_call(40, "What is the order number?"))  # 50 s, 40 s hold, ratio 9/10
    c = metrics([turn("unknown", 0, 4)])  # 4 s, no party spoke: left out of the talk ratio mean
    s = summarize([a, b, c])
    assert s["calls"] == 3
    assert s["talk_ratio"] == pytest.approx(9 / 10)  # agent 5 + 4 s, customer 1 s: 9 / (9 + 1)
    assert s["longest_silence_s"] == pytest.approx(20 / 3)
    assert s["hold_s"] == pytest.approx(40 / 3)
    assert s["duration_s"] == pytest.approx((30 + 50 + 4) / 3)
    assert s["overtalk_s"] == 0 and s["dead_air_count"] == pytest.approx(1 / 3)
    assert summarize([])["calls"] == 0
