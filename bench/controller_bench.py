"""Benchmarks of the controller: LLM calls per request, end-to-end time vs the critical path, scheduler overhead.

Run: .venv/bin/python bench/controller_bench.py [--quick] [--json FILE]

(a) controller calls per request, ours vs the original HuggingGPT design (one selection call per task);
(b) wall time of `HuggingGPT.run` / critical path, for a fan-out and a chain of 8 sleeping echo experts;
(c) `DagScheduler` overhead per task on 1,000-task DAGs of no-op jobs, and the controller's own per-task cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugginggpt.catalog import Catalog
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT, RunResult
from hugginggpt.experts.echo import EchoExperts
from hugginggpt.llm.base import Message
from hugginggpt.llm.scripted import ScriptedModel
from hugginggpt.prompts import Prompts
from hugginggpt.scheduler import DagScheduler

PlanJson = list[dict[str, Any]]

# Text-in task types whose bundled catalog lists many models, so the original design asks once per task.
MIXED_TYPES = (
    "summarization",
    "translation",
    "text-classification",
    "text-to-image",
    "text-to-speech",
    "token-classification",
    "text-generation",
    "text2text-generation",
)
# Text -> text task types: each one's output can feed the next one of a chain.
CHAIN_TYPES = ("summarization", "translation", "text2text-generation")
# Text-only task types, so that timings exclude the echo backend's (synchronous) image and audio file writes.
TEXT_TYPES = (*CHAIN_TYPES, "text-classification", "token-classification", "text-generation", "question-answering")


# --- plans and a scripted controller ------------------------------------------------------------


def fan_out_plan(n: int, types: Sequence[str] = MIXED_TYPES) -> PlanJson:
    """`n` independent tasks, each on its own text."""
    return [{"task": types[i % len(types)], "id": i, "dep": [-1], "args": {"text": f"text {i}"}} for i in range(n)]


def chain_plan(n: int, types: Sequence[str] = CHAIN_TYPES) -> PlanJson:
    """`n` tasks, each on the output of the previous one."""
    plan: PlanJson = [{"task": types[0], "id": 0, "dep": [-1], "args": {"text": "a long text"}}]
    for k in range(1, n):
        plan.append({"task": types[k % len(types)], "id": k, "dep": [k - 1], "args": {"text": f"<GENERATED>-{k - 1}"}})
    return plan


def depth(plan: PlanJson) -> int:
    """Number of tasks on the longest dependency chain of a plan (ids are listed after their deps)."""
    levels: dict[int, int] = {}
    for task in plan:
        levels[task["id"]] = 1 + max((levels[d] for d in task["dep"] if d != -1), default=0)
    return max(levels.values(), default=0)


_TASK_LINE = re.compile(r"^Task (\d+): ")
_CANDIDATE_LINE = re.compile(r"^  - (\S+): ")


def pick_first_candidates(messages: list[Message]) -> str:
    """A selection reply that picks each task's first listed candidate, read from the selection prompt."""
    picked: dict[str, dict[str, str]] = {}
    current: str | None = None
    for line in messages[-1]["content"].splitlines():
        if task := _TASK_LINE.match(line):
            current = task.group(1)
        elif (candidate := _CANDIDATE_LINE.match(line)) and current is not None and current not in picked:
            picked[current] = {"id": candidate.group(1), "reason": "benchmark"}
    return json.dumps(picked)


def scripted(plan: PlanJson, latency: float) -> ScriptedModel:
    """Controller replies: the plan, then a selection (if asked), then the answer."""
    return ScriptedModel([json.dumps(plan), pick_first_candidates, "All tasks are done."], latency=latency)


@dataclass
class Bench:
    """Shared, prebuilt inputs so that per-run timings exclude catalog and prompt loading."""

    runs_dir: Path
    catalog: Catalog = field(default_factory=Catalog.bundled)
    prompts: Prompts = field(default_factory=Prompts.bundled)

    def controller(self, model: ScriptedModel, experts: EchoExperts, **settings: Any) -> HuggingGPT:
        options: dict[str, Any] = {"runs_dir": self.runs_dir, "concurrency": 8, "max_tasks": 1000} | settings
        return HuggingGPT(Settings(**options), model, [experts], catalog=self.catalog, prompts=self.prompts)


def timed_run(hg: HuggingGPT, request: str) -> tuple[float, RunResult]:
    """Wall time of one `HuggingGPT.run` inside a fresh event loop (loop start-up not counted)."""

    async def go() -> tuple[float, RunResult]:
        start = time.perf_counter()
        result = await hg.run(request)
        return time.perf_counter() - start, result

    seconds, result = asyncio.run(go())
    failed = [r.task_id for r in result.reports if r.status != "done"]
    if not result.ok or failed:
        raise RuntimeError(f"benchmark run failed: {result.error or f'tasks {failed} did not finish'}")
    return seconds, result


# --- (a) controller calls per request -----------------------------------------------------------


def bench_calls(bench: Bench, sizes: Sequence[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        plan = fan_out_plan(n)
        model = scripted(plan, latency=0.0)
        hg = bench.controller(model, EchoExperts())
        _, result = timed_run(hg, f"do {n} things")
        trace = json.loads(result.trace_path.read_text(encoding="utf-8"))
        # The original design: 1 plan call, 1 selection call per task with several candidates, 1 answer call.
        multi = sum(len(hg.selector.candidates(t["task"])) > 1 for t in plan)
        original, ours = 2 + multi, len(model.calls)
        rows.append(
            {
                "tasks": n,
                "original_calls": original,
                "our_calls": ours,
                "trace_calls": trace["usage"]["total"]["calls"],
                "reduction": 1 - ours / original,
            }
        )
    return rows


# --- (b) end-to-end time / critical path --------------------------------------------------------


async def ideal_pipeline(plan: PlanJson, delay: float, latency: float, calls: int) -> float:
    """The least a run of `plan` can take here: bare controller calls in threads, bare sleeping tasks."""
    start = time.perf_counter()
    for _ in range(calls - 1):  # plan and select
        await asyncio.to_thread(time.sleep, latency)
    done: dict[int, asyncio.Task[None]] = {}

    async def task(deps: list[int]) -> None:
        await asyncio.gather(*(done[d] for d in deps if d != -1))
        await asyncio.sleep(delay)

    for item in plan:  # ids are listed after their dependencies
        done[item["id"]] = asyncio.create_task(task(item["dep"]))
    await asyncio.gather(*done.values())
    await asyncio.to_thread(time.sleep, latency)  # respond
    return time.perf_counter() - start


def bench_critical_path(
    bench: Bench, name: str, plan: PlanJson, delay: float, latency: float, repeats: int
) -> dict[str, Any]:
    walls: list[float] = []
    floors: list[float] = []
    outside: list[float] = []
    critical = 0.0
    for attempt in range(repeats + 1):  # the first run warms up imports and caches and is not counted
        model = scripted(plan, latency)
        hg = bench.controller(model, EchoExperts(delay=delay), concurrency=max(8, len(plan)))
        wall, result = timed_run(hg, name)
        calls = len(model.calls)
        critical = depth(plan) * delay + calls * latency
        floor = asyncio.run(ideal_pipeline(plan, delay, latency, calls))
        if attempt == 0:
            continue
        timings = json.loads(result.trace_path.read_text(encoding="utf-8"))["timings"]
        walls.append(wall)
        floors.append(floor)
        # time outside the four stages: run folder, events, trace writing
        outside.append(wall - sum(timings[s] for s in ("plan", "select", "execute", "respond")))
    return {
        "plan": name,
        "tasks": len(plan),
        "critical_s": critical,
        "wall_median_s": statistics.median(walls),
        "overhead_median_ms": (statistics.median(walls) - critical) * 1e3,
        "ratio_median": statistics.median(walls) / critical,
        "ratio_worst": max(walls) / critical,
        "floor_ratio_median": statistics.median(floors) / critical,
        "outside_stages_ms": statistics.median(outside) * 1e3,
        "repeats": repeats,
    }


# --- (c) scheduler and controller overhead per task ---------------------------------------------


def independent_graph(n: int) -> dict[int, list[int]]:
    return {i: [] for i in range(n)}


def chain_graph(n: int) -> dict[int, list[int]]:
    return {i: [i - 1] if i else [] for i in range(n)}


def random_graph(n: int, seed: int = 1234, max_deps: int = 3) -> dict[int, list[int]]:
    """Each node depends on up to `max_deps` distinct earlier nodes."""
    rng = random.Random(seed)
    return {i: rng.sample(range(i), rng.randint(0, min(max_deps, i))) for i in range(n)}


async def _noop(node: int) -> int:
    return node


def scheduler_seconds(graph: Mapping[int, Sequence[int]], concurrency: int) -> float:
    """Wall time of one `DagScheduler.run` of no-op jobs (event loop start-up not counted)."""
    scheduler = DagScheduler(concurrency=concurrency, timeout=600.0)

    async def go() -> float:
        start = time.perf_counter()
        outcomes = await scheduler.run(graph, _noop)
        seconds = time.perf_counter() - start
        if len(outcomes) != len(graph) or any(o.status != "done" for o in outcomes.values()):
            raise RuntimeError("the scheduler did not finish every no-op job")
        return seconds

    return asyncio.run(go())


def bench_scheduler(n: int, concurrencies: Sequence[int], repeats: int) -> list[dict[str, Any]]:
    graphs: dict[str, Callable[[int], dict[int, list[int]]]] = {
        "independent": independent_graph,
        "chain": chain_graph,
        "random DAG (<=3 deps)": random_graph,
    }
    rows = []
    for name, make in graphs.items():
        graph = make(n)
        for concurrency in concurrencies:
            scheduler_seconds(graph, concurrency)  # warm-up
            runs = [scheduler_seconds(graph, concurrency) for _ in range(repeats)]
            rows.append(
                {
                    "graph": name,
                    "tasks": n,
                    "concurrency": concurrency,
                    "us_per_task_median": statistics.median(runs) / n * 1e6,
                    "us_per_task_worst": max(runs) / n * 1e6,
                }
            )
    return rows


def bench_controller_overhead(bench: Bench, n: int, repeats: int, scheduler_us: float) -> dict[str, Any]:
    """Per-task cost of a whole run with instant experts and controller: `n` independent tasks."""
    plan = fan_out_plan(n, TEXT_TYPES)
    totals: list[float] = []
    executes: list[float] = []
    for attempt in range(repeats + 1):
        hg = bench.controller(scripted(plan, 0.0), EchoExperts(), concurrency=8)
        wall, result = timed_run(hg, "many tasks")
        if attempt:
            totals.append(wall)
            executes.append(json.loads(result.trace_path.read_text(encoding="utf-8"))["timings"]["execute"])
    execute_us = statistics.median(executes) / n * 1e6
    return {
        "tasks": n,
        "run_us_per_task": statistics.median(totals) / n * 1e6,
        "execute_us_per_task": execute_us,
        "beyond_scheduler_us_per_task": execute_us - scheduler_us,
    }


# --- output -------------------------------------------------------------------------------------


def table(title: str, rows: list[dict[str, Any]], columns: Sequence[tuple[str, str, str]]) -> str:
    """A plain-text table: columns are (key, header, format)."""
    cells = [[format(row[key], fmt) for key, _, fmt in columns] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (_, h, _) in enumerate(columns)]
    line = "  ".join(h.rjust(w) for (_, h, _), w in zip(columns, widths, strict=True))
    body = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([title, line, "-" * len(line), *body, ""])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the HuggingGPT controller.")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller runs (for CI)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save the numbers as JSON")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each echo expert sleeps (b)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per controller call (b)")
    args = parser.parse_args(argv)

    repeats_b, repeats_c, tasks_c = (3, 5, 1000) if args.quick else (7, 11, 1000)
    overhead_tasks = 100 if args.quick else 400
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "quick": args.quick,
    }
    with tempfile.TemporaryDirectory(prefix="hugginggpt-bench-") as tmp:
        bench = Bench(Path(tmp))

        results["calls"] = calls = bench_calls(bench, (1, 3, 8))
        print(
            table(
                "(a) controller calls per request (fan-out plans of text-in task types)",
                calls,
                [
                    ("tasks", "tasks", "d"),
                    ("original_calls", "original design", "d"),
                    ("our_calls", "ours", "d"),
                    ("trace_calls", "ours (trace)", "d"),
                    ("reduction", "reduction", ".0%"),
                ],
            )
        )

        results["critical_path"] = paths = [
            bench_critical_path(bench, name, plan, args.delay, args.latency, repeats_b)
            for name, plan in (("fan-out of 8", fan_out_plan(8, TEXT_TYPES)), ("chain of 8", chain_plan(8)))
        ]
        print(
            table(
                f"(b) end-to-end / critical path (experts sleep {args.delay:g} s, "
                f"controller {args.latency:g} s per call, {repeats_b} repeats; goal < 1.02)",
                paths,
                [
                    ("plan", "plan", "s"),
                    ("critical_s", "critical path s", ".3f"),
                    ("wall_median_s", "wall median s", ".4f"),
                    ("ratio_median", "ratio median", ".4f"),
                    ("ratio_worst", "ratio worst", ".4f"),
                    ("overhead_median_ms", "overhead ms", ".1f"),
                    ("outside_stages_ms", "outside stages ms", ".1f"),
                    ("floor_ratio_median", "floor ratio", ".4f"),
                ],
            )
        )

        results["scheduler"] = sched = bench_scheduler(tasks_c, (8, tasks_c), repeats_c)
        print(
            table(
                f"(c) DagScheduler overhead per task, no-op jobs ({repeats_c} repeats)",
                sched,
                [
                    ("graph", "graph", "s"),
                    ("tasks", "tasks", "d"),
                    ("concurrency", "concurrency", "d"),
                    ("us_per_task_median", "us/task median", ".1f"),
                    ("us_per_task_worst", "us/task worst", ".1f"),
                ],
            )
        )

        base = next(r for r in sched if r["graph"] == "independent" and r["concurrency"] == 8)
        results["controller_overhead"] = ctrl = bench_controller_overhead(
            bench, overhead_tasks, repeats_c, base["us_per_task_median"]
        )
        print(
            table(
                "(c') whole controller per task, instant experts and controller (independent tasks, concurrency 8)",
                [ctrl],
                [
                    ("tasks", "tasks", "d"),
                    ("run_us_per_task", "run us/task", ".1f"),
                    ("execute_us_per_task", "execute stage us/task", ".1f"),
                    ("beyond_scheduler_us_per_task", "beyond scheduler us/task", ".1f"),
                ],
            )
        )

    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"saved {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
