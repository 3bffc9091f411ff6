"""ZIP packages become one report: precedence, conflicts, attachments, companion tables, safety."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pytest

from roofkit_importer import parsers
from tests.corpus.compare import compare, tally
from tests.corpus.renderers import Sample, xml_eagleview, zip_packages
from tests.corpus.roofs import all_roofs, roof_truth

CASES = [
    (sample, truth)
    for roof in all_roofs()
    for truth in [roof_truth(roof)]
    for sample in zip_packages.render(roof, truth)
]


def _parse(tmp_path: Path, name: str, data: bytes, **limits: float) -> parsers.ParseResult:
    path = tmp_path / name
    path.write_bytes(data)
    return parsers.parse_file(
        path,
        name,
        format_hint=None,
        limits=parsers.ParseLimits(**limits),  # type: ignore[arg-type]
    )


def _refusal(tmp_path: Path, data: bytes, **limits: float) -> tuple[str, list[str]]:
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, "package.zip", data, **limits)
    assert set(caught.value.reasons) <= parsers.REASONS
    return caught.value.code, caught.value.reasons


@pytest.mark.parametrize(("sample", "truth"), CASES, ids=[s.name for s, _ in CASES])
def test_generated_package_matches_truth(sample: Sample, truth: dict, tmp_path: Path) -> None:
    path = tmp_path / sample.name
    path.write_bytes(sample.data)
    assert parsers.detect_path(path) == "zip"
    result = _parse(tmp_path, sample.name, sample.data)
    compared, wrong = compare(result.report, truth, sample.expects)
    tally("zip", compared, compared - len(wrong))
    assert wrong == []
    failed = [c for c in result.report.quality.checks if not c.passed]
    if "conflict" in sample.name:
        assert {c.scope.split(":")[0] for c in failed} <= {"summary.csv"}
    else:
        assert failed == []
        assert result.report.quality.conflicts == []


@pytest.mark.parametrize("roof", all_roofs(), ids=lambda r: r.name)
def test_disagreeing_files_are_recorded_as_conflicts_and_the_xml_wins(roof, tmp_path: Path) -> None:
    truth = roof_truth(roof)
    sample = next(s for s in zip_packages.render(roof, truth) if "conflict" in s.name)
    report = _parse(tmp_path, sample.name, sample.data).report
    conflicts = {c.field: c for c in report.quality.conflicts}
    area = conflicts["summary.total_area_sqft"]
    assert area.chosen == pytest.approx(truth["total_area_sqft"], abs=0.01)
    assert {v.file for v in area.values} == {"measurements.xml", "summary.csv"}
    assert area.rule.startswith("precedence: vendor summary")
    if "ridge" in truth["edges"]:
        assert "summary.edges.ridge" in conflicts
    assert report.quality.confidence < 0.9


def test_attachments_are_kept_and_junk_is_ignored(tmp_path: Path) -> None:
    roof = all_roofs()[3]
    sample = zip_packages.render(roof, roof_truth(roof))[0]
    files = {f.name: f for f in _parse(tmp_path, sample.name, sample.data).files}
    assert (files["photos/front.png"].role, files["photos/front.png"].status) == (
        "image",
        "attached",
    )
    assert files["cad/original.dwg"].role == "cad"
    assert files["report/measurements.xml"].role == "primary_document"
    assert all(f.status == "parsed" for n, f in files.items() if n.startswith("report/"))
    assert not any("__MACOSX" in n or n.endswith(".DS_Store") for n in files)
    assert files[sample.name].format == "zip"


def test_plan_dxf_takes_its_pitches_from_the_companion_table(tmp_path: Path) -> None:
    roof = all_roofs()[5]  # two structures, facet labels repeat across them
    sample = next(s for s in zip_packages.render(roof, roof_truth(roof)) if "plan" in s.name)
    report = _parse(tmp_path, sample.name, sample.data).report
    codes = {w.code for w in report.quality.warnings}
    assert "PITCH_UNKNOWN" not in codes
    assert "DXF_PLAN_GEOMETRY" in codes


def test_entries_of_another_report_are_not_merged(tmp_path: Path) -> None:
    first, second = all_roofs()[0], all_roofs()[1]
    data = zip_packages.zip_bytes(
        {
            "a.xml": xml_eagleview.document(first, roof_truth(first), summary=True),
            "b.xml": xml_eagleview.document(second, roof_truth(second), summary=True),
        }
    )
    report = _parse(tmp_path, "two.zip", data).report
    assert "PACKAGE_OTHER_REPORT" in {w.code for w in report.quality.warnings}
    assert report.summary.total_area_sqft == pytest.approx(
        roof_truth(first)["total_area_sqft"], abs=0.01
    )


def test_a_failing_entry_is_listed_and_the_rest_imported(tmp_path: Path) -> None:
    roof = all_roofs()[0]
    data = zip_packages.zip_bytes(
        {
            "good.xml": xml_eagleview.document(roof, roof_truth(roof), summary=True),
            "broken.xml": b"<EAGLEVIEW_EXPORT><REPORT",
        }
    )
    result = _parse(tmp_path, "mixed.zip", data)
    statuses = {f.name: f.status for f in result.files}
    assert statuses["broken.xml"] == "failed"
    assert "PACKAGE_ENTRY_FAILED" in {w.code for w in result.report.quality.warnings}


def test_a_package_whose_only_report_fails_carries_that_reason(tmp_path: Path) -> None:
    data = zip_packages.zip_bytes({"broken.xml": b"<EAGLEVIEW_EXPORT><REPORT"})
    assert _refusal(tmp_path, data) == ("report_unreadable", ["xml_malformed"])


def test_entry_names_are_printable_and_at_most_255_characters(tmp_path: Path) -> None:
    """Names reach the response, every provenance entry, the event and the logs."""
    long_dir = "d" * 20_000
    data = zip_packages.zip_bytes(
        {
            f"{long_dir}/roof\x1b[31m.csv": b"Facet,Area (sq ft),Pitch\nA,500,6/12\n",
            f"{long_dir}/notes.txt": b"site notes",
        }
    )
    result = _parse(tmp_path, "package.zip", data)
    names = [f.name for f in result.files[1:]]
    # The end of the path, where the file's own name is, behind "…"; the escape's ESC dropped.
    tails = [(long_dir + "/roof[31m.csv")[-254:], (long_dir + "/notes.txt")[-254:]]
    assert names == ["…" + tail for tail in tails]
    assert all(len(name) == 255 for name in names)
    assert {p.file for p in result.report.provenance} == {names[0]}


def test_a_package_without_reports_is_no_measurements(tmp_path: Path) -> None:
    data = zip_packages.zip_bytes({"photo.png": zip_packages.PNG})
    assert _refusal(tmp_path, data) == ("report_unsupported", ["no_measurements"])


def _raw_zip(name: str, data: bytes, *, symlink: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = 0o120777 << 16
        archive.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name", ["../evil.csv", "a/../../evil.csv", "/etc/evil.csv", "C:\\evil.csv", "..\\evil.csv"]
)
def test_unsafe_entry_paths_are_refused(name: str, tmp_path: Path) -> None:
    assert _refusal(tmp_path, _raw_zip(name, b"Total Roof Area,100\n")) == (
        "report_unreadable",
        ["zip_path_refused"],
    )


def test_symbolic_link_entries_are_refused(tmp_path: Path) -> None:
    assert _refusal(tmp_path, _raw_zip("link.csv", b"/etc/passwd", symlink=True)) == (
        "report_unreadable",
        ["zip_path_refused"],
    )


@pytest.mark.parametrize("second", ["dir/b.csv", "dir\\b.csv"])
def test_two_entries_of_one_name_are_refused(second: str, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        archive.writestr("dir/", b"")
        archive.writestr("dir/b.csv", b"Facet,Area (sq ft),Pitch\nA,500,6/12\n")
        archive.writestr("dir/", b"")  # a directory twice is harmless
        archive.writestr(second, b"Facet,Area (sq ft),Pitch\nA,900,6/12\n")
    assert _refusal(tmp_path, buffer.getvalue()) == ("report_unreadable", ["zip_duplicate_entry"])


def test_expansion_limits_are_payload_too_large(tmp_path: Path) -> None:
    wide = zip_packages.zip_bytes({f"f{i}.csv": b"x" for i in range(20)})
    assert _refusal(tmp_path, wide, max_zip_entries=10) == (
        "payload_too_large",
        ["zip_too_many_entries"],
    )
    big = zip_packages.zip_bytes({"a.csv": b"a" * 5000, "b.csv": b"b" * 5000})
    assert _refusal(tmp_path, big, max_zip_expanded_bytes=8000) == (
        "payload_too_large",
        ["zip_expansion_too_large"],
    )
    bomb = zip_packages.zip_bytes({"zeros.csv": bytes(3 * 1024 * 1024)})
    assert _refusal(tmp_path, bomb) == ("payload_too_large", ["zip_ratio_too_high"])


def test_nested_archives_are_refused_but_workbooks_are_read(tmp_path: Path) -> None:
    inner = zip_packages.zip_bytes({"a.csv": b"Total Roof Area,100\n"})
    assert _refusal(tmp_path, zip_packages.zip_bytes({"inner.zip": inner})) == (
        "report_unsupported",
        ["zip_nested_archive"],
    )
    esx = zip_packages.zip_bytes({"XACTDOC.XML": b"<XACTDOC/>"})
    roof = all_roofs()[0]
    data = zip_packages.zip_bytes(
        {"claim.esx": esx, "m.xml": xml_eagleview.document(roof, roof_truth(roof), summary=True)}
    )
    files = {f.name: f for f in _parse(tmp_path, "esx.zip", data).files}
    assert files["claim.esx"].role == "cad"
