"""U+0000 in JSON values: refused in partner metadata, replaced in text read from report files."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from roofkit_importer import parsers, parsing
from roofkit_importer.nul import contains_nul, json_without_nul, storable
from tests.corpus.renderers import json_eagleview, pdf_hostile
from tests.corpus.roofs import all_roofs, roof_truth


def test_contains_nul_looks_at_keys_and_nested_values() -> None:
    assert not contains_nul({"a": ["b", {"c": 1.5, "d": None}]})
    assert contains_nul({"a": ["b", {"c": "x\x00"}]})
    assert contains_nul({"a\x00": 1})


def test_json_without_nul_replaces_only_the_character() -> None:
    plain = b'{"a": "no nul here", "b": "a backslash-u text: \\\\u0000"}'
    # A literal backslash-u0000 text is not the character: kept as it is.
    assert orjson.loads(json_without_nul(plain)) == orjson.loads(plain)
    assert json_without_nul(b'{"a": "b"}') == b'{"a": "b"}'
    cleaned = orjson.loads(json_without_nul(orjson.dumps({"k\x00": ["x\x00y", 1]})))
    assert cleaned == {"k\ufffd": ["x\ufffdy", 1]}
    assert storable("a\x00") == "a\ufffd"


def test_a_pdf_whose_text_layer_holds_nul_is_serialized_with_the_replacement(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(
        pdf_hostile.text_page(
            b"BT /F1 12 Tf 72 700 Td (Total Roof Area = 2,000 sq ft) Tj"
            b" 0 -20 Td (Complexity = Com\\000plex) Tj ET"
        )
    )
    result = parsers.parse_file(path, "r.pdf", format_hint=None, limits=parsers.ParseLimits())
    assert result.report.summary.complexity == "Com\x00plex"
    parsed = parsing._as_document(result, "f.csv", parsers.ParseLimits())
    assert b"\\u0000" not in parsed.report_json
    assert orjson.loads(parsed.report_json)["summary"]["complexity"] == "Com\ufffdplex"


def test_a_report_whose_text_holds_nul_is_serialized_with_the_replacement(tmp_path: Path) -> None:
    roof = all_roofs()[0]
    sample = json_eagleview.render(roof, roof_truth(roof))[0]
    document = json.loads(sample.data)
    document["EAGLEVIEW_EXPORT"]["LOCATION"]["@address"] = "12 Test\x00Lane"
    path = tmp_path / "r.json"
    path.write_bytes(json.dumps(document).encode())
    result = parsers.parse_file(path, "r.json", format_hint=None, limits=parsers.ParseLimits())
    assert result.report.property.address.line1 == "12 Test\x00Lane"
    parsed = parsing._as_document(result, "f.csv", parsers.ParseLimits())
    assert b"\\u0000" not in parsed.report_json
    assert orjson.loads(parsed.report_json)["property"]["address"]["line1"] == "12 Test\ufffdLane"


def test_a_report_whose_text_holds_a_lone_surrogate_is_serialized_with_the_replacement(
    tmp_path: Path,
) -> None:
    # Legal JSON text ("\\ud800" escaped), but no UTF-8 can hold the character it decodes to.
    roof = all_roofs()[0]
    text = json_eagleview.render(roof, roof_truth(roof))[0].data.decode()
    path = tmp_path / "r.json"
    path.write_text(text.replace('"12 Test Lane"', '"12 Test \\ud800Lane"'))
    result = parsers.parse_file(path, "r.json", format_hint=None, limits=parsers.ParseLimits())
    assert result.report.property.address.line1 == "12 Test \ud800Lane"
    parsed = parsing._as_document(result, "f.csv", parsers.ParseLimits())
    assert orjson.loads(parsed.report_json)["property"]["address"]["line1"] == "12 Test \ufffdLane"
