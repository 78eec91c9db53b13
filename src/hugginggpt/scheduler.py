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
        running: dict[asyncio.Task[Outcome[T]], int] = {}
        outcomes: dict[int, Outcome[T]] = {}
        try:
            while ready or running:
                while ready and len(running) < self.concurrency:
                    node = ready.popleft()
                    running[asyncio.create_task(self._attempt(node, job))] = node
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    node = running.pop(finished)
                    outcome = outcomes[node] = finished.result()
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
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
        return outcomes

    async def _attempt(self, node: int, job: Callable[[int], Awaitable[T]]) -> Outcome[T]:
        started = time.perf_counter()
        try:
            # asyncio.timeout, unlike wait_for, runs the job in this task: no second task per job.
            async with asyncio.timeout(self.timeout):
                value = await job(node)
        except TimeoutError:
            return Outcome(
                "failed", error=f"timed out after {self.timeout:g} s", started=started, finished=time.perf_counter()
            )
        except Exception as exc:  # a job's failure is data for the run, not a crash of it
            message = str(exc) or type(exc).__name__
            return Outcome("failed", error=message, started=started, finished=time.perf_counter())
        return Outcome("done", value=value, started=started, finished=time.perf_counter())

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
