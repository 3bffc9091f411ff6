"""Vendor-like PDFs parse to their exact truth; PDF-specific reading rules hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from roofkit_importer import parsers
from roofkit_importer.parsers import pdf
from tests.corpus.compare import compare, tally
from tests.corpus.renderers import Sample, pdf_reports
from tests.corpus.roofs import RoofDef, all_roofs, gable, roof_truth

CASES = [
    (sample, truth)
    for roof in all_roofs()
    for truth in [roof_truth(roof)]
    for sample in pdf_reports.render(roof, truth)
]


def _parse(tmp_path: Path, name: str, data: bytes) -> parsers.ParseResult:
    path = tmp_path / name
    path.write_bytes(data)
    return parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits())


@pytest.mark.parametrize(("sample", "truth"), CASES, ids=[s.name for s, _ in CASES])
def test_generated_pdf_matches_truth(sample: Sample, truth: dict, tmp_path: Path) -> None:
    result = _parse(tmp_path, sample.name, sample.data)
    compared, wrong = compare(result.report, truth, sample.expects)
    tally("pdf", compared, compared - len(wrong))
    assert wrong == []
    assert [c.name for c in result.report.quality.checks if not c.passed] == []


def test_vendor_is_told_by_markers(tmp_path: Path) -> None:
    roof = all_roofs()[0]
    truth = roof_truth(roof)
    vendors = {
        s.name.split(".")[1]: _parse(tmp_path, s.name, s.data).report.report.vendor
        for s in pdf_reports.render(roof, truth)
    }
    assert vendors == {"eagleview": "eagleview", "roofr": "roofr", "generic": "unknown"}


def test_generic_pdf_is_trusted_less_and_says_so(tmp_path: Path) -> None:
    roof = all_roofs()[0]
    truth = roof_truth(roof)
    eagle, _, generic = pdf_reports.render(roof, truth)
    generic_report = _parse(tmp_path, generic.name, generic.data).report
    eagle_report = _parse(tmp_path, eagle.name, eagle.data).report
    assert "PDF_GENERIC_LABELS" in {w.code for w in generic_report.quality.warnings}
    assert generic_report.quality.confidence < eagle_report.quality.confidence


def test_waste_table_drawn_by_columns_is_read_by_position(tmp_path: Path) -> None:
    roof = all_roofs()[1]
    truth = roof_truth(roof)
    sample = pdf_reports.render(roof, truth)[0]
    waste = _parse(tmp_path, sample.name, sample.data).report.summary.waste
    assert waste.suggested_percent == pdf_reports.SUGGESTED
    assert [row.percent for row in waste.rows] == list(pdf_reports.WASTE)
    assert waste.base_area_sqft == pytest.approx(truth["total_area_sqft"], abs=0.5)
    assert waste.rows[2].squares == pytest.approx(truth["total_area_sqft"] * 1.1 / 100, abs=0.01)


def test_a_second_pitch_table_keeps_the_first_areas_and_names_the_difference(
    tmp_path: Path,
) -> None:
    doc = pdf_reports._Doc()
    for by_pitch in ({"6": 400.0, "8": 600.0}, {"6": 450.0, "8": 600.0}):
        doc.page()
        doc.line("Total Roof Area =1,000 sq ft")
        pdf_reports._pitch_table(doc, by_pitch)
    report = _parse(tmp_path, "pitches.pdf", doc.output()).report
    # Before: the last table read replaced the first, silently.
    assert [(r.pitch.rise, r.area_sqft) for r in report.summary.area_by_pitch] == [
        (6.0, 400.0),
        (8.0, 600.0),
    ]
    assert [(c.field, [v.value for v in c.values]) for c in report.quality.conflicts] == [
        ("summary.area_by_pitch[0]", [400.0, 450.0])
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["Rakes\u2020 = 154 ft (15 Rakes)"], 154.0),
        (["Rakes = 154 ft (15 Rakes)"], 154.0),
        (["Rakes", "\u2020", "= 154 ft (15 Rakes)"], 154.0),
        (["Rakes =", "1,154 ft (15 Rakes)"], 1154.0),
        (["Rakes: 154ft 6in"], 154.5),
        (["Rakes = 154ft 6in (15 Rakes)"], 154.5),
    ],
)
def test_footnote_marks_and_split_values_are_read(rows: list[str], expected: float) -> None:
    from roofkit_importer.parsers.pdf_text import Chunk, Row
    from roofkit_importer.report.assembly import ReportBuilder

    builder = ReportBuilder(file="x.pdf", method="pdf_text")
    text_rows = [
        Row(page=1, y=700.0 - 14 * i, chunks=[Chunk(text=t, x=50.0, y=700.0 - 14 * i, size=10.0)])
        for i, t in enumerate(rows)
    ]
    assert pdf.interpret(text_rows, builder)
    assert builder.reported is not None
    rake = builder.reported.edges.rake
    assert rake is not None
    assert rake.length_ft == pytest.approx(expected, abs=1e-3)


def test_pdf_without_text_layer_is_pdf_no_text(tmp_path: Path) -> None:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.rect(20, 20, 50, 50)
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, "scan.pdf", bytes(doc.output()))
    assert (caught.value.code, caught.value.reasons) == ("report_unsupported", ["pdf_no_text"])


def test_pdf_with_text_but_no_measurements_is_no_measurements(tmp_path: Path) -> None:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    doc.text(20, 20, "Invoice for lawn care services")
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, "invoice.pdf", bytes(doc.output()))
    assert caught.value.reasons == ["no_measurements"]


def _gable_roof() -> RoofDef:
    return RoofDef("gable", [gable("1", 40.0, 30.0, 6.0)])


def test_encrypted_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    import io

    import pypdf

    roof = _gable_roof()
    sample = pdf_reports.render(roof, roof_truth(roof))[0]
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(sample.data))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    report = _parse(tmp_path, "open.pdf", out.getvalue()).report
    assert report.summary.total_area_sqft == pytest.approx(
        roof_truth(roof)["total_area_sqft"], abs=1
    )


def test_encrypted_pdf_with_a_password_is_pdf_encrypted(tmp_path: Path) -> None:
    import io

    import pypdf

    roof = _gable_roof()
    sample = pdf_reports.render(roof, roof_truth(roof))[0]
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(sample.data))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, "locked.pdf", out.getvalue())
    assert (caught.value.code, caught.value.reasons) == ("report_unreadable", ["pdf_encrypted"])


def test_page_count_over_the_limit_is_refused(tmp_path: Path) -> None:
    from fpdf import FPDF

    doc = FPDF()
    for _ in range(5):
        doc.add_page()
    path = tmp_path / "pages.pdf"
    path.write_bytes(bytes(doc.output()))
    with pytest.raises(parsers.ParseError) as caught:
        parsers.parse_file(
            path, "pages.pdf", format_hint=None, limits=parsers.ParseLimits(max_pdf_pages=4)
        )
    assert caught.value.reasons == ["pdf_too_many_pages"]
