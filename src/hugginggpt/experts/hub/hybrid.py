"""The hybrid backend: a model already on this machine runs locally, any other on the inference
service; `task_backends` pins a task type to one side."""

from __future__ import annotations

from dataclasses import dataclass

from hugginggpt.catalog import ModelCard
from hugginggpt.config import Settings
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.hub.local import LocalExperts
from hugginggpt.experts.hub.remote import RemoteExperts


@dataclass
class HybridExperts:
    local: LocalExperts
    remote: RemoteExperts
    name: str = "hybrid"

    @classmethod
    def from_settings(cls, settings: Settings) -> HybridExperts:
        return cls(LocalExperts.from_settings(settings), RemoteExperts.from_settings(settings))

    def runs_locally(self, task: str, model_id: str) -> bool:
        """Local when the task is pinned there, or when the model is cached (or the service cannot run
        the task at all and the model can be downloaded)."""
        if not self.local.supports(task):
            return False
        if not self.remote.supports(task):
            return self.local.cache.available(model_id)
        return self.local.cache.is_cached(model_id)

    def can_run(self, card: ModelCard) -> bool:
        return self.local.can_run(card) or self.remote.can_run(card)

    def cards(self) -> list[ModelCard]:
        return []

    def unavailable(self, task: str) -> str | None:
        local, remote = self.local.unavailable(task), self.remote.unavailable(task)
        return f"{local}; {remote}" if local and remote else None

    async def run(self, call: ExpertCall) -> ExpertOutput:
        side = self.local if self.runs_locally(call.task, call.model) else self.remote
        return await side.run(call)
