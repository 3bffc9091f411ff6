"""2D roof plans as CAD programs draw them: mirrored outlines and arc segments (bulges)."""

from __future__ import annotations

import math
from pathlib import Path

import ezdxf
import pytest
from ezdxf.layouts import Modelspace

from roofkit_importer import parsers
from roofkit_importer.parsers import dxf_edges, dxf_facets
from roofkit_importer.parsers.dxf_index import BoxIndex
from roofkit_importer.report.model import RoofReport

SLOPE_6_12 = math.sqrt(1 + 0.5**2)


def _plan(tmp_path: Path, draw: object) -> RoofReport:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 2  # feet
    draw(doc.modelspace())  # type: ignore[operator]
    path = tmp_path / "plan.dxf"
    doc.saveas(path)
    return parsers.parse_file(
        path, "plan.dxf", format_hint=None, limits=parsers.ParseLimits()
    ).report


def _label(msp: Modelspace, x: float, y: float) -> None:
    msp.add_text("6/12", dxfattribs={"insert": (x, y)})


def test_a_mirrored_outline_is_read_where_it_is_drawn(tmp_path: Path) -> None:
    # MIRROR turns a polyline's plane over (extrusion -Z): its stored x is the negated x.
    def draw(msp: Modelspace) -> None:
        msp.add_lwpolyline([(0, 0), (20, 0), (20, 10), (0, 10)], close=True)
        _label(msp, 10, 5)
        msp.add_lwpolyline(
            [(0, 10), (-20, 10), (-20, 20), (0, 20)],
            close=True,
            dxfattribs={"extrusion": (0, 0, -1)},
        )
        _label(msp, 10, 15)

    report = _plan(tmp_path, draw)
    assert report.summary.total_area_sqft == pytest.approx(2 * 200 * SLOPE_6_12, rel=1e-4)
    assert "PITCH_UNKNOWN" not in {w.code for w in report.quality.warnings}


@pytest.mark.parametrize("old_style", [False, True], ids=["lwpolyline", "polyline"])
def test_an_arc_segment_counts_with_its_curve(tmp_path: Path, old_style: bool) -> None:
    # A 20 x 10 bay whose far side is a half circle of radius 10 (bulge 1).
    def draw(msp: Modelspace) -> None:
        if old_style:
            polyline = msp.add_polyline2d([(0, 0), (20, 0), (20, 10), (0, 10)], close=True)
            polyline.vertices[2].dxf.bulge = 1.0
        else:
            msp.add_lwpolyline(
                [(0, 0, 0), (20, 0, 0), (20, 10, 1), (0, 10, 0)], format="xyb", close=True
            )
        _label(msp, 10, 5)

    report = _plan(tmp_path, draw)
    plan = 200 + math.pi * 10**2 / 2
    assert report.summary.total_area_sqft == pytest.approx(plan * SLOPE_6_12, rel=1e-3)


def test_a_label_belongs_to_the_smallest_outline_around_it(tmp_path: Path) -> None:
    # A 60 x 60 outline around the whole plan, a 10 x 10 bay inside it, and a lone square.
    def draw(msp: Modelspace) -> None:
        msp.add_lwpolyline([(0, 0), (60, 0), (60, 60), (0, 60)], close=True)
        msp.add_lwpolyline([(20, 20), (30, 20), (30, 30), (20, 30)], close=True)
        msp.add_lwpolyline([(100, 0), (110, 0), (110, 10), (100, 10)], close=True)
        msp.add_text("12/12", dxfattribs={"insert": (25, 25)})  # the bay
        msp.add_text("3/12", dxfattribs={"insert": (5, 5)})  # the outline
        msp.add_text("9/12", dxfattribs={"insert": (105, 5)})  # the lone square

    report = _plan(tmp_path, draw)
    rises = sorted(
        (facet.plan_area_sqft, facet.pitch.rise if facet.pitch else None)
        for structure in report.structures
        if structure.geometry is not None
        for facet in structure.geometry.facets
    )
    assert rises == [(100.0, 9.0), (100.0, 12.0), (3600.0, 3.0)]


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Count the calls of ``module.name`` (a geometric test); the count is ``[0]`` of the list."""
    calls = [0]
    original = getattr(module, name)

    def counted(*args: object) -> object:
        calls[0] += 1
        return original(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_labels_are_tested_only_against_the_outlines_near_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 x 40 labelled squares: each label is tested against its own square, not all 2,400.
    tests = _count_calls(monkeypatch, dxf_facets, "_inside")

    def draw(msp: Modelspace) -> None:
        for i in range(60):
            for j in range(40):
                x, y = 30.0 * i, 30.0 * j
                msp.add_lwpolyline([(x, y), (x + 20, y), (x + 20, y + 20), (x, y + 20)], close=True)
                msp.add_text(f"{1 + (i + j) % 12}/12", dxfattribs={"insert": (x + 10, y + 10)})

    report = _plan(tmp_path, draw)
    facets = [f for s in report.structures if s.geometry for f in s.geometry.facets]
    assert len(facets) == 2400
    assert all(f.pitch is not None for f in facets)
    assert sorted({f.pitch.rise for f in facets if f.pitch}) == [float(r) for r in range(1, 13)]
    assert tests[0] <= 4 * 2400


def test_typed_lines_are_matched_only_against_the_outlines_near_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 50 x 40 squares on a 6/12 layer, each with its eave (along x) and a rake (along y).
    tests = _count_calls(monkeypatch, dxf_edges, "_borders")

    def draw(msp: Modelspace) -> None:
        for i in range(50):
            for j in range(40):
                x, y = 30.0 * i, 30.0 * j
                square = [(x, y), (x + 20, y), (x + 20, y + 20), (x, y + 20)]
                msp.add_lwpolyline(square, close=True, dxfattribs={"layer": "ROOF-PITCH-6-12"})
                msp.add_line((x, y), (x + 20, y), dxfattribs={"layer": "EAVE"})
                msp.add_line((x, y), (x, y + 20), dxfattribs={"layer": "RAKE"})

    report = _plan(tmp_path, draw)
    assert len(report.structures) == 2000
    assert report.summary.edges.eave is not None and report.summary.edges.rake is not None
    assert report.summary.edges.eave.length_ft == pytest.approx(2000 * 20.0)
    rake = 2000 * round(20.0 * SLOPE_6_12, 2)  # each edge is reported to the hundredth
    assert report.summary.edges.rake.length_ft == pytest.approx(rake)
    assert all(len(s.geometry.edges) == 2 for s in report.structures if s.geometry)
    assert tests[0] <= 8 * 4000  # a few neighbours per line, not all 2,000 outlines


def test_the_box_index_offers_every_box_that_holds_a_point_in_order() -> None:
    # 400 unit boxes on a grid, one box around all of them, and one far away.
    boxes = [(2.0 * i, 2.0 * j, 2.0 * i + 1, 2.0 * j + 1) for i in range(20) for j in range(20)]
    boxes.insert(7, (-1.0, -1.0, 40.0, 40.0))
    boxes.append((100.0, 100.0, 101.0, 101.0))
    index = BoxIndex(list(range(len(boxes))), boxes, margin=0.25)
    assert 7 in index.spread
    for x, y in [(0.5, 0.5), (13.1, 27.9), (39.0, 1.0), (100.5, 100.5), (1.1, 1.1), (-0.2, 5.0)]:
        holding = [
            n
            for n, b in enumerate(boxes)
            if b[0] - 0.25 <= x <= b[2] + 0.25 and b[1] - 0.25 <= y <= b[3] + 0.25
        ]
        offered = index.near(x, y)
        assert set(holding) <= set(offered), (x, y)
        assert offered == sorted(offered)
        assert len(offered) <= 16  # the boxes of one cell and the spread one, not 402
