"""The controller's interface: one method that turns chat messages into a reply.

Backends are synchronous (the SDKs and llama.cpp are); the controller calls them from a worker
thread. Streaming is a callback so that every backend returns the same complete `Reply`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict

Role = Literal["system", "user", "assistant"]


class Message(TypedDict):
    role: Role
    content: str


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.calls + other.calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass
class Reply:
    text: str
    usage: Usage
    structured: bool = False  # True when the server enforced the JSON schema


DeltaCallback = Callable[[str], None]


class ChatModel(Protocol):
    name: str

    def generate(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        on_delta: DeltaCallback | None = None,
    ) -> Reply:
        """Reply to `messages`. With `schema`, ask for JSON matching it where the backend can;
        with `on_delta`, call it with each piece of text as it is generated."""
        ...


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate (about four characters a token) for budgets and usage."""
    return max(1, (len(text) + 3) // 4) if text else 0
