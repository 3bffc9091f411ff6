"""Chaining a facet's lines into its outline (report/geometry.py)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from roofkit_importer.report.geometry import chain


def _by_scanning(segments: list[tuple[str, str]]) -> list[str] | None:
    """The rule stated plainly: from each vertex, the first remaining segment touching it."""
    if len(segments) < 3:
        return None
    remaining = list(segments[1:])
    start, current = segments[0]
    loop = [start, current]
    while remaining:
        touching = [i for i, (a, b) in enumerate(remaining) if current in (a, b)]
        if not touching:
            return None
        a, b = remaining.pop(touching[0])
        current = b if a == current else a
        if current == start:
            break
        loop.append(current)
    return loop if current == start and not remaining else None


def test_a_shuffled_loop_of_many_lines_chains_in_order() -> None:
    n = 20_000
    segments = [(f"C{k}", f"C{(k + 1) % n}") for k in range(n)]
    random.Random(7).shuffle(segments)
    segments = [(b, a) if i % 2 else (a, b) for i, (a, b) in enumerate(segments)]
    loop = chain(segments)
    assert loop is not None and len(set(loop)) == n
    joined = {frozenset(segment) for segment in segments}
    assert all(frozenset((loop[k], loop[(k + 1) % n])) in joined for k in range(n))


def test_two_loops_or_a_gap_are_not_one_outline() -> None:
    square = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]
    assert chain(square) == ["A", "B", "C", "D"]
    assert chain([*square, ("E", "F"), ("F", "G"), ("G", "E")]) is None
    assert chain(square[:3]) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABCDEFG"), st.sampled_from("ABCDEFG")), min_size=0, max_size=12
    )
)
def test_chaining_follows_the_stated_rule(segments: list[tuple[str, str]]) -> None:
    assert chain(segments) == _by_scanning(segments)
