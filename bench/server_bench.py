"""HTTP server benchmark: requests per second and latency of a trivial run, memory per open SSE stream.

The server runs in a child process (`--serve PORT`) with an instant scripted-style controller and the
echo experts, so its memory is measured alone; clients are httpx in this process, on the same machine.

    .venv/bin/python bench/server_bench.py [--seconds 10] [--streams 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

HOLD = "hold"  # a request naming this plans a task whose expert waits, to keep streams open


def bench_app() -> Any:
    """The app each server worker runs (a factory, so that uvicorn can start several processes)."""
    from hugginggpt.catalog import Catalog, ModelCard
    from hugginggpt.config import Settings
    from hugginggpt.controller import HuggingGPT
    from hugginggpt.experts.echo import EchoExperts
    from hugginggpt.llm.base import DeltaCallback, Message, Reply, Usage
    from hugginggpt.server import create_app
    from hugginggpt.tasks import TASK_TYPES

    class Instant:
        """Plans one text task (text-to-speech, held by its expert, when the request says HOLD) and
        answers at once."""

        name = "instant"

        def generate(
            self,
            messages: list[Message],
            *,
            schema: dict[str, Any] | None = None,
            on_delta: DeltaCallback | None = None,
        ) -> Reply:
            if on_delta is not None:
                on_delta("Done.")
                return Reply("Done.", Usage(1, 1, 1))
            name = "text-to-speech" if HOLD in messages[-1]["content"] else "text-generation"
            return Reply(json.dumps([{"task": name, "id": 0, "dep": [-1], "args": {"text": "x"}}]), Usage(1, 1, 1))

    runs = Path(os.environ.get("SERVER_BENCH_RUNS") or tempfile.mkdtemp(prefix="server-bench-"))
    settings = Settings(experts=("echo",), runs_dir=runs, drain_timeout=0.5)  # the held run is not waited for
    catalog = Catalog(tuple(ModelCard(id=f"org/{t}", task=t, downloads=1) for t in TASK_TYPES))
    experts = EchoExperts(delay={"text-to-speech": 3600.0})
    controller = HuggingGPT(settings, Instant(), [experts], catalog=catalog)
    return create_app(settings, controller)


def serve(port: int, workers: int) -> None:
    import uvicorn

    sys.path.insert(0, str(Path(__file__).parent))
    uvicorn.run("server_bench:bench_app", factory=True, workers=workers, host="127.0.0.1", port=port,
                log_level="warning")  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children that are still running (the workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += cpu_seconds(int(child))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return total + (int(fields[11]) + int(fields[12])) / ticks


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Connection:
    """One keep-alive HTTP/1.1 connection that sends the same POST again and again. A client this thin
    (asyncio streams, Content-Length bodies, which is all uvicorn sends for JSON) leaves the cores to the
    server: with 50 connections in one process, httpx itself tops out near 200 requests/s on this machine,
    even against /health."""

    def __init__(self, url: str, path: str, body: bytes) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` clients, each on its own connection, sending one trivial chat completion after another
    for `seconds`."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()  # each distinct failure, with its count
    body = json.dumps({"messages": [{"role": "user", "content": "Say something"}]}).encode()
    end = time.perf_counter() + seconds

    async def one_client() -> None:
        connection = Connection(url, "/v1/chat/completions", body)
        while time.perf_counter() < end:
            start = time.perf_counter()
            try:
                status, headers, payload = await connection.post()
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[f"{type(exc).__name__}: {exc}"[:160]] += 1
                connection.close()
                continue
            if status != 200:
                errors[f"HTTP {status}: {payload[:120].decode(errors='replace')}"] += 1
                if status == 429:
                    await asyncio.sleep(float(headers.get("retry-after", "1")))
                continue
            latencies.append(time.perf_counter() - start)
        connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [float("nan")]
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "failures": dict(errors),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


async def streams(url: str, pid: int, count: int) -> dict[str, float]:
    """Server memory per open SSE stream: `count` clients follow one run that stays open."""
    async with httpx.AsyncClient(base_url=url, timeout=None, limits=httpx.Limits(max_connections=count + 5)) as client:
        run = (await client.post("/v1/runs", data={"request": HOLD})).json()
        await asyncio.sleep(1.0)
        before = rss_kib(pid)
        opened = asyncio.Event()
        ready = 0

        async def follow() -> None:
            nonlocal ready
            async with client.stream("GET", f"/v1/runs/{run['id']}/events") as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: ") and '"run_started"' in line:
                        ready += 1
                        if ready == count:  # every stream is open and has replayed the run's events
                            opened.set()

        tasks = [asyncio.create_task(follow()) for _ in range(count)]
        await asyncio.wait_for(opened.wait(), 60)
        await asyncio.sleep(1.0)
        after = rss_kib(pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"streams": count, "rss_before_mib": before / 1024, "rss_after_mib": after / 1024,
            "kib_per_stream": (after - before) / count}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per concurrency level")
    parser.add_argument("--streams", type=int, default=200, help="SSE streams held open for the memory figure")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers)
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent), "SERVER_BENCH_RUNS": tempfile.mkdtemp()}
    command = [sys.executable, __file__, "--serve", str(port), "--workers", str(args.workers)]
    server = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/health").raise_for_status()
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        asyncio.run(load(url, 1, 2.0))  # warm-up
        rows = []
        for clients in (1, 10, 50):
            before = cpu_seconds(server.pid)
            row = asyncio.run(load(url, clients, args.seconds))
            row["server_cpu_ms"] = (cpu_seconds(server.pid) - before) * 1000 / max(1, row["requests"])
            rows.append(row)
        # With several workers the process started here only supervises them: memory is for one worker.
        memory = asyncio.run(streams(url, server.pid, args.streams)) if args.workers == 1 else None
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"trivial run per request (POST /v1/chat/completions), {os.cpu_count()} cores, {args.workers} server "
          f"worker(s), {args.seconds:g} s per level")  # fmt: skip
    print(
        f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'server CPU ms/run':>18}"
    )
    for r in rows:
        print(
            f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['rps']:>7.1f} {r['p50_ms']:>7.1f} "
            f"{r['p99_ms']:>7.1f} {r['server_cpu_ms']:>18.2f}"
        )
    for r in rows:
        for failure, count in sorted(r["failures"].items(), key=lambda item: -item[1]):
            print(f"  {r['clients']} clients: {count} x {failure}")
    if memory is None:
        return
    print(f"\nserver memory with {memory['streams']} SSE streams open on one run: "
          f"{memory['rss_before_mib']:.1f} -> {memory['rss_after_mib']:.1f} MiB, "
          f"{memory['kib_per_stream']:.1f} KiB per stream")  # fmt: skip


if __name__ == "__main__":
    main()
