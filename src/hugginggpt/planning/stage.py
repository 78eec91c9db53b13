"""The plan stage on a tool planner: plan over HuggingGPT's own task types, then turn the tool graph
into a task plan (arguments keyed by kind, `<node-k>` into `<GENERATED>-k`) that the validator checks
like any controller's plan."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.artifacts import Resources
from hugginggpt.errors import ControllerError, PlanError, PlanningFailed
from hugginggpt.eval.toolset import ToolSet
from hugginggpt.events import EventSink
from hugginggpt.llm.base import Message, Usage
from hugginggpt.plan import DEFAULT_MAX_TASKS, validate_plan
from hugginggpt.planner import PlanAttempt, PlanOutcome
from hugginggpt.planning.base import NODE_REF, ToolGraph, ToolPlanner
from hugginggpt.planning.everyday import EverydayPlanner
from hugginggpt.tasks import TASK_TYPES, kind_of_file


def to_task_plan(graph: ToolGraph) -> list[dict[str, Any]]:
    """A tool graph over the task types as a HuggingGPT plan (the paper's JSON list)."""
    tasks: list[dict[str, Any]] = []
    for i, node in enumerate(graph.nodes):
        spec = TASK_TYPES[node["task"]]
        args: dict[str, str] = {}
        deps: list[int] = []
        for argument in node.get("arguments", []):
            value = str(argument.get("value") if isinstance(argument, dict) else argument)
            ref = NODE_REF.fullmatch(value.strip())
            if ref is not None:
                k = int(ref.group(1))
                produced = TASK_TYPES[graph.nodes[k]["task"]].produces
                kind = next((c for c in produced if c in spec.accepts), produced[0])
                value = f"<GENERATED>-{k}"
                deps.append(k)
            else:
                kind = kind_of_file(value) or "text"
                if kind not in spec.accepts:
                    kind = "text"
            # Two texts (a question and its context, two sentences to compare) travel together.
            args[kind] = f"{args[kind]}\n{value}" if kind in args and kind == "text" else value
        tasks.append({"task": node["task"], "id": i, "dep": deps or [-1], "args": args})
    return tasks


@dataclass
class ToolPlanningStage:
    """Drop-in for `Planner`: the same `plan(...)` call, answered by a tool planner."""

    planner: ToolPlanner
    max_tasks: int = DEFAULT_MAX_TASKS
    tools: ToolSet = field(default_factory=ToolSet.of_task_types)

    async def plan(self, request: str, resources: Resources, history: list[Message], emit: EventSink) -> PlanOutcome:
        try:
            graph = await asyncio.to_thread(self.planner.plan, request, self.tools, resources.names())
        except (PlanError, ControllerError) as exc:
            raise PlanningFailed(f"the {self.planner.name} planner found no plan: {exc}", []) from exc
        reply = json.dumps(to_task_plan(graph))
        try:
            plan = validate_plan(json.loads(reply), resources.names(), max_tasks=self.max_tasks)
        except PlanError as exc:  # the planners promise valid graphs: this is a bug, reported plainly
            raise PlanningFailed(
                f"the {self.planner.name} planner made an invalid plan: {exc}", [{"reply": reply, "error": str(exc)}]
            ) from exc
        return PlanOutcome(plan, [PlanAttempt(reply, None)], Usage())


@dataclass
class EverydayPlanningStage:
    """The embedded controller's plan stage: the everyday-request planner over the 24 task types."""

    max_tasks: int = DEFAULT_MAX_TASKS
    planner: EverydayPlanner = field(default_factory=EverydayPlanner)

    async def plan(self, request: str, resources: Resources, history: list[Message], emit: EventSink) -> PlanOutcome:
        try:
            tasks = self.planner.plan(request, resources.names())
        except PlanError as exc:
            raise PlanningFailed(str(exc), []) from exc
        reply = json.dumps(tasks, ensure_ascii=False)
        try:
            plan = validate_plan(tasks, resources.names(), max_tasks=self.max_tasks)
        except PlanError as exc:  # the planner promises valid plans: this is a bug, reported plainly
            raise PlanningFailed(
                f"the everyday planner made an invalid plan: {exc}", [{"reply": reply, "error": str(exc)}]
            ) from exc
        return PlanOutcome(plan, [PlanAttempt(reply, None)], Usage())
