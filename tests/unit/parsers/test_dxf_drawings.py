"""DXF drawings (3D in feet, 2D in inches) parse to their exact truth; DXF rules hold."""

from __future__ import annotations

import io
import math
from pathlib import Path

import ezdxf
import pytest

from roofkit_importer import parsers
from roofkit_importer.parsers import dxf_layers
from tests.corpus.compare import compare, tally
from tests.corpus.renderers import Sample, dxf_drawings
from tests.corpus.roofs import all_roofs, facet_truth, roof_truth

CASES = [
    (sample, truth)
    for roof in all_roofs()
    for truth in [roof_truth(roof)]
    for sample in dxf_drawings.render(roof, truth)
]


def _parse(tmp_path: Path, name: str, data: bytes, **limits: int) -> parsers.ParseResult:
    path = tmp_path / name
    path.write_bytes(data)
    return parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits(**limits))


def _dxf(doc: ezdxf.document.Drawing) -> bytes:
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


@pytest.mark.parametrize(("sample", "truth"), CASES, ids=[s.name for s, _ in CASES])
def test_generated_dxf_matches_truth(sample: Sample, truth: dict, tmp_path: Path) -> None:
    path = tmp_path / sample.name
    path.write_bytes(sample.data)
    assert parsers.detect_path(path) == "dxf"
    result = _parse(tmp_path, sample.name, sample.data)
    compared, wrong = compare(result.report, truth, sample.expects)
    tally("dxf", compared, compared - len(wrong))
    assert wrong == []
    assert [c.name for c in result.report.quality.checks if not c.passed] == []


def test_3d_facets_carry_true_and_plan_area_pitch_and_azimuth(tmp_path: Path) -> None:
    roof = all_roofs()[0]  # gable: F1 faces south (downslope -y), F2 north
    sample = dxf_drawings.render(roof, roof_truth(roof))[0]
    facets = _parse(tmp_path, sample.name, sample.data).report.structures[0].geometry.facets
    structure = roof.structures[0]
    expected = {f.id: facet_truth(structure, f) for f in structure.facets}
    assert len(facets) == 2
    for facet in facets:
        truth = expected["F1"] if facet.azimuth_deg == pytest.approx(180.0) else expected["F2"]
        assert facet.area_sqft == pytest.approx(truth["area"], abs=1e-3)
        assert facet.plan_area_sqft == pytest.approx(truth["plan"], abs=1e-3)
        assert facet.pitch is not None
        assert facet.pitch.rise == pytest.approx(truth["rise"], abs=1e-3)
    assert sorted(f.azimuth_deg for f in facets) == pytest.approx([0.0, 180.0])


def test_coplanar_triangles_sharing_an_edge_are_one_facet(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 2
    msp = doc.modelspace()
    quad = [(0, 0, 0), (40, 0, 0), (40, 15, 7.5), (0, 15, 7.5)]
    msp.add_3dface([quad[0], quad[1], quad[2]])
    msp.add_3dface([quad[0], quad[2], quad[3]])
    report = _parse(tmp_path, "quad.dxf", _dxf(doc)).report
    assert report.summary.facet_count == 1
    assert report.summary.total_area_sqft == pytest.approx(40 * 15 * math.sqrt(1.25), abs=0.01)


def test_plan_without_pitch_keeps_plan_area_and_warns_pitch_unknown(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 2
    doc.modelspace().add_lwpolyline([(0, 0), (40, 0), (40, 30), (0, 30)], close=True)
    report = _parse(tmp_path, "plan.dxf", _dxf(doc)).report
    facet = report.structures[0].geometry.facets[0]
    assert facet.plan_area_sqft == pytest.approx(1200.0)
    assert facet.area_sqft is None
    assert "PITCH_UNKNOWN" in {w.code for w in report.quality.warnings}


def test_two_pitch_labels_in_one_outline_keep_the_first_and_say_so(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 2
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (40, 0), (40, 30), (0, 30)], close=True)
    msp.add_text("6/12", dxfattribs={"insert": (10, 10)})
    msp.add_text("6/12", dxfattribs={"insert": (20, 10)})  # agrees: nothing to say
    msp.add_text("9/12", dxfattribs={"insert": (30, 10)})
    report = _parse(tmp_path, "labels.dxf", _dxf(doc)).report
    facet = report.structures[0].geometry.facets[0]
    assert facet.pitch is not None and facet.pitch.rise == 6.0
    assert [(w.code, w.message) for w in report.quality.warnings if w.code.startswith("PITCH")] == [
        (
            "PITCH_LABELS_DISAGREE",
            "Facet F1 holds more than one pitch label; the first, 6/12, is used (also: 9/12).",
        )
    ]


def test_metric_drawing_is_converted_to_feet(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 6
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (10, 0), (10, 10), (0, 10)], close=True, dxfattribs={"layer": "P"})
    msp.add_text("6/12", dxfattribs={"insert": (5, 5)})
    report = _parse(tmp_path, "metric.dxf", _dxf(doc)).report
    plan = 100 * 3.280839895**2
    assert report.summary.total_area_sqft == pytest.approx(plan * math.sqrt(1.25), rel=1e-4)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ("RIDGE", "ridge"),
        ("ROOF-RIDGE", "ridge"),
        ("R", "ridge"),
        ("H", "hip"),
        ("VALLEYS", "valley"),
        ("GABLE", "rake"),
        ("K", "rake"),
        ("FASCIA", "eave"),
        ("GUTTER", "eave"),
        ("E", "eave"),
        ("APRON", "flashing"),
        ("HEADWALL", "flashing"),
        ("STEP-FLASHING", "step_flashing"),
        ("STEP", "step_flashing"),
        ("PARAPET", "parapet"),
        ("0", None),
        ("ROOF-E", None),
        ("DIMENSIONS", None),
    ],
)
def test_layer_names_map_to_edge_types(layer: str, expected: str | None) -> None:
    assert dxf_layers.edge_type(layer) == expected


def test_pitch_is_read_from_layer_names_and_labels() -> None:
    assert dxf_layers.pitch("ROOF-PITCH-6-12").rise == 6.0  # type: ignore[union-attr]
    assert dxf_layers.pitch("PITCH_3.5_12").rise == 3.5  # type: ignore[union-attr]
    assert dxf_layers.pitch("F1 8/12").rise == 8.0  # type: ignore[union-attr]
    assert dxf_layers.pitch("F12") is None


def test_entity_count_over_the_limit_is_refused(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for i in range(300):
        msp.add_line((i, 0), (i, 1), dxfattribs={"layer": "RIDGE"})
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, "many.dxf", _dxf(doc), max_geometry_items=100)
    assert caught.value.reasons == ["dxf_too_many_entities"]


def test_drawing_without_roof_geometry_is_no_measurements(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.modelspace().add_circle((0, 0), 5)
    with pytest.raises(parsers.ParseError) as caught:
        _parse(tmp_path, "circle.dxf", _dxf(doc))
    assert caught.value.reasons == ["no_measurements"]
