"""Storing an import on real Postgres: all of it in one go, or nothing when the claim is lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from roofkit_importer.idempotency import ClaimState, StoredResponse
from roofkit_importer.repository import (
    CHUNK_BYTES,
    ClaimLost,
    ExternalIdTaken,
    ImportRepository,
    NewReport,
    OutgoingEvent,
)
from roofkit_runtime import db
from tests.support import provision

LONG = dt.timedelta(hours=24)
NOTHING = {
    "reports": 0,
    "files": 0,
    "events": 0,
    "completed": 0,
    "blobs": 0,
    "content": b"",
    "chunks": 0,
}
"""What :func:`_written` finds of a report that was not stored."""


@pytest.fixture
async def key(database_url: str, nats_url: str, keys_home: Path) -> dict[str, Any]:
    """A workspace and one key of it: ``key_id`` and ``workspace_id``."""
    ws_name, key_name = provision.unique("ws"), provision.unique("key")
    applied = await provision.apply(
        [provision.workspace(ws_name), provision.apikey(key_name, ws_name)],
        database_url=database_url,
        nats_url=nats_url,
        home=keys_home,
    )
    return applied.apikeys[key_name]


@pytest.fixture
async def repo(database_url: str) -> Any:
    engine = db.create_engine(database_url, pool_size=2)
    try:
        yield ImportRepository(engine)
    finally:
        await engine.dispose()


def _upload(tmp_path: Path, content: bytes) -> tuple[Path, str]:
    path = tmp_path / f"upload-{secrets.token_hex(4)}"
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


async def _store(
    repo: ImportRepository,
    key: dict[str, Any],
    upload: Path,
    sha256: str,
    *,
    token: str | None = None,
    report_id: str | None = None,
    document: bytes = b'{"schema": "roofkit.report/v1"}',
    external_id: str | None = None,
) -> str:
    """Claim a new Idempotency-Key and store one report of ``upload`` under it; its id."""
    idempotency_key = str(uuid.uuid4())
    claim = await repo.claim(key["workspace_id"], idempotency_key, "fp", lease=LONG, retention=LONG)
    assert claim.state is ClaimState.NEW and claim.token
    report_id = report_id or f"rpt_{secrets.token_hex(8)}"
    size = upload.stat().st_size
    await repo.store(
        NewReport(
            id=report_id,
            workspace_id=key["workspace_id"],
            api_key_id=key["key_id"],
            external_id=external_id,
            format="csv",
            vendor="unknown",
            document=db.RawJSON(document),
            source={"kind": "file"},
            warnings=[],
            metadata={"job": "42"},
            request_id="req_test",
            created_at=dt.datetime.now(dt.UTC),
            files=[
                {
                    "name": "roof.csv",
                    "format": "csv",
                    "media_type": "text/csv",
                    "size_bytes": size,
                    "sha256": sha256,
                    "role": "upload",
                    "status": "stored",
                }
            ],
            blob_path=upload,
            blob_sha256=sha256,
            blob_size=size,
        ),
        idempotency_key=idempotency_key,
        claim_token=token or claim.token,
        response=StoredResponse(201, {"Location": f"/api/v1/reports/{report_id}"}, b"{}"),
        event=OutgoingEvent(
            event_id=f"evt_{report_id}",
            subject="roofkit.reports.v1.imported",
            payload=b"e",
            headers={},
        ),
    )
    return report_id


def _written(database_url: str, report_id: str, sha256: str) -> dict[str, Any]:
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:

        def one(sql: str, *args: object) -> Any:
            row = conn.execute(sql, args).fetchone()
            assert row is not None
            return row[0]

        return {
            "reports": one("SELECT count(*) FROM reports WHERE id = %s", report_id),
            "files": one("SELECT count(*) FROM report_files WHERE report_id = %s", report_id),
            "events": one("SELECT count(*) FROM outbox WHERE event_id = %s", f"evt_{report_id}"),
            "completed": one(
                "SELECT count(*) FROM idempotency_keys WHERE report_id = %s AND state = 'completed'",
                report_id,
            ),
            "blobs": one("SELECT count(*) FROM blobs WHERE sha256 = %s", sha256),
            "content": one(
                "SELECT coalesce(string_agg(content, ''::bytea ORDER BY seq), ''::bytea) "
                "FROM blob_chunks WHERE sha256 = %s",
                sha256,
            ),
            "chunks": one("SELECT count(*) FROM blob_chunks WHERE sha256 = %s", sha256),
        }


async def test_a_report_is_stored_with_its_file_blob_event_and_completed_key(
    repo: ImportRepository, key: dict[str, Any], database_url: str, tmp_path: Path
) -> None:
    content = b"Facet,Area\nF1,100\n" + secrets.token_bytes(16)
    upload, sha256 = _upload(tmp_path, content)
    report_id = await _store(repo, key, upload, sha256)
    assert _written(database_url, report_id, sha256) == {
        "reports": 1,
        "files": 1,
        "events": 1,
        "completed": 1,
        "blobs": 1,
        "content": content,
        "chunks": 1,
    }
    # The same file again: a second report, the blob and its chunk shared, not copied.
    again = await _store(repo, key, upload, sha256)
    written = _written(database_url, again, sha256)
    assert (written["reports"], written["blobs"], written["chunks"]) == (1, 1, 1)


async def test_a_blob_larger_than_a_chunk_is_stored_in_order(
    repo: ImportRepository, key: dict[str, Any], database_url: str, tmp_path: Path
) -> None:
    content = secrets.token_bytes(CHUNK_BYTES + 1000)
    upload, sha256 = _upload(tmp_path, content)
    report_id = await _store(repo, key, upload, sha256)
    written = _written(database_url, report_id, sha256)
    assert (written["reports"], written["events"], written["chunks"]) == (1, 1, 2)
    assert written["content"] == content


@pytest.mark.parametrize("size", [100, CHUNK_BYTES + 1000], ids=["one-chunk", "two-chunks"])
async def test_a_lost_claim_writes_nothing(
    repo: ImportRepository, key: dict[str, Any], database_url: str, tmp_path: Path, size: int
) -> None:
    upload, sha256 = _upload(tmp_path, secrets.token_bytes(size))
    report_id = f"rpt_{secrets.token_hex(8)}"
    with pytest.raises(ClaimLost):
        # Another attempt took the claim over: our token no longer matches.
        await _store(repo, key, upload, sha256, token="taken-over", report_id=report_id)
    assert _written(database_url, report_id, sha256) == NOTHING


@pytest.mark.parametrize("size", [100, CHUNK_BYTES + 1000], ids=["one-chunk", "two-chunks"])
async def test_an_external_id_taken_since_the_check_names_the_report_and_writes_nothing(
    repo: ImportRepository, key: dict[str, Any], database_url: str, tmp_path: Path, size: int
) -> None:
    """Two imports of one external_id both pass the early check; the store decides."""
    external_id = f"job-{secrets.token_hex(4)}"
    first_upload, first_sha = _upload(tmp_path, secrets.token_bytes(size))
    first = await _store(repo, key, first_upload, first_sha, external_id=external_id)
    upload, sha256 = _upload(tmp_path, secrets.token_bytes(size))
    report_id = f"rpt_{secrets.token_hex(8)}"
    with pytest.raises(ExternalIdTaken) as taken:
        await _store(repo, key, upload, sha256, report_id=report_id, external_id=external_id)
    assert taken.value.report_id == first
    assert _written(database_url, report_id, sha256) == NOTHING


async def test_a_list_page_ends_at_its_size_budget_and_always_holds_one_report(
    repo: ImportRepository, key: dict[str, Any], tmp_path: Path
) -> None:
    upload, sha256 = _upload(tmp_path, b"Facet,Area\nF1,100\n")
    ids = []
    for i in range(5):
        document = b'{"pad": "' + b"x" * 1000 + b'", "n": %d}' % i
        ids.append(await _store(repo, key, upload, sha256, document=document))
    newest_first = ids[::-1]

    async def page(limit: int, chars: int, before: int | None = None) -> tuple[list[str], bool]:
        rows, more = await repo.page(
            key["workspace_id"],
            external_id=None,
            limit=limit,
            before_seq=before,
            max_document_chars=chars,
        )
        assert all(isinstance(r["document"], str) for r in rows)  # JSON text, never parsed
        return [r["id"] for r in rows], more

    assert await page(10, 10_000_000) == (newest_first, False)
    assert await page(2, 10_000_000) == (newest_first[:2], True)
    assert await page(10, 2_500) == (newest_first[:2], True)  # a third would pass 2,500 chars
    assert await page(10, 10) == (newest_first[:1], True)  # one report, however large
    # Walking the pages by cursor reaches every report once.
    seen: list[str] = []
    before = None
    while True:
        rows, more = await repo.page(
            key["workspace_id"],
            external_id=None,
            limit=10,
            before_seq=before,
            max_document_chars=2_500,
        )
        seen += [r["id"] for r in rows]
        if not more:
            break
        before = rows[-1]["seq"]
    assert seen == newest_first
