"""Automatic QA against a scorecard: item scorers with evidence, knowledge checks, refits learned
from human answers, and the agreement reports of the calibration loop."""

from qa_models.qa.agreement import (
    AgreementOptions,
    EvaluatorBias,
    ItemAgreement,
    ItemTrend,
    Rating,
    disagreement_trend,
    evaluator_bias,
    item_agreement,
)
from qa_models.qa.facts import DocumentFacts, FactOptions, KnowledgeChecker, KnowledgeFact
from qa_models.qa.learned import FitOptions, ItemFit, ItemModels, fit_item_models
from qa_models.qa.scorer import QAOptions, QAScorer
from qa_models.qa.types import Evidence, ItemResult, QAResult

__all__ = [
    "AgreementOptions",
    "DocumentFacts",
    "EvaluatorBias",
    "Evidence",
    "FactOptions",
    "FitOptions",
    "ItemAgreement",
    "ItemFit",
    "ItemModels",
    "ItemResult",
    "ItemTrend",
    "KnowledgeChecker",
    "KnowledgeFact",
    "QAOptions",
    "QAResult",
    "QAScorer",
    "Rating",
    "disagreement_trend",
    "evaluator_bias",
    "fit_item_models",
    "item_agreement",
]
