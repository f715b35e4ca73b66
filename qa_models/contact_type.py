"""Contact type: why the customer called, from a taxonomy alone or trained on labeled data.

The classifier is a logistic-regression head on the shared sentence embeddings. Built from a
taxonomy alone it learns from each type's example utterances and description (few-shot); labeled
utterances or calls add to those examples. Hierarchical ids (``billing.double_charge``) are leaves;
when no leaf is confident but their parent group is, the parent id is the answer.

Out-of-scope rejection is calibrated on out-of-fold predictions of the training data: the threshold
on the top probability is the one that gives the best expected accuracy when ``oos_share`` of the
traffic is out of scope,
measured on the data's own out-of-scope examples (label ``other``/``oos``, which also train an
``other`` class) or, when it has none, on a generic set of requests no contact center handles
(``taxonomies/generic-out-of-scope.txt``). With neither, it is the probability below which only
``reject_rate`` of the correctly classified training items fall.

A call is classified from its customer's turns where the reason is stated: the sentences of the
first customer turns that say something (greetings, yes/no and fillers are skipped), earlier ones
weighing more. The call's type has the most probability mass over those sentences; a second type
with enough mass of its own, stated confidently somewhere, is the secondary type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from asr import Turn, customer_turn_indices
from common.errors import InvalidInput
from qa_models.heads import Encoder, LinearHead, ModelInfo, fit_linear_head, read_model, write_model
from qa_models.lexical import LexicalHead, fit_lexical_head
from qa_models.scorecard import Taxonomy, load_taxonomy

__all__ = [
    "DEFAULT_CONTACT_TYPE_MODEL",
    "DEFAULT_TAXONOMY",
    "OTHER",
    "CallContactType",
    "ContactTypeClassifier",
    "ContactTypeOptions",
    "TypePrediction",
    "build_contact_type",
    "load_default_contact_type",
    "reason_sentences",
]

OTHER = "other"
#: labels that mean "none of the types" in training data
OUT_OF_SCOPE_LABELS = frozenset({"other", "oos", "out_of_scope", "out-of-scope", "none"})
_HERE = Path(__file__).resolve().parent
DEFAULT_TAXONOMY = _HERE / "taxonomies" / "contact-center.yaml"
DEFAULT_CONTACT_TYPE_MODEL = _HERE / "models" / "contact-type"
GENERIC_OUT_OF_SCOPE = _HERE / "taxonomies" / "generic-out-of-scope.txt"
KIND = "contact_type"


@dataclass(slots=True)
class ContactTypeOptions:
    """``c``: inverse regularisation of the head. ``description_weight``: a type's description counts
    as this many examples. ``generic_out_of_scope``: calibrate on the generic out-of-scope requests
    when the data has no out-of-scope examples; ``oos_share``: the share of out-of-scope contacts
    expected in traffic, which weighs out-of-scope recall against in-scope accuracy when the
    threshold is chosen; ``lexical_weights``: the shares of the word n-gram head tried (the one
    with the best out-of-fold accuracy is kept); ``reject_rate``: without either, the share of
    correctly classified training items that the ``other`` threshold may turn away. ``folds`` for
    the out-of-fold calibration. For calls: ``reason_turns`` customer turns are read,
    ``position_decay`` makes each later sentence weigh less, ``secondary_share`` is the least mass a
    secondary type needs relative to the primary's."""

    c: float = 10.0
    description_weight: float = 1.0
    reject_rate: float = 0.05
    generic_out_of_scope: bool = True
    oos_share: float = 0.1
    lexical_weights: tuple[float, ...] = (0.0, 0.25, 0.5)
    folds: int = 5
    reason_turns: int = 6
    max_sentences: int = 12
    position_decay: float = 0.25
    secondary_share: float = 0.5


@dataclass(slots=True)
class TypePrediction:
    """One text's answer: ``label`` (a type id, a parent group, or ``other``), its confidence, and the
    best in-scope type with its probability even when rejected (for review queues)."""

    label: str
    confidence: float
    best_type: str
    best_probability: float


@dataclass(slots=True)
class CallContactType:
    label: str
    confidence: float
    secondary: str | None = None
    secondary_confidence: float | None = None
    evidence: list[str] = field(default_factory=list)
    evidence_turns: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# ------------------------------------------------------------------------------ reason sentences

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FILLER = re.compile(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|yes|yeah|yep|no|nope|ok(?:ay)?|sure|right|"
    r"thanks?(?: you)?(?: so much| very much)?|thank you|great|perfect|alright|all right|bye|goodbye|"
    r"um+|uh+|hm+|mhm|uh-huh|that's (?:right|correct|it|all)|i see|got it|sounds good)(?:[\s,.!?]+|$)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9']+")


def _says_something(sentence: str) -> bool:
    """False for greetings, yes/no, fillers and bare names/numbers (identity checks)."""
    rest = sentence.strip()
    while True:  # "yes, hi, um" → ""
        m = _FILLER.match(rest)
        if not m or not m.group(0):
            break
        rest = rest[m.end() :]
    words = _WORD.findall(rest)
    return len(words) >= 3 and sum(not w.isdigit() for w in words) >= 3


def reason_sentences(
    turns: Sequence[Turn], options: ContactTypeOptions | None = None
) -> list[tuple[int, str]]:
    """``(turn index, sentence)`` of the customer's first turns that can state a reason."""
    options = options or ContactTypeOptions()
    customer = customer_turn_indices(turns)
    out: list[tuple[int, str]] = []
    for i in customer[: options.reason_turns]:
        for sentence in _SENTENCE.split(turns[i].text.strip()):
            if _says_something(sentence):
                out.append((i, sentence.strip()))
    if not out and customer:  # nothing substantive: use what there is
        out = [(i, turns[i].text.strip()) for i in customer[: options.reason_turns]]
    return out[: options.max_sentences]


# ------------------------------------------------------------------------------ the classifier


def _parent(label: str) -> str | None:
    return label.rsplit(".", 1)[0] if "." in label else None


class ContactTypeClassifier:
    """Satisfies the evals' ``ContactTypeModel`` (``classify(texts)``) and classifies whole calls."""

    def __init__(
        self,
        encoder: Encoder,
        head: LinearHead,
        threshold: float,
        info: ModelInfo,
        options: ContactTypeOptions | None = None,
        *,
        lexical: LexicalHead | None = None,
        lexical_weight: float = 0.0,
    ) -> None:
        self.encoder = encoder
        self.head = head
        if lexical is not None and lexical.head.classes != head.classes:
            raise InvalidInput("the lexical and embedding heads must have the same classes")
        self.lexical = lexical
        self.lexical_weight = float(lexical_weight) if lexical is not None else 0.0
        self.threshold = float(threshold)
        self.info = info
        self.options = options or ContactTypeOptions()
        self.name = info.name
        parents: dict[str, list[int]] = {}
        for j, label in enumerate(head.classes):
            parent = _parent(label)
            if parent is not None:
                parents.setdefault(parent, []).append(j)
        self._other = head.classes.index(OTHER) if OTHER in head.classes else None
        # Groups with one member add nothing over the member itself.
        self._groups = {p: idx for p, idx in parents.items() if len(idx) > 1}

    @property
    def types(self) -> list[str]:
        return [c for c in self.head.classes if c != OTHER]

    # -- utterances

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        if vectors is None:
            vectors = self.encoder.embed(list(texts))
        p = self.head.probabilities(vectors)
        if self.lexical is not None and self.lexical_weight:
            p = (1 - self.lexical_weight) * p + self.lexical_weight * self.lexical.probabilities(texts)
        return p

    def _decide(self, probs: np.ndarray, j: int | None = None) -> TypePrediction:
        """The answer for one probability row: about its best type, or about type ``j`` when given
        (a call's type, decided on the sentence that states it most surely)."""
        if self._other is not None:  # trained with out-of-scope examples
            p_other = float(probs[self._other])
            probs = probs.copy()
            probs[self._other] = -1.0
            k = int(np.argmax(probs))
            if j in (None, self._other) and p_other > probs[k]:
                return TypePrediction(OTHER, p_other, self.head.classes[k], float(probs[k]))
            j = k if j in (None, self._other) else j
        j = int(np.argmax(probs)) if j is None else j
        best, p = self.head.classes[j], float(probs[j])
        if p >= self.threshold:
            return TypePrediction(best, p, best, p)
        parent = _parent(best)
        if parent in self._groups:
            members = self._groups[parent]
            mass = float(probs[members].sum())
            # A big group collects mass even from vague text: it must also be well above its share.
            if mass >= max(self.threshold, min(0.9, 2 * len(members) / len(probs))):
                return TypePrediction(parent, mass, best, p)
        return TypePrediction(OTHER, 1.0 - p, best, p)

    def predict(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[TypePrediction]:
        if not len(texts):
            return []
        return [self._decide(row) for row in self.probabilities(texts, vectors)]

    def classify(self, texts: Sequence[str]) -> list[object]:
        """The evals' protocol: ``Label``-shaped answers (label, confidence, evidence)."""
        return [
            _EvalLabel(p.label, p.confidence, [f"best type {p.best_type} ({p.best_probability:.2f})"])
            for p in self.predict(texts)
        ]

    # -- calls

    def classify_call(self, turns: Sequence[Turn]) -> CallContactType:
        return self.classify_calls([turns])[0]

    def call_from(self, sentences: list[tuple[int, str]], probs: np.ndarray) -> CallContactType:
        """A call's type from its reason sentences and their probabilities; ``other`` without any."""
        if not sentences:
            return CallContactType(OTHER, 0.0)
        o = self.options
        # Earlier sentences state the reason; confident ones say more than vague ones.
        weights = np.array([1.0 / (1.0 + o.position_decay * k) for k in range(len(sentences))])
        weights *= probs.max(axis=1)
        mass = (weights[:, None] * probs).sum(axis=0) / max(weights.sum(), 1e-9)
        order = np.argsort(-mass)
        first = int(order[0])
        # Confidence: the surest statement of the call's type anywhere in the reason window.
        decided = self._decide(probs[int(np.argmax(probs[:, first]))], first)
        ranked = [int(k) for k in np.argsort(-probs[:, first])[:2]]
        cited = [k for k in ranked if probs[k, first] >= 0.5 * probs[ranked[0], first]]
        result = CallContactType(
            decided.label,
            round(decided.confidence, 4),
            evidence=[sentences[k][1] for k in cited],
            evidence_turns=sorted({sentences[k][0] for k in cited}),
        )
        if decided.label == OTHER:
            return result
        for j in (int(x) for x in order[1:3]):
            label = self.head.classes[j]
            if label in (decided.label, OTHER) or _parent(label) == decided.label:
                continue
            surest = float(probs[:, j].max())
            if mass[j] >= o.secondary_share * mass[first] and surest >= self.threshold:
                result.secondary, result.secondary_confidence = label, round(surest, 4)
            break
        return result

    def classify_calls(self, calls: Sequence[Sequence[Turn]]) -> list[CallContactType]:
        """Several calls with one batched embedding pass."""
        per_call = [reason_sentences(turns, self.options) for turns in calls]
        flat = [s for sentences in per_call for _, s in sentences]
        probs = self.probabilities(flat) if flat else np.zeros((0, len(self.head.classes)))
        out, k = [], 0
        for sentences in per_call:
            out.append(self.call_from(sentences, probs[k : k + len(sentences)]))
            k += len(sentences)
        return out

    # -- files

    def save(self, folder: str | Path) -> Path:
        self.info.settings = {
            **self.info.settings,
            "threshold": self.threshold,
            "lexical_weight": self.lexical_weight,
            "options": asdict(self.options),
        }
        arrays = self.head.arrays()
        if self.lexical is not None:
            arrays.update(self.lexical.arrays())
        return write_model(folder, self.info, arrays)

    @classmethod
    def load(cls, folder: str | Path, encoder: Encoder) -> ContactTypeClassifier:
        info, arrays = read_model(folder, KIND)
        settings = dict(info.settings)
        options = ContactTypeOptions(**settings.get("options", {}))
        if info.encoder and info.encoder.split("/")[0] != encoder.name.split("/")[0]:
            raise InvalidInput(
                f"{folder} was trained on {info.encoder} embeddings but the encoder here is {encoder.name}"
            )
        options.lexical_weights = tuple(options.lexical_weights)
        lexical = LexicalHead.from_arrays(arrays) if "lex_terms" in arrays else None
        return cls(
            encoder,
            LinearHead.from_arrays(arrays),
            float(settings["threshold"]),
            info,
            options,
            lexical=lexical,
            lexical_weight=float(settings.get("lexical_weight", 0.0)),
        )


@dataclass(slots=True)
class _EvalLabel:
    label: str
    confidence: float | None = None
    evidence: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ training


def _training_set(
    taxonomy: Taxonomy | None,
    texts: Sequence[str],
    labels: Sequence[str],
    options: ContactTypeOptions,
) -> tuple[list[str], list[str], list[float]]:
    xs, ys, ws = [], [], []
    if taxonomy is not None:
        for t in taxonomy.types:
            for example in t.examples:
                if example.strip():
                    xs.append(example.strip())
                    ys.append(t.id)
                    ws.append(1.0)
            if t.description.strip() and options.description_weight > 0:
                xs.append(t.description.strip())
                ys.append(t.id)
                ws.append(options.description_weight)
    for text, label in zip(texts, labels, strict=True):
        if text.strip() and str(label).strip():
            xs.append(text.strip())
            ys.append(OTHER if str(label).strip().lower() in OUT_OF_SCOPE_LABELS else str(label).strip())
            ws.append(1.0)
    return xs, ys, ws


@dataclass(slots=True)
class _Fit:
    """What training decides from out-of-fold predictions: the lexical share and the threshold."""

    lexical_weight: float
    threshold: float
    figures: dict[str, float]


def _calibrate(
    vectors: np.ndarray,
    texts: list[str],
    labels: list[str],
    weights: np.ndarray,
    options: ContactTypeOptions,
    background: tuple[list[str], np.ndarray] | None = None,
) -> _Fit:
    """The lexical share and the rejection threshold from out-of-fold predictions (see the module
    docstring). ``background``: generic out-of-scope texts and their vectors, scored by every fold's
    model, standing in for out-of-scope examples when the training data has none."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels)
    classes = np.array(sorted(set(labels)))
    counts = {label: int((y == label).sum()) for label in classes}
    # Large sets estimate as well from fewer folds, and each fold is a full fit.
    folds = min(options.folds if len(y) <= 3000 else 3, min(counts.values()))
    shares = [w for w in options.lexical_weights if w == 0 or folds >= 2]
    if folds < 2:
        return _Fit(0.0, 0.0, {})
    inscope = y != OTHER
    proxy = background is not None and len(background[0]) > 0 and not (~inscope).any()
    oof = {w: np.zeros((len(y), len(classes))) for w in shares}
    oof_bg = {w: np.zeros((len(background[0]) if proxy and background else 0, len(classes))) for w in shares}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for tr, te in splitter.split(vectors, y):
        head = fit_linear_head(vectors[tr], y[tr].tolist(), c=options.c, sample_weight=weights[tr])
        p_emb = head.probabilities(vectors[te])
        bg_emb = head.probabilities(background[1]) if proxy and background else None
        lex = None
        if any(shares):
            lex = fit_lexical_head(
                [texts[i] for i in tr], y[tr].tolist(), c=options.c, sample_weight=weights[tr]
            )
        for w in shares:
            p = (
                p_emb
                if lex is None or w == 0
                else (1 - w) * p_emb + w * lex.probabilities([texts[i] for i in te])
            )
            oof[w][te] = p
            if bg_emb is not None and background is not None:
                bg = (
                    bg_emb
                    if lex is None or w == 0
                    else (1 - w) * bg_emb + w * lex.probabilities(background[0])
                )
                oof_bg[w] += bg / folds
    scoped_cols = classes != OTHER

    def accuracy(p: np.ndarray) -> float:
        best = classes[scoped_cols][np.where(scoped_cols, p, -1.0)[:, scoped_cols].argmax(axis=1)]
        return float((best == y)[inscope].mean())

    share = max(shares, key=lambda w: (round(accuracy(oof[w]), 4), -w))  # ties: the simpler model
    p = oof[share]
    top = p[:, scoped_cols].max(axis=1)
    right = classes[scoped_cols][p[:, scoped_cols].argmax(axis=1)] == y
    said_other = classes[p.argmax(axis=1)] == OTHER
    top_bg = oof_bg[share][:, scoped_cols].max(axis=1) if proxy else np.zeros(0)
    if (~inscope).any() or proxy:  # the best expected accuracy with oos_share of the traffic out of scope
        threshold, best_score = 0.0, -1.0
        for t in np.unique(np.round(top, 3)):
            kept = (top >= t) & ~said_other
            recall = float((top_bg < t).mean()) if proxy else float((~kept)[~inscope].mean())
            score = (1 - options.oos_share) * float(
                (right & kept)[inscope].mean()
            ) + options.oos_share * recall
            if score > best_score:
                threshold, best_score = float(t), score
    else:
        threshold = float(np.quantile(top[right], options.reject_rate)) if right.any() else 0.0
    kept = (top >= threshold) & ~said_other
    figures = {
        "cv_accuracy": round(float(right[inscope].mean()), 4),
        "cv_accuracy_with_rejection": round(float((right & kept)[inscope].mean()), 4),
        "folds": float(folds),
    }
    figures.update({f"cv_accuracy_lexical_{w:g}": round(accuracy(oof[w]), 4) for w in shares})
    if (~inscope).any():
        figures["cv_oos_recall"] = round(float((~kept)[~inscope].mean()), 4)
    elif proxy:
        figures["cv_generic_oos_recall"] = round(float((top_bg < threshold).mean()), 4)
    return _Fit(share, threshold, figures)


def generic_out_of_scope() -> list[str]:
    """Requests no contact center handles (CLINC150's non-test out-of-scope queries)."""
    lines = GENERIC_OUT_OF_SCOPE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_contact_type(
    encoder: Encoder,
    *,
    taxonomy: Taxonomy | None = None,
    texts: Sequence[str] = (),
    labels: Sequence[str] = (),
    options: ContactTypeOptions | None = None,
    name: str = "contact-type",
    trained_on: str = "",
) -> ContactTypeClassifier:
    """A classifier from a taxonomy's examples, labeled texts, or both (labeled texts may say
    ``other``/``oos`` for out-of-scope items, which calibrate the rejection)."""
    options = options or ContactTypeOptions()
    if len(texts) != len(labels):
        raise InvalidInput(f"{len(texts)} texts but {len(labels)} labels")
    xs, ys, ws = _training_set(taxonomy, texts, labels, options)
    inscope = sorted({y for y in ys if y != OTHER})
    if len(inscope) < 2:
        raise InvalidInput(
            "a contact-type model needs at least two types with examples "
            f"(found {len(inscope)}): give a taxonomy with examples, or labeled data"
        )
    vectors = encoder.embed(xs)
    weights = np.array(ws, dtype=np.float64)
    generic = generic_out_of_scope() if options.generic_out_of_scope else []
    fit = _calibrate(
        vectors, xs, ys, weights, options, (generic, encoder.embed(generic)) if generic else None
    )
    # Out-of-scope examples are a class of their own as well as calibrating the threshold.
    head = fit_linear_head(vectors, ys, c=options.c, sample_weight=weights)
    lexical = fit_lexical_head(xs, ys, c=options.c, sample_weight=weights) if fit.lexical_weight else None
    info = ModelInfo(
        kind=KIND,
        name=name,
        encoder=encoder.name,
        trained_on=trained_on or (f"taxonomy {taxonomy.id}" if taxonomy else f"{len(texts)} labeled items"),
        metrics={
            **fit.figures,
            "lexical_weight": fit.lexical_weight,
            "threshold": round(fit.threshold, 4),
            "types": len(inscope),
            "examples": len(ys),
        },
    )
    return ContactTypeClassifier(
        encoder,
        head,
        fit.threshold,
        info,
        replace(options),
        lexical=lexical,
        lexical_weight=fit.lexical_weight,
    )


def load_default_contact_type(encoder: Encoder) -> ContactTypeClassifier:
    """The shipped model built from the default taxonomy (built here when the folder is missing)."""
    if (DEFAULT_CONTACT_TYPE_MODEL / "model.json").is_file():
        return ContactTypeClassifier.load(DEFAULT_CONTACT_TYPE_MODEL, encoder)
    return build_contact_type(
        encoder, taxonomy=load_taxonomy(DEFAULT_TAXONOMY), name="contact-center-default"
    )
