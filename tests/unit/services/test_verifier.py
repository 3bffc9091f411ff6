import asyncio
import datetime as dt
from collections.abc import Iterable

from roofkit_auth.repository import KeyRecord
from roofkit_auth.verifier import Decision, Verifier
from roofkit_events import apikeys

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


class FakeStore:
    def __init__(self) -> None:
        self.records: dict[bytes, KeyRecord] = {}
        self.lookups = 0

    async def find_by_hash(self, key_hash: bytes) -> KeyRecord | None:
        self.lookups += 1
        return self.records.get(key_hash)

    async def touch(self, key_ids: Iterable[str], at: dt.datetime) -> None:
        pass


def record(key: str, **changes: object) -> KeyRecord:
    values: dict[str, object] = {
        "key_id": "key_1",
        "key_hash": apikeys.key_hash(key),
        "prefix": apikeys.display_prefix(key),
        "workspace_id": "ws_1",
        "scopes": ("reports.write",),
        "key_state": "active",
        "expires_at": None,
        "workspace_state": "active",
        "imports_per_minute": 60,
        "reads_per_minute": 600,
        "max_upload_bytes": 1000,
    }
    values.update(changes)
    return KeyRecord(**values)  # type: ignore[arg-type]


def make(store: FakeStore, clock: list[float] | None = None) -> Verifier:
    ticks = clock if clock is not None else [0.0]
    return Verifier(
        store, ttl_s=30, negative_ttl_s=5, max_entries=10, clock=lambda: ticks[0], now=lambda: NOW
    )


async def test_malformed_key_is_refused_without_a_lookup() -> None:
    store = FakeStore()
    verdict = await make(store).verify("rk_live_notakey")
    assert verdict.decision is Decision.MALFORMED
    assert store.lookups == 0


async def test_missing_key() -> None:
    assert (await make(FakeStore()).verify("")).decision is Decision.MISSING


async def test_valid_key_is_cached_until_keys_changed_drops_it() -> None:
    store, key = FakeStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key)
    verifier = make(store)
    assert (await verifier.verify(key)).decision is Decision.OK
    assert (await verifier.verify(key)).decision is Decision.OK
    assert store.lookups == 1
    store.records[apikeys.key_hash(key)] = record(key, key_state="revoked")
    assert verifier.invalidate(key_ids=["key_1"], everything=False) == 1
    assert (await verifier.verify(key)).decision is Decision.REVOKED
    assert store.lookups == 2


async def test_workspace_change_drops_every_key_of_the_workspace() -> None:
    store, key = FakeStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key)
    verifier = make(store)
    await verifier.verify(key)
    store.records[apikeys.key_hash(key)] = record(key, workspace_state="deleted")
    verifier.invalidate(workspace_ids=["ws_1"], everything=False)
    assert (await verifier.verify(key)).decision is Decision.DELETED


async def test_unknown_key_is_negatively_cached_and_dropped_on_any_change() -> None:
    store, key = FakeStore(), apikeys.generate()
    verifier = make(store)
    assert (await verifier.verify(key)).decision is Decision.UNKNOWN
    store.records[apikeys.key_hash(key)] = record(key)
    assert (await verifier.verify(key)).decision is Decision.UNKNOWN  # cached
    verifier.invalidate(key_ids=["other"], everything=False)
    assert (await verifier.verify(key)).decision is Decision.OK


async def test_cache_entries_expire_after_their_ttl() -> None:
    store, key, clock = FakeStore(), apikeys.generate(), [0.0]
    verifier = make(store, clock)
    await verifier.verify(key)
    store.records[apikeys.key_hash(key)] = record(key)
    clock[0] = 5.1
    assert (await verifier.verify(key)).decision is Decision.OK


async def test_expiry_is_checked_on_every_call_even_when_cached() -> None:
    store, key = FakeStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key, expires_at=NOW)
    assert (await make(store).verify(key)).decision is Decision.EXPIRED
    store.records[apikeys.key_hash(key)] = record(key, expires_at=NOW + dt.timedelta(seconds=1))
    assert (await make(store).verify(key)).decision is Decision.OK


async def test_deleted_key_and_used_keys_are_tracked() -> None:
    store, key = FakeStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key, key_state="deleted")
    verifier = make(store)
    assert (await verifier.verify(key)).decision is Decision.DELETED
    assert verifier.take_used() == set()


class GatedStore(FakeStore):
    """Lookups wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def find_by_hash(self, key_hash: bytes) -> KeyRecord | None:
        self.lookups += 1
        found = self.records.get(key_hash)
        await self.gate.wait()
        return found


async def test_concurrent_requests_for_an_uncached_key_share_one_lookup() -> None:
    store, key = GatedStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key)
    verifier = make(store)
    waiting = [asyncio.create_task(verifier.verify(key)) for _ in range(20)]
    await asyncio.sleep(0)
    store.gate.set()
    verdicts = await asyncio.gather(*waiting)
    assert {v.decision for v in verdicts} == {Decision.OK}
    assert store.lookups == 1


async def test_a_row_read_before_a_change_is_announced_is_not_cached() -> None:
    store, key = GatedStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key)
    verifier = make(store)
    in_flight = asyncio.create_task(verifier.verify(key))
    while store.lookups == 0:  # until the lookup has read the active row and waits
        await asyncio.sleep(0)
    store.records[apikeys.key_hash(key)] = record(key, key_state="revoked")
    verifier.invalidate(key_ids=["key_1"], everything=False)
    store.gate.set()
    assert (await in_flight).decision is Decision.OK  # answered from what it read
    assert (await verifier.verify(key)).decision is Decision.REVOKED
    assert store.lookups == 2


async def test_a_failed_lookup_reaches_every_waiter_and_is_not_cached() -> None:
    class Failing(GatedStore):
        async def find_by_hash(self, key_hash: bytes) -> KeyRecord | None:
            found = await super().find_by_hash(key_hash)
            if self.lookups == 1:
                raise ConnectionError("database down")
            return found

    store, key = Failing(), apikeys.generate()
    verifier = make(store)
    waiting = [asyncio.create_task(verifier.verify(key)) for _ in range(3)]
    await asyncio.sleep(0)
    store.gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert store.lookups == 1
    store.records[apikeys.key_hash(key)] = record(key)
    assert (await verifier.verify(key)).decision is Decision.OK


async def test_verify_cached_answers_only_what_needs_no_lookup() -> None:
    store, key, unknown = FakeStore(), apikeys.generate(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key, expires_at=NOW + dt.timedelta(hours=1))
    clock = [0.0]
    verifier = make(store, clock)
    assert verifier.verify_cached("") is not None
    assert verifier.verify_cached("").decision is Decision.MISSING  # type: ignore[union-attr]
    for malformed in ("rk_live_notakey", key[:-1] + ("A" if key[-1] != "A" else "B"), "rk_lïve"):
        assert verifier.verify_cached(malformed).decision is Decision.MALFORMED  # type: ignore[union-attr]
    assert verifier.verify_cached(key) is None
    assert verifier.verify_cached(unknown) is None
    assert store.lookups == 0
    await verifier.verify(key)
    await verifier.verify(unknown)
    assert verifier.verify_cached(key) == await verifier.verify(key)
    assert verifier.verify_cached(unknown).decision is Decision.UNKNOWN  # type: ignore[union-attr]
    assert store.lookups == 2
    clock[0] = 6.0  # past the negative TTL, within the positive one
    assert verifier.verify_cached(unknown) is None
    assert verifier.verify_cached(key).decision is Decision.OK  # type: ignore[union-attr]
    verifier.invalidate(key_ids=["key_1"], everything=False)
    assert verifier.verify_cached(key) is None


async def test_verify_cached_checks_expiry_on_every_call() -> None:
    store, key = FakeStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key, expires_at=NOW + dt.timedelta(seconds=1))
    moments = [NOW]
    verifier = Verifier(
        store, ttl_s=30, negative_ttl_s=5, max_entries=10, clock=lambda: 0.0, now=lambda: moments[0]
    )
    assert (await verifier.verify(key)).decision is Decision.OK
    moments[0] = NOW + dt.timedelta(seconds=1)
    assert verifier.verify_cached(key).decision is Decision.EXPIRED  # type: ignore[union-attr]
