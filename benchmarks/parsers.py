"""Parser throughput per format against the underlying library's bare parse of the same files.

The generated corpus (tests/corpus) is written to a temporary folder; for each format our whole
import — detection, hashing, parsing, building and checking the report — runs over every file,
and so does the library's own bare read of the same files (pypdf text extraction, lxml parse,
openpyxl read-only iteration, csv reader, ezdxf read). Each side is timed as the best of
:data:`ROUNDS` passes, in one process, alternating, so both see the same warm caches.

Target: ours >= 0.8x the bare library's MB/s (building our model may cost at most a quarter).
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ezdxf
import openpyxl
import pypdf
from lxml import etree

from benchmarks import report
from roofkit_importer import parsers

TITLE = "Parser throughput per format (generated corpus)"
ROUNDS = 5
TARGET = 0.8


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


def _bare_pdf(path: Path) -> None:
    for page in pypdf.PdfReader(path).pages:
        page.extract_text()


def _bare_xml(path: Path) -> None:
    etree.parse(str(path))


def _bare_csv(path: Path) -> None:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        for _row in csv.reader(io.StringIO(handle.read())):
            pass


def _bare_xlsx(path: Path) -> None:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
    finally:
        workbook.close()


def _bare_dxf(path: Path) -> None:
    ezdxf.readfile(path)


BARE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "pdf": ("pypdf text extraction", _bare_pdf),
    "xml": ("lxml parse", _bare_xml),
    "csv": ("csv reader", _bare_csv),
    "xlsx": ("openpyxl read-only iteration", _bare_xlsx),
    "dxf": ("ezdxf read", _bare_dxf),
}


def _ours(path: Path) -> None:
    parsers.parse_file(path, path.name, format_hint=None, limits=parsers.ParseLimits())


def _best(paths: list[Path], work: Callable[[Path], None]) -> float:
    started = time.perf_counter()
    for path in paths:
        work(path)
    return time.perf_counter() - started


def run() -> list[report.Result]:
    results: list[report.Result] = []
    corpus = _corpus()
    with tempfile.TemporaryDirectory() as folder:
        for fmt, (label, bare) in BARE.items():
            paths = []
            for name, data in corpus.get(fmt, []):
                path = Path(folder) / name
                path.write_bytes(data)
                paths.append(path)
            if not paths:
                continue
            size_mb = sum(p.stat().st_size for p in paths) / 1e6
            ours_s = bare_s = float("inf")
            for _ in range(ROUNDS):
                ours_s = min(ours_s, _best(paths, _ours))
                bare_s = min(bare_s, _best(paths, bare))
            ratio = bare_s / ours_s
            results.append(
                report.Result(
                    group="parsers",
                    name=f"{fmt}: {len(paths)} files, {size_mb * 1000:,.0f} kB",
                    ours=size_mb / ours_s,
                    baseline=size_mb / bare_s,
                    unit="MB/s",
                    higher_is_better=True,
                    target=f">= {TARGET}x ({label})",
                    met=ratio >= TARGET,
                    note=(
                        f"{len(paths) / ours_s:,.0f} reports/s ours, "
                        f"{len(paths) / bare_s:,.0f} files/s {label}; "
                        f"{1000 * ours_s / len(paths):.2f} ms vs "
                        f"{1000 * bare_s / len(paths):.2f} ms per file"
                    ),
                )
            )
    return results
