"""Ids name one thing each: a report's structures, and a structure's facets, edges and vertices.

Sources repeat them (two CSV rows labelled ``Front``, two XML ``ROOF``s with one id). Provenance
and checks name things by id, so a repeated id becomes ``Front#2``; the label keeps the source's
text. Geometry that defines one point or line twice, differently, cannot be read one way only.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from roofkit_importer import parsers
from roofkit_importer.report.assembly import IdScope
from roofkit_importer.report.model import RoofReport
from tests.corpus.generate import build
from tests.corpus.renderers import Sample

CORPUS = [item.sample for item in build()]


def _parse(tmp_path: Path, name: str, data: bytes) -> RoofReport:
    path = tmp_path / name
    path.write_bytes(data)
    return parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits()).report


def _refusal(tmp_path: Path, name: str, data: bytes) -> tuple[str, list[str]]:
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, name, data)
    return caught.value.code, caught.value.reasons


def _repeated(ids: list[str]) -> list[str]:
    return [i for i, n in Counter(ids).items() if n > 1]


def _assert_unique_ids(report: RoofReport) -> None:
    assert _repeated([s.id for s in report.structures]) == []
    for structure in report.structures:
        if structure.geometry is not None:
            for things in (
                structure.geometry.facets,
                structure.geometry.edges,
                structure.geometry.vertices,
            ):
                assert _repeated([thing.id for thing in things]) == []


def test_a_scope_hands_out_each_id_once() -> None:
    scope = IdScope()
    claimed = [scope.claim(i) for i in ["A", "A", "A#2", "A", "F1", "F1"]]
    assert claimed == ["A", "A#2", "A#2#2", "A#3", "F1", "F1#2"]


def test_many_rows_of_one_label_get_ids_in_linear_time() -> None:
    scope = IdScope()
    claimed = [scope.claim("Front") for _ in range(50_000)]
    assert len(set(claimed)) == 50_000 and claimed[-1] == "Front#50000"


def test_csv_rows_with_one_label_are_facets_with_their_own_ids(tmp_path: Path) -> None:
    table = (
        "Structure,Facet,Area (sq ft),Pitch\r\n"
        "Main,Front,100,6/12\r\nMain,Front,120,6/12\r\nMain,,80,6/12\r\nMain,F3,90,6/12\r\n"
        "Garage,Front,50,4/12\r\n"
    )
    report = _parse(tmp_path, "facets.csv", table.encode())
    _assert_unique_ids(report)
    facets = {
        s.id: [(f.id, f.label, f.area_sqft) for f in s.geometry.facets]
        for s in report.structures
        if s.geometry is not None
    }
    assert facets == {
        "Main": [
            ("Front", "Front", 100.0),
            ("Front#2", "Front", 120.0),
            ("F3", None, 80.0),
            ("F3#2", "F3", 90.0),
        ],
        "Garage": [("Front", "Front", 50.0)],
    }
    fields = [p.field for p in report.provenance if ".facets[" in p.field]
    assert _repeated(fields) == []
    assert "structures[Main].geometry.facets[Front#2]" in fields


def _eagleview_xml() -> str:
    sample = next(s for s in CORPUS if s.name == "gable.eagleview.xml" and b"<POINTS>" in s.data)
    return sample.data.decode()


def test_two_roofs_with_one_id_stay_two_structures(tmp_path: Path) -> None:
    xml = _eagleview_xml()
    start, end = xml.index("<ROOF "), xml.index("</ROOF>") + len("</ROOF>")
    doubled = xml[:end] + xml[start:end] + xml[end:]
    single = _parse(tmp_path, "one.xml", xml.encode())
    report = _parse(tmp_path, "two.xml", doubled.encode())
    _assert_unique_ids(report)
    first = single.structures[0]
    assert [s.id for s in report.structures] == [first.id, f"{first.id}#2"]
    assert [s.geometry for s in report.structures] == [first.geometry, first.geometry]
    areas = [s.summary.total_area_sqft for s in report.structures]
    assert areas == [first.summary.total_area_sqft] * 2


def test_a_face_id_used_twice_names_two_facets(tmp_path: Path) -> None:
    xml = _eagleview_xml()
    face_ids = re.findall(r'<FACE id="([^"]+)"', xml)
    assert len(face_ids) >= 2
    renamed = xml.replace(f'<FACE id="{face_ids[1]}"', f'<FACE id="{face_ids[0]}"')
    report = _parse(tmp_path, "faces.xml", renamed.encode())
    _assert_unique_ids(report)
    ids = [f.id for f in report.structures[0].geometry.facets]
    assert ids[:2] == [face_ids[0], f"{face_ids[0]}#2"]


def test_a_point_defined_twice_at_two_places_is_refused(tmp_path: Path) -> None:
    xml = _eagleview_xml()
    point = re.search(r'<POINT id="([^"]+)" data="([^"]+)"\s*/>', xml)
    assert point is not None
    pid, data = point.groups()
    same = xml.replace(point.group(0), point.group(0) * 2)
    _assert_unique_ids(_parse(tmp_path, "same.xml", same.encode()))
    x, y, z = data.split(",")
    moved = f'<POINT id="{pid}" data="{float(x) + 5},{y},{z}"/>'
    elsewhere = xml.replace(point.group(0), point.group(0) + moved)
    assert _refusal(tmp_path, "moved.xml", elsewhere.encode()) == (
        "report_unreadable",
        ["geometry_invalid"],
    )


def test_a_line_defined_twice_differently_is_refused(tmp_path: Path) -> None:
    xml = _eagleview_xml()
    line = re.search(r'<LINE id="([^"]+)" path="([^"]+)" type="([^"]+)"\s*/>', xml)
    assert line is not None
    lid, path, kind = line.groups()
    same = xml.replace(line.group(0), line.group(0) * 2)
    once = _parse(tmp_path, "one.xml", xml.encode()).structures
    assert _parse(tmp_path, "same.xml", same.encode()).structures == once
    other = "VALLEY" if kind.upper() != "VALLEY" else "RIDGE"
    retyped = xml.replace(
        line.group(0), line.group(0) + f'<LINE id="{lid}" path="{path}" type="{other}"/>'
    )
    assert _refusal(tmp_path, "retyped.xml", retyped.encode()) == (
        "report_unreadable",
        ["geometry_invalid"],
    )


@pytest.mark.parametrize("sample", CORPUS, ids=[s.name for s in CORPUS])
def test_every_generated_report_names_each_thing_once(sample: Sample, tmp_path: Path) -> None:
    _assert_unique_ids(_parse(tmp_path, sample.name, sample.data))
