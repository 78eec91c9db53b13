"""Answers built from the results alone (the embedded controller's), and the check that an answer
phrased by a language model adds nothing the results and the request do not contain."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hugginggpt.errors import ControllerError
from hugginggpt.events import AnswerDelta, EventSink
from hugginggpt.llm.base import ChatModel, Message, Reply, Usage
from hugginggpt.responder import TaskReport

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_FILE = re.compile(r"[\w./-]+\.[A-Za-z0-9]{2,4}\b")
_NAME = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")
# Words that often open a sentence; any other capitalised word must come from the sources. Erring on
# the side of flagging only costs the phrasing: the template answer is used instead.
_OPENERS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "here",
        "there",
        "it",
        "its",
        "your",
        "you",
        "we",
        "our",
        "and",
        "but",
        "also",
        "then",
        "first",
        "next",
        "finally",
        "sure",
        "great",
        "listen",
        "note",
        "result",
        "results",
        "task",
        "tasks",
        "model",
        "models",
        "file",
        "files",
        "text",
        "image",
        "audio",
        "video",
        "sentiment",
        "according",
        "based",
        "please",
        "yes",
        "no",
        "overall",
        "in",
        "on",
        "for",
        "with",
        "from",
    ]
)


def template_answer(request: str, reports: Sequence[TaskReport], files: Sequence[str] = ()) -> str:
    """What was done, by which model, with what result: each line straight from a task's result."""
    if not reports:
        if files:
            return (
                f"I found no expert task for this request, so no model looked at {', '.join(files)}. "
                "Try naming what to do with it (describe, read the text, transcribe, detect objects, ...)."
            )
        return "I found no expert task for this request; try asking for something an expert model can do."
    lines = []
    for r in reports:
        head = f"{r.task} ({r.model or 'no model'})"
        if r.status == "done":
            result = (r.text or "").strip()
            shown = f": {result}" if result else ""
            if r.files:
                shown += f" [file: {', '.join(r.files)}]"
            lines.append(f"- {head}{shown}")
        else:
            lines.append(f"- {head}: {r.status} ({r.error})")
    return "Here is what the expert models found:\n" + "\n".join(lines)


def invented(answer: str, sources: Sequence[str]) -> list[str]:
    """Numbers, file names and proper names in `answer` that appear in none of `sources`."""
    known = "\n".join(sources)
    known_lower = known.lower()
    found: list[str] = []
    for pattern in (_FILE, _NUMBER):
        found.extend(m for m in pattern.findall(answer) if m not in known)
    found.extend(m for m in _NAME.findall(answer) if m.lower() not in known_lower and m.lower() not in _OPENERS)
    return sorted(set(found))


_PHRASE = (
    "Rewrite the results below as a short, friendly answer to the user's request. Use only facts from the "
    "results; keep every model id and file path exactly as written; add no names, numbers or files."
)


@dataclass
class TemplateResponder:
    """The embedded controller's response stage: the template, or with `phraser` the template phrased by
    a language model and kept only if `invented` finds nothing; streamed either way."""

    phraser: ChatModel | None = None

    async def respond(
        self,
        request: str,
        reports: list[TaskReport],
        history: list[Message],
        emit: EventSink,
        files: Sequence[str] = (),
    ) -> Reply:
        template = template_answer(request, reports, files)
        if self.phraser is not None and reports:
            messages: list[Message] = [
                {"role": "system", "content": _PHRASE},
                {"role": "user", "content": f"Request: {request}\n\nResults:\n{template}"},
            ]
            try:
                reply = await asyncio.to_thread(self.phraser.generate, messages)
            except ControllerError:
                reply = None
            if reply is not None and not invented(reply.text, [request, template]):
                emit(AnswerDelta(reply.text))
                return reply
        emit(AnswerDelta(template))
        return Reply(template, Usage())
