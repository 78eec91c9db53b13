"""A chat: earlier turns (within a token budget) and the files they made available."""

from __future__ import annotations

from dataclasses import dataclass, field

from hugginggpt.artifacts import Resources
from hugginggpt.llm.base import Message, estimate_tokens


@dataclass(frozen=True)
class Turn:
    request: str
    answer: str


@dataclass
class ChatSession:
    turns: list[Turn] = field(default_factory=list)
    resources: Resources = field(default_factory=Resources)

    def add_turn(self, request: str, answer: str) -> None:
        self.turns.append(Turn(request, answer))

    def history(self, budget_tokens: int) -> list[Message]:
        """The most recent whole turns that fit the budget, oldest first."""
        kept: list[Message] = []
        used = 0
        for turn in reversed(self.turns):
            cost = estimate_tokens(turn.request) + estimate_tokens(turn.answer)
            if used + cost > budget_tokens:
                break
            used += cost
            kept[:0] = [{"role": "user", "content": turn.request}, {"role": "assistant", "content": turn.answer}]
        return kept
