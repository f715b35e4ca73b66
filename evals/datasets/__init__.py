"""Dataset adapters: the public sets in ``shared/data`` as the FORMATS.md shapes, and readers that
take the same shapes from users' files.

    data = load_dataset("banking77")                 # Utterances, from default_data_root()
    export_dataset("star", "out/star")               # calls.jsonl + splits.json
    same = read_exported("out/star")                 # LabeledCalls again

Every adapter and reader records malformed lines in ``.skipped`` (file, line, field) and goes on.
Test splits (``Utterances.test_splits``, ``LabeledCalls.test_ids``, whole measuring-only sets) are
for measuring only.
"""

from __future__ import annotations

from pathlib import Path

from common.errors import ConfigError, InvalidInput
from evals.datasets._common import GradedTexts
from evals.datasets.abcd import load_abcd
from evals.datasets.banking77 import load_banking77
from evals.datasets.clinc150 import load_clinc150
from evals.datasets.dstc10 import load_dstc10_track2
from evals.datasets.export import write_dataset
from evals.datasets.harper_valley import load_harper_valley
from evals.datasets.nlupp import load_nlupp
from evals.datasets.readers import (
    read_exported,
    read_graded_csv,
    read_knowledge_dir,
    read_labeled_calls_file,
    read_queries_jsonl,
    read_retrieval,
    read_utterance_csv,
    read_utterances_dir,
)
from evals.datasets.speech import load_speech_samples
from evals.datasets.star import load_star
from evals.datasets.tweeteval import load_tweeteval
from evals.datasets.vader import load_vader
from evals.types import DatasetInfo, GradedText, LabeledCalls, RetrievalSet, Utterances

__all__ = [
    "DATASETS",
    "DatasetData",
    "GradedTexts",
    "default_data_root",
    "export_dataset",
    "load_dataset",
    "read_exported",
    "read_graded_csv",
    "read_knowledge_dir",
    "read_labeled_calls_file",
    "read_queries_jsonl",
    "read_retrieval",
    "read_utterance_csv",
    "read_utterances_dir",
    "write_dataset",
]

DatasetData = Utterances | LabeledCalls | RetrievalSet | list[GradedText]

_INFOS = [
    DatasetInfo(
        "banking77",
        "utterances",
        "Online-banking customer queries, 77 intents; splits train / test.",
        "CC BY 4.0",
        load_banking77,
    ),
    DatasetInfo(
        "clinc150",
        "utterances",
        "150 intents in 10 domains plus out-of-scope queries (label 'oos'); splits train / val / test.",
        "CC BY 3.0",
        load_clinc150,
    ),
    DatasetInfo(
        "nlupp",
        "utterances",
        "NLU++ banking + hotels, multi-label ('|'-joined intents); folds 0-17 train, 18-19 test.",
        "CC BY 4.0",
        load_nlupp,
    ),
    DatasetInfo(
        "star",
        "labeled_calls",
        "6,205 Wizard-of-Oz task chats (STAR's 6,652 less those without a turn): task as contact type, "
        "task success, user/wizard questionnaires; ids ending in 0 or 1 are test.",
        "MIT",
        load_star,
    ),
    DatasetInfo(
        "dstc10-track2",
        "retrieval",
        "12,039 FAQ snippets and 263 spoken (ASR) customer turns, 104 with a gold snippet; all test.",
        "Apache-2.0",
        load_dstc10_track2,
    ),
    DatasetInfo(
        "tweeteval",
        "utterances",
        "Tweets labeled negative / neutral / positive; 'train' (from test_*) and 'val', the test split.",
        "research use (SemEval-2017, Twitter terms)",
        load_tweeteval,
    ),
    DatasetInfo(
        "vader",
        "graded",
        "23,703 texts with the mean of human sentiment ratings (-4..+4); all test.",
        "MIT",
        load_vader,
    ),
    DatasetInfo(
        "speech-samples",
        "labeled_calls",
        "Real speech with reference transcripts (JFK, stereo two-speaker, Harvard, LibriVox, cards, "
        "telephone conversation, digits); all test.",
        "various, see speech/SOURCE.txt",
        load_speech_samples,
    ),
    DatasetInfo(
        "harper-valley",
        "labeled_calls",
        "5 real bank contact-center calls: human transcripts, task type, caller's rating; smoke tests.",
        "Apache-2.0",
        load_harper_valley,
    ),
    DatasetInfo(
        "abcd",
        "retrieval",
        "ABCD agent guidelines as 55 procedures, with 3 sample-conversation queries.",
        "MIT",
        load_abcd,
    ),
]

#: The built-in datasets by name.
DATASETS: dict[str, DatasetInfo] = {info.name: info for info in _INFOS}


def default_data_root() -> Path:
    """The ``shared/data`` folder beside the repository."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise InvalidInput(f"unknown dataset '{name}'; choose one of: {', '.join(DATASETS)}") from None


def load_dataset(name: str, data_root: Path | None = None) -> DatasetData:
    """Load a built-in dataset from ``data_root`` (default: ``default_data_root()``)."""
    info = _info(name)
    root = Path(data_root) if data_root is not None else default_data_root()
    if not root.is_dir():
        raise ConfigError(f"data folder {root} not found; pass data_root pointing at the shared/data folder")
    return info.load(root)


def export_dataset(name: str, out_dir: str | Path, data_root: Path | None = None) -> list[Path]:
    """Load a built-in dataset and write it as FORMATS files under ``out_dir``; returns the files."""
    return write_dataset(load_dataset(name, data_root), out_dir, name=name)
