"""Small trained heads over shared sentence embeddings, and the folder a trained model lives in.

A model folder holds ``model.json`` (what it is: kind, name, version, the encoder it expects, what
it was trained on, its settings and measured figures) and ``weights.npz`` (numbers only, loaded with
``allow_pickle=False``, so a model folder from elsewhere cannot run code).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from common.errors import ConfigError

__all__ = [
    "Encoder",
    "LinearHead",
    "ModelInfo",
    "fit_linear_head",
    "head_from_sklearn",
    "known_settings",
    "read_model",
    "write_model",
]

FORMAT_VERSION = 1


@runtime_checkable
class Encoder(Protocol):
    """Texts → L2-normalised float32 vectors (``knowledge.get_embedder()`` is one)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(slots=True)
class ModelInfo:
    """What a model folder holds. ``version`` is a timestamp unless given, so a retrained model
    differs from the one it replaces; tags stored with a call name both."""

    kind: str
    name: str
    encoder: str = ""
    version: str = ""
    trained_on: str = ""
    created_at: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = datetime.now(UTC)
        self.created_at = self.created_at or now.isoformat(timespec="seconds")
        self.version = self.version or now.strftime("%Y%m%d.%H%M%S")

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(slots=True)
class LinearHead:
    """Multinomial logistic regression on embeddings: ``probabilities(x) = softmax(x·Wᵀ + b)``.
    Kept as plain arrays so prediction needs no scikit-learn and the weights load without pickle."""

    classes: list[str]
    weights: np.ndarray  # (n_classes, dim)
    bias: np.ndarray  # (n_classes,)

    def logits(self, x: Any) -> np.ndarray:
        """``x``: a dense array or a scipy sparse matrix of features."""
        dense = x if hasattr(x, "tocsr") else np.asarray(x, dtype=np.float32)
        return np.asarray(dense @ self.weights.T) + self.bias

    def probabilities(self, x: Any) -> np.ndarray:
        z = self.logits(x)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {
            f"{prefix}weights": self.weights,
            f"{prefix}bias": self.bias,
            f"{prefix}classes": np.array(self.classes),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str = "") -> LinearHead:
        return cls(
            classes=[str(c) for c in arrays[f"{prefix}classes"]],
            weights=np.asarray(arrays[f"{prefix}weights"], dtype=np.float32),
            bias=np.asarray(arrays[f"{prefix}bias"], dtype=np.float32),
        )


def fit_linear_head(
    x: np.ndarray,
    labels: Sequence[str],
    *,
    c: float = 1.0,
    balanced: bool = False,
    sample_weight: np.ndarray | None = None,
) -> LinearHead:
    """Fit a (multinomial) logistic regression; binary problems become a two-row softmax."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)
    clf.fit(x, list(labels), sample_weight=sample_weight)
    return head_from_sklearn(clf)


def head_from_sklearn(clf: Any) -> LinearHead:
    """A fitted scikit-learn linear classifier as a ``LinearHead``; binary problems become a two-row
    softmax (scikit-learn keeps one row for two classes, and softmax([0, z]) = sigmoid(z))."""
    classes = [str(c) for c in clf.classes_]
    coef, intercept = clf.coef_.astype(np.float32), clf.intercept_.astype(np.float32)
    if len(classes) == 2:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.array([0.0, intercept[0]], dtype=np.float32)
    return LinearHead(classes, coef, intercept)


def known_settings(options_class: type, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of a model's stored ``settings`` that ``options_class`` (a dataclass) has fields
    for; others (from a newer or older version) are ignored."""
    names = {f.name for f in fields(options_class)}
    return {k: v for k, v in settings.items() if k in names}


def write_model(folder: str | Path, info: ModelInfo, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``model.json`` and ``weights.npz`` into ``folder`` (created); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    named: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
    np.savez_compressed(folder / "weights.npz", **named)
    meta = {"format": FORMAT_VERSION, **asdict(info)}
    (folder / "model.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    return folder


def read_model(folder: str | Path, kind: str) -> tuple[ModelInfo, dict[str, np.ndarray]]:
    """Read a model folder written by ``write_model``; the error says what is missing or wrong."""
    folder = Path(folder)
    meta_path = folder / "model.json"
    if not meta_path.is_file():
        raise ConfigError(
            f"{folder} is not a callscope model folder (no model.json); train one with `callscope train`"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{meta_path}: cannot read the model description ({exc})") from exc
    if meta.get("kind") != kind:
        raise ConfigError(f"{folder} holds a {meta.get('kind')!r} model, not a {kind!r} model")
    meta.pop("format", None)
    info = ModelInfo(**{k: v for k, v in meta.items() if k in ModelInfo.__dataclass_fields__})
    arrays: dict[str, np.ndarray] = {}
    weights = folder / "weights.npz"
    if weights.is_file():
        with np.load(weights, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    return info, arrays
