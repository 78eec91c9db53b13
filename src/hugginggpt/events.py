"""Typed events of a run. The CLI renders them, the HTTP API streams them, the trace records them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: events hold plain JSON-ready values, and asdict's deep copy is slow.
        return {"type": self.type, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)}}


@dataclass(frozen=True)
class RunStarted(Event):
    type: ClassVar[str] = "run_started"
    run_id: str
    request: str
    files: list[str]


@dataclass(frozen=True)
class StageStarted(Event):
    type: ClassVar[str] = "stage_started"
    stage: str  # plan | select | execute | respond


@dataclass(frozen=True)
class PlanRejected(Event):
    type: ClassVar[str] = "plan_rejected"
    attempt: int
    error: str


@dataclass(frozen=True)
class PlanReady(Event):
    type: ClassVar[str] = "plan_ready"
    tasks: list[dict[str, Any]]
    repairs: list[str]


@dataclass(frozen=True)
class ModelChosen(Event):
    type: ClassVar[str] = "model_chosen"
    task_id: int
    task: str
    model: str | None
    reason: str
    candidates: list[str]
    fallback: bool


@dataclass(frozen=True)
class TaskStarted(Event):
    type: ClassVar[str] = "task_started"
    task_id: int
    task: str
    model: str


@dataclass(frozen=True)
class TaskFinished(Event):
    type: ClassVar[str] = "task_finished"
    task_id: int
    task: str
    model: str
    seconds: float
    text: str | None
    files: list[str]


@dataclass(frozen=True)
class TaskFailed(Event):
    type: ClassVar[str] = "task_failed"
    task_id: int
    task: str
    model: str | None
    seconds: float
    error: str


@dataclass(frozen=True)
class TaskRetried(Event):
    """The task's expert was lost (e.g. its cluster node died) and the task runs again."""

    type: ClassVar[str] = "task_retried"
    task_id: int
    task: str
    model: str
    attempt: int  # 1 for the first retry
    error: str


@dataclass(frozen=True)
class TaskSkipped(Event):
    type: ClassVar[str] = "task_skipped"
    task_id: int
    task: str
    reason: str


@dataclass(frozen=True)
class AnswerDelta(Event):
    type: ClassVar[str] = "answer_delta"
    text: str


@dataclass(frozen=True)
class RunFinished(Event):
    type: ClassVar[str] = "run_finished"
    run_id: str
    answer: str
    run_dir: str
    seconds: float


@dataclass(frozen=True)
class RunFailed(Event):
    type: ClassVar[str] = "run_failed"
    run_id: str
    error: str
    run_dir: str


EventSink = Callable[[Event], None]


def ignore(_: Event) -> None:
    """The sink for callers that do not watch progress."""
