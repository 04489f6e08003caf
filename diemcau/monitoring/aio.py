"""Run a coroutine to completion from synchronous code, whatever the thread already runs."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro):
    """``asyncio.run``, or the same in a fresh thread when this thread already has a running loop
    (an ASGI server, or Playwright's sync API in the test session)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitoring-aio") as pool:
        return pool.submit(asyncio.run, coro).result()
