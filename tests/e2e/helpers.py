"""Small tools of the end-to-end tests: keys, raw HTTP, client identities, waiting."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from roofkit_cli.devstack import DevStack
from tests.support import provision

T = TypeVar("T")
_addresses = itertools.count(1)


def client_address() -> str:
    """A fresh client address (sent as X-Forwarded-For; the stack trusts one proxy hop)."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def new_key(stack: DevStack, **options: Any) -> tuple[str, str, str]:
    """(token, key name, workspace name) of a new workspace with one key."""
    assert stack.database_url and stack.nats_url
    return asyncio.run(
        provision.new_key(
            database_url=stack.database_url, nats_url=stack.nats_url, home=stack.home, **options
        )
    )


def apply(stack: DevStack, *documents: dict[str, Any]) -> None:
    assert stack.database_url and stack.nats_url
    asyncio.run(
        provision.apply(
            list(documents),
            database_url=stack.database_url,
            nats_url=stack.nats_url,
            home=stack.home,
        )
    )


def wait_for(check: Callable[[], T], *, timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"not {what} within {timeout_s}s"
        time.sleep(0.02)


def multipart(fields: list[tuple[str, bytes, str | None]], boundary: str = "b0undary") -> bytes:
    body = b""
    for name, value, filename in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode()


def raw_request(
    port: int, head: str, body: bytes = b"", *, read_timeout_s: float = 10
) -> tuple[int, dict[str, str], bytes, bool]:
    """Send bytes as they are; return (status, headers, body, server_closed_connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout_s) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        return read_response(sock)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    """One response from ``sock``: (status, headers, body, server_closed_connection)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    header_blob, _, rest = data.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
    }
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    closed = False
    try:
        sock.settimeout(3)
        closed = sock.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        closed = False
    return status, headers, rest[:length], closed


def idem() -> str:
    return str(uuid.uuid4())
