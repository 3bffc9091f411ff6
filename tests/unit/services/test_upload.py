import asyncio
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from roofkit_importer import errors, upload
from roofkit_importer.settings import ImporterSettings

BOUNDARY = b"xYzBoundary"


def form(*parts: tuple[str, bytes, str | None]) -> bytes:
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n"
        body += value + b"\r\n"
    return body + b"--" + BOUNDARY + b"--\r\n"


async def chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def _emptied(folder: Path, timeout_s: float = 5.0) -> None:
    """Wait until ``folder`` is empty, or the deadline passes (the caller asserts)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while list(folder.iterdir()) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)


async def receive(data: bytes, tmp_path: Path, max_body: int = 1 << 20) -> upload.Upload:
    return await upload.receive(
        chunks(data), boundary=BOUNDARY, spool_dir=tmp_path, max_body_bytes=max_body
    )


async def test_file_is_spooled_and_hashed_and_fields_kept(tmp_path: Path) -> None:
    content = b"Facet,Area\nF1,100\n" * 50
    got = await receive(
        form(("external_id", b"job-1", None), ("file", content, "../../etc/r\x01.csv")), tmp_path
    )
    assert got.path.read_bytes() == content
    assert got.sha256 == hashlib.sha256(content).hexdigest()
    assert got.size_bytes == len(content)
    assert got.filename == "r.csv"
    assert got.fields == {"external_id": "job-1"}
    got.discard()
    assert list(tmp_path.iterdir()) == []


def raw_part(disposition: bytes, value: bytes) -> bytes:
    return (
        b"--"
        + BOUNDARY
        + b"\r\nContent-Disposition: "
        + disposition
        + b"\r\n\r\n"
        + value
        + b"\r\n--"
        + BOUNDARY
        + b"--\r\n"
    )


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        # What curl and browsers send: the name as raw UTF-8 (RFC 7578 §4.2).
        ('form-data; name="file"; filename="Résumé ✓ 屋根.csv"'.encode(), "Résumé ✓ 屋根.csv"),
        # Not UTF-8 (a Latin-1 / Windows-1252 client): read in that code page.
        (b'form-data; name="file"; filename="r\xe9sum\xe9.csv"', "r\u00e9sum\u00e9.csv"),
        # The RFC 5987 form is not for multipart (RFC 7578): the plain filename wins.
        (b'form-data; name="file"; filename="a.csv"; filename*=UTF-8\'\'b%C3%A9.csv', "a.csv"),
        # ... but it is read when a client sends nothing else.
        (
            b"form-data; name=\"file\"; filename*=UTF-8''roof%20plan%C3%A9.csv",
            "roof plan\u00e9.csv",
        ),
        (
            b"form-data; name=\"file\"; filename*=utf-8'en'%E5%B1%8B%E6%A0%B9.csv",
            "\u5c4b\u6839.csv",
        ),
        (b"form-data; name=\"file\"; filename*=x-unknown''a.csv", "upload"),
        (b"form-data; name=\"file\"; filename*=UTF-8''%FF.csv", "upload"),
    ],
    ids=[
        "utf-8",
        "not-utf-8",
        "rfc5987-second",
        "rfc5987-alone",
        "rfc5987-language",
        "rfc5987-unknown-charset",
        "rfc5987-not-utf-8",
    ],
)
async def test_file_names_are_read_as_utf8(
    disposition: bytes, filename: str, tmp_path: Path
) -> None:
    got = await receive(raw_part(disposition, b"Facet,Area\nF1,100\n"), tmp_path)
    assert got.filename == filename
    got.discard()


async def test_a_field_name_outside_ascii_is_an_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(errors.ApiError) as caught:
        await receive(raw_part('form-data; name="fïle"'.encode(), b"x"), tmp_path)
    assert (caught.value.code, caught.value.param) == ("unknown_field", "fïle")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ([("external_id", b"x", None)], "file_missing"),
        ([("file", b"a", "a.csv"), ("file", b"b", "b.csv")], "too_many_files"),
        ([("file", b"a", "a.csv"), ("colour", b"red", None)], "unknown_field"),
        ([("workspace_id", b"ws_1", None), ("file", b"a", "a.csv")], "tenant_selector_not_allowed"),
        ([("tenantId", b"t", None)], "tenant_selector_not_allowed"),
        ([("file", b"a", "a.csv"), ("metadata", b"x" * 20000, None)], "invalid_metadata"),
        ([("file", b"a", "a.csv"), ("external_id", b"x" * 200, None)], "invalid_field"),
        ([("file", b"a", "a.csv")] + [("format", b"csv", None)] * 2, "invalid_multipart"),
    ],
)
async def test_form_rules_refuse_with_stable_codes_and_leave_nothing(
    parts: list[tuple[str, bytes, str | None]], code: str, tmp_path: Path
) -> None:
    with pytest.raises(errors.ApiError) as caught:
        await receive(form(*parts), tmp_path)
    assert caught.value.code == code
    assert list(tmp_path.iterdir()) == []


async def test_truncated_body_is_invalid_multipart(tmp_path: Path) -> None:
    data = form(("file", b"abc" * 100, "a.csv"))
    with pytest.raises(errors.InvalidRequest) as caught:
        await receive(data[:-30], tmp_path)
    assert caught.value.code == "invalid_multipart"
    assert list(tmp_path.iterdir()) == []


async def test_body_over_the_limit_is_refused_while_streaming(tmp_path: Path) -> None:
    with pytest.raises(errors.PayloadTooLarge):
        await receive(form(("file", b"z" * 5000, "a.csv")), tmp_path, max_body=1000)
    assert list(tmp_path.iterdir()) == []


async def test_too_many_parts(tmp_path: Path) -> None:
    parts = [("file", b"a", "a.csv")] + [("format", b"csv", None)] * 9
    with pytest.raises(errors.InvalidRequest):
        await receive(form(*parts), tmp_path)


def test_boundary_is_required() -> None:
    assert upload.boundary_of("multipart/form-data; boundary=abc") == b"abc"
    for bad in (None, "application/json", "multipart/form-data", "multipart/mixed; boundary=a"):
        with pytest.raises(errors.InvalidRequest) as caught:
            upload.boundary_of(bad)
        assert caught.value.code == "invalid_content_type"


@pytest.mark.parametrize("chunk_size", [65536, 1 << 20])
async def test_large_file_is_hashed_and_written_in_batches(chunk_size: int, tmp_path: Path) -> None:
    content = bytes(range(256)) * (11 * 1024 * 1024 // 256 + 3)  # several batches, odd tail
    got = await upload.receive(
        chunks(form(("file", content, "big.bin")), chunk_size),
        boundary=BOUNDARY,
        spool_dir=tmp_path,
        max_body_bytes=1 << 26,
    )
    assert got.size_bytes == len(content)
    assert got.sha256 == hashlib.sha256(content).hexdigest()
    assert got.path.read_bytes() == content
    got.discard()
    assert list(tmp_path.iterdir()) == []


async def test_refusal_with_a_batch_in_flight_leaves_nothing(tmp_path: Path) -> None:
    body = form(("file", b"q" * (6 * 1024 * 1024), "big.bin"), ("colour", b"red", None))
    with pytest.raises(errors.InvalidRequest) as caught:
        await upload.receive(
            chunks(body, 1 << 20), boundary=BOUNDARY, spool_dir=tmp_path, max_body_bytes=1 << 26
        )
    assert caught.value.code == "unknown_field"
    await _emptied(tmp_path)  # the worker thread finishes its batch, then the file goes
    assert list(tmp_path.iterdir()) == []


async def test_a_cancelled_upload_removes_its_file_only_after_the_write_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real_write = upload._Spool._write

    def slow_write(self: upload._Spool, batch: list[bytes | memoryview]) -> None:
        started.set()
        release.wait(10)
        real_write(self, batch)

    monkeypatch.setattr(upload._Spool, "_write", slow_write)
    # The first megabyte goes to the thread; the body then ends, and the request waits for
    # that batch to finish: the moment a cancelled request must not close the file under it.
    body = form(("file", b"w" * (3 * 1024 * 1024 // 2), "big.bin"))
    sent_all = asyncio.Event()

    async def body_chunks() -> AsyncIterator[bytes]:
        async for chunk in chunks(body, 1 << 20):
            yield chunk
        # Set in the request's own step, which then runs on to its wait for the batch.
        sent_all.set()

    receiving = asyncio.create_task(
        upload.receive(body_chunks(), boundary=BOUNDARY, spool_dir=tmp_path, max_body_bytes=1 << 26)
    )
    await asyncio.wait_for(sent_all.wait(), timeout=10)
    assert await asyncio.to_thread(started.wait, 10)  # the thread is inside the write
    receiving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiving
    assert len(list(tmp_path.iterdir())) == 1  # the thread still writes to it: not closed yet
    release.set()
    await _emptied(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_only_stale_spooled_uploads_are_swept(tmp_path: Path) -> None:
    old = time.time() - upload.STALE_SPOOL_S - 60
    stale = tmp_path / "upload-abc123"
    fresh = tmp_path / "upload-def456"
    foreign = tmp_path / "someone-else.tmp"
    for path in (stale, fresh, foreign):
        path.write_bytes(b"x" * 10)
    os.utime(stale, (old, old))
    os.utime(foreign, (old, old))
    (tmp_path / "upload-dir").mkdir()
    os.utime(tmp_path / "upload-dir", (old, old))

    assert upload.sweep_spool(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "someone-else.tmp",
        "upload-def456",
        "upload-dir",
    ]
    assert upload.sweep_spool(tmp_path / "missing") == 0


async def test_a_spooled_upload_is_named_for_the_sweep(tmp_path: Path) -> None:
    got = await receive(form(("file", b"Facet,Area\nF1,100\n", "r.csv")), tmp_path)
    assert got.path.name.startswith(upload.SPOOL_PREFIX)
    got.discard()


def test_the_spool_budget_refuses_what_does_not_fit_and_gets_back_what_was_reserved() -> None:
    budget = upload.SpoolBudget(100)
    with budget.reserve(60):
        with budget.reserve(40):
            assert budget.reserved == 100
            with pytest.raises(errors.ServiceUnavailable) as refused, budget.reserve(1):
                pass
        assert budget.reserved == 60
        with pytest.raises(RuntimeError), budget.reserve(40):  # a failed import gives it back
            raise RuntimeError("parse failed")
        assert budget.reserved == 60
    assert budget.reserved == 0
    assert refused.value.code == "upload_capacity_exhausted"
    assert refused.value.retry_after_s == upload.SPOOL_RETRY_AFTER_S


def test_a_spool_budget_below_the_upload_ceiling_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="spool_budget_bytes"):
        ImporterSettings(spool_budget_bytes=1 << 20, max_upload_bytes_ceiling=2 << 20)
    assert ImporterSettings(spool_budget_bytes=2 << 20, max_upload_bytes_ceiling=2 << 20)
