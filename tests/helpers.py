"""Shared test doubles: a backend that records its calls, and a tiny way to build a controller."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.catalog import Catalog, ModelCard
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.events import Event
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.echo import EchoExperts
from hugginggpt.llm.scripted import ScriptedModel, ScriptItem


@dataclass
class RecordingExperts(EchoExperts):
    calls: list[ExpertCall] = field(default_factory=list)

    async def run(self, call: ExpertCall) -> ExpertOutput:
        self.calls.append(call)
        return await super().run(call)


def plan_json(*tasks: dict[str, Any]) -> str:
    return json.dumps(list(tasks))


def task(tid: int, name: str, dep: Sequence[int] = (-1,), **args: str) -> dict[str, Any]:
    return {"task": name, "id": tid, "dep": list(dep), "args": args}


def build(
    script: Sequence[ScriptItem],
    experts: EchoExperts | None = None,
    catalog: Catalog | None = None,
    **settings: Any,
) -> tuple[HuggingGPT, ScriptedModel, EchoExperts, list[Event]]:
    model = ScriptedModel(list(script))
    experts = experts if experts is not None else RecordingExperts()
    events: list[Event] = []
    controller = HuggingGPT(Settings(**settings), model, [experts], catalog=catalog)
    return controller, model, experts, events


def one_model_per_task() -> Catalog:
    """A catalog with a single candidate per task type: selection needs no controller call."""
    from hugginggpt.tasks import TASK_TYPES

    return Catalog(tuple(ModelCard(id=f"org/{name}-model", task=name, downloads=1) for name in TASK_TYPES))
