"""The text layer of a PDF, with positions: pages → rows of positioned text chunks.

pypdf hands every text-showing operator to a visitor with its matrices; the chunks are grouped
into rows by baseline (PDF y grows upwards, so rows run top to bottom) and each row sorted left to
right. Vendor tables often come out of plain text extraction column by column; rebuilding rows
from positions puts them back in reading order, and the chunk positions tell which column a
"Suggested" marker sits under.

Safety: an encrypted file is opened with the empty password only (``pdf_encrypted`` otherwise),
the page count is checked against :attr:`ParseLimits.max_pdf_pages` from the page tree's
``/Count`` before the tree is walked (``pdf_too_many_pages``), and every pypdf failure —
including recursion through circular objects — becomes ``pdf_malformed``.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdf
from pypdf import PasswordType
from pypdf.errors import DependencyError, FileNotDecryptedError, WrongPasswordError

from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits

_WORD = re.compile(r"\S+")
ROW_TOLERANCE_PT = 2.5
"""Chunks whose baselines differ by less than this share a row."""


@dataclass
class Chunk:
    text: str
    x: float
    y: float
    size: float

    @property
    def width(self) -> float:
        # Helvetica averages about half an em per character; good enough to place a chunk.
        return 0.5 * self.size * len(self.text)

    @property
    def center(self) -> float:
        return self.x + self.width / 2.0


@dataclass
class Row:
    page: int
    y: float
    chunks: list[Chunk] = field(default_factory=list)

    @functools.cached_property
    def text(self) -> str:
        """The row's words, space-separated (read several times per row; rows are complete
        before anything reads them)."""
        return " ".join(c.text.strip() for c in self.chunks if c.text.strip())

    @functools.cached_property
    def words(self) -> list[Chunk]:
        """The row's chunks split at spaces, each word placed by its share of the chunk."""
        words: list[Chunk] = []
        for chunk in self.chunks:
            step = chunk.width / max(len(chunk.text), 1)
            for match in _WORD.finditer(chunk.text):
                words.append(
                    Chunk(match.group(0), chunk.x + step * match.start(), chunk.y, chunk.size)
                )
        return words


def _malformed(name: str, message: str) -> ParseError:
    return ParseError.for_file("report_unreadable", name, "pdf_malformed", message)


def _encrypted(name: str, message: str) -> ParseError:
    return ParseError.for_file("report_unreadable", name, "pdf_encrypted", message)


def _open(path: Path, name: str) -> pypdf.PdfReader:
    try:
        # The reader tries the empty password itself; AES needs a crypto provider we do not ship.
        reader = pypdf.PdfReader(path, strict=False)
    except (DependencyError, FileNotDecryptedError, WrongPasswordError) as exc:
        raise _encrypted(name, "The PDF is encrypted with a scheme that cannot be opened.") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # DependencyError (AES without a provider), broken dictionaries
            raise _encrypted(
                name, "The PDF is encrypted and cannot be opened without a password."
            ) from exc
        if opened == PasswordType.NOT_DECRYPTED:
            raise _encrypted(name, "The PDF is protected by a password.")
    return reader


def _declared_pages(reader: pypdf.PdfReader) -> int | None:
    root = reader.trailer.get("/Root")
    pages = root.get_object().get("/Pages") if root is not None else None
    count = pages.get_object().get("/Count") if pages is not None else None
    return int(count) if isinstance(count, int) else None


def _too_many(name: str, limits: ParseLimits) -> ParseError:
    return ParseError.for_file(
        "report_unreadable",
        name,
        "pdf_too_many_pages",
        f"The PDF has more than {limits.max_pdf_pages} pages.",
    )


def _page_rows(page: Any, number: int) -> list[Row]:
    chunks: list[Chunk] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if not text or not text.strip():
            return
        a, b, c, d, e, f = map(float, cm)
        tx, ty = float(tm[4]), float(tm[5])
        scale = abs(float(tm[3]) * d) or 1.0
        chunks.append(
            Chunk(
                text=text.replace("\n", " "),
                x=a * tx + c * ty + e,
                y=b * tx + d * ty + f,
                size=float(size or 10.0) * scale,
            )
        )

    page.extract_text(visitor_text=visit)
    chunks.sort(key=lambda ch: (-ch.y, ch.x))
    rows: list[Row] = []
    for chunk in chunks:
        if rows and abs(rows[-1].y - chunk.y) <= ROW_TOLERANCE_PT:
            rows[-1].chunks.append(chunk)
        else:
            rows.append(Row(page=number, y=chunk.y, chunks=[chunk]))
    for row in rows:
        row.chunks.sort(key=lambda ch: ch.x)
    return rows


def read_rows(path: Path, name: str, limits: ParseLimits) -> list[Row]:
    """Every row of text in the document, page by page, top to bottom."""
    rows: list[Row] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = _open(path, name)
            declared = _declared_pages(reader)
            if declared is not None and declared > limits.max_pdf_pages:
                raise _too_many(name, limits)
            if len(reader.pages) > limits.max_pdf_pages:
                raise _too_many(name, limits)
            for number, page in enumerate(reader.pages, start=1):
                rows.extend(_page_rows(page, number))
    except ParseError:
        raise
    except MemoryError:
        raise
    except RecursionError as exc:
        raise _malformed(name, "The PDF's objects refer to each other in a loop.") from exc
    except (DependencyError, FileNotDecryptedError) as exc:
        raise _encrypted(name, "The PDF is encrypted and cannot be opened.") from exc
    except Exception as exc:  # pypdf raises anything from PdfReadError to KeyError
        raise _malformed(name, f"The PDF cannot be read ({type(exc).__name__}).") from exc
    if not any(any(ch.isalnum() for ch in row.text) for row in rows):
        raise ParseError.for_file(
            "report_unsupported",
            name,
            "pdf_no_text",
            "The PDF has no text layer (scanned pages are not read).",
        )
    return rows
