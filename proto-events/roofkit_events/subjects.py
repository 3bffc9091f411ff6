"""NATS subjects and JetStream streams of the RoofKit contracts.

Services import these names instead of spelling subjects by hand, so a subject
lives in exactly one place, next to the messages it carries. Each constant
says which message travels on it; the messages are documented in the
``.proto`` sources under ``proto-events/proto``.

Subjects are versioned with their proto package: a breaking change to a
message gets a new ``v2`` package and new ``v2`` subjects, served side by side
with ``v1`` until every caller has moved.
"""

from typing import Final

AUTH_VERIFY: Final = "roofkit.auth.v1.verify"
"""Request/reply: ``auth.v1.VerifyRequest`` → ``auth.v1.VerifyReply``.
Served by the auth service in queue group ``AUTH_QUEUE_GROUP``."""

AUTH_KEYS_CHANGED: Final = "roofkit.auth.v1.keys.changed"
"""Broadcast (no reply, no queue group): ``auth.v1.KeysChanged``.
Published by the operator; every auth replica drops the matching cache entries."""

RATELIMIT_TAKE: Final = "roofkit.ratelimit.v1.take"
"""Request/reply: ``ratelimit.v1.TakeRequest`` → ``ratelimit.v1.TakeReply``.
Served by the rate-limit service in queue group ``RATELIMIT_QUEUE_GROUP``."""

REPORTS_IMPORTED: Final = "roofkit.reports.v1.imported"
"""JetStream event: ``reports.v1.ReportImported``, published from the importer's
outbox with ``Nats-Msg-Id`` set to the event id."""

REPORTS_STREAM: Final = "ROOFKIT_REPORTS"
"""JetStream stream that captures ``REPORTS_STREAM_SUBJECTS``."""

REPORTS_STREAM_SUBJECTS: Final = "roofkit.reports.v1.>"
"""Subject filter of ``REPORTS_STREAM``: every ``reports.v1`` event."""

AUTH_QUEUE_GROUP: Final = "roofkit-auth"
"""Queue group of the auth responders: each verify request reaches one replica."""

RATELIMIT_QUEUE_GROUP: Final = "roofkit-ratelimit"
"""Queue group of the rate-limit responders: each take request reaches one replica."""

__all__ = [
    "AUTH_KEYS_CHANGED",
    "AUTH_QUEUE_GROUP",
    "AUTH_VERIFY",
    "RATELIMIT_QUEUE_GROUP",
    "RATELIMIT_TAKE",
    "REPORTS_IMPORTED",
    "REPORTS_STREAM",
    "REPORTS_STREAM_SUBJECTS",
]
