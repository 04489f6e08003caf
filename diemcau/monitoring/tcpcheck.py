"""TCP reachability: can a connection to the device's port be opened, and how fast."""

from __future__ import annotations

import asyncio
import contextlib
import time


async def tcp_ping(host: str, port: int, timeout: float = 5.0) -> dict:
    started = time.monotonic()
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        return {"ok": False, "error": "timeout", "connect_ms": None}
    except ConnectionRefusedError:
        return {"ok": False, "error": "connection refused", "connect_ms": round((time.monotonic() - started) * 1000, 3)}
    except OSError as exc:
        return {"ok": False, "error": str(exc.strerror or exc), "connect_ms": None}
    elapsed = round((time.monotonic() - started) * 1000, 3)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return {"ok": True, "error": "", "connect_ms": elapsed}
