#!/usr/bin/env python3
"""Write the demo knowledge base's PDF: DeviceCare terms and conditions of the FICTIONAL carrier
Brightline Mobile (generated synthetic demo data).

The PDF is written by hand (PDF 1.4, standard Helvetica fonts, one content stream per page), so it
has a real text layer and needs no PDF library. The output is deterministic.

    python scripts/make_demo_pdf.py            # writes demo/knowledge/policies/devicecare-terms.pdf
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

TITLE = "DeviceCare Terms and Conditions"

# The document as lines of text: "# " the title, "## " a section heading, a blank line between
# paragraphs. The numbers match the knowledge base (proc-devicecare-claim, the plans).
SOURCE = """\
# DeviceCare Terms and Conditions

Brightline Mobile device protection. Effective 1 January 2026. Fictional demo document.

## 1. What DeviceCare is

DeviceCare is an optional device protection plan for phones bought from or activated on Brightline
Mobile. It costs 12 USD per month per device, billed on the mobile bill. Protection is provided by
Northgate Assurance Company (fictional) and administered by Brightline Mobile.

## 2. Enrolment

You can add DeviceCare within 30 days of buying or activating a device. After 30 days, enrolment
needs a photo inspection of the device in the Brightline app. Coverage starts the day after
enrolment.

## 3. What is covered

Accidental damage, including cracked screens and liquid damage; mechanical and electrical breakdown
after the manufacturer warranty ends; loss; and theft. Covered accessories: the charger and cable
sold with the device.

## 4. What is not covered

Cosmetic damage that does not affect use, such as scratches and dents; damage caused on purpose;
devices with a changed or removed IMEI; loss of data, apps or content; and devices not registered to
your line. Batteries are covered only if they hold less than 80 percent of their original capacity.

## 5. Deductibles

Screen repair (front glass only): 29 USD. Other accidental damage repair: 99 USD. Replacement after
loss or theft, or when a device cannot be repaired: 149 USD. The deductible is paid when the claim
is approved.

## 6. Claim limits

Up to 2 claims per device in any rolling 12-month period. A replacement device is the same model or
one of equal or higher value and similar features, new or certified refurbished.

## 7. Making a claim

File a claim within 60 days of the incident, in the Brightline app or by calling customer care. For
loss or theft, your line must be suspended first. Replacements ship the next business day after
approval. A damaged device that is replaced must be returned within 15 days, otherwise an unreturned
device fee of up to 300 USD applies.

## 8. Cancelling

You can cancel DeviceCare at any time in the app or by calling us. It ends at the end of the current
bill cycle; there is no refund for a partial month. DeviceCare ends automatically when the line is
cancelled or the number is moved to another carrier.
"""


def parse(source: str = SOURCE) -> list[tuple[str, str]]:
    """(kind, text) blocks: "h1", "h2" or "p" (a paragraph joined into one line)."""
    blocks: list[tuple[str, str]] = []
    for block in source.strip().split("\n\n"):
        if block.startswith("## "):
            blocks.append(("h2", block[3:].strip()))
        elif block.startswith("# "):
            blocks.append(("h1", block[2:].strip()))
        else:
            blocks.append(("p", " ".join(block.split())))
    return blocks


PAGE_W, PAGE_H, MARGIN = 612, 792, 72
STYLE = {"h1": ("F2", 16, 26), "h2": ("F2", 12, 20), "p": ("F1", 10, 14)}  # font, size, leading
WRAP = {"h1": 60, "h2": 80, "p": 92}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pages(content: list[tuple[str, str]]) -> list[bytes]:
    """Lay out the text top to bottom; one content stream per page."""
    pages: list[list[str]] = [[]]
    y = PAGE_H - MARGIN
    for kind, text in content:
        font, size, leading = STYLE[kind]
        lines = textwrap.wrap(text, WRAP[kind])
        if kind == "h2":
            y -= 6
        if y - leading * (len(lines) + (1 if kind == "h2" else 0)) < MARGIN:
            pages.append([])
            y = PAGE_H - MARGIN
        for line in lines:
            pages[-1].append(f"BT /{font} {size} Tf {MARGIN} {y} Td ({_escape(line)}) Tj ET")
            y -= leading
        y -= 4
    return ["\n".join(ops).encode("latin-1") for ops in pages]


def build_pdf(source: str = SOURCE, title: str = TITLE) -> bytes:
    streams = _pages(parse(source))
    n_pages = len(streams)
    # Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then (page, content) pairs.
    first_page = 6
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        f"<< /Title ({_escape(title)}) /Author (Brightline Mobile - fictional demo data) "
        f"/Producer (callscope scripts/make_demo_pdf.py) >>".encode(),
    ]
    for i, stream in enumerate(streams):
        contents = first_page + 2 * i + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {contents} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=Path("demo/knowledge/policies/devicecare-terms.pdf"), help="output file"
    )
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(build_pdf())
    print(f"{args.out}  {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
