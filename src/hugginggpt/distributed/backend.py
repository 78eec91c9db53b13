"""RayExperts: an expert backend that runs another backend's models on the Ray cluster.

Availability (`can_run`, `cards`, `unavailable`) is the wrapped backend's answer on the driver, which
runs the same installation as the workers. `run` ships the call with its input files as bytes to
the model's actor, and writes the files it produced into the run folder here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from hugginggpt.catalog import ModelCard
from hugginggpt.distributed.cluster import Cluster
from hugginggpt.distributed.host import ShippedCall, ShippedFile, ShippedOutput
from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertBackend, ExpertCall, ExpertOutput, OutputFile


@dataclass
class RayExperts:
    inner: ExpertBackend
    cluster: Cluster
    retries: int = 1  # runs again of a task whose actor or node was lost
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name  # selection names the backend; it must not see a difference

    def can_run(self, card: ModelCard) -> bool:
        return self.inner.can_run(card)

    def cards(self) -> list[ModelCard]:
        return self.inner.cards()

    def unavailable(self, task: str) -> str | None:
        return self.inner.unavailable(task)

    async def run(self, call: ExpertCall) -> ExpertOutput:
        import ray

        lost = (
            ray.exceptions.RayActorError,  # the actor died, or its node (ActorDiedError, ActorUnavailableError)
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.NodeDiedError,
            ray.exceptions.ObjectLostError,
        )
        # File reads and writes go to a thread; a text-only call skips the hop (a few ms on a busy machine).
        shipped = await asyncio.to_thread(_ship, call) if call.files else _ship(call)
        attempt = 0
        while True:
            host = await self.cluster.host(self.name, call.model)
            ref = host.run.remote(shipped)
            try:
                result: ShippedOutput = await ref
            except asyncio.CancelledError:
                ray.cancel(ref)  # the run gave up on it (timeout, interruption): free the actor
                raise
            except ray.exceptions.RayTaskError as exc:  # the expert itself failed: running again would not help
                raise ExpertError(_cause(exc)) from None
            except lost as exc:
                self.cluster.forget(self.name, call.model)
                error = str(exc).strip().splitlines()[0]
                if attempt >= self.retries:
                    raise ExpertError(
                        f"{call.model} was lost {attempt + 1} time(s) on the Ray cluster ({error}); "
                        "see `ray status` for dead nodes, or raise ray_task_retries"
                    ) from exc
                attempt += 1
                if call.on_retry is not None:
                    call.on_retry(attempt, error)
                continue
            return (
                await asyncio.to_thread(_land, result, call.output_dir)
                if result.files
                else _land(result, call.output_dir)
            )


def _ship(call: ExpertCall) -> ShippedCall:
    files = tuple(ShippedFile(path.name, kind, path.read_bytes()) for kind, path in call.files.items())
    return ShippedCall(call.task, call.model, call.text, files, call.output_stem)


def _land(result: ShippedOutput, output_dir: Path) -> ExpertOutput:
    files = []
    for shipped in result.files:
        output_dir.mkdir(parents=True, exist_ok=True)
        path = output_dir / shipped.name
        path.write_bytes(shipped.data)
        files.append(OutputFile(path, shipped.kind))
    return ExpertOutput(result.text, tuple(files), result.data)


def _cause(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)
    if isinstance(cause, ExpertError):
        return str(cause)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}"
    return str(exc).strip().splitlines()[-1]
