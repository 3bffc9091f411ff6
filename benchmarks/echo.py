"""Baseline NATS responder: answers every request on a subject with a fixed small reply."""

from __future__ import annotations

import asyncio
import sys

import nats


async def main(url: str, subject: str) -> None:
    nc = await nats.connect(url)

    async def reply(msg: nats.aio.msg.Msg) -> None:
        await msg.respond(b"\x08\x01\x10\x01")

    await nc.subscribe(subject, queue="echo", cb=reply)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
