"""Idempotency: the request fingerprint and the claim rules of api-contract.md.

A claim row per (workspace, Idempotency-Key) moves ``in_progress`` → ``completed``. Only a 201
completes it; any failure deletes the claim so the client may fix the request and retry with the
same key. A claim whose lease ran out (its worker crashed) may be taken over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson


def fingerprint(method: str, path: str, fields: dict[str, Any], file_sha256: str) -> str:
    """SHA-256 over the parsed request — method, path, every form field's value as parsed, the
    file's hash — as canonical JSON (keys sorted at every depth).

    Never over raw bytes: a retry's multipart boundary differs, its meaning does not.
    """
    canonical = orjson.dumps(
        {"method": method.upper(), "path": path, "fields": fields, "file_sha256": file_sha256},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


class ClaimState(StrEnum):
    NEW = "new"
    TAKEN_OVER = "lease_taken_over"
    REPLAY = "replayed"
    REUSED = "reused"
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    token: str | None = None
    stored: StoredResponse | None = None
    retry_after_s: int = 1


@dataclass(frozen=True, slots=True)
class Existing:
    """A row found for the key, as the repository read it (locked)."""

    fingerprint: str
    state: str
    locked_until: dt.datetime | None
    expires_at: dt.datetime
    stored: StoredResponse | None


def decide(existing: Existing, fingerprint: str, now: dt.datetime) -> ClaimState:
    """What a request with ``fingerprint`` gets, given the row already there."""
    if existing.expires_at <= now:
        return ClaimState.TAKEN_OVER
    if existing.state == "completed":
        return ClaimState.REPLAY if existing.fingerprint == fingerprint else ClaimState.REUSED
    if existing.locked_until is not None and existing.locked_until > now:
        return ClaimState.IN_PROGRESS
    return ClaimState.TAKEN_OVER


def retry_after(existing: Existing, now: dt.datetime) -> int:
    if existing.locked_until is None:
        return 1
    return max(1, min(60, math.ceil((existing.locked_until - now).total_seconds())))
