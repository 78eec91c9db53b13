"""Reading OpenAI-style chat-completion dicts, which both the HTTP servers and llama.cpp return."""

from __future__ import annotations

from typing import Any


def first_choice(data: object) -> dict[str, Any] | None:
    choices = data.get("choices") if isinstance(data, dict) else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def token_counts(data: object) -> tuple[int, int]:
    """(prompt, completion) tokens as the server counted them; 0 where it did not say."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return 0, 0
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (prompt if isinstance(prompt, int) else 0), (completion if isinstance(completion, int) else 0)
