"""PII redaction for calls: transcripts (text and word time spans) and recordings.

    from privacy import get_redactor, silence_spans

    result = get_redactor().redact_transcript(transcript)   # "[CARD_NUMBER]" instead of digits
    silence_spans("call.wav", result.spans, "call.redacted.wav")

Presidio and spaCy load inside ``get_redactor``'s cached loader, so importing this package is cheap.
"""

from privacy.audio import silence_spans
from privacy.redactor import Redactor, RedactorProtocol, get_redactor
from privacy.types import ENTITY_TYPES, RedactedSpan, RedactionOptions, RedactionResult

__all__ = [
    "ENTITY_TYPES",
    "RedactedSpan",
    "RedactionOptions",
    "RedactionResult",
    "Redactor",
    "RedactorProtocol",
    "get_redactor",
    "silence_spans",
]
