"""Verifying an API key: format, lookup by hash, state, expiry — with a cache.

The cache holds positive and negative answers by key hash. ``keys.changed`` drops entries at
once (by key id or workspace id, or everything), so revocation, deletion and suspension apply on
every replica as soon as the broadcast arrives; expiry is checked against the clock on every
call, cached or not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from roofkit_auth.repository import KeyRecord, KeyStore
from roofkit_events import apikeys


class Decision(StrEnum):
    OK = "ok"
    MISSING = "api_key_missing"
    MALFORMED = "api_key_malformed"
    UNKNOWN = "api_key_unknown"
    REVOKED = "api_key_revoked"
    DELETED = "api_key_deleted"
    EXPIRED = "api_key_expired"


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    record: KeyRecord | None = None


@dataclass(slots=True)
class _Entry:
    record: KeyRecord | None
    expires: float


class Verifier:
    """Decides whether a presented key is valid. One per auth process."""

    def __init__(
        self,
        store: KeyStore,
        *,
        ttl_s: float,
        negative_ttl_s: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._store = store
        self._ttl = ttl_s
        self._negative_ttl = negative_ttl_s
        self._max = max_entries
        self._clock = clock
        self._now = now
        self._cache: OrderedDict[bytes, _Entry] = OrderedDict()
        self._loading: dict[bytes, asyncio.Future[KeyRecord | None]] = {}
        self._generation = 0
        self.used: set[str] = set()

    async def verify(self, key: str) -> Verdict:
        verdict, digest = self._answer_now(key)
        if verdict is not None:
            return verdict
        return self._judge(digest, await self._lookup(digest))

    def verify_cached(self, key: str) -> Verdict | None:
        """The verdict without waiting, or ``None`` when it needs a database lookup.

        The same decision as :meth:`verify` for every key it answers: a missing or malformed
        key, or a key whose cache entry is fresh.
        """
        return self._answer_now(key)[0]

    def _answer_now(self, key: str) -> tuple[Verdict | None, bytes]:
        if not key:
            return Verdict(Decision.MISSING), b""
        # The cache only ever holds keys that passed well_formed (they are looked up after the
        # check), so a key found in it needs no second check of its shape and checksum.
        digest = apikeys.key_hash(key) if key.isascii() else b""
        entry = self._cache.get(digest) if digest else None
        if entry is None or entry.expires <= self._clock():
            if not apikeys.well_formed(key):
                return Verdict(Decision.MALFORMED), b""
            return None, digest
        self._cache.move_to_end(digest)
        return self._judge(digest, entry.record), digest

    def _judge(self, digest: bytes, record: KeyRecord | None) -> Verdict:
        if record is None or not hmac.compare_digest(record.key_hash, digest):
            return Verdict(Decision.UNKNOWN)
        if record.key_state == "deleted" or record.workspace_state == "deleted":
            return Verdict(Decision.DELETED, record)
        if record.key_state == "revoked":
            return Verdict(Decision.REVOKED, record)
        if record.expires_at is not None and record.expires_at <= self._now():
            return Verdict(Decision.EXPIRED, record)
        self.used.add(record.key_id)
        return Verdict(Decision.OK, record)

    async def _lookup(self, digest: bytes) -> KeyRecord | None:
        entry = self._cache.get(digest)
        if entry is not None and entry.expires > self._clock():
            self._cache.move_to_end(digest)
            return entry.record
        # One database lookup per key at a time: concurrent requests for a key that is not
        # cached wait for the same answer.
        loading = self._loading.get(digest)
        if loading is None:
            loading = asyncio.ensure_future(self._load(digest))
            self._loading[digest] = loading
            loading.add_done_callback(lambda done: self._forget_loading(digest, done))
        return await asyncio.shield(loading)

    async def _load(self, digest: bytes) -> KeyRecord | None:
        generation = self._generation
        record = await self._store.find_by_hash(digest)
        if generation != self._generation:
            # A change was announced while the row was being read: the row may predate it, so
            # it answers this request but is not cached.
            return record
        ttl = self._ttl if record is not None else self._negative_ttl
        self._cache[digest] = _Entry(record, self._clock() + ttl)
        self._cache.move_to_end(digest)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return record

    def _forget_loading(self, digest: bytes, done: asyncio.Future[KeyRecord | None]) -> None:
        if self._loading.get(digest) is done:
            del self._loading[digest]
        if not done.cancelled():
            done.exception()  # retrieved here; every waiter gets it through shield

    def invalidate(
        self,
        *,
        key_ids: Iterable[str] = (),
        workspace_ids: Iterable[str] = (),
        everything: bool,
    ) -> int:
        """Drop cached entries of these keys / workspaces, and every negative entry.

        Negative entries go too: a key created just now may have been looked up (and found
        unknown) a moment before. Lookups in flight are not cached, and requests that arrive
        after this call read the database again. Returns how many entries were dropped.
        """
        self._generation += 1
        self._loading.clear()
        if everything:
            dropped = len(self._cache)
            self._cache.clear()
            return dropped
        keys, spaces = set(key_ids), set(workspace_ids)
        doomed = [
            digest
            for digest, entry in self._cache.items()
            if entry.record is None
            or entry.record.key_id in keys
            or entry.record.workspace_id in spaces
        ]
        for digest in doomed:
            del self._cache[digest]
        return len(doomed)

    def take_used(self) -> set[str]:
        used, self.used = self.used, set()
        return used
