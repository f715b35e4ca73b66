"""Fine-tuning the bundled sentence encoder for one classification task, with low-rank adapters.

A head on frozen embeddings is cheap and good for topics, but the general-purpose embedding keeps
little of what tone needs (sarcasm, negation, "great, another hour on hold"). Here every linear layer
of the transformer gets a trainable low-rank update, ``W + (alpha / rank) · B·A`` (LoRA), its
LayerNorms are trained too, and a linear head sits on the mean-pooled, L2-normalised output, all
trained together with cross-entropy. Only the updates are stored (about 1.3 MB for MiniLM-L6 at rank
8, next to the 90 MB base that ships in its own package), and they are merged into the weights when
loaded, so scoring costs what the plain encoder costs.

The adapter layer is written here rather than taken from ``peft``: it is a dozen lines, and loading
a model then needs nothing beyond torch and transformers, which the encoder needs anyway.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import ConfigError, InvalidInput
from knowledge.embeddings import BUNDLED_EMBEDDING_MODEL, Backend, embed_by_length, mean_pool, model_folder
from qa_models.heads import Encoder, LinearHead, known_settings

__all__ = ["Adapter", "FineTuneOptions", "TunedEncoder", "fine_tune_encoder", "tuned_encoder"]

#: The pooled vector is scaled by this before the head while training, so the head's logits can
#: span a useful range from unit vectors; the stored ``LinearHead`` has the factor folded in.
_SCALE = 10.0
# Linear layers of a BERT block that get an update (attribute paths from the block).
_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")


@dataclass(slots=True)
class FineTuneOptions:
    """``rank``/``alpha``: size and scale of each update. ``balanced``: weigh classes inversely to
    their frequency, so the class mix of the training texts is not learned as a prior (the mix on
    calls is unknown and differs from any public set). ``max_tokens``: longer texts are cut.
    ``threads``: torch threads while training (0 = torch's default)."""

    rank: int = 8
    alpha: float = 16.0
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_tokens: int = 96
    balanced: bool = True
    seed: int = 0
    threads: int = 0

    def __post_init__(self) -> None:
        if self.rank < 1 or self.epochs < 1 or self.batch_size < 1:
            raise InvalidInput("fine-tuning rank, epochs and batch_size must be at least 1")
        if self.learning_rate <= 0:
            raise InvalidInput(f"fine-tuning learning_rate must be positive, got {self.learning_rate}")

    def to_settings(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> FineTuneOptions:
        return cls(**known_settings(cls, settings))


@dataclass(slots=True)
class Adapter:
    """What fine-tuning learned: the updates (``arrays``, names ending ``.lora_a``/``.lora_b`` for a
    linear layer, ``.weight``/``.bias`` for a LayerNorm), the head, and the options used."""

    arrays: dict[str, np.ndarray]
    head: LinearHead
    options: FineTuneOptions

    def save_arrays(self, prefix: str = "adapter/") -> dict[str, np.ndarray]:
        return {f"{prefix}{k}": v for k, v in self.arrays.items()}

    @classmethod
    def from_arrays(
        cls,
        arrays: dict[str, np.ndarray],
        head: LinearHead,
        options: FineTuneOptions,
        prefix: str = "adapter/",
    ) -> Adapter:
        picked = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        if not picked:
            raise ConfigError("the model's weights hold no encoder adapter; retrain it")
        return cls(picked, head, options)


def _module(root: Any, path: str) -> Any:
    for part in path.split("."):
        root = getattr(root, part)
    return root


@functools.cache
def _torch() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    return torch


def _embed(encoder: Any, tokenizer: Any, batch: list[str], max_tokens: int) -> Any:
    """Pooled sentence vectors of a batch, as torch tensors (with gradients when training)."""
    tokens = tokenizer(batch, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
    return mean_pool(encoder(**tokens).last_hidden_state, tokens["attention_mask"])


def fine_tune_encoder(
    texts: Sequence[str],
    labels: Sequence[str],
    options: FineTuneOptions | None = None,
    *,
    model: str = BUNDLED_EMBEDDING_MODEL,
    progress: Callable[[int, int, float], None] | None = None,
) -> Adapter:
    """Train adapters and a head on labelled texts; ``progress(step, steps, loss)`` after each batch."""
    opts = options or FineTuneOptions()
    if len(texts) != len(labels) or not texts:
        raise InvalidInput(
            f"fine-tuning needs one label per text; got {len(texts)} texts, {len(labels)} labels"
        )
    classes = sorted({str(label) for label in labels})
    if len(classes) < 2:
        raise InvalidInput("fine-tuning needs texts of at least two classes")
    torch = _torch()
    from transformers import AutoModel, AutoTokenizer

    nn = torch.nn
    if opts.threads:
        torch.set_num_threads(opts.threads)
    torch.manual_seed(opts.seed)
    rng = np.random.default_rng(opts.seed)
    base = model_folder(model)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    encoder = AutoModel.from_pretrained(str(base))
    for p in encoder.parameters():
        p.requires_grad = False
    scale = opts.alpha / opts.rank

    class LowRank(nn.Module):  # type: ignore[name-defined]
        def __init__(self, linear: Any) -> None:
            super().__init__()
            self.linear = linear
            self.lora_a = nn.Parameter(
                torch.randn(opts.rank, linear.in_features) / math.sqrt(linear.in_features)
            )
            self.lora_b = nn.Parameter(torch.zeros(linear.out_features, opts.rank))

        def forward(self, x: Any) -> Any:
            return self.linear(x) + (x @ self.lora_a.T @ self.lora_b.T) * scale

    updated: dict[str, Any] = {}
    for i, block in enumerate(encoder.encoder.layer):
        for path in _TARGETS:
            owner_path, _, attr = path.rpartition(".")
            owner = _module(block, owner_path)
            wrapped = LowRank(getattr(owner, attr))
            setattr(owner, attr, wrapped)
            updated[f"layer.{i}.{path}"] = wrapped
        for path in _NORMS:
            norm = _module(block, path)
            for p in norm.parameters():
                p.requires_grad = True
            updated[f"layer.{i}.{path}"] = norm
    head = nn.Linear(int(encoder.config.hidden_size), len(classes))
    trainable = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(trainable, lr=opts.learning_rate, weight_decay=opts.weight_decay)
    y = np.array([classes.index(str(label)) for label in labels])
    counts = np.bincount(y, minlength=len(classes)).astype(np.float64)
    weight = torch.tensor(len(y) / (len(classes) * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight if opts.balanced else None)
    per_epoch = math.ceil(len(y) / opts.batch_size)
    steps = opts.epochs * per_epoch
    warm = max(1, int(opts.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps)
    )
    encoder.train()
    step = 0
    for _ in range(opts.epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(order), opts.batch_size):
            batch = order[start : start + opts.batch_size]
            pooled = _embed(encoder, tokenizer, [texts[j] or " " for j in batch], opts.max_tokens)
            loss = loss_fn(head(pooled * _SCALE), torch.from_numpy(y[batch]))
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if progress is not None:
                progress(step, steps, float(loss.item()))
    arrays: dict[str, np.ndarray] = {}
    for name, module in updated.items():
        if isinstance(module, LowRank):
            arrays[f"{name}.lora_a"] = module.lora_a.detach().numpy().astype(np.float32)
            arrays[f"{name}.lora_b"] = module.lora_b.detach().numpy().astype(np.float32)
        else:
            arrays[f"{name}.weight"] = module.weight.detach().numpy().astype(np.float32)
            arrays[f"{name}.bias"] = module.bias.detach().numpy().astype(np.float32)
    linear = LinearHead(
        classes,
        head.weight.detach().numpy().astype(np.float32) * _SCALE,
        head.bias.detach().numpy().astype(np.float32),
    )
    return Adapter(arrays, linear, opts)


def _merged(adapter: Adapter, model: str) -> Any:
    """The base encoder (torch) with the adapter's updates merged into its weights."""
    torch = _torch()
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model_folder(model)))
    scale = adapter.options.alpha / adapter.options.rank
    state = encoder.state_dict()
    merged: dict[str, Any] = {}
    try:
        for i in range(len(encoder.encoder.layer)):
            prefix = f"layer.{i}."
            for path in _TARGETS:
                a, b = adapter.arrays[f"{prefix}{path}.lora_a"], adapter.arrays[f"{prefix}{path}.lora_b"]
                key = f"encoder.{prefix}{path}.weight"
                merged[key] = state[key] + torch.from_numpy(b @ a * scale)
            for path in _NORMS:
                for part in ("weight", "bias"):
                    merged[f"encoder.{prefix}{path}.{part}"] = torch.from_numpy(
                        adapter.arrays[f"{prefix}{path}.{part}"]
                    )
    except KeyError as exc:
        raise ConfigError(f"the encoder adapter lacks {exc}; it was trained for another model") from exc
    except RuntimeError as exc:  # shape mismatch
        raise ConfigError(f"the encoder adapter does not fit {model!r}: {exc}") from exc
    encoder.load_state_dict(merged, strict=False)
    return encoder.eval()


class TunedEncoder:
    """The bundled encoder with an adapter merged in, on torch: texts → L2-normalised vectors (an
    ``Encoder``); ``tuned_encoder`` gives the ONNX form used for scoring."""

    def __init__(self, adapter: Adapter, *, model: str = BUNDLED_EMBEDDING_MODEL, tag: str = "tuned") -> None:
        from transformers import AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(model_folder(model)))
        self._encoder = _merged(adapter, model)
        self._max_tokens = adapter.options.max_tokens
        self._lock = threading.Lock()  # one forward at a time: torch already uses every core
        self.dim = int(self._encoder.config.hidden_size)
        self.name = f"{model}+{tag}/torch"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock, _torch().inference_mode():
            return embed_by_length(
                texts,
                self.dim,
                64,
                lambda batch: _embed(self._encoder, self._tokenizer, batch, self._max_tokens).numpy(),
            )


def tuned_encoder(
    adapter: Adapter,
    *,
    tag: str,
    backend: Backend = "onnx",
    cache_dir: Path | None = None,
    model: str = BUNDLED_EMBEDDING_MODEL,
) -> Encoder:
    """The tuned encoder for scoring: by default exported once to float32 ONNX (cached under
    ``cache_dir`` by a digest of the adapter, so a retrained model gets a new file) and run by ONNX
    Runtime like the shared embedder, so the two do not fight over the cores with two thread pools;
    ``backend="torch"`` gives ``TunedEncoder``. Not int8 by default: on TweetEval val the shipped
    sentiment model lost 0.008 macro-F1 with int8 weights (0.6645 → 0.6565)."""
    if backend == "torch":
        return TunedEncoder(adapter, model=model, tag=tag)
    from knowledge.embeddings import EmbedderOptions, OnnxEmbedder

    digest = hashlib.sha256()
    for key in sorted(adapter.arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(adapter.arrays[key]).tobytes())
    options = EmbedderOptions(
        model=model,
        backend=backend,
        cache_dir=cache_dir,
        max_tokens=adapter.options.max_tokens,
    )
    encoder = OnnxEmbedder(
        options, variant=f"+{tag}-{digest.hexdigest()[:12]}", load=lambda: _merged(adapter, model)
    )
    encoder.name = f"{model}+{tag}/{backend}"  # the digest is for the cache file only
    return encoder
