"""Raw-socket helpers for tests that send what no HTTP client would."""

from __future__ import annotations

import socket


def send_until_refused(sock: socket.socket, data: bytes, times: int) -> int:
    """Send ``data`` up to ``times`` times; the bytes sent before the peer closed."""
    sent = 0
    try:
        for _ in range(times):
            sock.sendall(data)
            sent += len(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent
