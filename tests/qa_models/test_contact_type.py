"""Contact-type classifier: logic on a hashing fake encoder, then the shipped default on the real one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asr import Turn
from common.errors import ConfigError, InvalidInput
from qa_models import (
    OTHER,
    ContactTypeClassifier,
    ContactTypeOptions,
    LinearHead,
    ModelInfo,
    Taxonomy,
    build_contact_type,
    reason_sentences,
)
from tests.fakes import HashingEncoder

TAXONOMY = Taxonomy.model_validate(
    {
        "id": "test",
        "types": [
            {
                "id": "billing.double_charge",
                "description": "charged twice duplicate payment",
                "examples": [
                    "I was charged twice for my bill",
                    "there is a duplicate payment charged on my card",
                    "you billed me twice this month",
                ],
            },
            {
                "id": "billing.late_fee",
                "description": "late fee penalty on the bill",
                "examples": [
                    "why is there a late fee on my bill",
                    "remove the late penalty please",
                    "I paid on time but got a late fee",
                ],
            },
            {
                "id": "tech.internet_down",
                "description": "internet connection not working",
                "examples": [
                    "my internet is down",
                    "the wifi connection keeps dropping",
                    "internet not working since yesterday",
                ],
            },
        ],
    }
)


def turn(speaker: str, text: str) -> Turn:
    return Turn(speaker, 0.0, 1.0, text)


@pytest.fixture
def model() -> ContactTypeClassifier:
    return build_contact_type(HashingEncoder(), taxonomy=TAXONOMY, name="fake")


def test_taxonomy_alone_classifies_and_rejects(model: ContactTypeClassifier) -> None:
    got = model.predict(["I think you charged me twice", "my wifi internet keeps dropping", "zebra quartz"])
    assert [p.label for p in got[:2]] == ["billing.double_charge", "tech.internet_down"]
    assert got[2].label == OTHER and got[2].best_type in model.types
    assert 0.0 < model.threshold < 1.0
    assert model.info.metrics["types"] == 3 and "cv_accuracy" in model.info.metrics


def test_parent_group_when_no_leaf_is_confident() -> None:
    head = LinearHead(
        ["billing.a", "billing.b", "tech.c"],
        np.eye(3, 4, dtype=np.float32) * 4,
        np.zeros(3, dtype=np.float32),
    )
    clf = ContactTypeClassifier(HashingEncoder(), head, 0.6, ModelInfo(kind="contact_type", name="m"))
    vector = np.array([[0.5, 0.5, 0.0, 0.0]], dtype=np.float32)  # billing.a and billing.b split the mass
    (pred,) = clf.predict(["x"], vector)
    assert pred.label == "billing" and pred.confidence >= 0.6 and pred.best_type in ("billing.a", "billing.b")
    (flat,) = clf.predict(["x"], np.zeros((1, 4), dtype=np.float32))  # nothing stands out → other
    assert flat.label == OTHER


def test_out_of_scope_examples_calibrate_the_threshold() -> None:
    texts = ["what is the weather on mars", "tell me a joke about cats", "who won the football game"]
    clf = build_contact_type(HashingEncoder(), taxonomy=TAXONOMY, texts=texts, labels=["oos"] * 3)
    assert "cv_oos_recall" in clf.info.metrics
    assert OTHER not in clf.types
    assert clf.predict(["tell me a joke about dogs"])[0].label == OTHER


def test_reason_sentences_skip_greetings_and_the_agent() -> None:
    turns = [
        turn("agent", "Thanks for calling, how can I help you today?"),
        turn("customer", "Hi. Yes, hello."),
        turn("customer", "Um, okay. I was charged twice for my bill this month. It's annoying."),
        turn("agent", "Let me check your internet connection."),
        turn("customer", "123 456"),
    ]
    # Fillers, yes/no, two-word remarks and bare numbers (identity checks) say nothing of the reason.
    assert reason_sentences(turns) == [(2, "I was charged twice for my bill this month.")]
    # Nobody marked as customer: the non-agent turns are read.
    assert reason_sentences([turn("unknown", "my internet is down again")]) == [
        (0, "my internet is down again")
    ]


def test_call_level_type_secondary_and_evidence(model: ContactTypeClassifier) -> None:
    turns = [
        turn("agent", "Hello, how can I help? Is your internet working?"),
        turn("customer", "Hi there. I was charged twice for my bill, you billed me twice."),
        turn("customer", "And also my internet is down, the wifi connection keeps dropping."),
        turn("customer", "Thanks."),
    ]
    call = model.classify_call(turns)
    assert call.label == "billing.double_charge"
    assert call.secondary == "tech.internet_down"
    assert call.evidence and "charged twice" in call.evidence[0] and call.evidence_turns == [1]
    assert model.classify_calls([turns, [turn("customer", "okay")]])[0].label == call.label
    assert model.classify_call([turn("agent", "hello")]).label == OTHER


def test_save_load_round_trip_and_errors(model: ContactTypeClassifier, tmp_path: Path) -> None:
    folder = model.save(tmp_path / "ct")
    again = ContactTypeClassifier.load(folder, HashingEncoder())
    texts = ["charged twice", "late fee", "internet down", "nonsense words"]
    assert [p.label for p in again.predict(texts)] == [p.label for p in model.predict(texts)]
    assert again.threshold == pytest.approx(model.threshold)
    assert again.info.version == model.info.version
    with pytest.raises(ConfigError, match=r"no model\.json"):
        ContactTypeClassifier.load(tmp_path, HashingEncoder())
    with pytest.raises(InvalidInput, match="at least two types"):
        build_contact_type(HashingEncoder(), texts=["a b c"], labels=["x"])
    with pytest.raises(InvalidInput, match="2 texts but 1 labels"):
        build_contact_type(HashingEncoder(), texts=["a", "b"], labels=["x"])


def test_shipped_default_model_on_the_real_encoder(model_cache: Path) -> None:
    from knowledge import EmbedderOptions, get_embedder
    from qa_models import DEFAULT_CONTACT_TYPE_MODEL, load_default_contact_type

    assert (DEFAULT_CONTACT_TYPE_MODEL / "model.json").is_file(), "the default model ships with the package"
    clf = load_default_contact_type(get_embedder(EmbedderOptions(cache_dir=model_cache)))
    got = clf.predict(
        [
            "hi, I've been charged twice for the same order on my card",
            "I want to cancel my contract, how much does it cost to leave early",
            "my internet keeps cutting out every evening",
            "I forgot my password and now I'm locked out of my account",
        ]
    )
    labels = [p.label for p in got]
    assert labels[0].startswith("billing") or labels[0].startswith("payments"), labels
    assert labels[1].startswith("cancellation"), labels
    assert labels[2].startswith("technical"), labels
    assert labels[3].startswith("account"), labels
    call = clf.classify_call(
        [
            turn("agent", "Thank you for calling, this is Sam, how can I help you?"),
            turn(
                "customer", "Hi Sam. Yeah, um, I'm calling because my bill went up forty dollars this month."
            ),
            turn("agent", "I'm sorry to hear that, let me look."),
            turn("customer", "Okay, thanks."),
        ]
    )
    assert call.label.startswith("billing"), call
    assert call.evidence and "bill went up" in call.evidence[0]


def test_lexical_head_matches_scikit_learn_and_round_trips() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qa_models.lexical import LexicalHead, fit_lexical_head, ngrams

    texts = [
        "my card was charged twice",
        "card declined at the shop",
        "where is my new card",
        "charged twice again",
    ]
    labels = ["double", "declined", "delivery", "double"]
    lex = fit_lexical_head(texts, labels)
    reference = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True).fit(texts)
    ours = lex.features(["charged twice, my card was charged twice"]).toarray()
    theirs = reference.transform(["charged twice, my card was charged twice"]).toarray()
    order = [reference.vocabulary_[t] for t in sorted(lex.vocabulary, key=lex.vocabulary.__getitem__)]
    np.testing.assert_allclose(ours[0], theirs[0, order], atol=1e-6)
    again = LexicalHead.from_arrays(lex.arrays())
    np.testing.assert_allclose(again.probabilities(texts), lex.probabilities(texts), atol=1e-6)
    assert lex.head.classes[int(lex.probabilities(["charged twice"]).argmax())] == "double"


def test_lexical_share_is_chosen_out_of_fold_and_saved(tmp_path: Path) -> None:
    options = ContactTypeOptions(lexical_weights=(0.5,), generic_out_of_scope=False)
    clf = build_contact_type(HashingEncoder(), taxonomy=TAXONOMY, options=options)
    assert clf.lexical is not None and clf.lexical_weight == 0.5
    again = ContactTypeClassifier.load(clf.save(tmp_path / "m"), HashingEncoder())
    texts = ["late fee on my bill", "internet down"]
    np.testing.assert_allclose(again.probabilities(texts), clf.probabilities(texts), atol=1e-6)


def test_call_type_is_decided_on_the_type_with_the_mass() -> None:
    head = LinearHead(
        ["a.x", "b.y", "c.z"], np.zeros((3, 4), dtype=np.float32), np.zeros(3, dtype=np.float32)
    )
    clf = ContactTypeClassifier(HashingEncoder(), head, 0.4, ModelInfo(kind="contact_type", name="m"))
    sentences = [(0, "first"), (1, "second"), (2, "third")]
    # a.x carries the most mass; its surest sentence (0.45) is one where b.y is higher still.
    probs = np.array([[0.45, 0.55, 0.0], [0.44, 0.12, 0.44], [0.44, 0.12, 0.44]])
    call = clf.call_from(sentences, probs)
    assert call.label == "a.x" and call.confidence == pytest.approx(0.45)
    assert call.evidence[0] == "first"
