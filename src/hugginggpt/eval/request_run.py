"""The request benchmark end to end: each request run by the embedded controller on the offline experts,
its answer checked for the facts the record expects."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hugginggpt.config import Settings
from hugginggpt.eval.request_files import make_request_files
from hugginggpt.eval.requests import CaseResult, missing_facts


def run_cases(
    settings: Settings,
    results: Sequence[CaseResult],
    files_dir: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run every request whose record has `e2e` on, filling each result's answer, missing facts and time."""
    from hugginggpt.controller import HuggingGPT

    folder = make_request_files(files_dir)
    chosen = [r for r in results if r.case.e2e]
    with tempfile.TemporaryDirectory(prefix="hugginggpt-requests-") as runs:
        run_settings = dataclasses.replace(settings, runs_dir=Path(runs), llm_backend="embedded")
        controller = HuggingGPT.from_settings(run_settings)

        async def run_all() -> None:
            for done, result in enumerate(chosen, 1):
                start = time.perf_counter()
                run = await controller.run(result.case.request, [folder / name for name in result.case.files])
                result.run_s = time.perf_counter() - start
                result.answer = run.answer if run.ok else f"(run failed: {run.error})"
                result.missing_facts = missing_facts(result.answer, result.case.facts)
                if on_progress is not None:
                    on_progress(done, len(chosen))

        asyncio.run(run_all())
