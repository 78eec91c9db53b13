"""A controller that replies from a script: for tests, demos and benchmarks."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugginggpt.errors import ConfigError, ControllerError
from hugginggpt.llm.base import DeltaCallback, Message, Reply, Usage, estimate_tokens

ScriptItem = str | Exception | Callable[[list[Message]], str]


@dataclass
class RecordedCall:
    messages: list[Message]
    schema: dict[str, Any] | None
    streamed: bool


@dataclass
class ScriptedModel:
    """Replies with the next item of `script` on each call: a string, an exception to raise, or a
    function of the messages. `latency` seconds are slept per call to imitate a real server."""

    script: Sequence[ScriptItem]
    name: str = "scripted"
    latency: float = 0.0
    calls: list[RecordedCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_file(cls, path: Path) -> ScriptedModel:
        """A JSON list of reply strings (objects and lists are sent as their JSON text)."""
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the controller script {path}: {exc}") from exc
        if not isinstance(items, list):
            raise ConfigError(f"the controller script {path} must be a JSON list of replies")
        return cls(
            [item if isinstance(item, str) else json.dumps(item) for item in items], name=f"scripted:{path.name}"
        )

    def generate(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        on_delta: DeltaCallback | None = None,
    ) -> Reply:
        with self._lock:
            index = len(self.calls)
            self.calls.append(RecordedCall(list(messages), schema, on_delta is not None))
        if index >= len(self.script):
            raise ControllerError(
                f"the scripted controller has only {len(self.script)} replies; call {index + 1} has none"
            )
        if self.latency:
            time.sleep(self.latency)
        item = self.script[index]
        if isinstance(item, Exception):
            raise item
        text = item(messages) if callable(item) else item
        if on_delta is not None:
            for piece in re.findall(r"\s*\S+\s*|\s+", text):
                on_delta(piece)
        prompt = sum(estimate_tokens(m["content"]) for m in messages)
        return Reply(text=text, usage=Usage(1, prompt, estimate_tokens(text)))
