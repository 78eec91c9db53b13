"""Role lines: how a task's one text argument carries the parts some tasks need besides their content.

A plan's `text` argument is the content a task acts on. A few tasks need more (question answering its
question, zero-shot classification its labels, translation its languages); those parts come first, one
`role: value` per line, and the content follows, optionally after `context:`:

    question: When did the bridge open?
    context: <GENERATED>-0

Experts read the roles with `split_roles`; an expert that knows no roles gets the same text and still
finds its content (a line-based format, so `<GENERATED>-k` and file names inside it are resolved alike).
"""

from __future__ import annotations

import re

ROLES = ("question", "labels", "source", "target")
_ROLE_LINE = re.compile(r"^\s*(question|labels|source|target)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_CONTENT_LINE = re.compile(r"^\s*(?:context|text)\s*:\s?", re.IGNORECASE)


def split_roles(text: str) -> tuple[dict[str, str], str]:
    """(roles, content): the leading `role: value` lines, then the rest (a `context:` or `text:` prefix
    dropped). Lines that are not roles end the roles, so a content line such as "Target: 3 items" is kept
    when it does not come first."""
    roles: dict[str, str] = {}
    lines = text.split("\n")
    start = 0
    for start, line in enumerate(lines):  # noqa: B007  # the loop's last index is where the content starts
        found = _ROLE_LINE.match(line)
        if found is None:
            break
        roles[found.group(1).lower()] = found.group(2)
    else:
        start = len(lines)
    content = "\n".join(lines[start:])
    content = _CONTENT_LINE.sub("", content, count=1) if roles or _CONTENT_LINE.match(content) else content
    return roles, content.strip()


def with_roles(content: str, **roles: str | None) -> str:
    """The text argument for `content` with the given roles (None or empty ones left out)."""
    lines = [f"{name}: {value}" for name, value in roles.items() if value]
    if not lines:
        # A content that itself starts like a role line is marked as content, so it is not read as a role.
        return f"text: {content}" if _ROLE_LINE.match(content.split("\n", 1)[0]) else content
    if roles.get("question"):
        return "\n".join([*lines, f"context: {content}"])
    return "\n".join([*lines, content])
