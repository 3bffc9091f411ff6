"""The form's text fields: external_id, the format hint and metadata, which is returned as given."""

from __future__ import annotations

import json

import pytest

from roofkit_importer import errors
from roofkit_importer.service import validate_fields


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ('{"job": "a\\u0000b"}', False),
        ('{"a\\u0000": 1}', False),
        ('{"deep": [[{"x": "\\u0000"}]]}', False),
        ('{"text": "\\\\u0000 is how JSON spells it"}', True),
        ('{"text": "\\u0001 is fine"}', True),
    ],
)
def test_metadata_with_nul_is_invalid_metadata(raw: str, ok: bool) -> None:
    if ok:
        assert validate_fields({"metadata": raw})[2] == json.loads(raw)
        return
    with pytest.raises(errors.ApiError) as caught:
        validate_fields({"metadata": raw})
    assert (caught.value.code, caught.value.param) == ("invalid_metadata", "metadata")


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ('{"claim": 18446744073709551616}', "64 bits"),  # 2**64: orjson would make it a float
        ('{"claim": -9223372036854775809}', "64 bits"),
        ('{"a": ' + "[" * 1000 + "1" * 19 + "]" * 1000 + "}", "nested too deeply"),
        ("{not json", "JSON object (unexpected character"),
        # orjson reads 1,024 levels but writes only 254: deeper metadata could not be stored.
        ('{"a": ' * 300 + "1" + "}" * 300, "at most 32 levels"),
        ('{"a": ' + "[" * 32 + "]" * 32 + "}", "at most 32 levels"),
        # JSONB (and orjson) would keep only the last value: the partner's first one would be lost.
        ('{"job": 1, "job": 2}', 'name "job" twice in one object'),
        ('{"outer": [{"a": 1, "b": {"x": 1, "x": 1}}]}', 'name "x" twice'),
    ],
)
def test_metadata_that_cannot_be_returned_as_given_is_refused(raw: str, says: str) -> None:
    with pytest.raises(errors.ApiError) as caught:
        validate_fields({"metadata": raw})
    assert caught.value.code == "invalid_metadata" and says in caught.value.message


@pytest.mark.parametrize(
    "raw",
    [
        '{"claim": 18446744073709551615, "low": -9223372036854775808}',  # the 64-bit ends
        '{"claim": "123456789012345678901234567890"}',  # a long id as a string
        '{"pi": 3.141592653589793}',
        '{"a": ' + "[" * 31 + "]" * 31 + "}",  # 32 levels, the object included
        '{"a": {"x": 1}, "b": {"x": 1}}',  # one name in two objects
    ],
)
def test_metadata_is_kept_exactly(raw: str) -> None:
    assert validate_fields({"metadata": raw})[2] == json.loads(raw)


def test_external_id_and_format_hint() -> None:
    assert validate_fields({"external_id": "job-1.a:b_c", "format": " CSV "})[:2] == (
        "job-1.a:b_c",
        "csv",
    )
    for fields in ({"external_id": "has spaces"}, {"format": "docx"}):
        with pytest.raises(errors.ApiError) as caught:
            validate_fields(fields)
        assert caught.value.code == "invalid_field"
