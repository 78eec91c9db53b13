"""What an offline expert is: a catalog card, what it needs installed, and a function that runs it.

Run functions are synchronous (the runtimes are) and run in the backend's worker threads; they
get their loaded models from the shared `ModelPool`, so models stay warm across tasks and runs.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hugginggpt.catalog import ModelCard
from hugginggpt.experts.base import ExpertCall, ExpertOutput

if TYPE_CHECKING:
    from hugginggpt.experts.offline.pool import ModelPool

# A requirement returns None when met, else what is missing in words a user can act on.
Requirement = Callable[[], str | None]


def module(name: str, package: str | None = None) -> Requirement:
    """A Python module that must be importable (checked without importing it)."""

    def check() -> str | None:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        return None if found else f"the Python package {package or name} is not installed"

    return check


def program(name: str, debian: str | None = None) -> Requirement:
    """A program that must be on PATH."""

    def check() -> str | None:
        return None if shutil.which(name) else f"the program {name} is not installed (Debian: {debian or name})"

    return check


@dataclass(frozen=True)
class OfflineExpert:
    card: ModelCard
    run: Callable[[ModelPool, ExpertCall], ExpertOutput]
    needs: tuple[Requirement, ...] = ()

    def missing(self) -> list[str]:
        return [problem for check in self.needs if (problem := check()) is not None]


def card(model_id: str, task: str, description: str, *, license: str, tags: tuple[str, ...] = ()) -> ModelCard:
    """The catalog card of a built-in model (the catalog ranks offline models first)."""
    return ModelCard(
        id=model_id,
        task=task,
        tags=("offline", *tags),
        license=license,
        description=description,
        offline=True,
    )
