"""Hostile DXF drawings, each with the refusal it must get (shape: tests/corpus/hostile.py)."""

from __future__ import annotations

import io
import random

import ezdxf

from tests.corpus.hostile import Hostile
from tests.corpus.renderers import dxf_drawings
from tests.corpus.roofs import all_roofs

UNREADABLE = ("report_unreadable", None)
UNSUPPORTED = ("report_unsupported", None)
OK = ("ok", None)
MALFORMED = ("report_unreadable", "dxf_malformed")
TOO_MANY = ("report_unreadable", "dxf_too_many_entities")
NOTHING = ("report_unsupported", "no_measurements")


def _write(doc: ezdxf.document.Drawing) -> bytes:
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


def record_flood(records: int = 450_001) -> bytes:
    """Hundreds of thousands of empty POINT records: refused before ezdxf builds anything."""
    return b"  0\nSECTION\n  2\nENTITIES\n" + b"  0\nPOINT\n" * records + b"  0\nENDSEC\n  0\nEOF\n"


def insert_fanout() -> bytes:
    """Three levels of 100 block references each: a million lines once exploded."""
    doc = ezdxf.new("R2010")
    leaf = doc.blocks.new("LEAF")
    for i in range(100):
        leaf.add_line((i, 0), (i, 1), dxfattribs={"layer": "RIDGE"})
    middle = doc.blocks.new("MIDDLE")
    for i in range(100):
        middle.add_blockref("LEAF", (0, i * 2))
    top = doc.blocks.new("TOP")
    for i in range(100):
        top.add_blockref("MIDDLE", (i * 200, 0))
    doc.modelspace().add_blockref("TOP", (0, 0))
    return _write(doc)


def self_insert() -> bytes:
    """A block that references itself twice."""
    doc = ezdxf.new("R2010")
    block = doc.blocks.new("LOOP")
    block.add_3dface([(0, 0, 0), (10, 0, 0), (10, 10, 5)])
    block.add_blockref("LOOP", (1, 0))
    block.add_blockref("LOOP", (0, 1))
    doc.modelspace().add_blockref("LOOP", (0, 0))
    return _write(doc)


def non_finite() -> bytes:
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_3dface([(0, 0, 0), (1e300, 0, 0), (1e300, 1e300, 1e300)])
    msp.add_line((0, 0), (1e308, 1e308), dxfattribs={"layer": "RIDGE"})
    text = _write(doc).decode()
    return text.replace("1e+300", "nan", 2).encode()


def degenerate() -> bytes:
    """Zero-area faces and zero-length lines only."""
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_3dface([(0, 0, 0), (1, 1, 1), (2, 2, 2)])
    msp.add_3dface([(5, 5, 5)] * 4)
    msp.add_line((3, 3), (3, 3), dxfattribs={"layer": "EAVE"})
    return _write(doc)


def _flip(data: bytes, seed: int, flips: int = 8) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def hostile_inputs() -> list[Hostile]:
    e = frozenset
    roof = all_roofs()[2]
    ascii_3d = dxf_drawings.model_3d(roof, 0)
    binary_3d = dxf_drawings.model_3d(roof, 2)
    plan = dxf_drawings.plan_2d(roof, 0)
    cases = [
        Hostile("record-flood.dxf", record_flood(), e({TOO_MANY})),
        Hostile("insert-fanout.dxf", insert_fanout(), e({TOO_MANY})),
        Hostile("self-insert.dxf", self_insert(), e({MALFORMED, OK, TOO_MANY})),
        Hostile("non-finite.dxf", non_finite(), e({NOTHING, MALFORMED})),
        Hostile("degenerate.dxf", degenerate(), e({NOTHING, OK})),
        Hostile(
            "section-then-garbage.dxf", b"  0\nSECTION\n" + bytes(range(256)) * 8, e({MALFORMED})
        ),
        Hostile(
            "empty-sections.dxf",
            b"  0\nSECTION\n  2\nENTITIES\n  0\nENDSEC\n  0\nEOF\n",
            e({NOTHING, MALFORMED}),
        ),
        Hostile("binary-sentinel-only.dxf", b"AutoCAD Binary DXF\r\n\x1a\x00", e({MALFORMED})),
        Hostile(
            "binary-garbage.dxf",
            b"AutoCAD Binary DXF\r\n\x1a\x00" + random.Random(5).randbytes(3000),
            e({MALFORMED, NOTHING}),
        ),
        Hostile(
            "odd-group-codes.dxf",
            b"  0\nSECTION\n  2\nENTITIES\n  0\nLINE\nabc\n1\n  0\nENDSEC\n  0\nEOF\n",
            e({MALFORMED, NOTHING}),
        ),
    ]
    for name, data in (("ascii", ascii_3d), ("binary", binary_3d), ("plan", plan)):
        for fraction in (0.3, 0.7):
            cases.append(
                Hostile(
                    f"truncated-{name}-{int(fraction * 100)}.dxf",
                    data[: int(len(data) * fraction)],
                    e({UNREADABLE, UNSUPPORTED, OK}),
                )
            )
        for seed in range(3):
            cases.append(
                Hostile(
                    f"flipped-{name}-{seed}.dxf",
                    _flip(data, seed),
                    e({UNREADABLE, UNSUPPORTED, OK}),
                )
            )
    return cases
