"""Idempotency and rate limits under concurrent load, with several replicas of each service."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx

from roofkit_cli.devstack import DevStack
from tests.e2e.conftest import EXAMPLE_CSV
from tests.e2e.helpers import apply, client_address, new_key, wait_for
from tests.support import provision

IMPORT = "/api/v1/reports/import"


async def _post(
    client: httpx.AsyncClient, url: str, key: str, idempotency_key: str
) -> httpx.Response:
    return await client.post(
        url + IMPORT,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
        files={"file": ("roof.csv", EXAMPLE_CSV.read_bytes())},
    )


def test_fifty_concurrent_requests_with_one_key_create_exactly_one_report(stack: DevStack) -> None:
    token, _, _ = new_key(stack, importsPerMinute=1000)
    idem = str(uuid.uuid4())

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*(_post(client, stack.url, token, idem) for _ in range(50)))

    responses = asyncio.run(burst())
    created = [
        r for r in responses if r.status_code == 201 and "Idempotency-Replayed" not in r.headers
    ]
    replayed = [
        r
        for r in responses
        if r.status_code == 201 and r.headers.get("Idempotency-Replayed") == "true"
    ]
    in_progress = [r for r in responses if r.status_code == 409]
    assert len(created) == 1
    assert len(created) + len(replayed) + len(in_progress) == 50
    assert all(r.json()["error"]["code"] == "idempotency_key_in_progress" for r in in_progress)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in in_progress)
    assert {r.content for r in replayed} <= {created[0].content}
    listed = httpx.get(
        stack.url + "/api/v1/reports", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [r["id"] for r in listed["data"]] == [created[0].json()["id"]]


def _not_near_a_minute_boundary() -> bool:
    return dt.datetime.now(dt.UTC).second < 40


def test_two_importers_and_two_rate_limiters_admit_exactly_the_limit(stack: DevStack) -> None:
    for name, label in (("ratelimit", "ratelimit-2"), ("importer", "importer-2")):
        if label not in stack.services:
            stack.add_service(name, label=label)
    urls = [stack.url, f"http://127.0.0.1:{stack.services['importer-2'].port}"]
    token, _, _ = new_key(stack, importsPerMinute=20)
    wait_for(_not_near_a_minute_boundary, timeout_s=25, what="a window with room for the test")

    async def load() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(
                *(_post(client, urls[i % 2], token, str(uuid.uuid4())) for i in range(60))
            )

    responses = asyncio.run(load())
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 20, statuses
    assert statuses.count(429) == 40
    assert {r.headers["X-RateLimit-Limit"] for r in responses} == {"20"}


def test_revocation_deletion_and_suspension_reach_every_auth_replica_within_a_second(
    stack: DevStack,
) -> None:
    if "auth-2" not in stack.services:
        stack.add_service("auth", label="auth-2")

    def refused_everywhere(token: str, status: int, code: str) -> bool:
        # Twelve requests spread over both replicas by the queue group: all must refuse.
        with httpx.Client(base_url=stack.url, timeout=10) as client:
            for _ in range(12):
                r = client.get(
                    "/api/v1/reports",
                    # A fresh client address each time: these 401s must not fill one
                    # address's invalid-auth bucket.
                    headers={
                        "Authorization": f"Bearer {token}",
                        "X-Forwarded-For": client_address(),
                    },
                )
                if r.status_code != status or r.json()["error"]["code"] != code:
                    return False
        return True

    def warm(token: str) -> None:
        with httpx.Client(base_url=stack.url, timeout=10) as client:
            for _ in range(12):
                assert (
                    client.get(
                        "/api/v1/reports", headers={"Authorization": f"Bearer {token}"}
                    ).status_code
                    == 200
                )

    token, key_name, ws_name = new_key(stack)
    warm(token)
    apply(stack, provision.apikey(key_name, ws_name, revoked=True))
    wait_for(
        lambda: refused_everywhere(token, 401, "api_key_revoked"),
        timeout_s=1.0,
        what="revoked everywhere",
    )

    token, key_name, ws_name = new_key(stack)
    warm(token)
    assert stack.database_url and stack.nats_url
    from roofkit_cli import manifests

    asyncio.run(
        manifests.delete(
            [provision.apikey(key_name, ws_name)],
            database_url=stack.database_url,
            nats_url=stack.nats_url,
        )
    )
    wait_for(
        lambda: refused_everywhere(token, 401, "api_key_deleted"),
        timeout_s=1.0,
        what="deleted everywhere",
    )

    token, key_name, ws_name = new_key(stack)
    warm(token)
    apply(stack, provision.workspace(ws_name, state="Suspended"))
    wait_for(
        lambda: refused_everywhere(token, 403, "workspace_inactive"),
        timeout_s=1.0,
        what="suspended everywhere",
    )
