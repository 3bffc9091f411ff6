"""Hostile PDFs, each with the refusal it must get (see tests/corpus/hostile.py for the shape).

Hand-built files use :func:`raw_pdf`, which writes numbered objects and a correct xref table, so
each file is broken in exactly the way its name says.
"""

from __future__ import annotations

import io
import random

import pypdf
from fpdf import FPDF

from tests.corpus.hostile import Hostile
from tests.corpus.renderers import pdf_reports
from tests.corpus.roofs import all_roofs, roof_truth

UNREADABLE = ("report_unreadable", None)
UNSUPPORTED = ("report_unsupported", None)
OK = ("ok", None)
MALFORMED = ("report_unreadable", "pdf_malformed")
ENCRYPTED = ("report_unreadable", "pdf_encrypted")
NO_TEXT = ("report_unsupported", "pdf_no_text")
TOO_MANY_PAGES = ("report_unreadable", "pdf_too_many_pages")


def raw_pdf(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        trailer_extra,
        xref,
    )
    return out


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 12 Tf 72 700 Td (Total Roof Area = 2,000 sq ft) Tj ET"


def _page(contents: bytes, resources: bytes) -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %s /Resources %s >>" % (
        contents,
        resources,
    )


def text_page(content: bytes, *, declared_pages: int = 1) -> bytes:
    """A one-page PDF whose page draws ``content`` (text operators, uncompressed) in Helvetica;
    its page tree claims ``declared_pages`` pages."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % declared_pages,
            _page(b"4 0 R", b"<< /Font << /F1 5 0 R >> >>"),
            _stream(content),
            FONT,
        ]
    )


def circular_pages() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
        ]
    )


def self_drawing_form() -> bytes:
    """A Form XObject that draws itself: text extraction would recurse forever."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(b"4 0 R", b"<< /XObject << /X1 5 0 R >> /Font << /F1 6 0 R >> >>"),
            _stream(b"/X1 Do"),
            _stream(
                TEXT + b" /X1 Do",
                b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                b"/Resources << /XObject << /X1 5 0 R >> /Font << /F1 6 0 R >> >> ",
            ),
            FONT,
        ]
    )


def self_reference() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(b"4 0 R", b"<< >>"),
            b"4 0 R",
        ]
    )


def xref_loop() -> bytes:
    body = raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    xref = body.rindex(b"xref")
    return body.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % xref)


def deep_arrays(depth: int = 50_000) -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * depth + b"]" * depth + b" >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
        ]
    )


def lying_page_count() -> bytes:
    return text_page(TEXT, declared_pages=2_000_000_000)


def huge_stream_length() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(b"4 0 R", b"<< /Font << /F1 5 0 R >> >>"),
            b"<< /Length 999999999999 >>\nstream\n" + TEXT + b"\nendstream",
            FONT,
        ]
    )


def many_pages(count: int = 400) -> bytes:
    doc = FPDF()
    doc.set_font("Helvetica", size=8)
    for i in range(count):
        doc.add_page()
        doc.text(10, 10, f"page {i}")
    return bytes(doc.output())


def blank_pages() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.rect(10, 10, 100, 100)
    return bytes(doc.output())


def encrypted(data: bytes, password: str, algorithm: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def aes_encrypted(revision: int) -> bytes:
    """An AES-encrypted document (V4/AESV2 or V5/AESV3) whose password nobody knows."""
    rng = random.Random(revision)
    hexa = lambda n: b"<" + rng.randbytes(n).hex().encode() + b">"  # noqa: E731
    if revision == 6:
        crypt = (
            b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /O %s /U %s /OE %s /UE %s "
            b"/Perms %s /CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> "
            b"/StmF /StdCF /StrF /StdCF >>" % (hexa(48), hexa(48), hexa(32), hexa(32), hexa(16))
        )
    else:
        crypt = (
            b"<< /Filter /Standard /V 4 /R 4 /Length 128 /P -4 /O %s /U %s "
            b"/CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV2 /Length 16 >> >> "
            b"/StmF /StdCF /StrF /StdCF >>" % (hexa(32), hexa(32))
        )
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            crypt,
            _page(b"5 0 R", b"<< >>").replace(b"/Parent 2 0 R", b"/Parent 2 0 R"),
            _stream(rng.randbytes(64)),
        ],
        trailer_extra=b"/Encrypt 3 0 R /ID [%s %s] " % (hexa(16), hexa(16)),
    )


def _flip(data: bytes, seed: int, flips: int = 8) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def hostile_inputs() -> list[Hostile]:
    roof = all_roofs()[2]
    report = pdf_reports.eagleview(roof, roof_truth(roof))
    e = frozenset
    cases = [
        Hostile("circular-pages.pdf", circular_pages(), e({MALFORMED, NO_TEXT})),
        Hostile("self-drawing-form.pdf", self_drawing_form(), e({MALFORMED, OK, UNSUPPORTED})),
        Hostile("self-reference.pdf", self_reference(), e({MALFORMED, NO_TEXT})),
        Hostile("xref-loop.pdf", xref_loop(), e({MALFORMED, NO_TEXT})),
        Hostile("deep-arrays.pdf", deep_arrays(), e({MALFORMED, NO_TEXT})),
        Hostile("lying-page-count.pdf", lying_page_count(), e({TOO_MANY_PAGES})),
        Hostile("huge-stream-length.pdf", huge_stream_length(), e({MALFORMED, NO_TEXT, OK})),
        Hostile("many-pages.pdf", many_pages(), e({TOO_MANY_PAGES})),
        Hostile("no-text-layer.pdf", blank_pages(), e({NO_TEXT})),
        Hostile("header-only.pdf", b"%PDF-1.7\n", e({MALFORMED})),
        Hostile(
            "header-then-garbage.pdf",
            b"%PDF-1.4\n" + random.Random(3).randbytes(2000),
            e({MALFORMED}),
        ),
        Hostile("password.pdf", encrypted(report, "secret", "RC4-128"), e({ENCRYPTED})),
        Hostile("password-aes128.pdf", aes_encrypted(4), e({ENCRYPTED})),
        Hostile("password-aes256.pdf", aes_encrypted(6), e({ENCRYPTED})),
        Hostile("empty-password-rc4-40.pdf", encrypted(report, "", "RC4-40"), e({OK})),
        Hostile("pdf-then-zip.pdf", report + b"PK\x03\x04" + bytes(100), e({OK})),
        Hostile("csv-with-pdf-marker.csv", b"Facet,Area\n%PDF-1.7 A,100\n", e({MALFORMED})),
    ]
    for fraction in (0.1, 0.25, 0.5, 0.75, 0.9):
        cases.append(
            Hostile(
                f"truncated-{int(fraction * 100)}.pdf",
                report[: int(len(report) * fraction)],
                e({UNREADABLE, UNSUPPORTED, OK}),
            )
        )
    for seed in range(6):
        cases.append(
            Hostile(f"flipped-{seed}.pdf", _flip(report, seed), e({UNREADABLE, UNSUPPORTED, OK}))
        )
    return cases
