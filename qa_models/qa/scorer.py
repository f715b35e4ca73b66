"""Automatic QA: every item of a scorecard answered with confidence, evidence and a rationale.

Items of the default scorecard (and items of any scorecard that reuse their ids) have built-in
scorers (``rules``). An item without one is scored from its question, guidance and ``examples``
(``examples``, needs the sentence encoder), or by a configured chat model when the item says
``scorer: llm``. Refits learned from human answers (``calibration``) take over the items they were
fitted for. Scoring needs no database: ``knowledge`` is any ``KnowledgeChecker``, and without one
``accurate_information`` answers ``na`` saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qa_models.qa.facts import FactOptions, KnowledgeChecker
from qa_models.qa.types import ItemResult, QAResult
from qa_models.qa.view import CallView
from qa_models.scorecard import Scorecard, ScorecardItem, score_call
from qa_models.tagger import TagInput

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from qa_models.heads import Encoder
    from qa_models.qa.learned import ItemModels

__all__ = ["QAOptions", "QAScorer"]

NAME = "callscope-qa"
VERSION = "1"


@dataclass(slots=True)
class QAOptions:
    """Tunables of the built-in scorers.

    ``company_names``: the company's names as agents say them (helps the greeting check; without
    them a company name is recognised from how it is introduced). ``hold_gap_s``: a silence between
    turns this long on a voice call counts as a hold (``chat_hold_gap_s`` on text channels).
    ``greeting_turns`` / ``closing_turns``: how many agent turns at the start / end are the opening /
    closing. ``low_confidence``: answers below it are flagged for review.
    """

    company_names: tuple[str, ...] = ()
    hold_gap_s: float = 15.0
    chat_hold_gap_s: float = 180.0
    greeting_turns: int = 2
    closing_turns: int = 3
    low_confidence: float = 0.6
    #: a customer turn the sentiment model reads as negative with at least this probability counts
    #: as the customer voicing frustration, worry or inconvenience (``empathy``)
    negative_turn: float = 0.55
    #: how sure a knowledge-base match must be to support or contradict a statement
    facts: FactOptions = field(default_factory=FactOptions)


class QAScorer:
    """Scores calls against a scorecard. Safe to share: it holds only models and options."""

    name = NAME

    def __init__(
        self,
        options: QAOptions | None = None,
        *,
        knowledge: KnowledgeChecker | None = None,
        encoder: Encoder | None = None,
        chat_model: BaseChatModel | None = None,
        calibration: ItemModels | None = None,
    ) -> None:
        self.options = options or QAOptions()
        self.knowledge = knowledge
        self.encoder = encoder
        self.chat_model = chat_model
        self.calibration = calibration
        self._sentiment: Any = None

    def negative_turns(self, view: CallView) -> list[tuple[int, float]]:
        """The customer's turns the shipped sentiment model reads as negative (at least
        ``negative_turn``), with that probability; empty without an encoder it was trained on."""
        if self.encoder is None or not view.customer:
            return []
        if self._sentiment is None:
            from common.errors import ConfigError
            from qa_models.sentiment import load_default_sentiment

            try:
                self._sentiment = load_default_sentiment(self.encoder)
            except ConfigError:  # another encoder: the model cannot read its vectors
                self._sentiment = False
        if self._sentiment is False:
            return []
        scores = self._sentiment.score([view.turns[i].text for i in view.customer])
        out = [(i, s.probabilities.get("negative", 0.0)) for i, s in zip(view.customer, scores, strict=True)]
        return [(i, p) for i, p in out if p >= self.options.negative_turn]

    @property
    def model(self) -> str:
        base = f"{NAME}@{VERSION}"
        return f"{base}+{self.calibration.label}" if self.calibration is not None else base

    def score(self, call: TagInput, card: Scorecard) -> QAResult:
        return self.score_many([call], card)[0]

    def score_many(self, calls: Sequence[TagInput], card: Scorecard) -> list[QAResult]:
        from qa_models.qa.rules import BUILTIN

        out = []
        for call in calls:
            view = CallView.of(call, self.options)
            items = [self._item(view, item, BUILTIN.get(item.id)) for item in card.items]
            out.append(self.result(call.call_id, card, items))
        return out

    def result(self, call_id: str, card: Scorecard, items: list[ItemResult]) -> QAResult:
        """The call's score from its item answers (also used after a person changes an answer)."""
        scored = score_call(card, {i.item_id: i.answer for i in items})
        return QAResult(
            call_id=call_id,
            scorecard=card.id,
            scorecard_version=str(card.version),
            items=items,
            percent=scored.percent,
            passed=scored.passed,
            auto_failed=scored.auto_failed,
            model=self.model,
        )

    def _item(self, view: CallView, item: ScorecardItem, builtin: Any) -> ItemResult:
        if item.scorer == "llm" and self.chat_model is not None:
            from qa_models.qa.llm import score_with_llm

            return score_with_llm(self.chat_model, view, item)
        if builtin is not None:
            result: ItemResult = builtin(view, item, self)
        else:
            from qa_models.qa.examples import score_from_examples

            result = score_from_examples(view, item, self.encoder)
        if self.calibration is not None:
            result = self.calibration.adjust(item, result)
        return _fit_answer(item, result)


def _fit_answer(item: ScorecardItem, result: ItemResult) -> ItemResult:
    """A built-in ``na`` on an item that does not allow it becomes the item's passing answer."""
    if result.answer == "na" and not item.allows_na and item.scale is None:
        result.answer = "yes"
        result.rationale = f"{result.rationale} (this scorecard has no 'na' for the item: counted as met)"
    return result
