from __future__ import annotations

import asyncio
import time

import pytest

from hugginggpt.scheduler import DagScheduler, Outcome


class Recorder:
    """Jobs that sleep and record when they start and finish."""

    def __init__(self, sleeps: dict[int, float], fail: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        self.sleeps, self.fail = sleeps, fail
        self.started: dict[int, float] = {}
        self.finished: dict[int, float] = {}
        self.cancelled: set[int] = set()

    async def job(self, node: int) -> str:
        self.started[node] = time.perf_counter()
        try:
            await asyncio.sleep(self.sleeps.get(node, 0.0))
        except asyncio.CancelledError:
            self.cancelled.add(node)
            raise
        self.finished[node] = time.perf_counter()
        if node in self.fail:
            raise RuntimeError(f"node {node} broke")
        return f"out-{node}"


async def test_diamond_runs_middle_tasks_concurrently() -> None:
    rec = Recorder({0: 0.01, 1: 0.1, 2: 0.1, 3: 0.01})
    outcomes = await DagScheduler(concurrency=4).run({0: [], 1: [0], 2: [0], 3: [1, 2]}, rec.job)
    assert all(o.status == "done" for o in outcomes.values())
    # B and C overlap in time; D starts after both; B and C start after A.
    assert rec.started[1] < rec.finished[2] and rec.started[2] < rec.finished[1]
    assert rec.started[3] >= max(rec.finished[1], rec.finished[2])
    assert min(rec.started[1], rec.started[2]) >= rec.finished[0]
    assert outcomes[3].value == "out-3"


async def test_task_starts_as_soon_as_its_own_dependencies_are_done() -> None:
    # 2 depends only on 0 (fast); the slow independent task 1 must not hold it back.
    rec = Recorder({0: 0.01, 1: 0.2, 2: 0.01})
    await DagScheduler(concurrency=4).run({0: [], 1: [], 2: [0]}, rec.job)
    assert rec.finished[2] < rec.finished[1]


async def test_failure_skips_exactly_the_dependents() -> None:
    rec = Recorder({}, fail={1})
    seen: list[tuple[int, str]] = []
    graph = {0: [], 1: [0], 2: [1], 3: [2, 0], 4: [0], 5: []}
    outcomes = await DagScheduler().run(graph, rec.job, lambda n, o: seen.append((n, o.status)))
    status = {n: o.status for n, o in outcomes.items()}
    assert status == {0: "done", 1: "failed", 2: "skipped", 3: "skipped", 4: "done", 5: "done"}
    assert outcomes[1].error == "node 1 broke"
    assert outcomes[2].error == "task 1 failed"
    assert outcomes[3].error == "task 2 was skipped"
    assert 2 not in rec.started and 3 not in rec.started
    assert sorted(seen) == sorted(status.items())  # every outcome was announced once


async def test_timeout_is_reported_and_others_go_on() -> None:
    rec = Recorder({0: 5.0, 1: 0.0})
    outcomes = await DagScheduler(timeout=0.05).run({0: [], 1: [], 2: [0]}, rec.job)
    assert outcomes[0].status == "failed" and outcomes[0].error == "timed out after 0.05 s"
    assert outcomes[1].status == "done"
    assert outcomes[2].status == "skipped"
    assert 0 in rec.cancelled


async def test_concurrency_limit_is_respected() -> None:
    running = 0
    peak = 0

    async def job(node: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    await DagScheduler(concurrency=3).run({n: [] for n in range(12)}, job)
    assert peak == 3


async def test_cancelling_the_run_cancels_its_tasks() -> None:
    rec = Recorder({0: 10.0, 1: 10.0})
    run = asyncio.create_task(DagScheduler().run({0: [], 1: [], 2: [0]}, rec.job))
    while len(rec.started) < 2:
        await asyncio.sleep(0.005)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert rec.cancelled == {0, 1}
    assert 2 not in rec.started


async def test_large_dag_completes() -> None:
    graph = {n: [n - 1] if n % 10 else [] for n in range(1000)}
    outcomes = await DagScheduler(concurrency=16).run(graph, lambda n: asyncio.sleep(0, result=n))
    assert len(outcomes) == 1000 and all(o.status == "done" for o in outcomes.values())


def test_outcome_seconds() -> None:
    assert Outcome("done", started=1.0, finished=3.5).seconds == 2.5
    assert Outcome("skipped").seconds == 0.0


async def test_a_jobs_own_timeout_error_is_not_taken_for_the_deadline() -> None:
    async def job(node: int) -> None:
        raise TimeoutError("the model server timed out")

    outcomes = await DagScheduler(timeout=5).run({0: []}, job)
    assert outcomes[0].error == "the model server timed out"
