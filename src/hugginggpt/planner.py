"""Stage 1: the controller turns a request into a validated task plan, correcting itself on errors."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from string import Template
from typing import Any, Protocol

from hugginggpt.artifacts import Resources
from hugginggpt.errors import ControllerError, PlanError, PlanningFailed
from hugginggpt.events import EventSink, PlanRejected
from hugginggpt.llm.base import ChatModel, Message, Usage
from hugginggpt.plan import Plan, parse_plan
from hugginggpt.prompts import Prompts, request_with_files
from hugginggpt.tasks import KINDS, TASK_TYPES


def plan_schema() -> dict[str, Any]:
    """JSON schema of a plan, for servers that enforce structured output."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "task": {"type": "string", "enum": list(TASK_TYPES)},
                "id": {"type": "integer"},
                "dep": {"type": "array", "items": {"type": "integer"}},
                "args": {
                    "type": "object",
                    "properties": {kind: {"type": "string"} for kind in KINDS},
                    "additionalProperties": False,
                },
            },
            "required": ["task", "id", "dep", "args"],
        },
    }


@dataclass
class PlanAttempt:
    reply: str
    error: str | None


@dataclass
class PlanOutcome:
    plan: Plan
    attempts: list[PlanAttempt] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


class PlanStage(Protocol):
    async def plan(
        self, request: str, resources: Resources, history: list[Message], emit: EventSink
    ) -> PlanOutcome: ...


def task_type_lines() -> str:
    return "\n".join(
        f"- {t.name}: {t.description} ({', '.join(t.accepts)} -> {', '.join(t.produces)})" for t in TASK_TYPES.values()
    )


@dataclass
class Planner:
    model: ChatModel
    prompts: Prompts
    retries: int = 2
    max_tasks: int = 50

    def messages(self, request: str, resources: Resources, history: list[Message]) -> list[Message]:
        # Nothing request-specific in the system prompt or demos: a local model then reuses their
        # processed prefix from one request to the next.
        system = Template(self.prompts.plan_system).safe_substitute(task_types=task_type_lines())
        messages: list[Message] = [{"role": "system", "content": system}]
        for demo in self.prompts.plan_demos:
            messages.append({"role": "user", "content": request_with_files(demo.request, list(demo.files))})
            messages.append({"role": "assistant", "content": json.dumps(demo.plan)})
        messages.extend(history)
        messages.append({"role": "user", "content": request_with_files(request, resources.names())})
        return messages

    async def plan(self, request: str, resources: Resources, history: list[Message], emit: EventSink) -> PlanOutcome:
        messages = self.messages(request, resources, history)
        outcome_attempts: list[PlanAttempt] = []
        usage = Usage()
        for attempt in range(1, self.retries + 2):
            try:
                reply = await asyncio.to_thread(self.model.generate, messages, schema=plan_schema())
            except ControllerError as exc:
                raise PlanningFailed(f"the controller failed while planning: {exc}", []) from exc
            usage = usage + reply.usage
            try:
                plan = parse_plan(reply.text, resources.names(), max_tasks=self.max_tasks)
            except PlanError as exc:
                outcome_attempts.append(PlanAttempt(reply.text, str(exc)))
                emit(PlanRejected(attempt=attempt, error=str(exc)))
                messages = [
                    *messages,
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": f"{exc}\nReply with the corrected JSON list only."},
                ]
                continue
            outcome_attempts.append(PlanAttempt(reply.text, None))
            return PlanOutcome(plan, outcome_attempts, usage)
        last = outcome_attempts[-1].error if outcome_attempts else "no reply"
        raise PlanningFailed(
            f"the controller gave no valid plan in {len(outcome_attempts)} attempts; the last problem was: "
            f"{last}\nTry rephrasing the request, or a stronger controller model (HUGGINGGPT_LLM_MODEL).",
            [{"reply": a.reply, "error": a.error} for a in outcome_attempts],
        )
