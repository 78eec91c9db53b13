"""Stage 2: pick an expert model for every task, with one controller call for all of them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.catalog import Catalog, ModelCard
from hugginggpt.errors import ControllerError, PlanError
from hugginggpt.events import EventSink, ModelChosen
from hugginggpt.experts.base import ExpertBackend
from hugginggpt.llm.base import ChatModel, Message, Usage
from hugginggpt.matching import best_match, fits_needs
from hugginggpt.plan import Plan, Task, extract_json
from hugginggpt.prompts import Prompts


@dataclass(frozen=True)
class Choice:
    task_id: int
    task: str
    model: str | None  # None: no backend can run any model of this task
    reason: str
    candidates: tuple[str, ...]
    fallback: bool = False  # True when the controller's choice was unusable and the top model was taken
    backend: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "task": self.task,
            "model": self.model,
            "backend": self.backend,
            "reason": self.reason,
            "candidates": list(self.candidates),
            "fallback": self.fallback,
        }


@dataclass
class Selection:
    choices: dict[int, Choice]
    usage: Usage = field(default_factory=Usage)
    reply: str | None = None


def selection_schema(task_ids: Sequence[int]) -> dict[str, Any]:
    entry = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "reason": {"type": "string"}},
        "required": ["id", "reason"],
    }
    return {"type": "object", "properties": {str(i): entry for i in task_ids}, "required": [str(i) for i in task_ids]}


@dataclass
class Selector:
    model: ChatModel
    prompts: Prompts
    catalog: Catalog
    backends: Sequence[ExpertBackend]
    top_k: int = 5
    ask_controller: bool = True

    def backend_for(self, card: ModelCard) -> ExpertBackend | None:
        return next((b for b in self.backends if b.can_run(card)), None)

    def no_model_reason(self, task: str) -> str:
        reasons = [r for b in self.backends if (r := b.unavailable(task))]
        if reasons:
            return "; ".join(reasons)
        return f"no configured expert backend can run a {task} model; enable one with --experts"

    def candidates(self, task: str) -> list[ModelCard]:
        return self.catalog.candidates(task, lambda card: self.backend_for(card) is not None, self.top_k)

    def messages(self, request: str, open_tasks: dict[int, tuple[Task, list[ModelCard]]]) -> list[Message]:
        lines = [f"User request: {request}", ""]
        for tid, (task, cards) in open_tasks.items():
            lines.append(f"Task {tid}: {task.task} with args {json.dumps(task.args, ensure_ascii=False)}")
            lines.extend(f"  - {c.id}: {c.summary()}" for c in cards)
        return [
            {"role": "system", "content": self.prompts.select_system},
            {"role": "user", "content": "\n".join(lines)},
        ]

    async def select(self, request: str, plan: Plan, emit: EventSink) -> Selection:
        ranked = {t.id: (t, self.candidates(t.task)) for t in plan.tasks}
        choices: dict[int, Choice] = {}
        open_tasks: dict[int, tuple[Task, list[ModelCard]]] = {}
        for tid, (task, cards) in ranked.items():
            names = tuple(c.id for c in cards)
            if not cards:
                choices[tid] = Choice(tid, task.task, None, self.no_model_reason(task.task), names)
            elif len(cards) == 1:
                choices[tid] = self._choice(task, cards[0], "the only candidate", names)
            elif not self.ask_controller:
                # What the request names may fit a model ranked below the top k: look further for it.
                wider = self.catalog.candidates(task.task, lambda c: self.backend_for(c) is not None, 4 * self.top_k)
                match = fits_needs(task.task, task.args.get("text", ""), wider) or best_match(
                    " ".join([request, *task.args.values()]), wider
                )
                card, reason = match or (cards[0], "the top-ranked candidate (most downloads)")
                choices[tid] = self._choice(task, card, reason, names if card in cards else (*names, card.id))
            else:
                open_tasks[tid] = (task, cards)

        selection = Selection(choices)
        if open_tasks:
            picked: dict[str, Any] = {}
            try:
                reply = await asyncio.to_thread(
                    self.model.generate,
                    self.messages(request, open_tasks),
                    schema=selection_schema(list(open_tasks)),
                )
                selection.usage, selection.reply = reply.usage, reply.text
                parsed = extract_json(reply.text)
                picked = parsed if isinstance(parsed, dict) else {}
                problem = "" if picked else "the controller's reply was not a JSON object"
            except (ControllerError, PlanError) as exc:
                problem = f"the controller could not choose ({exc})"
            for tid, (task, cards) in open_tasks.items():
                choices[tid] = self._from_reply(task, cards, picked.get(str(tid)), problem)

        for task in plan.tasks:
            choice = choices[task.id]
            emit(
                ModelChosen(
                    task_id=choice.task_id,
                    task=choice.task,
                    model=choice.model,
                    reason=choice.reason,
                    candidates=list(choice.candidates),
                    fallback=choice.fallback,
                )
            )
        selection.choices = {t.id: choices[t.id] for t in plan.tasks}
        return selection

    def _choice(
        self, task: Task, card: ModelCard, reason: str, names: tuple[str, ...], fallback: bool = False
    ) -> Choice:
        backend = self.backend_for(card)
        return Choice(task.id, task.task, card.id, reason, names, fallback, backend.name if backend else None)

    def _from_reply(self, task: Task, cards: list[ModelCard], entry: Any, problem: str) -> Choice:
        names = tuple(c.id for c in cards)
        if isinstance(entry, str):
            entry = {"id": entry}
        if isinstance(entry, dict):
            model, reason = str(entry.get("id", "")), str(entry.get("reason") or "chosen by the controller")
            card = next((c for c in cards if c.id == model), None)
            if card is not None:
                return self._choice(task, card, reason, names)
            problem = f"the controller chose {model!r}, which is not a candidate"
        problem = problem or f"the controller did not choose a model for task {task.id}"
        return self._choice(task, cards[0], f"{problem}; using the top-ranked {cards[0].id}", names, True)
