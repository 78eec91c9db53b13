"""The Ray cluster as the experts see it: connecting, and placing one warm actor per (backend, model).

Ray places each model's actor on a node that has what the model declares (CPUs, GPUs, memory,
custom resources). On top of that, each node keeps its warm models within `memory_budget_mb`:
when a new model lands on a node and the models there declare more than the budget, the least
recently used idle ones are unloaded (their actors killed). Actors are named and detached in
`ray_namespace`, so every controller on the cluster (CLI runs, server workers) shares them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.config import Settings
from hugginggpt.distributed.host import HostStats, ModelHost
from hugginggpt.distributed.needs import NeedTable
from hugginggpt.errors import ClusterError, ExpertError

ACTOR_PREFIX = "model:"
CONNECT_TIMEOUT = 5.0  # seconds to reach the head before ray.init, which would retry for minutes
POLL = 2.0  # seconds between looks at an actor waiting for a node
_HOW_TO_FIX = (
    "start a cluster there (`ray start --head`), or set HUGGINGGPT_RAY_ADDRESS ([ray] address) to a running "
    "one: host:6379 for its head node, ray://host:10001 through Ray Client, auto for the one started on this machine"
)


def check_reachable(address: str | None, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail fast with a useful message when an explicit address does not answer."""
    if address in (None, "auto", "local"):
        return
    client = address.startswith("ray://")
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        host, port = address.removeprefix("ray://"), "10001" if client else "6379"
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); {_HOW_TO_FIX}") from exc


@dataclass
class Cluster:
    settings: Settings
    needs: NeedTable
    _hosts: dict[str, Any] = field(default_factory=dict)  # actor name -> handle
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _actor_class: Any = None

    @classmethod
    def connect(cls, settings: Settings) -> Cluster:
        needs = NeedTable(settings.ray_resources)
        check_reachable(settings.ray_address)
        import ray

        if not ray.is_initialized():
            try:
                ray.init(address=settings.ray_address, logging_level=logging.WARNING, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = settings.ray_address or "this machine"
                raise ClusterError(f"cannot connect to the Ray cluster at {where} ({exc}); {_HOW_TO_FIX}") from exc
        return cls(settings, needs)

    def actor_name(self, backend: str, model: str) -> str:
        return f"{ACTOR_PREFIX}{backend}:{model}"

    async def host(self, backend: str, model: str) -> Any:
        """The handle of the model's actor, started (and placed) if no controller has started it."""
        name = self.actor_name(backend, model)
        handle = self._hosts.get(name)
        if handle is None:
            async with self._locks.setdefault(name, asyncio.Lock()):
                handle = self._hosts.get(name)
                if handle is None:
                    handle = self._hosts[name] = await self._start(name, backend, model)
        return handle

    def forget(self, backend: str, model: str) -> None:
        """Drop a lost actor (its node or process died) so that the next call starts a new one."""
        name = self.actor_name(backend, model)
        handle = self._hosts.pop(name, None)
        if handle is not None:
            self._kill(handle)

    async def _start(self, name: str, backend: str, model: str) -> Any:
        import ray

        need = self.needs.of(model)
        budget = self.settings.memory_budget_mb
        nodes = await asyncio.to_thread(_alive_nodes)
        if not any(need.fits(resources, budget) for resources in nodes.values()):
            raise ExpertError(
                f"{model} needs {need.describe()}, more than any node of the Ray cluster has "
                f"(or than memory_budget_mb={budget}); lower its need in ray_resources or add a node that has it"
            )
        if self._actor_class is None:
            self._actor_class = ray.remote(ModelHost)
        # Workers build the expert from these settings; they never need the controller's key.
        worker = dataclasses.replace(self.settings, executor="local", llm_api_key=None)
        handle = self._actor_class.options(
            name=name,
            namespace=self.settings.ray_namespace,
            lifetime="detached",
            get_if_exists=True,
            max_restarts=0,  # a lost model is started again by the caller, where it chooses to retry
            **need.ray_options(),
        ).remote(worker, backend, model, need.memory_mb)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.ray_placement_timeout
        while True:
            try:
                stats: HostStats = await asyncio.wait_for(_awaitable(handle.stats.remote()), POLL)
                break
            except TimeoutError:
                if loop.time() > deadline:
                    self._kill(handle)
                    raise ExpertError(
                        f"{model} (needs {need.describe()}) found no room on the Ray cluster within "
                        f"{self.settings.ray_placement_timeout:g} s: the nodes that could hold it are busy; "
                        "add nodes, or raise ray_placement_timeout"
                    ) from None
                # Slow to start, or waiting for resources that warm models hold? Only in the second case
                # does the cluster as a whole lack them: then unload the least recently used idle model.
                free: dict[str, float] = await asyncio.to_thread(ray.available_resources)
                if not need.fits(free, budget):
                    await self._unload_lru(lambda s: need.fits(nodes.get(s.node, {}), budget), keep=name)
            except ray.exceptions.RayActorError as exc:
                raise ExpertError(f"the Ray actor for {model} could not start: {exc}") from exc
        await self._keep_budget(stats.node, keep=name)
        return handle

    async def _keep_budget(self, node: str, keep: str) -> None:
        """Unload the node's least recently used idle models until its models fit the memory budget."""
        while True:
            on_node = [(h, s) for h, s in await self._all_stats() if s.node == node]
            if sum(s.memory_mb for _, s in on_node) <= self.settings.memory_budget_mb:
                return
            if not await self._unload_lru(lambda s: s.node == node, keep, on_node):
                return  # the others are busy: they are unloaded when a later model needs the room

    async def _unload_lru(
        self, where: Callable[[HostStats], bool], keep: str, known: list[tuple[Any, HostStats]] | None = None
    ) -> bool:
        stats = known if known is not None else await self._all_stats()
        idle = [(h, s) for h, s in stats if s.name != keep.removeprefix(ACTOR_PREFIX) and not s.active and where(s)]
        if not idle:
            return False
        handle, oldest = min(idle, key=lambda hs: hs[1].last_used)
        self._hosts.pop(ACTOR_PREFIX + oldest.name, None)
        self._kill(handle)
        return True

    async def _all_stats(self) -> list[tuple[Any, HostStats]]:
        import ray

        namespace = self.settings.ray_namespace
        named = await asyncio.to_thread(ray.util.list_named_actors, all_namespaces=True)
        handles = []
        for entry in named:
            if entry["namespace"] == namespace and entry["name"].startswith(ACTOR_PREFIX):
                try:
                    handles.append(ray.get_actor(entry["name"], namespace=namespace))
                except ValueError:  # gone since it was listed
                    continue
        replies = await asyncio.gather(
            *(asyncio.wait_for(_awaitable(h.stats.remote()), POLL) for h in handles), return_exceptions=True
        )
        return [(h, r) for h, r in zip(handles, replies, strict=True) if isinstance(r, HostStats)]

    @staticmethod
    def _kill(handle: Any) -> None:
        import ray

        with contextlib.suppress(ValueError, ray.exceptions.RayError):  # already gone
            ray.kill(handle, no_restart=True)


def _alive_nodes() -> dict[str, dict[str, float]]:
    import ray

    nodes: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    return {n["NodeID"]: n["Resources"] for n in nodes if n["Alive"]}


async def _awaitable(ref: Any) -> Any:
    # An ObjectRef is awaitable but not a coroutine; wait_for and gather want one they can wrap.
    return await ref
