"""Reading a knowledge folder (FORMATS §3) into ``Document`` s.

Markdown and text files (optional YAML front matter), HTML, PDF, and CSV/JSON files of records (one
document per record). A broken file or record is reported as a ``LineError`` naming the file, the
line and the field, and the other files still load: one bad upload must not empty a knowledge base.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from common.errors import FormatError
from knowledge.documents import KINDS, Document

if TYPE_CHECKING:
    from bs4 import Tag

    from common.formats import LineError

__all__ = ["LoadOptions", "LoadResult", "load_file", "load_folder"]

# Extension → Document.format.
_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".csv": "csv",
    ".json": "json",
}
# Fields FORMATS §3 defines; anything else is kept in Document.meta.
_KNOWN = ("id", "kind", "title", "text", "body", "answer", "valid_from", "valid_to", "tags")
_TEXT_FIELDS = ("text", "body", "answer")
# Record columns that make a fair title when a CSV/JSON record has no ``title``.
_TITLE_ALIASES = ("name", "question", "subject")
_MB = 1024 * 1024

# libyaml's safe loader when it is built in (much faster over thousands of front matters).
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YamlStrings = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)

# Where a field of one document is in its file: its line, or the document's line for ``None``.
_LineOf = Callable[[str | None], int]
_Loaded = tuple[Document, _LineOf]


@dataclass(slots=True)
class LoadOptions:
    """What ``load_folder`` reads.

    - ``max_file_mb``: a bigger file is reported as an error rather than read (20 MB).
    - ``extensions``: the file types read (all of md, markdown, txt, html, htm, pdf, csv, json by
      default); other files are listed in ``LoadResult.skipped``.
    """

    max_file_mb: float = 20.0
    extensions: tuple[str, ...] = tuple(_FORMATS)

    def __post_init__(self) -> None:
        exts = tuple("." + e.lower().lstrip(".") for e in self.extensions)
        unknown = [e for e in exts if e not in _FORMATS]
        if unknown:
            raise ValueError(f"no reader for {', '.join(unknown)}; known: {', '.join(_FORMATS)}")
        self.extensions = exts
        if self.max_file_mb <= 0:
            raise ValueError(f"max_file_mb must be positive, not {self.max_file_mb}")


@dataclass(slots=True)
class LoadResult:
    """The documents of a folder in path order, the problems met, and the files not read.

    ``errors[i].path`` and ``skipped`` are paths relative to the folder (posix), like
    ``Document.source``; each error's message names the file as given, its line and the field.
    """

    documents: list[Document] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# --- entry points ------------------------------------------------------------------------------


def load_folder(folder: Path | str, options: LoadOptions | None = None) -> LoadResult:
    """Every document under ``folder`` (recursively, hidden files and folders left out), sorted by path.

    Ids must be unique across the folder: a later document with an id already seen is an error
    naming both files, and the first one is kept.
    """
    from common.formats import LineError  # pydantic models: a third of a second, paid on first use

    options = options or LoadOptions()
    root = Path(folder)
    if not root.is_dir():
        raise FormatError(str(root), "knowledge folder not found; give the folder that holds the documents")
    result = LoadResult()
    seen: dict[str, tuple[Path, _LineOf]] = {}
    for rel, path in _walk(root):
        fmt = _FORMATS.get(path.suffix.lower()) if path.suffix.lower() in options.extensions else None
        if fmt is None:
            result.skipped.append(rel)
            continue
        try:
            loaded, bad = _read_file(path, rel, fmt, options)
        except FormatError as exc:
            bad, loaded = [exc], []
        bad += _drop_duplicates(path, loaded, seen)
        result.errors += [LineError(path=rel, line=e.line or 1, message=str(e)) for e in bad]
        result.documents += [doc for doc, _ in loaded]
    return result


def load_file(
    path: Path | str, root: Path | str | None = None, options: LoadOptions | None = None
) -> list[Document]:
    """The documents of one file; ids and sources are relative to ``root`` (default: the file's folder).

    Strict: any problem in the file (a bad record included) raises ``FormatError``.
    """
    path = Path(path)
    base = Path(root) if root is not None else path.parent
    try:
        rel = path.relative_to(base).as_posix()
    except ValueError:
        rel = path.name
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FormatError(str(path), f"not a knowledge document; use one of {', '.join(_FORMATS)}")
    loaded, bad = _read_file(path, rel, fmt, options or LoadOptions())
    bad += _drop_duplicates(path, loaded, {})
    if bad:
        raise bad[0]
    return [doc for doc, _ in loaded]


def _walk(root: Path) -> Iterator[tuple[str, Path]]:
    found: list[tuple[tuple[str, ...], Path]] = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # never descend into .git and the like
        for name in files:
            if not name.startswith("."):
                path = Path(dirpath, name)
                found.append((path.relative_to(root).parts, path))
    for parts, path in sorted(found):
        yield "/".join(parts), path


def _drop_duplicates(
    path: Path, loaded: list[_Loaded], seen: dict[str, tuple[Path, _LineOf]]
) -> list[FormatError]:
    """Remove (in place) documents whose id was seen before; an error names both places."""
    errors = []
    kept = []
    for doc, line_of in loaded:
        first = seen.get(doc.id)
        if first is None:
            seen[doc.id] = (path, line_of)
            kept.append((doc, line_of))
            continue
        where = f"{first[0]}:{first[1]('id')}"
        reason = f"duplicate id '{doc.id}', already used in {where}; this document is skipped"
        errors.append(FormatError(str(path), reason, line=line_of("id"), field="id"))
    loaded[:] = kept
    return errors


def _read_file(
    path: Path, rel: str, fmt: str, options: LoadOptions
) -> tuple[list[_Loaded], list[FormatError]]:
    """The documents of one file and the errors of its bad records; a file that cannot be used at
    all raises ``FormatError``."""
    try:
        size = path.stat().st_size
        if size > options.max_file_mb * _MB:
            raise FormatError(
                str(path),
                f"file is {size / _MB:.1f} MB, over the {options.max_file_mb:g} MB limit; split it "
                "or raise LoadOptions.max_file_mb",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror}") from exc
    try:
        if fmt in ("md", "txt"):
            return [_text_document(path, rel, fmt, _decode(path, data))], []
        if fmt == "html":
            return [_html_document(path, rel, data)], []
        if fmt == "pdf":
            return [_pdf_document(path, rel, data)], []
        if fmt == "csv":
            return _csv_documents(path, rel, _decode(path, data))
        return _json_documents(path, rel, _decode(path, data))
    except RecursionError as exc:
        # HTML elements or JSON values nested hundreds deep: no real document is built like that.
        reason = f"{fmt.upper()} nested too deeply to read; flatten its structure"
        raise FormatError(str(path), reason, line=1) from exc


def _decode(path: Path, data: bytes, encoding: str = "utf-8") -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(
            str(path), f"not {encoding} text (byte {exc.start}: {exc.reason}); save it as UTF-8", line=line
        ) from exc
    except (UnicodeError, LookupError) as exc:
        # A page can declare a codec that is no text encoding (base64, rot13) or one that fails
        # without a position (idna).
        raise FormatError(
            str(path), f"cannot be read as {encoding} text ({exc}); save it as UTF-8", line=1
        ) from exc
    # One newline convention, so that line numbers and headings work the same for files from Windows.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- fields shared by every format -------------------------------------------------------------


def _norm_key(key: object) -> str:
    return re.sub(r"[\s-]+", "_", str(key).strip().lower())


def _split_fields(record: Mapping[str, Any]) -> tuple[dict[str, tuple[str, Any]], dict[str, Any]]:
    """``(known fields by normalised name → (key as written, value), other fields)``; empty values dropped.

    Names are matched case-insensitively with spaces/dashes as underscores ("Valid From" is
    ``valid_from``), since spreadsheets written by people rarely use the exact spelling.
    """
    known: dict[str, tuple[str, Any]] = {}
    other: dict[str, Any] = {}
    for key, value in record.items():
        if value is None or (isinstance(value, str | list | dict) and not value):
            continue
        name = _norm_key(key)
        if name in _KNOWN and name not in known:
            known[name] = (str(key), value)
        else:
            other[str(key)] = value
    return known, other


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return str(value).strip()
    raise ValueError(f"expected a single value, not {type(value).__name__}")


def _as_date(value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            try:  # a timestamp, as spreadsheets export dates: its day
                return datetime.datetime.fromisoformat(value.strip()).date()
            except ValueError:
                pass
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD")


def _as_tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = re.split(r"[,;|]", value)
    elif isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        parts = [str(v) for v in value]
    elif isinstance(value, int | float):
        parts = [str(value)]
    else:
        raise ValueError("expected a list of tags or a comma-separated string")
    return list(dict.fromkeys(t.strip() for t in parts if t.strip()))


def _build(
    path: Path,
    known: Mapping[str, tuple[str, Any]],
    *,
    body: str,
    default_id: str,
    default_title: str,
    fmt: str,
    source: str,
    meta: dict[str, Any],
    line_of: _LineOf,
) -> Document:
    """A document from its known fields; a bad field raises ``FormatError`` naming it and its line."""

    def value(name: str) -> Any:
        return known[name][1] if name in known else None

    def check(name: str, convert: Callable[[Any], Any]) -> Any:
        try:
            return convert(value(name))
        except ValueError as exc:
            raise FormatError(str(path), str(exc), line=line_of(name), field=name) from exc

    doc_id = check("id", _scalar) or default_id
    kind = check("kind", _scalar).lower() or "faq"
    if kind not in KINDS:
        reason = f"'{kind}' is not a document kind; use one of {', '.join(KINDS)}"
        raise FormatError(str(path), reason, line=line_of("kind"), field="kind")
    title = check("title", _scalar) or default_title
    valid_from = check("valid_from", _as_date)
    valid_to = check("valid_to", _as_date)
    if valid_from and valid_to and valid_to < valid_from:
        reason = f"{valid_to} is before valid_from {valid_from}"
        raise FormatError(str(path), reason, line=line_of("valid_to"), field="valid_to")
    tags = check("tags", _as_tags)
    text = body.strip()
    if not text:
        raise FormatError(str(path), "empty document: no text to search", line=line_of("text"), field="text")
    from common.formats import unstorable_text

    # YAML and JSON escapes ("\0", "\ud800") and NUL bytes in text files give strings that
    # PostgreSQL cannot store; say where rather than fail when the knowledge base is written.
    fields = {"id": doc_id, "title": title, "text": text, "tags": tags, **meta}
    bad = unstorable_text(fields)
    if bad is not None:
        name = bad[0].split(".", 1)[0]
        raise FormatError(str(path), bad[1], line=line_of(_norm_key(name)), field=bad[0])
    return Document(
        id=doc_id,
        title=title,
        text=text,
        kind=kind,
        source=source,
        format=fmt,
        valid_from=valid_from,
        valid_to=valid_to,
        tags=tags,
        meta=meta,
    )


def _humanise(stem: str) -> str:
    words = " ".join(re.split(r"[-_\s]+", stem)).strip()
    return words[:1].upper() + words[1:]


# --- Markdown and plain text -------------------------------------------------------------------


def _text_document(path: Path, rel: str, fmt: str, text: str) -> _Loaded:
    lines = text.split("\n")
    front: dict[str, Any] = {}
    close = -1  # index of the line that closes the front matter
    if lines[0].strip() == "---":
        # The closing marker starts its line: an indented "---" is text inside a block scalar.
        close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), -1)
        if close == -1:
            raise FormatError(str(path), "front matter is not closed with '---'", line=1)
        # Every YAML line ends in a newline, the last included: a block scalar (|) keeps its own.
        front = _front_matter(path, "".join(line + "\n" for line in lines[1:close]))
    body = "\n".join(lines[close + 1 :])
    known, meta = _split_fields(front)
    for name in _TEXT_FIELDS:  # the file's body is the text; such keys are not metadata either
        known.pop(name, None)

    def line_of(name: str | None) -> int:
        if name in known and close > 0:
            key = re.compile(rf"""["']?{re.escape(known[name][0])}["']?\s*:""")
            for number, line in enumerate(lines[1:close], start=2):
                if key.match(line):
                    return number
        return close + 2 if name == "text" and close > 0 else 1

    heading = _HEADING.search(body)
    title = heading.group(1).strip() if heading else _humanise(path.stem)
    doc = _build(
        path,
        known,
        body=body,
        default_id=rel,
        default_title=title,
        fmt=fmt,
        source=rel,
        meta=meta,
        line_of=line_of,
    )
    return doc, line_of


def _front_matter(path: Path, text: str) -> dict[str, Any]:
    try:
        loaded = yaml.load(text, Loader=_YamlLoader)
    except ValueError:
        # A date-like value that is no date (2026-13-01) breaks YAML's own date parsing. Read the
        # values as plain strings instead, so that the field check names the field and its line.
        loaded = yaml.load(text, Loader=_YamlStrings)
    except yaml.YAMLError as exc:
        # Where the broken construct began (an unclosed bracket) beats where the parser gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # the YAML starts on the file's second line
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormatError(str(path), f"front matter is not valid YAML ({problem})", line=line) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise FormatError(str(path), "front matter must be a mapping of 'field: value' lines", line=2)
    return loaded


# --- HTML ----------------------------------------------------------------------------------------

# Not content: code, styling, navigation and page furniture.
_HTML_DROP = frozenset(
    {"script", "style", "nav", "noscript", "template", "svg", "canvas", "iframe", "object", "head"}
    | {"title", "footer", "button", "select"}
)
_HTML_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "header", "aside", "blockquote", "figure", "figcaption"}
    | {"table", "caption", "dl", "dt", "dd", "address", "details", "summary"}
    | {"fieldset", "form", "hr", "body", "html", "center"}
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _collapse(text: str) -> str:
    return " ".join(text.split())


class _HtmlText:
    """HTML body → text lines: headings as ``#`` lines, list items as ``-``/``1.`` lines, table rows
    as ``a | b`` lines, a blank line after each block so that paragraphs stay apart."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inline: list[str] = []
        self.prefix = ""

    def flush(self) -> None:
        text = _collapse("".join(self.inline))
        self.inline.clear()
        if text:
            self.lines.append(self.prefix + text)
            self.prefix = ""

    def gap(self) -> None:
        self.flush()
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def walk(self, node: Tag, depth: int = 0) -> None:
        from bs4.element import NavigableString, PreformattedString, Tag

        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                    self.inline.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _HTML_DROP:
                continue
            name = child.name
            if len(name) == 2 and name[0] == "h" and name[1] in "123456":
                self.gap()
                text = _collapse(child.get_text(" "))
                if text:
                    self.lines += ["#" * int(name[1]) + " " + text, ""]
            elif name in ("ul", "ol"):
                self.list(child, depth, ordered=name == "ol")
            elif name == "li":  # outside a list
                self.flush()
                self.prefix = "  " * depth + "- "
                self.walk(child, depth + 1)
                self.flush()
            elif name == "tr":
                self.flush()
                cells = [_collapse(c.get_text(" ")) for c in child.find_all(["td", "th"], recursive=False)]
                if any(cells):
                    self.lines.append(" | ".join(cells))
            elif name == "pre":
                self.gap()
                self.lines += [line.rstrip() for line in child.get_text().split("\n") if line.strip()]
                self.gap()
            elif name == "br":
                self.flush()
            elif name in _HTML_BLOCKS:
                self.gap()
                self.walk(child, depth)
                self.gap()
            else:
                self.walk(child, depth)

    def list(self, node: Tag, depth: int, *, ordered: bool) -> None:
        self.flush()
        start = node.get("start")
        number = int(start) if isinstance(start, str) and start.isdigit() else 1
        for item in node.find_all("li", recursive=False):
            self.prefix = "  " * depth + (f"{number}. " if ordered else "- ")
            self.walk(item, depth + 1)
            self.flush()
            number += 1
        self.prefix = ""
        if depth == 0:
            self.gap()

    def text(self) -> str:
        self.flush()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip()


def _html_document(path: Path, rel: str, data: bytes) -> _Loaded:
    from bs4 import BeautifulSoup, Tag

    # A page may declare its encoding (<meta charset="windows-1252">); otherwise it must be UTF-8.
    declared = _CHARSET.search(data[:4096])
    encoding = "utf-8"
    if declared:
        with contextlib.suppress(LookupError):  # an unknown name: read it as UTF-8
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
    soup = BeautifulSoup(_decode(path, data, encoding), "html.parser")
    # <meta name="kind" content="promotion"> and the like play the part of front matter.
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for tag in soup.find_all("meta"):
        name = tag.get("name") if isinstance(tag, Tag) else None
        content = tag.get("content") if isinstance(tag, Tag) else None
        if isinstance(name, str) and isinstance(content, str) and name.strip():
            fields[name.strip()] = content.strip()
            lines[_norm_key(name)] = tag.sourceline or 1
    known, meta = _split_fields(fields)
    keywords = next((k for k in meta if _norm_key(k) == "keywords"), None)
    if "tags" not in known and keywords is not None:  # the usual HTML spelling of tags
        known["tags"] = (keywords, meta.pop(keywords))
        lines["tags"] = lines["keywords"]
    for name in _TEXT_FIELDS:
        known.pop(name, None)

    def line_of(name: str | None) -> int:
        return lines.get(name or "", 1)

    title = ""
    if soup.title is not None:
        title = _collapse(soup.title.get_text(" "))
    if not title and (h1 := soup.find("h1")) is not None:
        title = _collapse(h1.get_text(" "))
    writer = _HtmlText()
    writer.walk(soup.body if soup.body is not None else soup)
    doc = _build(
        path,
        known,
        body=writer.text(),
        default_id=rel,
        default_title=title or _humanise(path.stem),
        fmt="html",
        source=rel,
        meta=meta,
        line_of=line_of,
    )
    return doc, line_of


# --- PDF -----------------------------------------------------------------------------------------

_TERMINAL = (".", "!", "?", ":", ";")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LIST_LINE = re.compile(r"(?:[-*•▪‣◦–]|\d{1,3}[.)])\s")


def _reflow(page: str) -> str:
    """Join the lines a PDF wraps inside a paragraph, keeping headings, list items and short lines.

    A line continues the one before when it starts in lower case, when the one before ends with a
    comma or a hyphen, or when the one before runs (nearly) the full width of the page's text and
    does not end a sentence.
    """
    raw = [_collapse(line) for line in page.split("\n")]
    width = max((len(line) for line in raw), default=0)
    out: list[str] = []
    for i, line in enumerate(raw):
        prev = out[-1] if out else ""
        full_width = i > 0 and len(raw[i - 1]) >= 0.8 * width  # the line as printed, not as joined
        joins = bool(
            prev
            and line
            and not _LIST_LINE.match(line)
            and (
                line[0].islower()
                or prev.endswith((",", "-"))
                or (full_width and not prev.endswith(_TERMINAL))
            )
        )
        if joins:
            out[-1] = prev + ("" if prev.endswith("-") else " ") + line
        else:
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _pdf_document(path: Path, rel: str, data: bytes) -> _Loaded:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormatError(str(path), "the PDF is password-protected; save an unprotected copy", line=1)
        # Broken font maps can give NUL or surrogates, which cannot be stored: dropped, as unreadable.
        pages = [_reflow(_UNSTORABLE.sub("", page.extract_text() or "")) for page in reader.pages]
        # The document information can carry FORMATS fields too: /Title, /Keywords, or custom
        # entries such as /Kind or /valid_to that a publishing tool wrote.
        found: Mapping[Any, Any] = reader.metadata or {}
        # found[k] resolves indirect references; NUL and surrogates are dropped as above.
        info = {str(k).lstrip("/"): _collapse(_UNSTORABLE.sub("", str(found[k]))) for k in found}
    except FormatError:
        raise
    except Exception as exc:
        # pypdf raises many kinds of errors (its own, ValueError, KeyError...) on damaged files.
        raise FormatError(str(path), f"not a readable PDF ({exc}); export it again", line=1) from exc
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise FormatError(str(path), "no text layer; OCR it first", line=1)
    known, _ = _split_fields(info)
    for name in _TEXT_FIELDS:
        known.pop(name, None)
    if "tags" not in known and info.get("Keywords"):
        known["tags"] = ("Keywords", info["Keywords"])
    first_line = text.split("\n", 1)[0]
    title = first_line if len(first_line) <= 120 else first_line[:117].rsplit(" ", 1)[0] + "…"

    def line_of(_name: str | None) -> int:
        return 1

    doc = _build(
        path,
        known,
        body=text,
        default_id=rel,
        default_title=title,
        fmt="pdf",
        source=rel,
        meta={},
        line_of=line_of,
    )
    return doc, line_of


# --- CSV and JSON records ------------------------------------------------------------------------


def _display(value: Any) -> str:
    """A column value as text in a ``Column: value`` line."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_display(v)}" for k, v in value.items())
    return str(value).strip()


def _record_document(
    path: Path, rel: str, fmt: str, record: Mapping[str, Any], number: int, line_of: _LineOf
) -> Document:
    """One CSV row / JSON object as a document. Columns FORMATS does not name stay in ``meta`` and are
    added to the text as ``Column: value`` lines, so that a price or a plan name is searchable."""
    known, meta = _split_fields(record)
    bodies = [name for name in _TEXT_FIELDS if name in known]
    for name in bodies[1:]:  # a second text-like column is extra content, not lost
        key, value = known.pop(name)
        meta[key] = value
    body = ""
    if bodies:
        key, value = known.pop(bodies[0])
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n".join(value)  # a JSON list of paragraphs
        try:
            body = _scalar(value)
        except ValueError as exc:
            raise FormatError(str(path), str(exc), line=line_of(bodies[0]), field=bodies[0]) from exc
    extra = [f"{key}: {_display(value)}" for key, value in meta.items()]
    text = "\n".join(part for part in (body, *extra) if part)
    try:
        given_id = _scalar(known["id"][1]) if "id" in known else ""
    except ValueError:
        given_id = ""  # _build reports it
    fallback = f"{rel}#{number}"
    alias = next((meta[k] for k in meta if _norm_key(k) in _TITLE_ALIASES and isinstance(meta[k], str)), "")
    return _build(
        path,
        known,
        body=text,
        default_id=fallback,
        default_title=alias.strip() or given_id or fallback,
        fmt=fmt,
        source=f"{rel}#{given_id or number}",
        meta=meta,
        line_of=line_of,
    )


def _csv_documents(path: Path, rel: str, text: str) -> tuple[list[_Loaded], list[FormatError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    docs: list[_Loaded] = []
    errors: list[FormatError] = []
    header: list[str] | None = None
    start = 1  # the line the current record starts on
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(FormatError(str(path), f"not valid CSV ({exc})", line=start))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [name.strip() or f"column {i}" for i, name in enumerate(row, start=1)]
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            reason = f"{len(row)} fields but the header has {len(header)}; quote fields that contain commas"
            errors.append(FormatError(str(path), reason, line=line))
            continue
        record = {name: cell.strip() for name, cell in zip(header, row, strict=False)}

        def line_of(_name: str | None, at: int = line) -> int:
            return at

        try:
            docs.append((_record_document(path, rel, "csv", record, line, line_of), line_of))
        except FormatError as exc:
            errors.append(exc)
    if header is None:
        raise FormatError(str(path), "empty CSV; expected a header row such as 'id,title,text'", line=1)
    return docs, errors


def _json_documents(path: Path, rel: str, text: str) -> tuple[list[_Loaded], list[FormatError]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # Nothing after a syntax error can be trusted, so the whole file fails.
        raise FormatError(
            str(path), f"not valid JSON ({exc.msg} at column {exc.colno})", line=exc.lineno
        ) from exc
    except ValueError as exc:  # an integer over Python's digit limit
        from common.formats import json_problem

        raise FormatError(str(path), json_problem(exc), line=1) from exc
    where: list[str | int] = []
    if isinstance(data, dict) and "documents" in data:
        records, where = data["documents"], ["documents"]
        if not isinstance(records, list):
            reason = "'documents' must be a list of objects"
            raise FormatError(str(path), reason, line=_json_line(text, where), field="documents")
    elif isinstance(data, list):
        records = data
    elif isinstance(data, dict):
        records, where = [data], []  # a file holding a single document
    else:
        raise FormatError(str(path), 'expected a list of document objects or {"documents": [...]}', line=1)
    single = isinstance(data, dict) and not where
    docs: list[_Loaded] = []
    errors: list[FormatError] = []
    for index, record in enumerate(records):
        steps: list[str | int] = [] if single else [*where, index]
        if not isinstance(record, dict):
            errors.append(
                FormatError(str(path), "expected an object per document", line=_json_line(text, steps))
            )
            continue
        keys = {_norm_key(k): k for k in record}

        # Lines are looked up only when an error needs one: it re-scans the text.
        def line_of(name: str | None, steps: list[str | int] = steps, keys: dict[str, str] = keys) -> int:
            key = keys.get(name or "")
            return _json_line(text, [*steps, key] if key is not None else steps)

        try:
            docs.append((_record_document(path, rel, "json", record, index + 1, line_of), line_of))
        except FormatError as exc:
            errors.append(exc)
    return docs, errors


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _json_line(text: str, steps: Sequence[str | int]) -> int:
    """The line on which the value at ``steps`` (object keys, array indexes) starts; where a step is
    missing, the line of the deepest value found."""
    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        match = _JSON_SPACE.match(text, pos)
        return match.end() if match else pos

    pos = skip(0)
    try:
        for step in steps:
            found = _json_child(text, pos, step, decoder, skip)
            if found is None:
                break
            pos = found
    except (ValueError, IndexError):
        pass  # the file parsed as a whole, so this only guards against surprises
    return text.count("\n", 0, pos) + 1


def _json_child(
    text: str, pos: int, step: str | int, decoder: json.JSONDecoder, skip: Callable[[int], int]
) -> int | None:
    """Where the member ``step`` of the object or array starting at ``pos`` starts, if it is there."""
    opener = text[pos : pos + 1]
    if opener not in ("{", "["):
        return None
    cursor, index = skip(pos + 1), 0
    while text[cursor : cursor + 1] not in ("}", "]", ""):
        hit = index == step
        if opener == "{":
            key, cursor = decoder.raw_decode(text, cursor)
            cursor = skip(skip(cursor) + 1)  # past the ':'
            hit = key == step
        if hit:
            return cursor
        cursor = skip(decoder.raw_decode(text, cursor)[1])  # the C scanner skips a whole value
        if text[cursor : cursor + 1] == ",":
            cursor = skip(cursor + 1)
        index += 1
    return None
