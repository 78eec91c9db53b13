"""Offline experts: cold load, warm call and peak memory per expert, and the whole stack warm.

Each expert is measured in a fresh process (so its cold start and peak RSS are its own): the first
call (load + run) and the median of the next calls (warm, model kept in the pool). Then one process
runs every expert twice and reports the resident memory with all of them warm.

    .venv/bin/python bench/offline_bench.py [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

# One input per task type: text, or the sample file of the right kind (made by examples/make_samples.py).
TEXTS = {
    "text-classification": "The staff were lovely and the room was spotless.",
    "token-classification": "Barack Obama was born in Hawaii and worked in Washington.",
    "sentence-similarity": "A kitten rests on a rug.\nA cat sits on the mat.\nStock prices fell sharply.",
    "translation": "Translate into Spanish: The cat is black and the dog is big.",
    "summarization": (
        "The city council met on Tuesday to discuss the new library. After two hours of debate, members voted "
        "seven to two to fund the building, which will open in 2027 near the central station."
    ),
    "question-answering": "Question: Where will the library open? Context: The library will open near the central station.",
    "text-generation": "Write one sentence about a quiet morning.",
    "conversational": "Hello! What can you help me with?",
    "text2text-generation": "Rewrite politely: send me the report now.",
    "document-question-answering": "What does the note say about the staff?",
    "image-to-image": "make it a pencil sketch",
    "visual-question-answering": "Is there a cup in this picture?",
    "tabular-classification": "weight,colour,label\n150,red,apple\n170,green,apple\n120,yellow,banana\n"
    "118,yellow,banana\n155,red,\n121,yellow,\n",
}
MODEL_TEXTS = {"builtin/e5-zero-shot": "Classify 'I want to book a flight to Rome' as travel, cooking or sports"}
FILES = {
    "image-to-text": ("image", "note.png"),
    "image-classification": ("image", "coffee.png"),
    "object-detection": ("image", "coffee.png"),
    "image-to-image": ("image", "coffee.png"),
    "document-question-answering": ("image", "note.png"),
    "visual-question-answering": ("image", "coffee.png"),
    "automatic-speech-recognition": ("audio", "speech.wav"),
    "audio-classification": ("audio", "speech.wav"),
    "audio-to-audio": ("audio", "speech.wav"),
}
SPEAK = "The new library is wonderful."


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_call(task: str, model: str, samples: Path, out: Path) -> Any:
    from hugginggpt.experts.base import ExpertCall

    kind_file = FILES.get(task)
    files = {kind_file[0]: samples / kind_file[1]} if kind_file else {}
    text = MODEL_TEXTS.get(model) or TEXTS.get(task, SPEAK if task == "text-to-speech" else None)
    return ExpertCall(task, model, text, files, out, f"{task}-{model.split('/')[-1]}")  # type: ignore[arg-type]


def backend() -> Any:
    from hugginggpt.experts.offline import OfflineExperts
    from hugginggpt.experts.offline.assets import Assets, default_models_dir

    return OfflineExperts(Assets(default_models_dir()))


def measure_one(task: str, model: str, samples: Path, repeats: int) -> dict[str, Any]:
    """In this (fresh) process: first call, then `repeats` warm calls."""
    base = rss_mb()
    experts = backend()
    out = Path(tempfile.mkdtemp())

    async def go() -> tuple[float, list[float]]:
        start = time.perf_counter()
        await experts.run(make_call(task, model, samples, out))
        cold = time.perf_counter() - start
        warm = []
        for _ in range(repeats):
            start = time.perf_counter()
            await experts.run(make_call(task, model, samples, out))
            warm.append(time.perf_counter() - start)
        return cold, warm

    cold, warm = asyncio.run(go())
    return {
        "task": task,
        "model": model,
        "cold_s": cold,
        "warm_s": statistics.median(warm),
        "cold_over_warm": cold / max(statistics.median(warm), 1e-9),
        "peak_rss_mb": peak_mb(),
        "rss_growth_mb": rss_mb() - base,
    }


def measure_stack(samples: Path) -> dict[str, Any]:
    """Every expert in one process, twice: memory with all warm, and how warm the second pass is."""
    experts = backend()
    out = Path(tempfile.mkdtemp())
    base = rss_mb()
    passes: list[float] = []

    async def go() -> None:
        for _ in range(2):
            start = time.perf_counter()
            for c in experts.cards():
                if experts.can_run(c):
                    try:
                        await experts.run(make_call(c.task, c.id, samples, out))
                    except Exception as exc:  # measured alone above; here only memory matters
                        print(f"{c.id}: {exc}", file=sys.stderr)
            passes.append(time.perf_counter() - start)

    asyncio.run(go())
    return {
        "experts": sum(1 for c in experts.cards() if experts.can_run(c)),
        "first_pass_s": passes[0],
        "second_pass_s": passes[1],
        "rss_all_warm_mb": rss_mb(),
        "rss_growth_mb": rss_mb() - base,
        "pool_mb_declared": experts.pool.used_mb(),
        "loaded": experts.pool.loaded(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", nargs=2, metavar=("TASK", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--stack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one or args.stack:
        result = measure_one(*args.one, args.samples, args.repeats) if args.one else measure_stack(args.samples)
        print(json.dumps(result))
        return 0

    import make_samples

    samples = Path(tempfile.mkdtemp())
    make_samples.main(samples)
    rows = []
    for c in sorted(backend().cards(), key=lambda c: (c.task, c.id)):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            c.task,
            c.id,
            "--samples",
            str(samples),
            "--repeats",
            str(args.repeats),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{c.task} {c.id}: failed\n{done.stderr[-800:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    stack_run = subprocess.run(
        [sys.executable, __file__, "--stack", "--samples", str(samples)], capture_output=True, text=True, check=True
    )
    stack = json.loads(stack_run.stdout.strip().splitlines()[-1])

    print(f"{'task':30} {'model':36} {'cold s':>7} {'warm s':>7} {'cold/warm':>9} {'peak RSS MB':>11}")
    for r in rows:
        print(
            f"{r['task']:30} {r['model']:36} {r['cold_s']:7.2f} {r['warm_s']:7.3f} "
            f"{r['cold_over_warm']:9.1f} {r['peak_rss_mb']:11.0f}"
        )
    print(
        f"\nwhole stack, one process: {stack['experts']} experts; first pass {stack['first_pass_s']:.1f} s, "
        f"second (warm) pass {stack['second_pass_s']:.1f} s; resident memory with all warm "
        f"{stack['rss_all_warm_mb']:.0f} MB (pool's declared estimate {stack['pool_mb_declared']} MB)"
    )
    if args.json:
        args.json.write_text(json.dumps({"experts": rows, "stack": stack}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
