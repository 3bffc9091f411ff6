"""auth and ratelimit answering over a real nats-server, with real Postgres behind them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats
import pytest

from roofkit_cli.devstack import DevStack
from roofkit_events import apikeys, subjects
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.common.v1 import error_code_pb2 as codes
from roofkit_events.ratelimit.v1 import ratelimit_pb2
from roofkit_runtime import natsio
from roofkit_runtime.errors import ResponderUnavailable
from tests.support import provision


async def verify(nc, key: str) -> auth_pb2.VerifyReply:  # type: ignore[no-untyped-def]
    return await natsio.request(
        nc,
        subjects.AUTH_VERIFY,
        auth_pb2.VerifyRequest(api_key=key),
        auth_pb2.VerifyReply,
        timeout_s=2,
    )


async def test_auth_verifies_keys_and_refuses_malformed_unknown(
    services: DevStack, keys_home: Path
) -> None:
    assert services.database_url and services.nats_url
    token, _, _ = await provision.new_key(
        database_url=services.database_url,
        nats_url=services.nats_url,
        home=keys_home,
        scopes=("reports.write",),
        importsPerMinute=7,
    )
    nc = await natsio.connect(services.nats_url, name="test")
    try:
        ok = await verify(nc, token)
        assert ok.ok and ok.key_id.startswith("key_") and ok.workspace_id.startswith("ws_")
        assert list(ok.scopes) == ["reports.write"]
        assert ok.workspace_state == auth_pb2.WORKSPACE_STATE_ACTIVE
        assert ok.limits.imports_per_minute == 7
        assert ok.key_prefix == token[:12]
        assert (await verify(nc, "rk_live_bogus")).error == codes.ERROR_CODE_API_KEY_MALFORMED
        assert (await verify(nc, apikeys.generate())).error == codes.ERROR_CODE_API_KEY_UNKNOWN
    finally:
        await nc.drain()


async def test_revocation_reaches_every_auth_replica_within_a_second(
    services: DevStack, keys_home: Path
) -> None:
    assert services.database_url and services.nats_url
    if "auth-2" not in services.services:
        services.add_service("auth", label="auth-2")
    token, key_name, ws_name = await provision.new_key(
        database_url=services.database_url, nats_url=services.nats_url, home=keys_home
    )
    nc = await natsio.connect(services.nats_url, name="test")
    try:
        for _ in range(20):  # warm both replicas' caches (queue group spreads requests)
            assert (await verify(nc, token)).ok
        await provision.apply(
            [provision.apikey(key_name, ws_name, revoked=True)],
            database_url=services.database_url,
            nats_url=services.nats_url,
            home=keys_home,
        )
        deadline = time.monotonic() + 1.0
        while True:
            replies = [await verify(nc, token) for _ in range(10)]
            if all(r.error == codes.ERROR_CODE_API_KEY_REVOKED for r in replies):
                break
            assert time.monotonic() < deadline, "revocation not seen by every replica within 1 s"
            await asyncio.sleep(0.01)
    finally:
        await nc.drain()


async def test_ratelimit_is_exact_across_two_replicas_under_concurrency(services: DevStack) -> None:
    assert services.nats_url
    if "ratelimit-2" not in services.services:
        services.add_service("ratelimit", label="ratelimit-2")
    nc = await natsio.connect(services.nats_url, name="test")
    bucket = f"key_{time.time_ns()}"

    async def take() -> ratelimit_pb2.TakeReply:
        return await natsio.request(
            nc,
            subjects.RATELIMIT_TAKE,
            ratelimit_pb2.TakeRequest(
                kind=ratelimit_pb2.BUCKET_KIND_KEY_ENDPOINT,
                subject=bucket,
                endpoint="reports.import",
                limit=25,
                window_seconds=3600,
                cost=1,
            ),
            ratelimit_pb2.TakeReply,
            timeout_s=5,
        )

    try:
        replies = await asyncio.gather(*(take() for _ in range(80)))
    finally:
        await nc.drain()
    assert sum(r.allowed for r in replies) == 25
    assert sorted(r.remaining for r in replies if r.allowed) == list(range(25))
    assert all(r.error == codes.ERROR_CODE_RATE_LIMITED for r in replies if not r.allowed)
    assert all(r.retry_after_seconds >= 1 for r in replies if not r.allowed)


async def test_a_subject_without_responders_is_dependency_unavailable(nats_url: str) -> None:
    nc = await natsio.connect(nats_url, name="test")
    try:
        with pytest.raises(ResponderUnavailable):
            await natsio.request(
                nc,
                "roofkit.nobody.v1.here",
                auth_pb2.VerifyRequest(),
                auth_pb2.VerifyReply,
                timeout_s=0.5,
            )
    finally:
        await nc.drain()


async def test_a_responder_is_registered_with_the_server_when_serve_returns(
    nats_url: str,
) -> None:
    """A service reports itself ready once ``serve`` returns: a request sent at once from
    another connection must find it. nats-py can send the PING of a flush ahead of the SUB it
    has queued; with one round trip, 23 of 1,000 such requests found no responders."""

    async def handler(request: auth_pb2.VerifyRequest) -> auth_pb2.VerifyReply:
        return auth_pb2.VerifyReply(ok=True)

    server = await natsio.connect(nats_url, name="test-server")
    client = await natsio.connect(nats_url, name="test-client")
    unanswered = 0
    try:
        for n in range(1000):
            subject = f"roofkit.test.v1.ready{n}.{time.time_ns()}"
            responder = await natsio.serve(
                server, subject, auth_pb2.VerifyRequest, handler, queue="q"
            )
            try:
                await client.request(subject, b"", timeout=5)
            except nats.errors.NoRespondersError:
                unanswered += 1
            assert responder.subscription is not None
            await responder.subscription.unsubscribe()
        assert unanswered == 0
    finally:
        await client.drain()
        await server.drain()


async def test_a_slow_request_does_not_hold_up_the_others_and_drain_waits_for_it(
    nats_url: str,
) -> None:
    release = asyncio.Event()
    answered: list[str] = []

    async def handler(request: auth_pb2.VerifyRequest) -> auth_pb2.VerifyReply:
        if request.api_key == "slow":
            await release.wait()
        answered.append(request.api_key)
        return auth_pb2.VerifyReply(ok=True)

    server = await natsio.connect(nats_url, name="test-server")
    client = await natsio.connect(nats_url, name="test-client")
    subject = f"roofkit.test.v1.{time.time_ns()}"
    responder = await natsio.serve(server, subject, auth_pb2.VerifyRequest, handler, queue="q")
    try:

        async def ask(key: str) -> auth_pb2.VerifyReply:
            return await natsio.request(
                client,
                subject,
                auth_pb2.VerifyRequest(api_key=key),
                auth_pb2.VerifyReply,
                timeout_s=5,
            )

        slow = asyncio.create_task(ask("slow"))
        fast = await asyncio.gather(*(ask(f"fast-{i}") for i in range(5)))
        assert all(r.ok for r in fast)
        assert not slow.done() and responder.in_flight == 1
        draining = asyncio.create_task(responder.drain())
        await asyncio.sleep(0.1)
        assert not draining.done()  # still answering the slow request
        release.set()
        assert (await slow).ok
        await draining
        assert answered[-1] == "slow" and responder.in_flight == 0
    finally:
        await client.drain()
        await server.drain()


async def test_an_undecodable_request_or_a_failed_handler_is_answered_at_once(
    nats_url: str,
) -> None:
    async def handler(request: auth_pb2.VerifyRequest) -> auth_pb2.VerifyReply:
        if request.api_key == "boom":
            raise RuntimeError("the handler's own bug")
        return auth_pb2.VerifyReply(ok=True)

    server = await natsio.connect(nats_url, name="test-server")
    client = await natsio.connect(nats_url, name="test-client")
    subject = f"roofkit.test.v1.{time.time_ns()}"
    await natsio.serve(
        server,
        subject,
        auth_pb2.VerifyRequest,
        handler,
        queue="q",
        invalid_reply=auth_pb2.VerifyReply(error=codes.ERROR_CODE_INVALID_REQUEST),
        failed_reply=auth_pb2.VerifyReply(error=codes.ERROR_CODE_INTERNAL),
    )
    try:
        # Well within the 5 s timeout, which an unanswered request would run into.
        garbage = await client.request(subject, b"\xff\xff\xff\xff", timeout=5)
        assert auth_pb2.VerifyReply.FromString(garbage.data).error == (
            codes.ERROR_CODE_INVALID_REQUEST
        )
        failed = await natsio.request(
            client,
            subject,
            auth_pb2.VerifyRequest(api_key="boom"),
            auth_pb2.VerifyReply,
            timeout_s=5,
        )
        assert failed.error == codes.ERROR_CODE_INTERNAL and not failed.ok
        ok = await natsio.request(
            client, subject, auth_pb2.VerifyRequest(api_key="x"), auth_pb2.VerifyReply, timeout_s=5
        )
        assert ok.ok  # and it goes on answering
    finally:
        await client.drain()
        await server.drain()


async def test_auth_and_ratelimit_refuse_garbage_with_a_reply(services: DevStack) -> None:
    assert services.nats_url
    nc = await natsio.connect(services.nats_url, name="test")
    try:
        auth = await nc.request(subjects.AUTH_VERIFY, b"\xff\xff\xff\xff", timeout=1)
        assert auth_pb2.VerifyReply.FromString(auth.data).error == codes.ERROR_CODE_INVALID_REQUEST
        take = await nc.request(subjects.RATELIMIT_TAKE, b"\xff\xff\xff", timeout=1)
        assert ratelimit_pb2.TakeReply.FromString(take.data).error == (
            codes.ERROR_CODE_INVALID_REQUEST
        )
        # A subject Postgres cannot store fails in the store: answered as an internal error.
        nul = ratelimit_pb2.TakeRequest(
            kind=ratelimit_pb2.BUCKET_KIND_KEY_ENDPOINT,
            subject="a\x00b",
            endpoint="reports.import",
            limit=5,
            window_seconds=60,
            cost=1,
        )
        failed = await natsio.request(
            nc, subjects.RATELIMIT_TAKE, nul, ratelimit_pb2.TakeReply, timeout_s=1
        )
        assert failed.error == codes.ERROR_CODE_INTERNAL and not failed.allowed
    finally:
        await nc.drain()
