"""The number readers every parser shares: what report text means, and None for what it cannot."""

from __future__ import annotations

import math

import pytest

from roofkit_importer.report.units import (
    parse_area_sqft,
    parse_count,
    parse_length_ft,
    parse_number,
    parse_pitch,
    pitch_key,
    true_area,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.5", 1234.5),
        ("137.5", 137.5),
        (".5", 0.5),
        ("-12", -12.0),
        ("2,865 sq ft", 2865.0),
        ("1.2E+03", 1200.0),  # an exported float, not 1.2 followed by a unit "E"
        ("1.5e3 sq ft", 1500.0),
        ("2e-1", 0.2),
        ("12 E", 12.0),  # a letter without digits is no exponent
        (42, 42.0),
        (2.5, 2.5),
        ("1e400", None),  # beyond a float
        (float("inf"), None),
        (float("nan"), None),
        ("n/a", None),
        ("2026-06-12T00:00:00", None),  # a spreadsheet's date cell is no quantity
        ("2026-06-12", None),
        ("06:12:00", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_number(text: str | float | None, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "default", "feet"),
    [
        ("166'10\"", "ft", 166 + 10 / 12),
        ("142ft 6in", "ft", 142.5),
        ("12 ft", "ft", 12.0),
        ("30 in", "ft", 2.5),
        ("12.5 m", "ft", 12.5 * 3.280839895013123),
        ("100", "m", 100 * 3.280839895013123),
        ("1,234.5", "ft", 1234.5),
        ("1.5e2 ft", "ft", 150.0),
        ("long", "ft", None),
    ],
)
def test_parse_length_ft(text: str, default: str, feet: float | None) -> None:
    got = parse_length_ft(text, default)
    assert got == pytest.approx(feet) if feet is not None else got is None


@pytest.mark.parametrize(
    ("text", "default", "sqft"),
    [
        ("2,865 sq ft", "sqft", 2865.0),
        ("266.2 m²", "sqft", 266.2 * 10.763910416709722),
        ("28.65 squares", "sqft", 2865.0),
        ("100", "sqm", 1076.3910416709722),
        ("1.2E+03", "sqft", 1200.0),
        ("none", "sqft", None),
    ],
)
def test_parse_area_sqft(text: str, default: str, sqft: float | None) -> None:
    got = parse_area_sqft(text, default)
    assert got == pytest.approx(sqft) if sqft is not None else got is None


@pytest.mark.parametrize(
    ("text", "rise"),
    [
        ("6/12", 6.0),
        ("6:12", 6.0),
        ("6 in 12", 6.0),
        ("3/6", 6.0),
        ("26.5651°", 6.0),
        ("7", 7.0),
        (8.5, 8.5),
        ("6/0", None),
        ("90°", None),
        ("49/12", None),  # steeper than any roof
        # Pitches Excel turned into dates and times as they were typed (the XLSX reader writes
        # such cells in ISO 8601): 6/12 → 12 June, or 6 December where the day comes first.
        ("2026-06-12T00:00:00", 6.0),
        ("2026-12-06", 6.0),
        ("2026-12-12", 12.0),
        ("06:12:00", 6.0),
        ("2026-06-13", None),
        ("2026-06-12T10:30:00", None),
        ("06:15:00", None),
        ("steep", None),
    ],
)
def test_parse_pitch(text: str | float, rise: float | None) -> None:
    pitch = parse_pitch(text)
    if rise is None:
        assert pitch is None
    else:
        assert pitch is not None and pitch.rise == pytest.approx(rise, abs=1e-3)
        assert pitch.run == 12.0
        assert pitch.degrees == pytest.approx(math.degrees(math.atan2(rise, 12)), abs=1e-3)


def test_counts_keys_and_true_area() -> None:
    assert parse_count("14") == 14
    assert parse_count("2.5") is None and parse_count("-1") is None
    assert parse_count("2e6") is None  # more facets or penetrations than any roof
    assert pitch_key(parse_pitch("3.5/12")) == "3.5/12"  # type: ignore[arg-type]
    assert true_area(100.0, 12.0) == pytest.approx(100.0 * math.sqrt(2.0))
