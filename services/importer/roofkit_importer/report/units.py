"""Reading the numbers roof reports are written in: lengths, areas, pitches, counts.

Every reader returns ``None`` for text it cannot read (never raises), so that parsers can treat
"not a number" as "not this field" and move on.
"""

from __future__ import annotations

import functools
import math
import re

from roofkit_importer.report.model import Pitch

SQFT_PER_SQM = 10.763910416709722
FT_PER_M = 3.280839895013123
FT_PER_UNIT = {
    "ft": 1.0,
    "in": 1.0 / 12.0,
    "yd": 3.0,
    "m": FT_PER_M,
    "cm": FT_PER_M / 100.0,
    "mm": FT_PER_M / 1000.0,
}
SQFT_PER_UNIT = {
    "sqft": 1.0,
    "sqm": SQFT_PER_SQM,
    "squares": 100.0,
    "sqin": 1.0 / 144.0,
    "sqyd": 9.0,
}

# Thousands separators, decimals and an exponent (``1.2E+03``: an exported float; without it the
# ``E+03`` would be read as a unit and the value as 1.2).
_NUMBER = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d{1,3})?"
_NUMBER_RE = re.compile(_NUMBER)
_FEET_INCHES_RE = re.compile(
    r"^\s*(?P<ft>" + _NUMBER + r")\s*(?:'|\u2019|ft\.?|feet|foot)\s*"
    r"(?:(?P<in>" + _NUMBER + r")\s*(?:\"|\u201d|''|in\.?|inch|inches)?)?\s*$",
    re.IGNORECASE,
)
_INCHES_ONLY_RE = re.compile(
    r"^\s*(?P<in>" + _NUMBER + r")\s*(?:\"|\u201d|in\.?|inch|inches)\s*$", re.I
)
_PITCH_RATIO_RE = re.compile(
    r"^\s*(?P<rise>\d+(?:\.\d+)?)\s*(?:/|:|in)\s*(?P<run>\d+(?:\.\d+)?)\s*$"
)
_PITCH_DEG_RE = re.compile(r"^\s*(?P<deg>\d+(?:\.\d+)?)\s*(?:°|º|deg\.?|degrees?)\s*$", re.I)

_LENGTH_UNIT_WORDS = {
    "ft": "ft",
    "feet": "ft",
    "foot": "ft",
    "lf": "ft",
    "'": "ft",
    "in": "in",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "m": "m",
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
    "cm": "cm",
    "mm": "mm",
    "yd": "yd",
}
_AREA_UNIT_WORDS = {
    "sqft": "sqft",
    "sq ft": "sqft",
    "sq. ft.": "sqft",
    "sq.ft.": "sqft",
    "sq. ft": "sqft",
    "ft2": "sqft",
    "ft²": "sqft",
    "sf": "sqft",
    "square feet": "sqft",
    "sqm": "sqm",
    "sq m": "sqm",
    "m2": "sqm",
    "m²": "sqm",
    "square meters": "sqm",
    "square metres": "sqm",
    "squares": "squares",
    "sq": "squares",
    "sqs": "squares",
}


def parse_number(text: str | float | int | None) -> float | None:
    """``1,234.5`` → 1234.5; the first number in the text, ignoring a trailing unit."""
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = float(text)
        return value if math.isfinite(value) else None
    plain = _plain_number(text)
    if plain is not None:
        return plain
    if _is_date_or_time(text):  # a spreadsheet's date cell is no quantity (2026-06-12 ≠ 2026)
        return None
    match = _NUMBER_RE.search(text)
    if match is None:
        return None
    try:
        value = float(match.group(0).replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# How the XLSX reader writes date and time cells (ISO 8601, ``datetime.isoformat()``).
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_ISO_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$")


def _is_date_or_time(text: str) -> bool:
    text = text.strip()
    return text[:1].isdigit() and bool(_ISO_DATE.match(text) or _ISO_TIME.match(text))


def _pitch_typed_as_date(text: str) -> float | None:
    """The rise of a pitch that Excel turned into a date or time as it was typed: ``6/12`` becomes
    12 June (6 December where the day comes first), ``6:12`` becomes 06:12."""
    text = text.strip()
    date = _ISO_DATE.match(text)
    if date is not None:
        _, month, day, hour, minute, second = date.groups()
        if any(part not in (None, "00") for part in (hour, minute, second)):
            return None
        if day == "12":
            return float(month)
        if month == "12":
            return float(day)
        return None
    time = _ISO_TIME.match(text)
    if time is not None and time.group(2) == "12" and time.group(3) == "00":
        return float(time.group(1))
    return None


def _plain_number(text: str) -> float | None:
    """``12``, ``137.5``, ``.5``: digits with at most one point, nothing else (the common cell).

    The fast path of the readers below; anything else (signs, separators, units, exponents,
    spaces, non-ASCII digits) returns ``None`` and takes the regular expressions.
    """
    if text.isascii() and text.replace(".", "", 1).isdigit():
        value = float(text)
        return value if math.isfinite(value) else None
    return None


def _strip_number(text: str) -> str:
    return _NUMBER_RE.sub("", text, count=1).strip().strip(".").strip().lower()


_UNIT_WORD_RE = re.compile(r"[a-z]+|'|\"")


def length_unit(text: str) -> str | None:
    """The length unit a header or cell names (``Length (m)`` → ``m``), if any."""
    lowered = text.lower()
    for word in _UNIT_WORD_RE.findall(lowered):
        if word in _LENGTH_UNIT_WORDS:
            return _LENGTH_UNIT_WORDS[word]
    return None


_AREA_UNIT_RE = re.compile(
    r"(?<![a-z])("
    + "|".join(re.escape(w) for w in sorted(_AREA_UNIT_WORDS, key=len, reverse=True))
    + r")(?![a-z])"
)
_PLAIN_NUMBER_RE = re.compile(r"\s*(?:" + _NUMBER + r")\s*")


def area_unit(text: str) -> str | None:
    """The area unit a header or cell names (``Area (m²)`` → ``sqm``), if any."""
    if not text:
        return None
    lowered = " ".join(text.lower().replace("(", " ").replace(")", " ").split())
    match = _AREA_UNIT_RE.search(lowered)
    return None if match is None else _AREA_UNIT_WORDS[match.group(1)]


_IGNORABLE_RE = re.compile(r"[\s()\[\].,;:*~\u2020\u2021]+")


def stray_area_text(text: str) -> str | None:
    """What an area cell says beside its number and unit, which reading it left out (``12O`` →
    ``o``); ``None`` for a plain number, a number with its unit, or footnote marks."""
    if _PLAIN_NUMBER_RE.fullmatch(text):
        return None
    rest = " ".join(_strip_number(text).replace("(", " ").replace(")", " ").split())
    rest = _IGNORABLE_RE.sub("", _AREA_UNIT_RE.sub(" ", rest))
    return rest or None


def parse_length_ft(text: str | float | int | None, default_unit: str = "ft") -> float | None:
    """Feet from ``166'10"``, ``142ft 0in``, ``1,234.5``, ``12.5 m``, ``30 in``."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = parse_number(text)
        return None if value is None else value * FT_PER_UNIT.get(default_unit, 1.0)
    match = _FEET_INCHES_RE.match(text)
    if match is not None:
        feet = parse_number(match.group("ft"))
        inches = parse_number(match.group("in")) if match.group("in") else 0.0
        if feet is None or inches is None:
            return None
        sign = -1.0 if feet < 0 else 1.0
        return feet + sign * inches / 12.0
    match = _INCHES_ONLY_RE.match(text)
    if match is not None:
        inches = parse_number(match.group("in"))
        return None if inches is None else inches / 12.0
    value = parse_number(text)
    if value is None:
        return None
    unit = length_unit(_strip_number(text)) or default_unit
    return value * FT_PER_UNIT.get(unit, 1.0)


def parse_area_sqft(text: str | float | int | None, default_unit: str = "sqft") -> float | None:
    """Square feet from ``2,865 sq ft``, ``266.2 m²``, ``28.65 squares``."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, str):
        plain = _plain_number(text)
        if plain is not None:
            return plain * SQFT_PER_UNIT.get(default_unit, 1.0)
    value = parse_number(text)
    if value is None:
        return None
    unit = default_unit
    if isinstance(text, str) and not _PLAIN_NUMBER_RE.fullmatch(text):
        unit = area_unit(_strip_number(text)) or default_unit
    return value * SQFT_PER_UNIT.get(unit, 1.0)


def parse_count(text: str | float | int | None) -> int | None:
    value = parse_number(text)
    if value is None or value < 0 or value != int(value) or value > 1_000_000:
        return None
    return int(value)


def pitch_from_rise(rise: float) -> Pitch:
    """The pitch of ``rise`` per 12; one shared (frozen) instance per rise."""
    if rise == 0.0:  # 0.0 and -0.0 are equal keys, so a cache would answer one for the other
        return _new_pitch(rise)
    return _cached_pitch(rise)


def _new_pitch(rise: float) -> Pitch:
    return Pitch(
        rise=round(rise, 4), run=12.0, degrees=round(math.degrees(math.atan2(rise, 12.0)), 4)
    )


_cached_pitch = functools.lru_cache(maxsize=4096)(_new_pitch)
_PITCH_TEXT_CACHED_LEN = 32
_BARE_RISE_RE = re.compile(r"\d+(?:\.\d+)?")


def parse_pitch(text: str | float | int | None) -> Pitch | None:
    """``6/12``, ``6:12``, ``6 in 12``, ``26.57°``, or a bare rise ``6``."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return _pitch_of_rise(float(text))
    # Reports repeat a handful of pitch texts over many rows, so each short text is read once;
    # long ones (never a real pitch) are not kept.
    if len(text) <= _PITCH_TEXT_CACHED_LEN:
        return _cached_pitch_text(text)
    return _pitch_text(text)


def _pitch_text(text: str) -> Pitch | None:
    ratio = _PITCH_RATIO_RE.match(text)
    degrees = _PITCH_DEG_RE.match(text)
    if ratio is not None:
        run = float(ratio.group("run"))
        if run <= 0:
            return None
        rise = float(ratio.group("rise")) * 12.0 / run
    elif degrees is not None:
        angle = float(degrees.group("deg"))
        if not 0 <= angle < 90:
            return None
        rise = 12.0 * math.tan(math.radians(angle))
    else:
        bare = text.strip()
        if not _BARE_RISE_RE.fullmatch(bare):
            typed = _pitch_typed_as_date(bare)
            return None if typed is None else _pitch_of_rise(typed)
        rise = float(bare)
    return _pitch_of_rise(rise)


_cached_pitch_text = functools.lru_cache(maxsize=1024)(_pitch_text)


def _pitch_of_rise(rise: float) -> Pitch | None:
    if not math.isfinite(rise) or rise < 0 or rise > 48:
        return None
    return pitch_from_rise(rise)


def true_area(plan_area: float, rise: float) -> float:
    """Sloped area from plan area: ``plan * √(1 + (rise/12)²)``."""
    return plan_area * math.sqrt(1.0 + (rise / 12.0) ** 2)


def pitch_key(pitch: Pitch) -> str:
    """A stable label for grouping areas by pitch (``6/12``, ``3.5/12``)."""
    rise = round(pitch.rise, 2)
    text = f"{rise:.2f}".rstrip("0").rstrip(".")
    return f"{text}/12"
