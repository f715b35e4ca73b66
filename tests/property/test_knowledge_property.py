"""FORMATS §3 knowledge folders under generated input: documents written with valid front matter or as
CSV/JSON records read back field for field; any other file (broken front matter, tag soup, odd
charsets, arbitrary JSON, random or damaged bytes in every format) gives documents or a
``FormatError`` naming the file and a line in it, and a folder read never stops at a bad file."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from property_helpers import clean_text, fuzz, json_values, outcome, yaml_values

from common.errors import FormatError
from knowledge import Document, LoadResult, load_file, load_folder
from knowledge.documents import KINDS

DATA = Path(__file__).resolve().parents[1] / "data" / "knowledge"
EXTENSIONS = (".md", ".txt", ".html", ".pdf", ".csv", ".json")
# The fields FORMATS §3 defines, spelled as the loader normalises column names.
KNOWN = {"id", "kind", "title", "text", "body", "answer", "valid_from", "valid_to", "tags", "keywords"}

dates = st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))
# Tags are split on , ; | when given as one string, and stripped.
tags = st.lists(clean_text(1, 12).filter(lambda t: not re.search(r"[,;|]", t)), max_size=4, unique=True)
# A body as a person writes it: lines of text, no carriage returns (they become newlines).
bodies = st.lists(clean_text(0, 40), min_size=1, max_size=5).map("\n".join).filter(lambda s: s.strip())


def _fresh(tmp_path: Path) -> Path:
    """An empty folder per example: hypothesis runs every example in the test's one ``tmp_path``."""
    return Path(tempfile.mkdtemp(dir=tmp_path))


def _norm(key: str) -> str:
    return re.sub(r"[\s-]+", "_", key.strip().lower())


def _non_empty(value: Any) -> bool:
    return value is not None and not (isinstance(value, str | list | dict) and not value)


@st.composite
def fields(draw: st.DrawFn) -> dict[str, Any]:
    """Valid FORMATS §3 fields, some left out, and extra fields the loader must keep in ``meta``."""
    out: dict[str, Any] = {}
    start = draw(dates)
    optional = {
        "id": clean_text(1, 30),
        "kind": st.sampled_from(KINDS),
        "title": clean_text(1, 30),
        "valid_from": st.just(start),
        "valid_to": st.integers(0, 400).map(lambda d: start + datetime.timedelta(days=d)),
        "tags": tags.filter(bool),
    }
    for name in draw(st.sets(st.sampled_from(sorted(optional)))):
        out[name] = draw(optional[name])
    extra_keys = clean_text(1, 12).filter(lambda k: _norm(k) not in KNOWN and not k.startswith(("#", "!")))
    extras = draw(st.dictionaries(extra_keys, json_values(4), max_size=3))
    return {**extras, **out}


def _check(doc: Document, given: dict[str, Any], *, default_id: str) -> None:
    assert doc.id == given.get("id", default_id)
    assert doc.kind == given.get("kind", "faq")
    if "title" in given:
        assert doc.title == given["title"]
    assert doc.valid_from == given.get("valid_from") and doc.valid_to == given.get("valid_to")
    assert doc.tags == given.get("tags", [])


# --- Markdown with front matter ----------------------------------------------------------------


@given(front=fields(), body=bodies, crlf=st.booleans(), unicode=st.booleans())
@fuzz(40)
def test_markdown_front_matter_reads_back_as_written(
    tmp_path: Path, front: dict[str, Any], body: str, crlf: bool, unicode: bool
) -> None:
    dumped = yaml.safe_dump(front, allow_unicode=unicode, sort_keys=False)
    # PyYAML writes NEL, LS and PS unescaped with allow_unicode, and YAML reads them as line breaks.
    assume(not (unicode and re.search("[\x85\u2028\u2029]", dumped)))
    text = f"---\n{dumped}---\n{body}\n"
    path = _fresh(tmp_path) / "doc.md"
    path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode())
    docs = outcome(lambda: load_file(path))
    assert isinstance(docs, list) and len(docs) == 1, docs
    doc = docs[0]
    _check(doc, front, default_id="doc.md")
    assert doc.text == body.strip()
    assert doc.meta == {k: v for k, v in front.items() if _norm(k) not in KNOWN and _non_empty(v)}


@given(
    front=yaml_values(10) | st.dictionaries(clean_text(1, 12), yaml_values(4), max_size=5),
    body=st.text(max_size=80),
)
@fuzz(50)
def test_any_front_matter_is_a_document_or_an_error_on_a_line_of_the_file(
    tmp_path: Path, front: Any, body: str
) -> None:
    text = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n{body}"
    path = _fresh(tmp_path) / "doc.md"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _document_or_error(path)


@given(front=st.text(max_size=120), body=st.text(max_size=60), close=st.sampled_from(["---", "...", ""]))
@fuzz(50)
def test_broken_front_matter_is_a_document_or_an_error_on_a_line_of_the_file(
    tmp_path: Path, front: str, body: str, close: str
) -> None:
    path = _fresh(tmp_path) / "doc.md"
    path.write_bytes(f"---\n{front}\n{close}\n{body}".encode("utf-8", "surrogatepass"))
    _document_or_error(path)


def _document_or_error(path: Path) -> list[Document] | FormatError:
    """Reads ``path``; an error must name it and a line inside it, and a folder read must report the
    same problem instead of raising."""
    result = outcome(lambda: load_file(path))
    if isinstance(result, FormatError):
        assert result.path == str(path)
        assert result.line is not None and 1 <= result.line <= path.read_bytes().count(b"\n") + 2, result
    else:
        assert isinstance(result, list), result
        for doc in result:
            assert doc.id and doc.text.strip() and doc.kind in KINDS
            assert doc.valid_from is None or doc.valid_to is None or doc.valid_from <= doc.valid_to
    folder = outcome(lambda: load_folder(path.parent))
    assert isinstance(folder, LoadResult), folder
    assert {e.path for e in folder.errors} == ({path.name} if isinstance(result, FormatError) else set())
    assert all(e.line >= 1 and e.message.startswith(str(path)) for e in folder.errors)
    if isinstance(result, list):
        assert [d.id for d in folder.documents] == [d.id for d in result]
    return result


# --- CSV and JSON records ------------------------------------------------------------------------


@st.composite
def record_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    records = draw(st.lists(fields(), min_size=1, max_size=4))
    ids = draw(st.lists(clean_text(1, 20), min_size=len(records), max_size=len(records), unique=True))
    for record, doc_id in zip(records, ids, strict=True):
        record["id"] = doc_id
        record["text"] = draw(bodies)
    return records


@given(records=record_sets(), as_json=st.booleans())
@fuzz(30)
def test_csv_and_json_records_read_back_as_written(
    tmp_path: Path, records: list[dict[str, Any]], as_json: bool
) -> None:
    if as_json:
        path = _fresh(tmp_path) / "docs.json"
        path.write_text(json.dumps(records, default=str, ensure_ascii=False), encoding="utf-8")
    else:
        # A spreadsheet has one set of columns; tags are one cell, comma-separated.
        columns = list(dict.fromkeys(k for r in records for k in r if k in ("id", "kind", "title", "text")))
        columns += [k for k in ("valid_from", "valid_to", "tags") if any(k in r for r in records)]
        for record in records:  # extra columns differ by record; keep CSV records to the known ones
            for key in [k for k in record if k not in columns]:
                del record[key]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for record in records:
            cells = {**record, "tags": ", ".join(record.get("tags", []))}
            writer.writerow([str(cells.get(c, "")) for c in columns])
        path = _fresh(tmp_path) / "docs.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
    docs = outcome(lambda: load_file(path))
    assert isinstance(docs, list), docs
    assert len(docs) == len(records)
    for doc, record in zip(docs, records, strict=True):
        _check(doc, record, default_id="")
        # Columns FORMATS does not name are kept and made searchable as "name: value" lines.
        assert doc.text.startswith(record["text"].strip())


@given(value=json_values(20), wrap=st.sampled_from(["bare", "list", "documents"]))
@fuzz(50)
def test_any_json_is_documents_or_an_error_on_a_line_of_the_file(
    tmp_path: Path, value: Any, wrap: str
) -> None:
    data = {"bare": value, "list": [value], "documents": {"documents": value}}[wrap]
    path = _fresh(tmp_path) / "docs.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    _document_or_error(path)


@given(rows=st.lists(st.lists(st.text(max_size=15), max_size=6), max_size=5))
@fuzz(40)
def test_any_csv_is_documents_or_an_error_on_a_line_of_the_file(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = _fresh(tmp_path) / "docs.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")
    _document_or_error(path)


# --- HTML ----------------------------------------------------------------------------------------

_TAGS = ["p", "div", "h1", "h3", "ul", "ol", "li", "table", "tr", "td", "pre", "br", "span", "script", "b"]


def _html_nodes() -> st.SearchStrategy[str]:
    text = st.text(max_size=20)
    return st.recursive(
        text,
        lambda inner: st.builds(
            lambda tag, attrs, children, closed: (
                f"<{tag}{attrs}>{''.join(children)}" + (f"</{tag}>" if closed else "")
            ),
            st.sampled_from(_TAGS),
            st.sampled_from(["", ' class="x"', ' start="3"', " start='-1'", " =x"]),
            st.lists(inner, max_size=3),
            st.booleans(),
        ),
        max_leaves=12,
    )


@given(
    body=_html_nodes(),
    charset=st.sampled_from(
        ["", "utf-8", "windows-1252", "latin-1", "utf-16", "base64", "rot13", "idna", "x-bogus"]
    ),
    meta=st.dictionaries(
        st.sampled_from(["kind", "id", "keywords", "valid_from", "Valid To", "tags"]), st.text(max_size=12)
    ),
)
@fuzz(60)
def test_any_html_is_a_document_or_an_error_on_a_line_of_the_file(
    tmp_path: Path, body: str, charset: str, meta: dict[str, str]
) -> None:
    head = f'<meta charset="{charset}">' if charset else ""
    head += "".join(f'<meta name="{k}" content="{v}">' for k, v in meta.items())
    path = _fresh(tmp_path) / "page.html"
    path.write_bytes(f"<html><head>{head}</head><body>{body}</body></html>".encode("utf-8", "surrogatepass"))
    _document_or_error(path)


def test_html_nested_thousands_deep_is_a_format_error(tmp_path: Path) -> None:
    path = _fresh(tmp_path) / "deep.html"
    path.write_text("<div>" * 5000 + "text", encoding="utf-8")
    result = outcome(lambda: load_file(path))
    assert isinstance(result, FormatError) and "nested too deeply" in str(result)


# --- any bytes, and damaged real files -----------------------------------------------------------


@given(data=st.binary(max_size=400), extension=st.sampled_from(EXTENSIONS))
@fuzz(75)
def test_any_bytes_in_any_format_are_documents_or_an_error(
    tmp_path: Path, data: bytes, extension: str
) -> None:
    path = _fresh(tmp_path) / f"file{extension}"
    path.write_bytes(data)
    _document_or_error(path)


REAL = sorted(p for p in DATA.rglob("*") if p.suffix in EXTENSIONS and not p.name.startswith("."))


@given(source=st.sampled_from(REAL), data=st.data())
@fuzz(60)
def test_damaged_real_documents_are_documents_or_an_error(
    tmp_path: Path, source: Path, data: st.DataObject
) -> None:
    """The test knowledge folder's own files cut short or with bytes overwritten (a PDF's xref
    pointing nowhere, an HTML tag cut in half)."""
    raw = bytearray(source.read_bytes())
    if data.draw(st.booleans(), label="cut"):
        raw = raw[: data.draw(st.integers(0, len(raw)), label="at")]
    else:
        for _ in range(data.draw(st.integers(1, 8), label="flips")):
            if raw:
                raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = _fresh(tmp_path) / source.name
    path.write_bytes(bytes(raw))
    _document_or_error(path)


# --- text PostgreSQL cannot store --------------------------------------------------------------


def test_nul_and_surrogate_escapes_are_errors_naming_the_field(tmp_path: Path) -> None:
    cases = {
        "a.md": ('---\nid: x\ntitle: "a\\0b"\n---\nbody\n', "title", 3),
        "b.md": ("---\nid: x\n---\nbody \x00 here\n", "text", 4),
        "c.json": ('[{"id": "x", "text": "t", "price": "\\ud800"}]', "price", 1),
        "d.csv": ("id,text\nx,a\x00b\n", "text", 2),
    }
    for name, (text, field, line) in cases.items():
        path = _fresh(tmp_path) / name
        path.write_text(text, encoding="utf-8")
        result = outcome(lambda path=path: load_file(path))  # type: ignore[misc]
        assert isinstance(result, FormatError), (name, result)
        assert result.field == field and result.line == line, (name, str(result))


@given(
    lines=st.lists(
        st.sampled_from(["---", "...", "text", "- item", "key: value", ""]), min_size=1, max_size=5
    ),
    style=st.sampled_from(["|", ">", "quoted"]),
)
@fuzz(20)
def test_marker_lines_inside_a_front_matter_value_do_not_end_it(
    tmp_path: Path, lines: list[str], style: str
) -> None:
    """A block scalar may hold a "---" or "..." line (indented); only a marker at the start of a line
    closes the front matter. It used to end it early, leaving YAML in the body."""
    note = "\n".join(lines)
    if style == "quoted":
        front = yaml.safe_dump({"id": "x", "note": note}, allow_unicode=True)
    else:
        block = "".join(f"  {line}\n" if line else "\n" for line in lines)
        front = f"id: x\nnote: {style}\n{block}"
    path = _fresh(tmp_path) / "doc.md"
    path.write_text(f"---\n{front}---\nThe body.\n", encoding="utf-8")
    docs = outcome(lambda: load_file(path))
    assert isinstance(docs, list), docs
    assert docs[0].text == "The body."
    if note.strip():
        assert docs[0].meta["note"] == yaml.safe_load(front)["note"]
