"""2D roof plans as CAD programs draw them: mirrored outlines and arc segments (bulges)."""

from __future__ import annotations

import math
from pathlib import Path

import ezdxf
import pytest
from ezdxf.layouts import Modelspace

from roofkit_importer import parsers
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
