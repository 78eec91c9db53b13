"""The Ray executor against the in-process one, on a real two-node Ray cluster started on this machine.

Run: .venv/bin/python bench/ray_bench.py [--delay 0.1] [--json FILE]

(a) overhead per task: one expert call through `RayExperts` (warm actor) minus the same call in process;
(b) a fan-out plan of 8 tasks (each expert sleeps --delay s): execute-stage time vs its critical path;
(c) 20 runs at once (each a chain of 2 sleeping tasks): wall time and runs per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test suite's cluster and helpers

from helpers import one_model_per_task, plan_json, task
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.experts import build_backends
from hugginggpt.experts.base import ExpertBackend, ExpertCall
from hugginggpt.llm.scripted import ScriptedModel
from ray_cluster import LocalCluster

FAN_OUT = (
    "text-classification", "token-classification", "summarization", "translation",
    "text-generation", "text2text-generation", "conversational", "question-answering",
)  # fmt: skip


def settings(executor: str, address: str, runs: Path, delay: float) -> Settings:
    return Settings(
        experts=("echo",), executor=executor, ray_address=address, ray_namespace=uuid.uuid4().hex,
        ray_resources={"*": {"num_cpus": 0.25, "memory_mb": 100}}, echo_delay=delay, runs_dir=runs,
    )  # fmt: skip


async def per_call(backend: ExpertBackend, calls: int, out: Path) -> float:
    call = ExpertCall("text-classification", "org/text-classification-model", "I like it", {}, out, "t0")
    await backend.run(call)  # warm: the actor is placed and started
    started = time.perf_counter()
    for _ in range(calls):
        await backend.run(call)
    return (time.perf_counter() - started) / calls


async def fan_out(config: Settings) -> float:
    plan = plan_json(*(task(i, name, text="Ada lives in Paris") for i, name in enumerate(FAN_OUT)))
    backends = build_backends(config)
    times = []
    for _ in range(4):  # the first run starts the actors; the rest are warm
        controller = HuggingGPT(config, ScriptedModel([plan, "done"]), backends, catalog=one_model_per_task())
        result = await controller.run("all at once")
        assert all(r.status == "done" for r in result.reports)
        times.append(json.loads(result.trace_path.read_text())["timings"]["execute"])
    return statistics.median(times[1:])


async def concurrent_runs(config: Settings, runs: int) -> float:
    plan = plan_json(task(0, "summarization", text="a long text"), task(1, "translation", [0], text="<GENERATED>-0"))
    backends = build_backends(config)

    def one() -> HuggingGPT:
        return HuggingGPT(config, ScriptedModel([plan, "done"]), backends, catalog=one_model_per_task())

    await one().run("warm up")
    started = time.perf_counter()
    results = await asyncio.gather(*(one().run(f"request {i}") for i in range(runs)))
    assert all(r.ok and all(t.status == "done" for t in r.reports) for r in results)
    return time.perf_counter() - started


async def measure(address: str, delay: float, out: Path) -> dict[str, Any]:
    numbers: dict[str, Any] = {"delay_s": delay}
    for executor in ("local", "ray"):
        config = settings(executor, address, out / executor, delay)
        (backend,) = build_backends(config)
        numbers[f"{executor}_call_ms"] = 1000 * await per_call(backend, 50, out / "calls")
        numbers[f"{executor}_fan_out_8_s"] = await fan_out(config)
        numbers[f"{executor}_20_runs_s"] = await concurrent_runs(config, 20)
        numbers[f"{executor}_runs_per_s"] = 20 / numbers[f"{executor}_20_runs_s"]
    numbers["ray_overhead_ms_per_task"] = numbers["ray_call_ms"] - numbers["local_call_ms"]
    numbers["fan_out_critical_path_s"] = delay
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.1, help="seconds each echo expert sleeps")
    parser.add_argument("--json", type=Path, help="also save the numbers here")
    args = parser.parse_args()
    cluster = LocalCluster(head_resources={"head": 100}, worker_resources={"worker": 100})
    try:
        cluster.connect()
        with tempfile.TemporaryDirectory() as out:
            numbers = asyncio.run(measure(cluster.address, args.delay, Path(out)))
    finally:
        cluster.stop()
    for name, value in numbers.items():
        print(f"{name:28s} {value:.4g}")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2))


if __name__ == "__main__":
    main()
