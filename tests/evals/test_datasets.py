"""Dataset adapters on the real public files (a few records and the counts), split rules, export →
read round trips, and malformed input reported with file and line and skipped."""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from common.errors import ConfigError, FormatError, InvalidInput
from common.formats import read_labeled_calls
from evals.datasets import (
    DATASETS,
    GradedTexts,
    default_data_root,
    export_dataset,
    load_dataset,
    read_exported,
    read_graded_csv,
    read_labeled_calls_file,
    read_retrieval,
    read_utterance_csv,
    write_dataset,
)
from evals.datasets.banking77 import load_banking77
from evals.datasets.clinc150 import load_clinc150
from evals.datasets.star import is_test_dialogue, load_star
from evals.datasets.tweeteval import load_tweeteval
from evals.datasets.vader import load_vader
from evals.types import GradedText, LabeledCalls, RetrievalSet, Utterances

DATA = default_data_root()
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"public data not found at {DATA}")


@pytest.fixture(scope="module")
def star() -> LabeledCalls:
    # The 10 MB tar takes a few seconds to read: once for the whole module.
    data = load_dataset("star")
    assert isinstance(data, LabeledCalls)
    return data


@pytest.fixture(scope="module")
def dstc() -> RetrievalSet:
    data = load_dataset("dstc10-track2")
    assert isinstance(data, RetrievalSet)
    return data


def _utterances(name: str) -> Utterances:
    data = load_dataset(name)
    assert isinstance(data, Utterances)
    return data


def _calls(name: str) -> LabeledCalls:
    data = load_dataset(name)
    assert isinstance(data, LabeledCalls)
    return data


# --- registry ----------------------------------------------------------------------------------


def test_registry_names_and_errors(tmp_path: Path) -> None:
    assert set(DATASETS) == {
        "banking77",
        "clinc150",
        "nlupp",
        "star",
        "repeat-history",
        "dstc10-track2",
        "tweeteval",
        "vader",
        "speech-samples",
        "harper-valley",
        "abcd",
    }
    assert DATASETS["star"].kind == "labeled_calls" and DATASETS["vader"].kind == "graded"
    assert default_data_root() == Path(__file__).resolve().parents[2].parent / "shared" / "data"
    with pytest.raises(InvalidInput, match="unknown dataset 'nope'; choose one of: banking77"):
        load_dataset("nope")
    with pytest.raises(ConfigError, match="not found"):
        load_dataset("banking77", tmp_path / "missing")


# --- utterance sets ----------------------------------------------------------------------------


def test_banking77() -> None:
    data = _utterances("banking77")
    assert {k: len(v) for k, v in data.splits.items()} == {"train": 10003, "test": 3080}
    assert (data.train_splits, data.test_splits, data.skipped) == (("train",), ("test",), [])
    first = data.splits["train"][0]
    assert (first.text, first.label, first.id) == (
        "I am still waiting on my card?",
        "card_arrival",
        "train:2",
    )
    assert len({u.label for u in data.splits["train"]}) == 77
    assert all(u.text == u.text.strip() for u in data.splits["train"])  # some rows start with newlines


def test_clinc150_merges_out_of_scope() -> None:
    data = _utterances("clinc150")
    assert {k: len(v) for k, v in data.splits.items()} == {"train": 15100, "val": 3100, "test": 5500}
    assert {k: sum(u.label == "oos" for u in v) for k, v in data.splits.items()} == {
        "train": 100,
        "val": 100,
        "test": 1000,
    }
    assert (data.oos_label, data.train_splits, data.test_splits) == ("oos", ("train",), ("test",))
    assert len({u.label for u in data.splits["train"]}) == 151
    last = data.splits["test"][-1]
    assert (last.text, last.label, last.id) == ("let me know where jim is right now", "oos", "oos_test:999")


def test_nlupp_multilabel_fold_split() -> None:
    data = _utterances("nlupp")
    assert data.multi_label and {k: len(v) for k, v in data.splits.items()} == {"train": 2778, "test": 302}
    first = data.splits["train"][0]
    assert (first.label, first.id) == ("arrival|how_long|new|pin", "banking/fold0:0")
    assert {u.id.split(":")[0].split("/")[1] for u in data.splits["test"]} == {"fold18", "fold19"}
    everything = data.splits["train"] + data.splits["test"]
    assert sum(u.label == "" for u in everything) == 362  # bare slot answers: no intent applies
    assert len({i for u in everything for i in u.label.split("|") if i}) == 62


def test_tweeteval_val_is_the_test_split() -> None:
    data = _utterances("tweeteval")
    assert {k: len(v) for k, v in data.splits.items()} == {"train": 12284, "val": 2000}
    assert (data.train_splits, data.test_splits) == (("train",), ("val",))
    assert Counter(u.label for u in data.splits["val"]) == {"neutral": 869, "positive": 819, "negative": 312}
    assert data.splits["val"][0].id == "val:1" and data.splits["val"][0].label == "neutral"


def test_vader_scores_are_mean_ratings() -> None:
    data = load_dataset("vader")
    assert isinstance(data, GradedTexts) and len(data) == 23703 and data.skipped == []
    assert Counter(g.source for g in data)["tweets"] == 4200
    tweet = next(g for g in data if g.id == "tweets:1")
    assert tweet.score == pytest.approx(2.726315789) and tweet.text.startswith("Somehow I was blessed")
    assert all(-4 <= g.score <= 4 for g in data)


# --- labeled calls -----------------------------------------------------------------------------


def test_star_turns_labels_and_questionnaires(star: LabeledCalls) -> None:
    assert len(star.calls) == 6205 and star.skipped == []  # 6,652 dialogues less 447 without a turn
    call = next(c for c in star.calls if c.call_id == "star-410")
    assert call.channel == "chat" and call.labels["contact_type"] == "apartment_schedule"
    assert [(t.speaker, t.text) for t in call.turns[:2]] == [
        ("customer", "Hello"),
        ("agent", "Hello, how can I help?"),  # the suggestion the wizard sent, not what it typed
    ]
    assert (call.turns[1].model_extra or {})["act"] == "hello" and call.turns[0].start == 14.0
    assert call.labels["agent_calm_helpful"] is True and call.labels["user_annoyed"] is False
    assert call.labels["user_changed_mind"] is True and "resolved" not in call.labels
    user, wizard = call.evaluations
    assert (user.scorecard, user.answers) == ("star-user-questionnaire", {"calm_helpful": "yes"})
    assert wizard.answers == {"user_changed_mind": "yes", "user_annoyed": "no", "agent_unsure": "no"}

    bank = next(c for c in star.calls if c.call_id == "star-1830")
    assert bank.labels["contact_type"] == "bank_balance" and bank.labels["resolved"] is True
    assert (bank.evaluations[0].model_extra or {})["questions"]["task_success"].startswith(
        "Did the AI Assistant authenticate"
    )
    annoyed = next(c for c in star.calls if c.call_id == "star-18")
    assert annoyed.labels["user_annoyed"] is True and annoyed.labels["resolved"] is True
    multi = next(c for c in star.calls if c.call_id == "star-1553")
    assert multi.labels["contact_type"] == "bank_balance"
    assert multi.labels["tasks"] == ["bank_balance", "restaurant_book", "weather"]
    assert Counter(c.labels.get("resolved") for c in star.calls) == {None: 3906, True: 1704, False: 595}


def test_star_test_ids_end_in_0_or_1(star: LabeledCalls) -> None:
    assert len(star.test_ids) == 1261
    for call in star.calls:
        assert (call.call_id in star.test_ids) == (call.call_id[-1] in "01")
    assert is_test_dialogue(410) and is_test_dialogue("star-21") and not is_test_dialogue(412)


def test_speech_samples_point_at_the_shared_audio() -> None:
    data = _calls("speech-samples")
    assert data.base_dir == DATA / "speech" and data.test_ids == {c.call_id for c in data.calls}
    calls = {c.call_id: c for c in data.calls}
    assert len(calls) == 25 and data.skipped == []
    for call in data.calls:
        path = call.audio_path(data.base_dir)
        assert path is not None and path.is_file(), call.call_id
    assert calls["whisper-jfk"].turns[0].text.startswith("And so my fellow Americans")
    stereo = calls["faster_whisper-stereo_diarization"]
    assert stereo.channels == {"agent": 0, "customer": 1}
    assert [t.speaker for t in stereo.turns] == ["agent", "customer"]
    assert stereo.turns[1].text == "The horizon seems extremely distant."
    assert calls["librivox-0880"].turns[0].text == "he was not an ill disposed young man"
    assert calls["cards-001"].turns[0].text == "ten of clubs"
    sample = calls["pyannote-sample"]
    assert len(sample.turns) == 13 and {(t.model_extra or {})["name"] for t in sample.turns} == {
        "Diane",
        "Sheila",
    }
    assert (sample.turns[0].start, sample.turns[0].end, sample.turns[0].speaker) == (6.68, 7.16, "unknown")
    digits = [c for c in data.calls if c.call_id.startswith("fsdd-")]
    assert [c.labels["digit"] for c in digits] == [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
    ]
    assert calls["fsdd-7_jackson_0"].turns[0].text == "seven"


def test_harper_valley() -> None:
    data = _calls("harper-valley")
    calls = {c.call_id: c for c in data.calls}
    assert len(calls) == 5 and data.skipped == []
    low = calls["hvb-01f7ec3700424bc0"]
    assert low.labels["contact_type"] == "get_branch_hours"
    assert (low.labels["caller_rating"], low.labels["caller_comment"]) == (2, "lots of dead air")
    assert (low.turns[0].speaker, low.turns[0].text, low.turns[0].start, low.turns[0].end) == (
        "agent",
        "hello",
        4.82,
        5.12,
    )
    assert low.turns[1].speaker == "customer" and "branch hours" in low.turns[1].text
    assert low.audio is None
    assert sorted(c.labels["contact_type"] for c in data.calls) == [
        "check_balance",
        "get_branch_hours",
        "replace_card",
        "schedule_appointment",
        "transfer_money",
    ]
    for call in data.calls:
        starts = [t.start or 0.0 for t in call.turns]
        assert starts == sorted(starts)


# --- retrieval sets ----------------------------------------------------------------------------


def test_dstc10_documents_and_queries(dstc: RetrievalSet) -> None:
    assert len(dstc.documents) == 12039 and len(dstc.queries) == 263 and dstc.skipped == []
    docs = {d.id: d for d in dstc.documents}
    assert len(docs) == 12039
    taxi = docs["taxi-all-1"]
    assert taxi.title == "Taxi: How will I receive my booking confirmation?" and taxi.kind == "faq"
    assert taxi.text.split("\n") == [
        "How will I receive my booking confirmation?",
        "Booking confirmations will be sent via text messages shortly.",
    ]
    first = dstc.queries[0]
    assert (first.query, first.relevant) == (
        "perfect and what is the check kin time for that",
        ["hotel-110053-14"],
    )
    assert first.context[0].startswith("customer: hi hey i'm planning a trip")
    assert first.context[1].startswith("agent: sure i'm finding")
    assert docs["hotel-110053-14"].title.endswith("?")
    assert sum(bool(q.relevant) for q in dstc.queries) == 104
    assert dstc.queries[1].relevant == []  # not knowledge-seeking: nothing should be suggested


def test_abcd_procedures() -> None:
    data = load_dataset("abcd")
    assert isinstance(data, RetrievalSet) and len(data.documents) == 55 and data.skipped == []
    doc = next(d for d in data.documents if d.id == "product_defect.refund_initiate")
    assert doc.kind == "procedure" and doc.title == "Product Defect: Initiate Refund"
    assert "1. [Pull up Account]" in doc.text and doc.extra["required_actions"]
    assert [(q.relevant, q.query[:20]) for q in data.queries] == [
        (["product_defect.return_size"], "Hi! I need to return"),
        (["product_defect.refund_status"], "just wanted to check"),
        (["storewide_query.timing"], "I've got a promo cod"),
    ]


# --- export and read back ----------------------------------------------------------------------


def test_export_utterances_round_trip(tmp_path: Path) -> None:
    files = export_dataset("nlupp", tmp_path / "nlupp")
    assert sorted(p.name for p in files) == ["splits.json", "test.csv", "train.csv"]
    assert (tmp_path / "nlupp" / "test.csv").read_text().startswith("text,label")
    back = read_exported(tmp_path / "nlupp")
    original = _utterances("nlupp")
    assert isinstance(back, Utterances)
    assert (back.splits, back.multi_label, back.test_splits) == (original.splits, True, ("test",))
    single = read_utterance_csv(tmp_path / "nlupp" / "test.csv", multi_label=True)
    assert single.splits["test"] == original.splits["test"] and single.test_splits == ("test",)


def test_export_labeled_calls_round_trip(tmp_path: Path, star: LabeledCalls) -> None:
    subset = LabeledCalls(
        "star",
        star.calls[:40],
        star.base_dir,
        frozenset(c.call_id for c in star.calls[:40] if c.call_id in star.test_ids),
    )
    write_dataset(subset, tmp_path / "star")
    assert read_labeled_calls(tmp_path / "star" / "calls.jsonl").errors == []
    back = read_exported(tmp_path / "star")
    assert isinstance(back, LabeledCalls)
    assert back.calls == subset.calls and back.test_ids == subset.test_ids and back.test_ids

    export_dataset("speech-samples", tmp_path / "speech")
    speech = _calls("speech-samples")
    again = read_labeled_calls_file(tmp_path / "speech" / "calls.jsonl")
    assert again.test_ids == speech.test_ids
    for before, after in zip(speech.calls, again.calls, strict=True):
        # Same file (the data folder may be reached through a symbolic link).
        assert after.audio_path(again.base_dir).resolve() == before.audio_path(speech.base_dir).resolve()
        assert after.model_copy(update={"audio": None}) == before.model_copy(update={"audio": None})


def test_export_retrieval_round_trip(tmp_path: Path, dstc: RetrievalSet) -> None:
    queries = dstc.queries[:30]
    wanted = {d for q in queries for d in q.relevant}
    docs = [d for d in dstc.documents if d.id in wanted] + dstc.documents[:20]
    write_dataset(RetrievalSet("dstc10-track2", docs, queries), tmp_path / "dstc")
    text = (tmp_path / "dstc" / "knowledge" / "hotel-0-0.md").read_text()
    assert text.startswith("---\nid: hotel-0-0\nkind: faq\ntitle: 'A AND B GUEST HOUSE: Are children")
    back = read_exported(tmp_path / "dstc")
    assert isinstance(back, RetrievalSet) and back.skipped == []
    assert sorted(back.documents, key=lambda d: d.id) == sorted(docs, key=lambda d: d.id)
    assert back.queries == queries

    export_dataset("abcd", tmp_path / "abcd")
    abcd = read_exported(tmp_path / "abcd")
    original = load_dataset("abcd")
    assert isinstance(abcd, RetrievalSet) and isinstance(original, RetrievalSet)
    assert sorted(abcd.documents, key=lambda d: d.id) == sorted(original.documents, key=lambda d: d.id)
    assert abcd.queries == original.queries


def test_export_graded_round_trip(tmp_path: Path) -> None:
    data = GradedTexts(
        [GradedText("a:1", 'say "hi",\nthen go', 1.25, "a"), GradedText("b:2", "meh", -0.1, "b")]
    )
    write_dataset(data, tmp_path / "g", name="tiny")
    assert (tmp_path / "g" / "graded.csv").read_text().startswith("text,score")
    back = read_exported(tmp_path / "g")
    assert isinstance(back, GradedTexts) and list(back) == list(data)


# --- malformed input: reported with file and line, skipped, counted ------------------------------


def test_bad_utterance_rows_are_skipped_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "intents.csv"
    path.write_text(
        'text,label\n"two\nlines",billing\nno label here\n,billing\nfine,plan\n"x",\n', encoding="utf-8"
    )
    data = read_utterance_csv(path)
    assert [(u.text, u.label, u.id) for u in data.splits["intents"]] == [
        ("two\nlines", "billing", "intents:2"),
        ("fine", "plan", "intents:6"),
    ]
    assert [(e.path, e.line) for e in data.skipped] == [(str(path), 4), (str(path), 5), (str(path), 7)]
    assert data.skipped[0].message == f"{path}:4: field 'label': missing value"
    assert "field 'text': empty text" in data.skipped[1].message
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,intent\nhi,greet\n")
    with pytest.raises(FormatError, match="header lacks column"):
        read_utterance_csv(bad)


def test_bad_calls_and_queries_lines(tmp_path: Path) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text('{"call_id": "c1", "channel": "chat"}\n{"call_id": \n\n{"channel": "voice"}\n')
    data = read_labeled_calls_file(calls)
    assert [c.call_id for c in data.calls] == ["c1"]
    assert [e.line for e in data.skipped] == [2, 4] and "field 'call_id'" in data.skipped[1].message

    knowledge = tmp_path / "kb"
    knowledge.mkdir()
    (knowledge / "promo.md").write_text(
        "---\nid: promo-1\nkind: promotion\nvalid_to: 2026-12-31\n---\n# Deal\nHalf off."
    )
    (knowledge / "plain.md").write_text("# Returns\nBring the receipt.")
    (knowledge / "broken.md").write_text("---\nid: x\ntitle: [unclosed\n---\nbody")
    (knowledge / "wrong.md").write_text("---\nid: w\ntitle: W\nvalid_to: someday\n---\nbody")
    (knowledge / "faq.csv").write_text("id,title,answer\nf1,Hours,9 to 5\nf2,Empty,\n")
    (knowledge / "faq.json").write_text(
        '[{"id": "j1", "body": "yes", "kind": "policy"},\n {"id": "j2", "kind": "ad"}]'
    )
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        '{"query": "any deals", "relevant": ["promo-1"], "as_of": "2026-12-01"}\n'
        "not json\n"
        '{"relevant": []}\n'
        '{"query": "returns?", "relevant": ["plain.md", "nope"]}\n'
        '{"query": "hours", "relevant": ["f1"], "context": ["customer: hi"]}\n'
    )
    got = read_retrieval(knowledge, queries)
    docs = {d.id: d for d in got.documents}
    assert set(docs) == {"promo-1", "plain.md", "f1", "j1"}
    assert (docs["promo-1"].kind, docs["promo-1"].valid_to, docs["promo-1"].title) == (
        "promotion",
        "2026-12-31",
        "Deal",
    )
    assert docs["plain.md"].title == "Returns" and docs["f1"].text == "9 to 5" and docs["j1"].kind == "policy"
    assert [(q.id, q.relevant) for q in got.queries] == [("queries:1", ["promo-1"]), ("queries:5", ["f1"])]
    where = sorted((Path(e.path).name, e.line) for e in got.skipped)
    assert where == [
        ("broken.md", 3),
        ("faq.csv", 3),
        ("faq.json", 2),
        ("queries.jsonl", 2),
        ("queries.jsonl", 3),
        ("queries.jsonl", 4),
        ("wrong.md", 4),
    ]
    assert any("field 'kind'" in e.message for e in got.skipped)
    assert any(e.message.startswith(f"{knowledge / 'wrong.md'}:4: field 'valid_to'") for e in got.skipped)
    assert any("field 'query'" in e.message for e in got.skipped)

    graded = tmp_path / "graded.csv"
    graded.write_text("text,score\ngood,1.5\nbad,lots\n,2\n")
    g = read_graded_csv(graded)
    assert [x.score for x in g] == [1.5] and [e.line for e in g.skipped] == [3, 4]


def test_public_adapters_skip_bad_lines(tmp_path: Path) -> None:
    (tmp_path / "banking77").mkdir()
    (tmp_path / "banking77" / "train.csv").write_text("text,category\nwhere is my card,card_arrival\noops\n")
    (tmp_path / "banking77" / "test.csv").write_text(
        "text,category\n,card_arrival\nlost it,lost_or_stolen_card\n"
    )
    banking = load_banking77(tmp_path)
    assert [len(v) for v in banking.splits.values()] == [1, 1]
    assert [(Path(e.path).name, e.line) for e in banking.skipped] == [("train.csv", 3), ("test.csv", 2)]

    (tmp_path / "clinc150").mkdir()
    clinc = {
        "train": [["hi", "greeting"], ["no label"]],
        "val": [],
        "test": [["bye", "goodbye"]],
        "oos_train": [],
        "oos_val": [],
        "oos_test": [["what is love", ""]],
    }
    (tmp_path / "clinc150" / "data_full.json").write_text(json.dumps(clinc, indent=4))
    got = load_clinc150(tmp_path)
    assert {k: len(v) for k, v in got.splits.items()} == {"train": 1, "val": 0, "test": 1}
    lines = (tmp_path / "clinc150" / "data_full.json").read_text().split("\n")
    assert [lines[e.line - 1].strip() for e in got.skipped] == ["[", "["]
    assert [lines[e.line].strip() for e in got.skipped] == ['"no label"', '"what is love",']

    (tmp_path / "tweeteval_sentiment").mkdir()
    tweets = tmp_path / "tweeteval_sentiment"
    (tweets / "mapping.txt").write_text("0\tnegative\n1\tneutral\n2\tpositive\n")
    (tweets / "test_text.txt").write_text("good\nbad\n")
    (tweets / "test_labels.txt").write_text("2\n7\n")
    (tweets / "val_text.txt").write_text("ok\n")
    (tweets / "val_labels.txt").write_text("1\n0\n")
    tw = load_tweeteval(tmp_path)
    assert [u.label for u in tw.splits["train"]] == ["positive"] and len(tw.splits["val"]) == 1
    assert [(Path(e.path).name, e.line) for e in tw.skipped] == [
        ("test_labels.txt", 2),
        ("val_labels.txt", 2),
    ]

    (tmp_path / "vader_groundtruth").mkdir()
    for source in ("amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets", "tweets"):
        (tmp_path / "vader_groundtruth" / f"{source}_GroundTruth.txt").write_text(
            "1\t0.5\tfine\r\n2\tx\tbad\r\n"
        )
    vader = load_vader(tmp_path)
    assert len(vader) == 4 and len(vader.skipped) == 4 and {e.line for e in vader.skipped} == {2}


def test_star_bad_members_are_skipped(tmp_path: Path) -> None:
    good = {
        "DialogueID": 7,
        "AnonymizedUserWorkerID": "u",
        "AnonymizedWizardWorkerID": "w",
        "CompletionLevel": "Complete",
        "Scenario": {
            "Domains": ["bank"],
            "Happy": True,
            "MultiTask": False,
            "WizardCapabilities": [{"Domain": "bank", "Task": "bank_balance"}],
        },
        "Events": [
            {"Action": "utter", "Agent": "User", "Text": "balance please", "UnixTime": 100},
            {"Action": "query", "Agent": "Wizard", "APIName": "bank_balance", "UnixTime": 101},
            {"Action": "utter", "Agent": "Wizard", "Text": "Your name?", "UnixTime": 103},
        ],
        "UserQuestionnaire": [
            {"Question": "Did the AI Assistant authenticate your account?", "Answer": False}
        ],
        "WizardQuestionnaire": [
            {"Question": "Did the user become aggressive or annoyed during the dialogue?", "Answer": True}
        ],
    }
    broken_events = json.dumps({**good, "DialogueID": 9, "Events": "none"}, indent=2)
    members = {
        "dialogues/7.json": json.dumps(good, indent=2),
        "dialogues/8.json": '{"DialogueID": 8,\n "Events": [',
        "dialogues/9.json": broken_events,
    }
    events_line = next(n for n, line in enumerate(broken_events.split("\n"), 1) if '"Events"' in line)
    (tmp_path / "star").mkdir()
    with tarfile.open(tmp_path / "star" / "dialogues.tar.gz", "w:gz") as tar:
        for name, text in members.items():
            raw = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    data = load_star(tmp_path)
    assert [c.call_id for c in data.calls] == ["star-7"] and data.test_ids == frozenset()
    call = data.calls[0]
    assert [(t.speaker, t.text, t.start) for t in call.turns] == [
        ("customer", "balance please", 0.0),
        ("agent", "Your name?", 3.0),
    ]
    assert call.labels["resolved"] is False and call.labels["user_annoyed"] is True
    assert [(e.path.rsplit("[", 1)[1], e.line) for e in data.skipped] == [
        ("dialogues/8.json]", 2),
        ("dialogues/9.json]", events_line),
    ]
    assert "field 'Events'" in data.skipped[1].message
