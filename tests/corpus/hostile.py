"""Hostile inputs for the CSV, XLSX, XML and JSON parsers, each with the refusal it must get.

``expected`` is a set of acceptable ``(code, reason)`` pairs; ``None`` as reason accepts any.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass

from tests.corpus.generate import build

Expected = frozenset[tuple[str, str | None]]


@dataclass
class Hostile:
    name: str
    data: bytes
    expected: Expected


def _e(*pairs: tuple[str, str | None]) -> Expected:
    return frozenset(pairs)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<EAGLEVIEW_EXPORT><REPORT reportId="&lol9;"/></EAGLEVIEW_EXPORT>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<EAGLEVIEW_EXPORT><REPORT reportId="&xxe;"/></EAGLEVIEW_EXPORT>
"""
XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<EAGLEVIEW_EXPORT/>
"""


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_sheet(workbook: bytes, rows: bytes) -> bytes:
    """``workbook`` with every worksheet's cells replaced by ``rows`` (``<row>`` elements)."""
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(io.BytesIO(workbook)) as source:
        return _zip(
            {
                info.filename: sheet
                if info.filename.startswith("xl/worksheets/sheet")
                else source.read(info)
                for info in source.infolist()
            }
        )


def _flip(data: bytes, seed: int, flips: int = 8) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def hostile_inputs() -> list[Hostile]:
    unreadable = ("report_unreadable", None)
    unsupported = ("report_unsupported", None)
    forbidden = _e(("report_unreadable", "xml_forbidden_construct"))
    samples = {item.sample.name: item.sample.data for item in build()}
    xml = samples["l_shaped.eagleview.xml"]
    js = samples["l_shaped.eagleview.json"]
    xlsx = samples["l_shaped.workbook.xlsx"]
    csv = samples["l_shaped.facets.csv"]
    cases = [
        Hostile("empty.csv", b"", _e(("report_unreadable", "empty_file"))),
        Hostile("billion-laughs.xml", BILLION_LAUGHS, forbidden),
        Hostile("xxe.xml", XXE, forbidden),
        Hostile("xxe-parameter.xml", XXE_PARAMETER, forbidden),
        Hostile("xxe-utf16.xml", XXE.decode().encode("utf-16"), forbidden),
        Hostile(
            "doctype-only.xml",
            b'<?xml version="1.0"?><!DOCTYPE EAGLEVIEW_EXPORT SYSTEM "x.dtd"><EAGLEVIEW_EXPORT/>',
            forbidden,
        ),
        Hostile("truncated.xml", xml[: len(xml) // 2], _e(("report_unreadable", "xml_malformed"))),
        Hostile(
            "deep-300.xml",
            b"<EAGLEVIEW_EXPORT>" + b"<a>" * 300 + b"</a>" * 300 + b"</EAGLEVIEW_EXPORT>",
            _e(("report_unreadable", "xml_too_deep")),
        ),
        Hostile(
            "deep-100.xml",
            b"<EAGLEVIEW_EXPORT>" + b"<a>" * 100 + b"</a>" * 100 + b"</EAGLEVIEW_EXPORT>",
            _e(("report_unreadable", "xml_too_deep")),
        ),
        Hostile(
            "unknown-root.xml",
            b"<html><body>roof</body></html>",
            _e(("report_unsupported", "xml_unknown_dialect")),
        ),
        Hostile(
            "no-measurements.xml",
            b"<EAGLEVIEW_EXPORT><VERSION/></EAGLEVIEW_EXPORT>",
            _e(("report_unsupported", "no_measurements")),
        ),
        Hostile("truncated.json", js[: len(js) // 2], _e(("report_unreadable", "json_malformed"))),
        Hostile(
            "deep-array.json",
            b"[" * 100_000 + b"]" * 100_000,
            _e(
                ("report_unreadable", "json_too_deep"),
                ("report_unsupported", "json_unknown_dialect"),
            ),
        ),
        Hostile(
            "deep-object.json",
            b'{"EAGLEVIEW_EXPORT":' + b'{"a":' * 200 + b"{}" + b"}" * 200 + b"}",
            _e(("report_unreadable", "json_too_deep")),
        ),
        Hostile(
            "other.json", b'{"hello": "world"}', _e(("report_unsupported", "json_unknown_dialect"))
        ),
        Hostile(
            "repeated-roof.json",
            b'{"EAGLEVIEW_EXPORT": {"STRUCTURES": {"ROOF": {"@id": "1"}, "ROOF": {"@id": "2"}}}}',
            _e(("report_unreadable", "json_duplicate_name")),
        ),
        Hostile("truncated.xlsx", xlsx[: len(xlsx) // 2], _e(unreadable, unsupported)),
        Hostile(
            "bomb.xlsx",
            _zip(
                {
                    "[Content_Types].xml": b"<x/>",
                    "xl/workbook.xml": b"<x/>",
                    "xl/worksheets/sheet1.xml": b" " * (200 * 1024 * 1024),
                }
            ),
            _e(("payload_too_large", "xlsx_expansion_too_large")),
        ),
        Hostile(
            "wide.xlsx",
            _zip({"xl/workbook.xml": b"<x/>", **{f"xl/p{i}.xml": b"<x/>" for i in range(300)}}),
            _e(("payload_too_large", "xlsx_expansion_too_large")),
        ),
        Hostile(
            "not-a-workbook.xlsx",
            _zip({"xl/workbook.xml": b"<not-a-workbook/>"}),
            _e(("report_unreadable", "xlsx_malformed")),
        ),
        Hostile(
            "far-right-cells.xlsx",
            _with_sheet(
                xlsx,
                b"".join(
                    b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (i, i)
                    for i in range(1, 20_001)
                ),
            ),
            _e(("report_unsupported", "no_measurements")),
        ),
        Hostile(
            "row-past-the-sheet.xlsx",
            _with_sheet(xlsx, b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048578"/>'),
            _e(("report_unreadable", "xlsx_too_many_rows")),
        ),
        Hostile(
            "many-rows.csv",
            b"Facet,Area\n" + b"A,10\n" * 100_001,
            _e(("report_unreadable", "csv_too_many_rows")),
        ),
        Hostile(
            "huge-field.csv",
            b"Facet,Area\nA," + b"9" * 100_000 + b"\n",
            _e(("report_unreadable", "csv_field_too_large")),
        ),
        Hostile(
            "no-measurements.csv",
            b"name,colour\nrose,red\nviolet,blue\n",
            _e(("report_unsupported", "no_measurements")),
        ),
        Hostile(
            "garbage.bin",
            random.Random(7).randbytes(4096),
            _e(("report_unsupported", "unknown_format")),
        ),
        Hostile(
            "nul-text.csv",
            b"Facet,Area\x00\x00\x00\nA,10\n" * 10,
            _e(("report_unsupported", "unknown_format")),
        ),
        Hostile("wrong-magic.csv", b"%PDF-1.7\n" + csv, _e(unreadable, unsupported)),
        Hostile("wrong-magic.xlsx", b"PK\x03\x04" + csv, _e(unreadable, unsupported)),
    ]
    for seed in range(6):
        cases.append(
            Hostile(
                f"flipped-{seed}.xml", _flip(xml, seed), _e(unreadable, unsupported, ("ok", None))
            )
        )
        cases.append(
            Hostile(
                f"flipped-{seed}.json", _flip(js, seed), _e(unreadable, unsupported, ("ok", None))
            )
        )
        cases.append(
            Hostile(
                f"flipped-{seed}.xlsx", _flip(xlsx, seed), _e(unreadable, unsupported, ("ok", None))
            )
        )
        cases.append(
            Hostile(
                f"flipped-{seed}.csv", _flip(csv, seed), _e(unreadable, unsupported, ("ok", None))
            )
        )
    return cases
