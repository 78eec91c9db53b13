"""The offline backend: expert models whose weights ship inside installed packages, run on this
machine with no network, kept warm in a shared model pool."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hugginggpt.catalog import ModelCard
from hugginggpt.config import Settings
from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, check_input_sizes
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.experts.offline.base import OfflineExpert
from hugginggpt.experts.offline.pool import ModelPool

FAMILIES = ("vision", "audio", "text", "generative", "tabular", "segmentation")


def all_experts(assets: Assets) -> list[OfflineExpert]:
    """Every built-in expert, installed or not (each family module lists its own)."""
    experts: list[OfflineExpert] = []
    for family in FAMILIES:
        experts.extend(importlib.import_module(f"hugginggpt.experts.offline.{family}").experts(assets))
    return experts


@dataclass
class OfflineExperts:
    assets: Assets
    pool: ModelPool = field(default_factory=ModelPool)
    workers: int = 2
    max_input_mb: float = 100.0
    only: Sequence[OfflineExpert] | None = None  # these experts instead of every built-in one
    name: str = "offline"

    def __post_init__(self) -> None:
        chosen = all_experts(self.assets) if self.only is None else self.only
        self.experts = {(e.card.id, e.card.task): e for e in chosen}
        self.missing = {key: e.missing() for key, e in self.experts.items()}
        # CPU-bound runtimes: more threads than cores only adds contention.
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="offline-expert")

    @classmethod
    def from_settings(cls, settings: Settings) -> OfflineExperts:
        return cls(
            Assets(settings.models_dir or default_models_dir()),
            ModelPool(settings.memory_budget_mb),
            settings.expert_workers,
            settings.max_input_mb,
        )

    def can_run(self, card: ModelCard) -> bool:
        key = (card.id, card.task)
        return key in self.experts and not self.missing[key]

    def cards(self) -> list[ModelCard]:
        return [e.card for e in self.experts.values()]

    def unavailable(self, task: str) -> str | None:
        mine = [e for e in self.experts.values() if e.card.task == task]
        if not mine:
            return f"no model available offline for {task}; configure the Hub backend or a local model"
        if any(not self.missing[e.card.id, e.card.task] for e in mine):
            return None
        problems = sorted({p for e in mine for p in self.missing[e.card.id, e.card.task]})
        return f"the offline models for {task} cannot run: {'; '.join(problems)}"

    async def run(self, call: ExpertCall) -> ExpertOutput:
        key = (call.model, call.task)
        expert = self.experts.get(key)
        if expert is None or self.missing[key]:
            raise ExpertError(f"{call.model} is not an installed offline model for {call.task}")
        check_input_sizes(call, self.max_input_mb)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, expert.run, self.pool, call)
        except ExpertError:
            raise
        except Exception as exc:  # a model's own failure becomes a task error naming the model
            raise ExpertError(f"{call.model} failed on {call.task}: {type(exc).__name__}: {exc}") from exc
