"""A run's full record (request, plan attempts, choices, task timings, errors, usage), saved as JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.events import AnswerDelta, Event
from hugginggpt.llm.base import Usage


@dataclass
class TraceRecorder:
    run_id: str
    request: str
    controller: str
    settings: dict[str, Any]
    files: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    status: str = "running"
    plan_attempts: list[dict[str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] | None = None
    repairs: list[str] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    answer: str | None = None
    errors: list[str] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    _t0: float = field(default_factory=time.perf_counter, repr=False)

    def record(self, event: Event) -> None:
        if isinstance(event, AnswerDelta):
            return  # the whole answer is kept once, in `answer`
        self.events.append({"t": round(self.elapsed(), 6), **event.to_dict()})

    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    def add_usage(self, stage: str, usage: Usage) -> None:
        self.usage[stage] = self.usage.get(stage, Usage()) + usage

    def to_dict(self) -> dict[str, Any]:
        total = sum(self.usage.values(), Usage())
        usage = {stage: vars(u) for stage, u in {**self.usage, "total": total}.items()}
        return {
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at,
            "request": self.request,
            "files": self.files,
            "controller": self.controller,
            "plan_attempts": self.plan_attempts,
            "plan": self.plan,
            "repairs": self.repairs,
            "choices": self.choices,
            "tasks": self.tasks,
            "answer": self.answer,
            "errors": self.errors,
            "usage": usage,
            "timings": {**self.timings, "total": round(self.elapsed(), 6)},
            "settings": self.settings,
            "events": self.events,
        }
