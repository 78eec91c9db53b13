"""A second event loop, in its own thread, where runs execute.

The HTTP loop only serves requests and streams events; the controller's own blocking moments (copying
inputs into the run folder, writing traces, parsing long replies) happen here, so they never delay a
response. Model calls and experts already leave this loop for worker threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# Controller calls mostly wait on a server: many runs must be able to wait at once, more than the
# default pool's cpu_count + 4 threads allow.
CONTROLLER_THREADS = 64
STOP_GRACE_S = 5.0


class RunLoop:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(CONTROLLER_THREADS, thread_name_prefix="hugginggpt-controller")
        )
        self._thread = threading.Thread(target=self._loop.run_forever, name="hugginggpt-runs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self) -> None:
        """Cancel the runs still going (their traces are written as cancelled), then end the thread."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(TimeoutError, concurrent.futures.CancelledError):
            self.submit(self._cancel_all()).result(timeout=STOP_GRACE_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=STOP_GRACE_S)
        if not self._thread.is_alive():  # a model call that ignores cancellation may still hold it
            self._loop.close()

    async def _cancel_all(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._loop.shutdown_default_executor()
