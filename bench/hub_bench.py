"""The local Hub backend on tiny models (random weights, built here; no network): cold load against warm
call, the pool's own cost per call, and a memory budget smaller than two models.

    .venv/bin/python bench/hub_bench.py [--calls N] [--threads N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hub_models import IMAGE_MODEL, TEXT_MODEL, fill_cache
from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.hub.cache import HubCache
from hugginggpt.experts.hub.local import LocalExperts
from hugginggpt.experts.hub.local_tasks import LOCAL_TASKS
from hugginggpt.experts.offline.pool import ModelPool

TEXT = "text-classification"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def cold_and_warm(cache: Path, out: Path, calls: int) -> dict[str, Any]:
    backend = LocalExperts(HubCache(cache, allow_downloads=False), "cpu", ModelPool())
    call = ExpertCall(TEXT, TEXT_MODEL, "a good movie", output_dir=out)
    started = time.perf_counter()
    backend.run_now(call)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(calls):
        started = time.perf_counter()
        backend.run_now(call)
        warm.append(time.perf_counter() - started)
    # The model alone: the same pipeline called directly, with no pool, lookup or conversion.
    pipe = backend.handle(TEXT, TEXT_MODEL)
    bare = []
    for _ in range(calls):
        started = time.perf_counter()
        LOCAL_TASKS[TEXT].run(pipe, call)
        bare.append(time.perf_counter() - started)
    # The pool's hit path alone (folder lookup, resource, LRU update), many times over.
    repeats = 20000
    started = time.perf_counter()
    for _ in range(repeats):
        backend.handle(TEXT, TEXT_MODEL)
    pool_hit = (time.perf_counter() - started) / repeats
    return {
        "cold_first_call_ms": _ms(cold),
        "warm_call_median_ms": _ms(statistics.median(warm)),
        "model_alone_median_ms": _ms(statistics.median(bare)),
        "backend_overhead_median_ms": _ms(statistics.median(warm) - statistics.median(bare)),
        "pool_hit_us": round(pool_hit * 1e6, 2),
    }


def tight_budget(cache: Path, out: Path, photo: Path, rounds: int) -> dict[str, Any]:
    """Two models alternating under a budget that holds one (each counts ~31 MB)."""
    backend = LocalExperts(HubCache(cache, allow_downloads=False), "cpu", ModelPool(budget_mb=40))
    text = ExpertCall(TEXT, TEXT_MODEL, "a bad movie", output_dir=out)
    image = ExpertCall("image-classification", IMAGE_MODEL, files={"image": photo}, output_dir=out)
    served, peak, started = 0, 0, time.perf_counter()
    for _ in range(rounds):
        for call in (text, image):
            served += bool(backend.run_now(call).text)
            peak = max(peak, backend.pool.used_mb())
    stats = backend.pool.stats
    return {
        "budget_mb": 40,
        "calls": 2 * rounds,
        "served": served,
        "loads": sum(s.loads for s in stats.values()),
        "evictions": sum(s.evictions for s in stats.values()),
        "peak_used_mb": peak,
        "mean_call_ms": _ms((time.perf_counter() - started) / (2 * rounds)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="warm calls timed")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch's CPU threads (0: its default, one per core; on a busy "
        "machine they contend and a tiny model's call goes from ~3 ms to ~90 ms)"
    )  # fmt: skip
    args = parser.parse_args()
    import torch
    from PIL import Image

    if args.threads:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cache = fill_cache(root / "cache")
        photo = root / "photo.png"
        Image.new("RGB", (64, 48), "orange").save(photo)
        results = {
            "cold_and_warm": cold_and_warm(cache, root / "out", args.calls),
            "tight_budget": tight_budget(cache, root / "out", photo, rounds=10),
            "torch_threads": torch.get_num_threads(),
        }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
