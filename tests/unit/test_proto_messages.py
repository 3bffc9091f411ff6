"""The generated contract messages round-trip and carry the agreed names."""

from __future__ import annotations

import re

from google.protobuf.timestamp_pb2 import Timestamp

from roofkit_events import subjects
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.common.v1 import error_code_pb2
from roofkit_events.ratelimit.v1 import ratelimit_pb2
from roofkit_events.reports.v1 import reports_pb2


def test_verify_reply_round_trips_through_the_wire_format() -> None:
    reply = auth_pb2.VerifyReply(
        ok=True,
        key_id="key_1",
        workspace_id="ws_1",
        scopes=["reports.write", "reports.read"],
        workspace_state=auth_pb2.WORKSPACE_STATE_ACTIVE,
        limits=auth_pb2.Limits(
            imports_per_minute=60, reads_per_minute=600, max_upload_bytes=52_428_800
        ),
        key_prefix="rk_live_AbCd",
    )

    decoded = auth_pb2.VerifyReply.FromString(reply.SerializeToString())

    assert decoded == reply
    assert decoded.error == error_code_pb2.ERROR_CODE_UNSPECIFIED


def test_take_request_with_zero_cost_is_a_peek_and_survives_encoding() -> None:
    request = ratelimit_pb2.TakeRequest(
        kind=ratelimit_pb2.BUCKET_KIND_INVALID_AUTH,
        subject="203.0.113.7",
        limit=20,
        window_seconds=60,
    )

    decoded = ratelimit_pb2.TakeRequest.FromString(request.SerializeToString())

    assert decoded.cost == 0
    assert decoded == request


def test_report_imported_round_trips_with_files_and_timestamp() -> None:
    imported_at = Timestamp(seconds=1_796_311_860, nanos=123_000_000)
    event = reports_pb2.ReportImported(
        event_id="evt_1",
        report_id="rpt_1",
        workspace_id="ws_1",
        external_id="job-4711",
        imported_at=imported_at,
        files=[
            reports_pb2.SourceFile(
                name="roof.xml",
                format="xml",
                media_type="application/xml",
                size_bytes=1234,
                sha256="0" * 64,
                role="primary",
            )
        ],
        vendor="EagleView",
        total_area_sqft=2350.5,
        request_id="req_1",
    )

    decoded = reports_pb2.ReportImported.FromString(event.SerializeToString())

    assert decoded == event
    assert decoded.imported_at.ToJsonString() == "2026-12-03T15:31:00.123Z"


def test_error_codes_map_to_the_partner_api_codes_by_name() -> None:
    names = {
        value.name.removeprefix("ERROR_CODE_").lower()
        for value in error_code_pb2.ErrorCode.DESCRIPTOR.values
        if value.number != error_code_pb2.ERROR_CODE_UNSPECIFIED
    }

    assert names == {
        "api_key_missing",
        "api_key_malformed",
        "api_key_unknown",
        "api_key_revoked",
        "api_key_deleted",
        "api_key_expired",
        "workspace_inactive",
        "insufficient_scope",
        "rate_limited",
        "invalid_request",
        "internal",
    }


def test_every_versioned_subject_belongs_to_a_generated_proto_package() -> None:
    packages = {
        auth_pb2.DESCRIPTOR.package,
        ratelimit_pb2.DESCRIPTOR.package,
        reports_pb2.DESCRIPTOR.package,
    }
    versioned = [
        subjects.AUTH_VERIFY,
        subjects.AUTH_KEYS_CHANGED,
        subjects.RATELIMIT_TAKE,
        subjects.REPORTS_IMPORTED,
        subjects.REPORTS_STREAM_SUBJECTS,
    ]

    for subject in versioned:
        match = re.fullmatch(r"(roofkit\.[a-z]+\.v\d+)\.[a-z.>]+", subject)
        assert match is not None, subject
        assert match.group(1) in packages, subject
    assert subjects.REPORTS_IMPORTED.startswith(subjects.REPORTS_STREAM_SUBJECTS[:-1])
