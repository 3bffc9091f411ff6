"""Property-based fuzzing: detection and every parser raise nothing but ParseError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofkit_importer import parsers
from tests.corpus.generate import build

SEEDS = {item.sample.name: item.sample.data for item in build() if item.roof == "dormers"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_quietly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz"
        path.write_bytes(data)
        error: parsers.ParseError | None = None
        try:
            parsers.parse_file(path, "fuzz", format_hint=None, limits=parsers.ParseLimits())
        except parsers.ParseError as exc:
            error = exc
        if error is not None:
            assert error.code in {
                "report_unreadable",
                "report_unsupported",
                "payload_too_large",
                "format_mismatch",
            }
            assert set(error.reasons) <= parsers.REASONS


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            del data[i : i + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_detect_never_raises(head: bytes) -> None:
    assert parsers.detect(head) in (None, *parsers.Format)


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_parse_or_raise_parse_error(data: bytes) -> None:
    _parse_quietly(data)


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=1000))
def test_arbitrary_text_parses_or_raises_parse_error(text: str) -> None:
    _parse_quietly(text.encode())


@FUZZ
@given(mutated("dormers.eagleview.xml"))
def test_mutated_xml_parses_or_raises_parse_error(data: bytes) -> None:
    _parse_quietly(data)


@FUZZ
@given(mutated("dormers.eagleview.json"))
def test_mutated_json_parses_or_raises_parse_error(data: bytes) -> None:
    _parse_quietly(data)


@FUZZ
@given(mutated("dormers.summary.csv"))
def test_mutated_summary_csv_parses_or_raises_parse_error(data: bytes) -> None:
    _parse_quietly(data)


@FUZZ
@given(mutated("dormers.facets.csv"))
def test_mutated_facet_csv_parses_or_raises_parse_error(data: bytes) -> None:
    _parse_quietly(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated("dormers.workbook.xlsx"))
def test_mutated_xlsx_parses_or_raises_parse_error(data: bytes) -> None:
    _parse_quietly(data)
