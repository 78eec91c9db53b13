"""The local backend: Hub models run on this machine with transformers (diffusers for image and video
generation), loaded once into the shared model pool and reused across tasks and runs."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from hugginggpt.catalog import ModelCard
from hugginggpt.config import Settings
from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, check_input_sizes
from hugginggpt.experts.hub.cache import HubCache, weights_mb
from hugginggpt.experts.hub.local_tasks import LOCAL_TASKS, NOT_LOCAL
from hugginggpt.experts.hub.outputs import convert
from hugginggpt.experts.hub.routing import routed_away
from hugginggpt.experts.offline.pool import ModelPool, Resource

# Resident size beyond the weights (framework objects, tokenizer, buffers), found by measuring tiny and
# base-size models: the budget should not be filled by weights alone.
OVERHEAD_MB = 30


@dataclass
class LocalExperts:
    cache: HubCache = field(default_factory=HubCache)
    device: str = "cpu"
    pool: ModelPool = field(default_factory=ModelPool)  # this machine's memory for models on the CPU
    accelerator_pool: ModelPool | None = None  # the GPU's (or MPS's) memory, when the device is one
    workers: int = 2
    max_input_mb: float = 100.0
    task_backends: Mapping[str, str] = field(default_factory=dict)
    name: str = "local"

    def __post_init__(self) -> None:
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="local-expert")
        # Each model's folder and size, found once: a warm call costs a dictionary lookup, not a cache scan.
        self._folders: dict[str, tuple[Path, int]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalExperts:
        from hugginggpt.experts.hub.device import accelerator_budget_mb, choose_device

        device = choose_device(settings.device)
        accelerator = None
        if device != "cpu":
            accelerator = ModelPool(settings.accelerator_budget_mb or accelerator_budget_mb(device))
        return cls(
            HubCache(settings.hf_cache_dir, settings.allow_downloads, settings.hf_token),
            device,
            ModelPool(settings.memory_budget_mb),
            accelerator,
            settings.expert_workers,
            settings.max_input_mb,
            settings.task_backends,
        )

    def supports(self, task: str) -> bool:
        return task in LOCAL_TASKS and not routed_away(self.task_backends, task, "local")

    def can_run(self, card: ModelCard) -> bool:
        return not card.offline and self.supports(card.task) and self.cache.available(card.id)

    def cards(self) -> list[ModelCard]:
        return []

    def unavailable(self, task: str) -> str | None:
        if task in NOT_LOCAL:
            return NOT_LOCAL[task]
        if routed_away(self.task_backends, task, "local"):
            return f"{task} is set to run remotely (task_backends)"
        if not self.cache.downloads_on():
            return (
                f"no {task} model is in the Hugging Face cache and downloads are off; "
                "pull one with `hugginggpt models pull MODEL_ID`"
            )
        return None

    async def run(self, call: ExpertCall) -> ExpertOutput:
        task = LOCAL_TASKS.get(call.task)
        if task is None:
            raise ExpertError(NOT_LOCAL.get(call.task, f"{call.task} cannot run locally"))
        check_input_sizes(call, self.max_input_mb)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self.run_now, call)
        except ExpertError:
            raise
        except Exception as exc:  # the model's own failure becomes a task error naming it
            raise ExpertError(f"{call.model} failed on {call.task}: {type(exc).__name__}: {exc}") from exc

    def run_now(self, call: ExpertCall) -> ExpertOutput:
        """Load (or reuse) the model and run it, in the calling thread."""
        task = LOCAL_TASKS[call.task]
        handle = self.handle(call.task, call.model)
        return convert(task.run(handle, call), call)

    def handle(self, task: str, model_id: str) -> Any:
        """The loaded pipeline of `model_id` for `task`, from the pool (one load, shared by waiters)."""
        found = self._folders.get(model_id)
        if found is None:
            folder = self.cache.resolve(model_id)
            found = self._folders[model_id] = (folder, weights_mb(folder) + OVERHEAD_MB)
        pool = self.accelerator_pool or self.pool
        load = partial(LOCAL_TASKS[task].load, found[0], self.device)
        # A pipeline is per task: one model may serve text-generation and conversational as two pipelines.
        return pool.get(Resource(f"{task}:{model_id}", load, found[1]))
