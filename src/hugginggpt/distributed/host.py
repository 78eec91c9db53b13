"""The Ray actor that keeps one expert model warm on a cluster node and runs its tasks there.

Calls travel as bytes (input files included) because the driver's paths do not exist on the node;
the produced files come back as bytes for the driver to write into the run folder.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hugginggpt.config import Settings
from hugginggpt.experts.base import ExpertCall, OutputFile
from hugginggpt.tasks import Kind


@dataclass(frozen=True)
class ShippedFile:
    name: str
    kind: Kind
    data: bytes


@dataclass(frozen=True)
class ShippedCall:
    task: str
    model: str
    text: str | None
    files: tuple[ShippedFile, ...]
    output_stem: str


@dataclass(frozen=True)
class ShippedOutput:
    text: str | None
    files: tuple[ShippedFile, ...]
    data: Any


@dataclass(frozen=True)
class HostStats:
    name: str
    node: str  # Ray node id
    memory_mb: float  # what the model declared
    calls: int
    active: int  # tasks running now
    last_used: float  # time.time() of the last task's end (or of the start)


class ModelHost:
    """One (backend, model): the backend is built on the node from the same settings, so the model
    loads there once and stays in the backend's pool for every task of every run sent to it."""

    def __init__(self, settings: Settings, backend: str, model: str, memory_mb: float) -> None:
        import ray

        from hugginggpt.experts import BACKENDS

        self.backend = BACKENDS[backend](settings)
        self.name = f"{backend}:{model}"
        self.node = ray.get_runtime_context().get_node_id()
        self.memory_mb = memory_mb
        self.calls = 0
        self.active = 0
        self.last_used = time.time()

    def stats(self) -> HostStats:
        return HostStats(self.name, self.node, self.memory_mb, self.calls, self.active, self.last_used)

    async def run(self, shipped: ShippedCall) -> ShippedOutput:
        self.calls += 1
        self.active += 1
        try:
            with tempfile.TemporaryDirectory(prefix="hugginggpt-") as scratch:
                inputs, outputs = Path(scratch, "in"), Path(scratch, "out")
                inputs.mkdir()
                files: dict[Kind, Path] = {}
                for f in shipped.files:
                    files[f.kind] = inputs / f.name
                    files[f.kind].write_bytes(f.data)
                call = ExpertCall(shipped.task, shipped.model, shipped.text, files, outputs, shipped.output_stem)
                output = await self.backend.run(call)
                return ShippedOutput(output.text, tuple(_ship(f) for f in output.files), output.data)
        finally:
            self.active -= 1
            self.last_used = time.time()


def _ship(file: OutputFile) -> ShippedFile:
    return ShippedFile(file.path.name, file.kind, file.path.read_bytes())
