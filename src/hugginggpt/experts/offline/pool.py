"""Loaded models, kept warm within a memory budget and unloaded least-recently-used first.

Concurrent requests for the same model wait for one load instead of loading twice. A model that is
evicted while a task still uses it lives until that task lets go of it (reference counting).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.errors import ExpertError


@dataclass(frozen=True)
class Resource:
    """A model the pool can load: `load()` returns the handle run functions use."""

    name: str
    load: Callable[[], Any]
    memory_mb: int  # resident size once loaded, estimated from measurements


@dataclass
class PoolStats:
    loads: int = 0
    hits: int = 0
    evictions: int = 0
    load_seconds: float = 0.0


@dataclass
class ModelPool:
    budget_mb: int = 6000
    _loaded: OrderedDict[str, tuple[Any, int]] = field(default_factory=OrderedDict)
    _loading: dict[str, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    stats: dict[str, PoolStats] = field(default_factory=dict)

    def get(self, resource: Resource) -> Any:
        while True:
            with self._lock:
                stats = self.stats.setdefault(resource.name, PoolStats())
                if resource.name in self._loaded:
                    self._loaded.move_to_end(resource.name)
                    stats.hits += 1
                    return self._loaded[resource.name][0]
                pending = self._loading.get(resource.name)
                if pending is None:
                    self._loading[resource.name] = threading.Event()
                    break
            pending.wait()  # another thread is loading it; then look again (its load may have failed)
        try:
            started = time.perf_counter()
            try:
                handle = resource.load()
            except ExpertError:
                raise
            except Exception as exc:
                raise ExpertError(f"cannot load {resource.name}: {exc}") from exc
            with self._lock:
                stats.loads += 1
                stats.load_seconds += time.perf_counter() - started
                self._make_room(resource.memory_mb)
                self._loaded[resource.name] = (handle, resource.memory_mb)
            return handle
        finally:
            with self._lock:
                self._loading.pop(resource.name).set()

    def _make_room(self, needed_mb: int) -> None:
        """Evict least-recently-used models until `needed_mb` fits (the lock is held)."""
        while self._loaded and self.used_mb() + needed_mb > self.budget_mb:
            name, _ = self._loaded.popitem(last=False)
            self.stats[name].evictions += 1

    def used_mb(self) -> int:
        return sum(mb for _, mb in self._loaded.values())

    def loaded(self) -> list[str]:
        """Names of the loaded models, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def clear(self) -> None:
        with self._lock:
            self._loaded.clear()
