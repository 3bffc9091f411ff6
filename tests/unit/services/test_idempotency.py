import datetime as dt

from roofkit_importer.idempotency import ClaimState, Existing, decide, fingerprint, retry_after

NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)


def existing(**changes: object) -> Existing:
    values: dict[str, object] = {
        "fingerprint": "a",
        "state": "completed",
        "locked_until": None,
        "expires_at": NOW + dt.timedelta(hours=24),
        "stored": None,
    }
    values.update(changes)
    return Existing(**values)  # type: ignore[arg-type]


def test_fingerprint_covers_fields_and_file_but_not_their_order() -> None:
    a = fingerprint("POST", "/p", {"external_id": "x", "format": "csv"}, "f1")
    assert a == fingerprint("post", "/p", {"format": "csv", "external_id": "x"}, "f1")
    assert a != fingerprint("POST", "/p", {"external_id": "x"}, "f1")
    assert a != fingerprint("POST", "/p", {"external_id": "x", "format": "csv"}, "f2")
    assert fingerprint("POST", "/p", {"a": "b=c"}, "f") != fingerprint(
        "POST", "/p", {"a=b": "c"}, "f"
    )


def test_fingerprint_of_parsed_metadata_ignores_key_order_at_every_depth() -> None:
    a = fingerprint("POST", "/p", {"metadata": {"a": 1, "b": {"c": [1, 2], "d": None}}}, "f")
    b = fingerprint("POST", "/p", {"metadata": {"b": {"d": None, "c": [1, 2]}, "a": 1}}, "f")
    assert a == b
    assert a != fingerprint("POST", "/p", {"metadata": {"a": 1, "b": {"c": [2, 1]}}}, "f")


def test_completed_same_fingerprint_replays_other_fingerprint_is_reuse() -> None:
    assert decide(existing(), "a", NOW) is ClaimState.REPLAY
    assert decide(existing(), "b", NOW) is ClaimState.REUSED


def test_in_progress_within_lease_then_taken_over_after_it() -> None:
    running = existing(state="in_progress", locked_until=NOW + dt.timedelta(seconds=30))
    assert decide(running, "a", NOW) is ClaimState.IN_PROGRESS
    assert retry_after(running, NOW) == 30
    crashed = existing(state="in_progress", locked_until=NOW - dt.timedelta(seconds=1))
    assert decide(crashed, "a", NOW) is ClaimState.TAKEN_OVER


def test_expired_record_is_taken_over() -> None:
    assert decide(existing(expires_at=NOW), "b", NOW) is ClaimState.TAKEN_OVER
