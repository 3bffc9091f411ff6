"""Parser throughput per format against the underlying library's bare parse of the same files.

The generated corpus (tests/corpus) is written to a temporary folder; for each format our whole
import — detection, hashing, parsing, building and checking the report — runs over every file,
and so does the library's own bare read of the same files (pypdf text extraction, lxml parse,
openpyxl read-only iteration, csv reader, ezdxf read). A larger CSV facet table (330 rows) is
measured on its own, because the corpus files are a few hundred bytes each and so measure the
fixed per-report cost rather than the per-row one.

Fairness: both sides read the same files from disk, in the same process, after a warm-up pass of
each; a sample is ``iterations`` passes over all files (the same count for both sides, chosen so
that the faster side's sample lasts at least :data:`MIN_SAMPLE_S`), the sides alternate which goes
first, and each figure is the best of :data:`ROUNDS` samples (``time.perf_counter``). The bare
CSV read decodes the bytes and runs ``csv.reader`` with the file's dialect; the dialect is sniffed
(``csv.Sniffer``, comma when it cannot tell) *before* timing, so the baseline does not pay for
sniffing while our parse does. Once both sides have warmed up, everything loaded so far is moved
out of the collector's reach (``gc.freeze()``), as the importer's parser workers do after loading
the parser libraries: otherwise each full collection walks every imported module again, a cost
that falls on whichever side allocates more and is not paid in production.

Target: ours >= 0.8x the bare library's MB/s (building our model may cost at most a quarter).
"""

from __future__ import annotations

import csv
import gc
import io
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
from ezdxf.filemanagement import readfile as ezdxf_readfile
from lxml import etree

from benchmarks import report
from roofkit_importer import parsers

TITLE = "Parser throughput per format (generated corpus)"
ROUNDS = 7
MIN_SAMPLE_S = 0.05
MAX_SAMPLE_S = 1.0
TARGET = 0.8
FACET_TABLE_ROWS = 330


def _corpus() -> dict[str, list[tuple[str, bytes]]]:
    from tests.corpus.generate import build
    from tests.corpus.renderers import dxf_drawings, pdf_reports
    from tests.corpus.roofs import all_roofs, roof_truth

    files: dict[str, list[tuple[str, bytes]]] = {}
    for item in build():
        files.setdefault(item.sample.format, []).append((item.sample.name, item.sample.data))
    for roof in all_roofs():
        truth = roof_truth(roof)
        for render in (pdf_reports.render, dxf_drawings.render):
            for sample in render(roof, truth):
                files.setdefault(sample.format, []).append((sample.name, sample.data))
    return files


def facet_table(rows: int = FACET_TABLE_ROWS) -> bytes:
    """A plain facet table: ``Facet,Area (sq ft),Pitch,Azimuth`` and one row per facet."""
    lines = ["Facet,Area (sq ft),Pitch,Azimuth"]
    for i in range(1, rows + 1):
        lines.append(
            f"F{i},{20 + (i * 37) % 200 + (i % 10) / 10:.1f},{3 + i % 10}/12,{i * 37 % 360}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _bare_pdf(path: Path, _: object) -> None:
    for page in pypdf.PdfReader(path).pages:
        page.extract_text()


def _bare_xml(path: Path, _: object) -> None:
    etree.parse(str(path))


def _csv_dialect(path: Path) -> object:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _bare_csv(path: Path, dialect: Any) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    for _row in csv.reader(io.StringIO(text, newline=""), dialect):
        pass


def _bare_xlsx(path: Path, _: object) -> None:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
    finally:
        workbook.close()


def _bare_dxf(path: Path, _: object) -> None:
    ezdxf_readfile(path)


@dataclass(frozen=True)
class Bare:
    label: str
    read: Callable[[Path, Any], None]
    prepare: Callable[[Path], object] = lambda _path: None
    """Untimed, once per file: what the bare read is told instead of finding out."""


BARE: dict[str, Bare] = {
    "pdf": Bare("pypdf text extraction", _bare_pdf),
    "xml": Bare("lxml parse", _bare_xml),
    "csv": Bare("csv reader", _bare_csv, _csv_dialect),
    "xlsx": Bare("openpyxl read-only iteration", _bare_xlsx),
    "dxf": Bare("ezdxf read", _bare_dxf),
}


def _ours(path: Path) -> None:
    parsers.parse_file(path, path.name, format_hint=None, limits=parsers.ParseLimits())


def _pass(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _sample(work: Callable[[], None], iterations: int) -> float:
    """Seconds per pass over all files, averaged over ``iterations`` passes."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(iterations):
        work()
    return (time.perf_counter() - started) / iterations


def _compare(paths: list[Path], bare: Bare) -> tuple[float, float, int]:
    """Best seconds per pass over ``paths``: ours, bare; and the iterations per sample."""
    prepared = [(path, bare.prepare(path)) for path in paths]

    def ours_pass() -> None:
        for path in paths:
            _ours(path)

    def bare_pass() -> None:
        for path, hint in prepared:
            bare.read(path, hint)

    ours_once, bare_once = _pass(ours_pass), _pass(bare_pass)  # warm-up (imports, caches)
    gc.collect()
    gc.freeze()  # as the importer's parser workers do once their libraries are loaded
    ours_once, bare_once = _pass(ours_pass), _pass(bare_pass)
    iterations = math.ceil(MIN_SAMPLE_S / max(1e-6, min(ours_once, bare_once)))
    iterations = max(1, min(iterations, math.floor(MAX_SAMPLE_S / max(ours_once, bare_once))))
    ours_s = bare_s = float("inf")
    for index in range(ROUNDS):
        sides = [("ours", ours_pass), ("bare", bare_pass)]
        for side, work in sides if index % 2 == 0 else reversed(sides):
            seconds = _sample(work, iterations)
            if side == "ours":
                ours_s = min(ours_s, seconds)
            else:
                bare_s = min(bare_s, seconds)
    return ours_s, bare_s, iterations


def _result(name: str, paths: list[Path], bare: Bare) -> report.Result:
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    ours_s, bare_s, iterations = _compare(paths, bare)
    ratio = bare_s / ours_s
    return report.Result(
        group="parsers",
        name=f"{name}: {len(paths)} files, {size_mb * 1000:,.1f} kB",
        ours=size_mb / ours_s,
        baseline=size_mb / bare_s,
        unit="MB/s",
        higher_is_better=True,
        target=f">= {TARGET}x ({bare.label})",
        met=ratio >= TARGET,
        note=(
            f"{len(paths) / ours_s:,.0f} reports/s ours, "
            f"{len(paths) / bare_s:,.0f} files/s {bare.label}; "
            f"{1000 * ours_s / len(paths):.3f} ms vs "
            f"{1000 * bare_s / len(paths):.3f} ms per file "
            f"(best of {ROUNDS} samples of {iterations} passes)"
        ),
    )


def run() -> list[report.Result]:
    results: list[report.Result] = []
    corpus = _corpus()
    with tempfile.TemporaryDirectory() as folder:
        for fmt, bare in BARE.items():
            paths = []
            for name, data in corpus.get(fmt, []):
                path = Path(folder) / name
                path.write_bytes(data)
                paths.append(path)
            if paths:
                results.append(_result(fmt, paths, bare))
        table = Path(folder) / "facet-table.csv"
        table.write_bytes(facet_table())
        results.append(_result(f"csv facet table ({FACET_TABLE_ROWS} rows)", [table], BARE["csv"]))
    return results
