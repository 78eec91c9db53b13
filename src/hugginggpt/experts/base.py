"""The one interface every expert backend implements: (task, model, inputs) -> output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hugginggpt.catalog import ModelCard
from hugginggpt.errors import ExpertError
from hugginggpt.tasks import Kind


@dataclass(frozen=True)
class ExpertCall:
    task: str
    model: str
    text: str | None = None
    files: dict[Kind, Path] = field(default_factory=dict)  # image / audio / video inputs
    output_dir: Path = Path(".")  # where the expert writes the files it produces
    output_stem: str = "output"  # file name (without extension) for produced files
    # told (attempt, error) when a backend runs the task again after losing its expert (Ray executor)
    on_retry: Callable[[int, str], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class OutputFile:
    path: Path
    kind: Kind


@dataclass(frozen=True)
class ExpertOutput:
    text: str | None = None
    files: tuple[OutputFile, ...] = ()
    data: Any = None  # the model's structured result (labels, boxes, scores), kept in the trace

    def file_of(self, kind: Kind) -> Path | None:
        return next((f.path for f in self.files if f.kind == kind), None)


def check_input_sizes(call: ExpertCall, max_input_mb: float) -> None:
    """Refuse a call whose input files are over the limit, before any model reads them."""
    for kind, path in call.files.items():
        size_mb = path.stat().st_size / 2**20
        if size_mb > max_input_mb:
            raise ExpertError(
                f"the {kind} file {path.name} is {size_mb:.3g} MiB, over the {max_input_mb:g} MiB limit "
                "(HUGGINGGPT_MAX_INPUT_MB)"
            )


@runtime_checkable
class ExpertBackend(Protocol):
    name: str

    def can_run(self, card: ModelCard) -> bool:
        """Whether this backend can run the model now (installed, cached, or reachable)."""
        ...

    def cards(self) -> list[ModelCard]:
        """Models this backend brings that the Hub snapshot lacks (e.g. bundled offline models)."""
        ...

    def unavailable(self, task: str) -> str | None:
        """Why this backend can run no model of `task`, in words for the user (None: it can)."""
        ...

    async def run(self, call: ExpertCall) -> ExpertOutput:
        """Run the model; raise ExpertError with a helpful message on failure."""
        ...


class BaseBackend:
    """A backend's defaults, so that a new one states only what differs (see README, "Writing an expert
    backend"): it brings no models of its own, and it can run none of a task unless one of its cards is of
    that task. Subclasses set `name` and define `can_run` and `run`."""

    name: str = "unnamed"

    def cards(self) -> list[ModelCard]:
        return []

    def can_run(self, card: ModelCard) -> bool:
        raise NotImplementedError(f"the {self.name} backend must say which models it can run (can_run)")

    def unavailable(self, task: str) -> str | None:
        if any(card.task == task and self.can_run(card) for card in self.cards()):
            return None
        return f"the {self.name} backend has no model for {task}"

    async def run(self, call: ExpertCall) -> ExpertOutput:
        raise NotImplementedError(f"the {self.name} backend must run its models (run)")
