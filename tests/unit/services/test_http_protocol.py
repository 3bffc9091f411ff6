"""The request-head bounds of every RoofKit HTTP server, on a real uvicorn over loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from roofkit_cli import infra
from roofkit_runtime import ops
from roofkit_runtime.settings import ServiceSettings
from tests.support.sockets import send_until_refused

HEAD_TIMEOUT_S = 1.0
MAX_HEAD = 4096


async def _echo_length(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    app = Starlette(routes=[Route("/", _echo_length, methods=["GET", "POST"])])
    settings = ServiceSettings(
        http_port=infra.free_port(),
        http_head_timeout_s=HEAD_TIMEOUT_S,
        http_max_head_bytes=MAX_HEAD,
    )
    server = ops.server(app, settings)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    infra.wait_until(lambda: server.started, timeout_s=10, what="the test server")
    yield settings.http_port
    server.should_exit = True
    thread.join(timeout=10)
    loop.close()


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _error(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"\r\nconnection: close" in head.lower()
    error: dict[str, object] = json.loads(body)["error"]
    assert head.lower().count(f"x-request-id: {error['request_id']}".encode()) == 1
    return error


def test_a_head_that_stops_arriving_gets_408_and_the_connection_closed(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        answer = _read_all(sock)  # returns only because the server closes
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert _error(answer)["code"] == "request_timeout"


def test_a_connection_that_never_sends_a_byte_is_closed_without_an_answer(port: int) -> None:
    with _connect(port) as sock:
        assert _read_all(sock) == b""


def test_the_next_request_on_a_kept_alive_connection_has_the_same_deadline(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while not first.endswith(b"\r\n\r\n0"):  # the whole first response: its body is "0"
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_headers_over_the_limit_get_431_without_being_kept(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        line = b"X-Filler: " + b"a" * 500 + b"\r\n"
        sent = send_until_refused(sock, line, 100_000)  # 51 MB if nothing stopped it
        answer = sock.recv(65536)
    assert sent < 16 << 20  # refused once past the limit (the rest is socket buffers)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert _error(answer)["code"] == "request_headers_too_large"


def test_a_head_within_the_limit_and_a_body_beyond_it_are_served(port: int) -> None:
    filler = b"X-Filler: " + b"a" * (MAX_HEAD - 200) + b"\r\n"
    body = b"b" * (MAX_HEAD * 64)  # the body is not part of the head
    with _connect(port) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\n"
            + filler
            + f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        time.sleep(HEAD_TIMEOUT_S * 1.5)  # the head was complete: no deadline runs any more
        sock.sendall(body)
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(str(len(body)).encode())


def test_a_request_the_parser_cannot_read_gets_an_error_response_not_plain_text(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert _error(answer)["code"] == "malformed_request"
