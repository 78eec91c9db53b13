"""Stage 4: the controller writes one answer from the request, the plan, the choices and the results."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hugginggpt.events import AnswerDelta, EventSink
from hugginggpt.llm.base import ChatModel, Message, Reply
from hugginggpt.prompts import Prompts


@dataclass(frozen=True)
class TaskReport:
    """What the responder (and the trace) knows of one task."""

    task_id: int
    task: str
    args: dict[str, str]
    model: str | None
    reason: str
    status: str  # done | failed | skipped
    text: str | None = None
    files: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    data: Any = None  # the expert's structured result (labels, boxes, entities): template answers read it

    def to_dict(self, text_chars: int | None = None) -> dict[str, Any]:
        text = self.text
        if text is not None and text_chars is not None and len(text) > text_chars:
            text = text[:text_chars] + f"... [{len(self.text or '') - text_chars} more characters cut]"
        out: dict[str, Any] = {
            "id": self.task_id,
            "task": self.task,
            "args": self.args,
            "model": self.model,
            "reason": self.reason,
            "status": self.status,
        }
        if text is not None:
            out["output"] = text
        if self.files:
            out["files"] = list(self.files)
        if self.error:
            out["error"] = self.error
        return out


class ResponseStage(Protocol):
    async def respond(
        self,
        request: str,
        reports: list[TaskReport],
        history: list[Message],
        emit: EventSink,
        files: Sequence[str] = (),
    ) -> Reply: ...


@dataclass
class Responder:
    model: ChatModel
    prompts: Prompts
    result_tokens: int = 3000

    def messages(
        self, request: str, reports: list[TaskReport], history: list[Message], files: Sequence[str] = ()
    ) -> list[Message]:
        if reports:
            per_task = max(200, self.result_tokens * 4 // len(reports))  # characters, about 4 a token
            results = json.dumps([r.to_dict(per_task) for r in reports], ensure_ascii=False)
            content = f"User request: {request}\n\nTask results:\n{results}"
        elif files:
            # No model looked at them: the answer must not pretend to know what they hold.
            content = (
                f"User request: {request}\n\nFiles: {', '.join(files)}\nNo expert model was run, so nothing is "
                "known about what these files contain. Answer without describing or guessing their content, "
                "and say that the request could not be broken into tasks the experts can do."
            )
        else:
            content = f"User request: {request}\n\nNo expert model was needed: answer the request directly."
        return [
            {"role": "system", "content": self.prompts.respond_system},
            *history,
            {"role": "user", "content": content},
        ]

    async def respond(
        self,
        request: str,
        reports: list[TaskReport],
        history: list[Message],
        emit: EventSink,
        files: Sequence[str] = (),
    ) -> Reply:
        loop = asyncio.get_running_loop()

        def on_delta(piece: str) -> None:
            # Called from the worker thread: hand the event to the loop so sinks stay single-threaded.
            loop.call_soon_threadsafe(emit, AnswerDelta(piece))

        return await asyncio.to_thread(
            self.model.generate, self.messages(request, reports, history, files), on_delta=on_delta
        )


def missing_mentions(answer: str, reports: list[TaskReport]) -> str:
    """A footer naming the models that ran and the files produced that `answer` does not mention, so the
    user always learns who did what and where the files are, whatever the controller wrote."""
    lines = []
    for r in reports:
        if r.status != "done":
            continue
        if r.model and r.model not in answer:
            lines.append(f"- task {r.task_id} ({r.task}) was done by {r.model}")
        lines.extend(f"- file: {f}" for f in r.files if f not in answer)
    return "\n\n" + "\n".join(lines) if lines else ""


def fallback_answer(reports: list[TaskReport], problem: str) -> str:
    """An answer assembled from the results alone, when the controller cannot write one."""
    lines = [f"The controller could not write the answer ({problem}). The results are:"]
    for r in reports:
        head = f"- task {r.task_id} {r.task} ({r.model or 'no model'}): {r.status}"
        detail = r.text or r.error or ""
        files = f" files: {', '.join(r.files)}" if r.files else ""
        lines.append(f"{head}. {detail}{files}".rstrip())
    return "\n".join(lines)
