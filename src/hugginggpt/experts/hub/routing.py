"""Per-task choice between running on this machine and on the inference service (`task_backends`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Side = Literal["local", "remote"]


def routed_away(task_backends: Mapping[str, str], task: str, side: Side) -> bool:
    """Whether the settings send `task` to the other side (so this one must not take it)."""
    wanted = task_backends.get(task)
    return wanted is not None and wanted != side
