"""knowledge.loaders: every format of FORMATS §3, and every way a file can be broken."""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from common.errors import FormatError
from knowledge import Document, LoadOptions, load_file, load_folder

KB = Path(__file__).parents[1] / "data" / "knowledge"


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A minimal PDF whose pages show ``pages`` (lines of text) in Helvetica, with a real text layer.

    A page with no lines has no content stream: a scan without OCR looks the same to a text extractor.
    """

    def literal(text: str) -> str:
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for lines in pages:
        page = len(objects) + 1
        kids.append(f"{page} 0 R")
        resources, box = "/Resources << /Font << /F1 3 0 R >> >>", "/MediaBox [0 0 612 792]"
        if lines:
            ops = " T*\n".join(f"{literal(line)} Tj" for line in lines)
            stream = f"BT /F1 12 Tf 16 TL 72 720 Td\n{ops}\nET"
            objects.append(f"<< /Type /Page /Parent 2 0 R {box} {resources} /Contents {page + 1} 0 R >>")
            objects.append(f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream")
        else:
            objects.append(f"<< /Type /Page /Parent 2 0 R {box} {resources} >>")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    trailer_info = ""
    if info:
        objects.append("<< " + " ".join(f"/{k} {literal(v)}" for k, v in info.items()) + " >>")
        trailer_info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_info} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


#: What tests/data/knowledge/device-care.pdf holds (written by ``make_pdf``, see test_sample_pdf_is_current).
SAMPLE_PDF = make_pdf(
    [
        [
            "DeviceCare terms",
            "DeviceCare covers accidental damage and theft for 12 USD a month.",
            "Screen repair costs 29 USD.",
        ],
        ["Claims", "File a claim within 60 days in the app or by phone."],
    ],
    info={"Title": "DeviceCare terms and conditions", "Kind": "policy", "Keywords": "devicecare, insurance"},
)


def _by_id(docs: list[Document]) -> dict[str, Document]:
    return {d.id: d for d in docs}


def _messages(folder: Path) -> list[str]:
    return [e.message for e in load_folder(folder).errors]


# --- the sample folder: one file of every format -----------------------------------------------


def test_sample_pdf_is_current() -> None:
    assert (KB / "device-care.pdf").read_bytes() == SAMPLE_PDF


def test_sample_folder_loads_every_format() -> None:
    result = load_folder(KB)
    assert result.errors == []
    assert result.skipped == ["images/coverage-map.svg"]  # hidden files and folders are not even listed
    assert {d.format for d in result.documents} == {"md", "txt", "html", "pdf", "csv", "json"}
    assert [d.source for d in result.documents] == [
        "device-care.pdf",
        "faq/faq.json#faq-autopay",
        "faq/faq.json#2",
        "plans.csv#plan-basic",
        "plans.csv#plan-unlimited",
        "plans.csv#4",
        "promotions/holiday-unlimited.md",
        "returns-policy.html",
        "roaming-pass.md",
        "store_hours.txt",
    ]
    assert "draft" not in _by_id(result.documents)
    again = load_folder(str(KB))
    assert [d.content_hash() for d in again.documents] == [d.content_hash() for d in result.documents]


def test_markdown_with_front_matter() -> None:
    doc = _by_id(load_folder(KB).documents)["promo-holiday-unlimited"]
    assert (doc.kind, doc.title, doc.format) == ("promotion", "Holiday Unlimited offer", "md")
    assert (doc.valid_from, doc.valid_to) == (datetime.date(2026, 11, 20), datetime.date(2026, 12, 31))
    assert doc.tags == ["unlimited", "plans"] and doc.meta == {"owner": "marketing"}
    assert doc.source == "promotions/holiday-unlimited.md"
    assert doc.text.startswith("# Holiday Unlimited offer\n\nCustomers on any Unlimited plan")
    assert "## How to apply it\n\n1. Verify" in doc.text and "---" not in doc.text
    assert not doc.valid_on(datetime.date(2026, 11, 19))
    assert doc.valid_on(datetime.date(2026, 11, 20)) and doc.valid_on(datetime.date(2026, 12, 31))
    assert not doc.valid_on(datetime.date(2027, 1, 1))


def test_markdown_and_text_without_front_matter() -> None:
    docs = _by_id(load_folder(KB).documents)
    md = docs["roaming-pass.md"]
    assert (md.kind, md.title, md.tags, md.meta, md.valid_from) == ("faq", "Roaming Pass", [], {}, None)
    assert md.text.startswith("# Roaming Pass\n") and "## How to add it" in md.text
    txt = docs["store_hours.txt"]
    assert (txt.format, txt.title, txt.kind) == ("txt", "Store hours", "faq")
    assert txt.text.startswith("Our stores are open") and txt.text.endswith("two weeks ahead.")


def test_html() -> None:
    doc = _by_id(load_folder(KB).documents)["returns-policy.html"]
    assert (doc.title, doc.kind, doc.format) == ("Returns policy", "policy", "html")
    assert doc.valid_from == datetime.date(2026, 1, 1) and doc.valid_to is None
    assert doc.tags == ["returns", "refunds"] and doc.meta == {"owner": "customer care"}
    assert doc.text.split("\n") == [
        "# Returns policy",
        "",
        "Devices can be returned within 14 days of delivery with the original packaging.",
        "",
        "## Fees",
        "",
        "- Opened phones: a restocking fee of $45.00.",
        "- Unopened accessories: no fee.",
        "",
        "## Steps",
        "",
        "1. Create a return label in the order page.",
        "2. Drop the parcel at any post office.",
        "",
        "Item | Return window",
        "Phone | 14 days",
        "Router | 30 days",
    ]


def test_html_details(tmp_path: Path) -> None:
    (tmp_path / "nested.htm").write_text(
        "<html><body><h1>Porting</h1><ul><li>Before<ul><li>get the PIN</li></ul></li></ul>"
        "<ol start='3'><li>third</li></ol><pre>line 1\n  line 2</pre>one<br>two</body></html>"
    )
    (tmp_path / "latin.html").write_bytes(
        '<meta charset="iso-8859-1"><title>Caf\xe9</title><p>Men\xfa del d\xeda.</p>'.encode("latin-1")
    )
    docs = _by_id(load_folder(tmp_path).documents)
    nested = docs["nested.htm"]
    assert nested.title == "Porting"  # no <title>: the first <h1>
    assert nested.text.split("\n") == [
        "# Porting",
        "",
        "- Before",
        "  - get the PIN",
        "",
        "3. third",
        "",
        "line 1",
        "  line 2",
        "",
        "one",
        "two",
    ]
    assert (docs["latin.html"].title, docs["latin.html"].text) == ("Café", "Menú del día.")


def test_pdf() -> None:
    doc = _by_id(load_folder(KB).documents)["device-care.pdf"]
    assert (doc.title, doc.kind, doc.format, doc.tags) == (
        "DeviceCare terms and conditions",
        "policy",
        "pdf",
        ["devicecare", "insurance"],
    )
    assert doc.text.startswith("DeviceCare terms\nDeviceCare covers accidental damage")
    assert "Screen repair costs 29 USD." in doc.text
    assert doc.text.endswith("Claims\nFile a claim within 60 days in the app or by phone.")


def test_pdf_title_and_reflow(tmp_path: Path) -> None:
    text = [
        "Unlocking a phone",
        "A phone bought on a payment plan can be unlocked once the plan is paid off and the",
        "account is in good standing, which takes effect within two business days.",
        "- Ask for the IMEI.",
    ]
    (tmp_path / "unlock.pdf").write_bytes(make_pdf([text]))
    doc = load_file(tmp_path / "unlock.pdf")[0]
    assert doc.title == "Unlocking a phone"  # no /Title: the first line
    assert doc.text.split("\n") == [
        "Unlocking a phone",
        "A phone bought on a payment plan can be unlocked once the plan is paid off and the account is in "
        "good standing, which takes effect within two business days.",
        "- Ask for the IMEI.",
    ]


def test_csv_records() -> None:
    docs = _by_id(load_folder(KB).documents)
    basic = docs["plan-basic"]
    assert (basic.title, basic.kind, basic.format, basic.tags) == (
        "Basic plan",
        "product",
        "csv",
        ["plans", "basic"],
    )
    # A column FORMATS does not name is kept in meta and made searchable in the text.
    assert basic.meta == {"price": "$25.00"}
    assert basic.text == "5 GB of data, unlimited calls and texts.\nprice: $25.00"
    unlimited = docs["plan-unlimited"]
    assert unlimited.valid_from == datetime.date(2026, 1, 1) and unlimited.tags == ["plans", "unlimited"]
    keep = docs["plans.csv#4"]  # no id: the path and the row's line
    assert (keep.title, keep.kind, keep.meta) == ("Can I keep my number?", "faq", {})


def test_json_records() -> None:
    docs = _by_id(load_folder(KB).documents)
    autopay = docs["faq-autopay"]
    assert autopay.text == "Autopay charges the saved card on the bill due date.\nchannel: app, phone"
    assert autopay.meta == {"channel": ["app", "phone"]} and autopay.tags == ["billing", "autopay"]
    late = docs["faq/faq.json#2"]
    assert (late.kind, late.title, late.meta) == ("policy", "Late fees", {"amount": 7})
    assert late.text.endswith("10 days overdue.\namount: 7")


def test_json_shapes_and_column_names(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text(json.dumps([{"Question": "Do you ship abroad?", "Answer": "No."}]))
    (tmp_path / "one.json").write_text(
        json.dumps({"id": "solo", "text": ["First paragraph.", "Second one."]})
    )
    (tmp_path / "sheet.csv").write_text(
        "ID,Title,Answer,Valid From\r\nx1,Hours,9 to 5,2026-02-01T00:00:00\r\n"
    )
    docs = _by_id(load_folder(tmp_path).documents)
    listed = docs["list.json#1"]
    # No title column: a question makes the title, and stays in the text to be searched.
    assert (listed.title, listed.text) == ("Do you ship abroad?", "No.\nQuestion: Do you ship abroad?")
    assert docs["solo"].text == "First paragraph.\nSecond one." and docs["solo"].source == "one.json#solo"
    sheet = docs["x1"]
    assert (sheet.title, sheet.text, sheet.valid_from) == ("Hours", "9 to 5", datetime.date(2026, 2, 1))


def test_load_file(tmp_path: Path) -> None:
    docs = load_file(KB / "promotions" / "holiday-unlimited.md", KB)
    assert [d.source for d in docs] == ["promotions/holiday-unlimited.md"]
    assert [d.id for d in load_file(KB / "roaming-pass.md")] == ["roaming-pass.md"]
    assert len(load_file(KB / "plans.csv", KB)) == 3
    (tmp_path / "bad.csv").write_text("id,text\na,fine\nb,\n")
    with pytest.raises(FormatError, match=r"bad\.csv:3: field 'text': empty document"):
        load_file(tmp_path / "bad.csv")
    with pytest.raises(FormatError, match="not a knowledge document"):
        load_file(KB / "images" / "coverage-map.svg")


def test_load_options(tmp_path: Path) -> None:
    only_md = load_folder(KB, LoadOptions(extensions=("md", ".MARKDOWN")))
    assert {d.format for d in only_md.documents} == {"md"}
    assert "plans.csv" in only_md.skipped and "device-care.pdf" in only_md.skipped
    with pytest.raises(ValueError, match=r"no reader for \.docx"):
        LoadOptions(extensions=(".docx",))
    with pytest.raises(FormatError, match="knowledge folder not found"):
        load_folder(tmp_path / "missing")


# --- broken files: reported with file, line and field; the other files still load -------------


def _folder_with(tmp_path: Path, name: str, content: str | bytes) -> Path:
    (tmp_path / "good.md").write_text("---\nid: good\n---\nThis one is fine.\n")
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    return tmp_path


def _only_error(folder: Path, name: str) -> tuple[int, str]:
    result = load_folder(folder)
    assert [d.id for d in result.documents] == ["good"]
    assert [e.path for e in result.errors] == [name]
    return result.errors[0].line, result.errors[0].message


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "bad.md", "---\nid: bad\ntitle: [unclosed\nkind: faq\n---\nBody.\n")
    line, message = _only_error(folder, "bad.md")
    assert line == 3 and message.startswith(f"{folder / 'bad.md'}:3: front matter is not valid YAML")


def test_front_matter_not_closed_or_not_a_mapping(tmp_path: Path) -> None:
    assert _only_error(_folder_with(tmp_path, "open.md", "---\nid: x\nBody\n"), "open.md")[0] == 1
    (tmp_path / "open.md").unlink()
    line, message = _only_error(_folder_with(tmp_path, "list.md", "---\n- a\n- b\n---\nBody\n"), "list.md")
    assert line == 2 and "mapping" in message


def test_bad_date_names_the_field(tmp_path: Path) -> None:
    folder = _folder_with(
        tmp_path, "promo.md", "---\nid: p\nkind: promotion\nvalid_to: someday\n---\nHalf off.\n"
    )
    line, message = _only_error(folder, "promo.md")
    assert line == 4
    assert (
        message
        == f"{folder / 'promo.md'}:4: field 'valid_to': 'someday' is not a date; write it as YYYY-MM-DD"
    )


def test_impossible_date_names_the_field(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "p.md", "---\nid: p\ntags: [a]\nvalid_from: 2026-02-30\n---\nBody.\n")
    line, message = _only_error(folder, "p.md")
    assert line == 4 and "field 'valid_from': '2026-02-30' is not a date" in message


def test_window_ending_before_it_starts(tmp_path: Path) -> None:
    content = "---\nid: p\nvalid_from: 2026-12-01\nvalid_to: 2026-11-01\n---\nBody.\n"
    line, message = _only_error(_folder_with(tmp_path, "p.md", content), "p.md")
    assert line == 4 and "field 'valid_to': 2026-11-01 is before valid_from 2026-12-01" in message


def test_unknown_kind_and_bad_tags(tmp_path: Path) -> None:
    line, message = _only_error(
        _folder_with(tmp_path, "k.md", "---\nid: k\nkind: advert\n---\nBody.\n"), "k.md"
    )
    assert line == 3 and "field 'kind': 'advert' is not a document kind" in message
    (tmp_path / "k.md").unlink()
    line, message = _only_error(_folder_with(tmp_path, "t.md", "---\ntags: {a: 1}\n---\nBody.\n"), "t.md")
    assert line == 2 and "field 'tags'" in message


def test_empty_document(tmp_path: Path) -> None:
    line, message = _only_error(_folder_with(tmp_path, "e.md", "---\nid: e\ntitle: Empty\n---\n\n"), "e.md")
    assert line == 5 and "field 'text': empty document" in message


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "sub/again.md", "---\ntitle: Again\nid: good\n---\nSame id.\n")
    result = load_folder(folder)
    assert [(d.id, d.source) for d in result.documents] == [("good", "good.md")]
    [error] = result.errors
    assert (error.path, error.line) == ("sub/again.md", 3)
    assert error.message == (
        f"{folder / 'sub/again.md'}:3: field 'id': duplicate id 'good', already used in "
        f"{folder / 'good.md'}:2; this document is skipped"
    )


def test_duplicate_id_inside_a_csv(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text("id,text\na,one\nb,two\na,three\n")
    result = load_folder(tmp_path)
    assert [d.text for d in result.documents] == ["one", "two"]
    assert [e.line for e in result.errors] == [4] and "faq.csv:2" in result.errors[0].message


def test_corrupt_pdf(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "broken.pdf", SAMPLE_PDF[:200])
    line, message = _only_error(folder, "broken.pdf")
    assert line == 1 and message.startswith(f"{folder / 'broken.pdf'}:1: not a readable PDF")
    (folder / "broken.pdf").write_bytes(b"this is not a pdf at all")
    assert "not a readable PDF" in _only_error(folder, "broken.pdf")[1]


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "scan.pdf", make_pdf([[], []]))
    assert _only_error(folder, "scan.pdf")[1].endswith("scan.pdf:1: no text layer; OCR it first")


def test_oversize_file(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "big.txt", "word " * 300_000)
    result = load_folder(folder, LoadOptions(max_file_mb=1))
    assert [d.id for d in result.documents] == ["good"]
    assert "big.txt: file is 1.4 MB, over the 1 MB limit" in result.errors[0].message
    assert len(load_folder(folder).documents) == 2  # within the default 20 MB


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "latin.md", "# Caf\xe9\nLine two\nPrix: 5 \u20ac\n".encode("cp1252"))
    line, message = _only_error(folder, "latin.md")
    assert line == 1 and "not utf-8 text (byte 5" in message and "save it as UTF-8" in message
    (folder / "latin.md").unlink()
    folder = _folder_with(tmp_path, "rows.csv", b"id,text\na,fine\nb,caf\xe9\n")
    assert _only_error(folder, "rows.csv")[0] == 3


def test_bad_csv_rows(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text(
        'id,title,text,valid_to\na,A,"fine",\nb,B,too,many,fields\n\nc,C,,\nd,D,"multi\nline",2026-13-01\ne,E,ok,\n'
    )
    (tmp_path / "empty.csv").write_text("\n\n")
    result = load_folder(tmp_path)
    assert [d.id for d in result.documents] == ["a", "e"]
    assert [(e.path, e.line) for e in result.errors] == [
        ("empty.csv", 1),
        ("rows.csv", 3),
        ("rows.csv", 5),
        ("rows.csv", 6),
    ]
    assert "5 fields but the header has 4" in result.errors[1].message
    assert "field 'text': empty document" in result.errors[2].message
    assert "rows.csv:6: field 'valid_to': '2026-13-01' is not a date" in result.errors[3].message
    assert [d.source for d in result.documents] == ["rows.csv#a", "rows.csv#e"]


def test_bad_json(tmp_path: Path) -> None:
    (tmp_path / "syntax.json").write_text('[\n  {"id": "a", "text": "x"},\n  {"id": "b" "text": "y"}\n]')
    (tmp_path / "records.json").write_text(
        '{"documents": [\n  {"id": "ok", "text": "fine"},\n  "not an object",\n'
        '  {"id": "late",\n   "text": "x",\n   "valid_from": "soon"}\n]}'
    )
    (tmp_path / "scalar.json").write_text("42")
    result = load_folder(tmp_path)
    assert [d.id for d in result.documents] == ["ok"]
    assert [(e.path, e.line) for e in result.errors] == [
        ("records.json", 3),
        ("records.json", 6),
        ("scalar.json", 1),
        ("syntax.json", 3),
    ]
    assert "field 'valid_from'" in result.errors[1].message
    assert "not valid JSON" in result.errors[3].message


# --- the Document type -------------------------------------------------------------------------


def test_content_hash() -> None:
    doc = Document(id="a", title="T", text="Body.", valid_to=datetime.date(2026, 1, 1), tags=["x"])
    # A fixed value: stored hashes must still match after a restart or an upgrade.
    assert doc.content_hash() == "e06e31483705e2cb9ac4bf78e9eca179437386aa3009765132e6af9ffbbc2da7"
    moved = replace(doc, source="elsewhere.md", format="txt", meta={"owner": "ops"})
    assert moved.content_hash() == doc.content_hash()
    changes: list[dict[str, Any]] = [{"text": "Body!"}, {"kind": "policy"}, {"valid_to": None}, {"tags": []}]
    for change in [*changes, {"title": "U"}, {"id": "b"}]:
        assert replace(doc, **change).content_hash() != doc.content_hash()


def test_valid_on_open_ends() -> None:
    day = datetime.date(2026, 6, 1)
    assert Document(id="a", title="", text="x").valid_on(day)
    assert Document(id="a", title="", text="x", valid_from=day).valid_on(day)
    assert not Document(id="a", title="", text="x", valid_to=day - datetime.timedelta(days=1)).valid_on(day)
