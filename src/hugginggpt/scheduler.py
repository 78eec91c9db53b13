"""Stage 3's engine: run a DAG of async jobs, each as soon as its dependencies are done.

Independent jobs run concurrently up to a limit; each has a timeout; a failed job skips exactly its
(transitive) dependents and the rest go on; cancelling the run cancels the jobs in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
Status = Literal["done", "failed", "skipped"]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    status: Status
    value: T | None = None
    error: str | None = None
    started: float | None = None  # time.perf_counter() values
    finished: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished - self.started) if self.started is not None and self.finished is not None else 0.0


@dataclass
class DagScheduler:
    concurrency: int = 8
    timeout: float | None = None  # seconds per job

    async def run(
        self,
        graph: Mapping[int, Sequence[int]],
        job: Callable[[int], Awaitable[T]],
        on_outcome: Callable[[int, Outcome[T]], None] | None = None,
    ) -> dict[int, Outcome[T]]:
        """Run `job(node)` for every node of `graph` (node -> the nodes it depends on); `on_outcome`
        hears of each node the moment it is done, failed or skipped."""
        waiting = {node: len(deps) for node, deps in graph.items()}
        dependents: dict[int, list[int]] = {node: [] for node in graph}
        for node, deps in graph.items():
            for dep in deps:
                dependents[dep].append(node)
        ready = deque(node for node, count in waiting.items() if count == 0)
        # Jobs report to a queue as they end: cheaper per step than asyncio.wait, which registers and
        # removes a callback on every running task each time it is called.
        finished: asyncio.Queue[tuple[int, Outcome[T]]] = asyncio.Queue()
        running: dict[int, asyncio.Task[None]] = {}
        outcomes: dict[int, Outcome[T]] = {}
        try:
            while ready or running:
                while ready and len(running) < self.concurrency:
                    node = ready.popleft()
                    running[node] = asyncio.create_task(self._attempt(node, job, finished))
                node, outcome = await finished.get()
                del running[node]
                outcomes[node] = outcome
                if on_outcome is not None:
                    on_outcome(node, outcome)
                if outcome.status == "done":
                    for nxt in dependents[node]:
                        waiting[nxt] -= 1
                        if waiting[nxt] == 0 and nxt not in outcomes:
                            ready.append(nxt)
                else:
                    self._skip_dependents(node, dependents, outcomes, on_outcome)
        finally:
            for task in running.values():
                task.cancel()
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)
        return outcomes

    async def _attempt(
        self, node: int, job: Callable[[int], Awaitable[T]], finished: asyncio.Queue[tuple[int, Outcome[T]]]
    ) -> None:
        started = time.perf_counter()
        # asyncio.timeout, unlike wait_for, runs the job in this task: no second task per job.
        deadline = asyncio.timeout(self.timeout)
        outcome: Outcome[T]
        try:
            async with deadline:
                value = await job(node)
            outcome = Outcome("done", value=value, started=started, finished=time.perf_counter())
        except Exception as exc:  # a job's failure is data for the run, not a crash of it
            expired = isinstance(exc, TimeoutError) and deadline.expired()
            error = f"timed out after {self.timeout:g} s" if expired else str(exc) or type(exc).__name__
            outcome = Outcome("failed", error=error, started=started, finished=time.perf_counter())
        finished.put_nowait((node, outcome))

    @staticmethod
    def _skip_dependents(
        failed: int,
        dependents: Mapping[int, list[int]],
        outcomes: dict[int, Outcome[T]],
        on_outcome: Callable[[int, Outcome[T]], None] | None,
    ) -> None:
        queue = deque((nxt, failed) for nxt in dependents[failed])
        while queue:
            node, cause = queue.popleft()
            if node in outcomes:
                continue
            reason = f"task {cause} {'failed' if cause == failed else 'was skipped'}"
            outcome: Outcome[T] = Outcome("skipped", error=reason)
            outcomes[node] = outcome
            if on_outcome is not None:
                on_outcome(node, outcome)
            queue.extend((nxt, node) for nxt in dependents[node])
