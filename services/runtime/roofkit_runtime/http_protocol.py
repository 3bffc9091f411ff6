"""The HTTP/1.1 connection protocol of every RoofKit server: uvicorn's, with bounds on a request's
head.

uvicorn bounds neither how long a request's head (request line and headers) may take to arrive
nor how large it may grow: a client that sends its headers a byte now and then holds a
connection without end, and one that sends header lines without end grows the process by every
byte of them (the parser keeps them all). Both happen before any application code runs, so no
route can refuse them. This protocol adds two rules:

- The head must be complete within ``head_timeout_s`` of the connection opening, or of the
  first byte of the next request on a kept-alive connection (between requests uvicorn's own
  keep-alive timeout applies). Else: 408 ``request_timeout`` when part of a head had arrived, a
  plain close when nothing had.
- The head may be at most ``max_head_bytes`` long. Else: 431 ``request_headers_too_large``.

A request the HTTP parser cannot read (a malformed or repeated ``Content-Length``, one beside
``Transfer-Encoding``, bytes no request line or header may hold) gets 400 ``malformed_request``
instead of uvicorn's plain-text 400, so that it too is an ErrorResponse with an
``X-Request-Id``.

Every one of these answers carries an ErrorResponse body with a fresh request id and
``Connection: close``, and the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def error_response(status: int, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 error response that closes the connection."""
    request_id = f"req_{secrets.token_hex(12)}"
    body = json.dumps(
        {
            "error": {
                "type": "invalid_request_error",
                "code": code,
                "message": message,
                "param": None,
                "request_id": request_id,
                "details": {},
            }
        },
        separators=(",", ":"),
    ).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status].decode()}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"x-request-id: {request_id}\r\n"
        "connection: close\r\n\r\n"
    ).encode()
    return head + body


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a time and a size bound on each request head."""

    head_timeout_s: float = 10.0
    max_head_bytes: int = 32 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_head = True
        self._head_bytes = 0
        self._head_started = False

    @classmethod
    def with_limits(
        cls, *, head_timeout_s: float, max_head_bytes: int
    ) -> type[BoundedHeadProtocol]:
        return type(
            cls.__name__,
            (cls,),
            {"head_timeout_s": head_timeout_s, "max_head_bytes": max_head_bytes},
        )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
            self._head_started = True
        super().data_received(data)
        if self._in_head and self._head_bytes > self.max_head_bytes:
            self._refuse(
                431,
                "request_headers_too_large",
                f"The request line and headers are over {self.max_head_bytes} bytes.",
            )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # the next request on a kept-alive connection
            self._in_head = True
            self._head_bytes = 0
            self._head_started = True
            self._arm()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self._refuse(
            400, "malformed_request", "The request is not well-formed HTTP/1.1 (RFC 9112)."
        )

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self._head_started:
            self._refuse(
                408,
                "request_timeout",
                f"The request line and headers did not arrive within {self.head_timeout_s:g} s.",
            )
        else:
            self.transport.close()

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._disarm()
        self._in_head = False
        if not self.transport.is_closing():
            self.transport.write(error_response(status, code, message))
            self.transport.close()
