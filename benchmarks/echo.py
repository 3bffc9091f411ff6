"""Baseline NATS responder: answers every request on a subject with a fixed small reply."""

from __future__ import annotations

import asyncio
import sys

import nats
import uvloop


async def main(url: str, subject: str) -> None:
    nc = await nats.connect(url)

    async def reply(msg: nats.aio.msg.Msg) -> None:
        await msg.respond(b"\x08\x01\x10\x01")

    await nc.subscribe(subject, queue="echo", cb=reply)
    await asyncio.Event().wait()


if __name__ == "__main__":
    # The same event loop as the services (roofkit_runtime.ops.run), so only the work differs.
    uvloop.run(main(sys.argv[1], sys.argv[2]))
