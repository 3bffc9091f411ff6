"""ASGI apps for the receive-path benchmark, run under uvicorn like the importer.

``ours`` streams the multipart body through the importer's receive code (parse, hash, spool to
disk); ``raw`` only drains the body. ``python receive_app.py ours|raw PORT SPOOL_DIR``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from starlette.types import Receive, Scope, Send

from roofkit_importer import upload


async def _reply(send: Send, status: int) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


def ours(spool: Path):  # type: ignore[no-untyped-def]
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])

        async def chunks() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                yield message.get("body", b"")
                if not message.get("more_body"):
                    return

        received = await upload.receive(
            chunks(),
            boundary=upload.boundary_of(headers[b"content-type"].decode()),
            spool_dir=spool,
            max_body_bytes=1 << 31,
        )
        received.discard()
        await _reply(send, 201)

    return app


async def raw(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await _reply(send, 201)


if __name__ == "__main__":
    kind, port, spool = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    application = ours(spool) if kind == "ours" else raw
    uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning", access_log=False)
