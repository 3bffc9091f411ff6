"""List cursors: opaque to clients, and anything this API did not return is invalid_parameter."""

from __future__ import annotations

import base64

import pytest

from roofkit_importer import errors
from roofkit_importer.service import decode_cursor, encode_cursor


@pytest.mark.parametrize("seq", [1, 42, 2**63 - 1])
def test_a_cursor_decodes_to_the_sequence_it_was_made_from(seq: int) -> None:
    assert decode_cursor(encode_cursor(seq)) == seq


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!",
        _b64("x:1"),
        _b64("s:"),
        _b64("s:0"),
        _b64("s:-5"),
        _b64("s: 5"),
        _b64("s:9223372036854775808"),  # past a bigint: no row has it, and Postgres would refuse
        _b64("s:" + "9" * 5000),
        base64.urlsafe_b64encode(b"s:\xff").decode(),
        _b64("s:٣"),
    ],
)
def test_anything_else_is_invalid_parameter(cursor: str) -> None:
    with pytest.raises(errors.ApiError) as caught:
        decode_cursor(cursor)
    assert (caught.value.code, caught.value.param) == ("invalid_parameter", "cursor")
