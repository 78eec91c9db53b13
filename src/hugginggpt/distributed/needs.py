"""What a model's actor needs from a node (CPUs, GPUs, memory, custom resources), and whether a node has it.

Defaults suit a small CPU expert; the `ray_resources` setting overrides them per model id, or for
every model with the key "*": `[ray.resources] "builtin/whisper-base" = {num_cpus = 2, memory_mb = 400}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.errors import ConfigError

MB = 2**20
DEFAULT_CPUS = 1.0
DEFAULT_MEMORY_MB = 1024.0  # unknown models are assumed a small expert's size; declare the real one
_STANDARD = ("num_cpus", "num_gpus", "memory_mb")


@dataclass(frozen=True)
class ModelNeed:
    num_cpus: float = DEFAULT_CPUS
    num_gpus: float = 0.0
    memory_mb: float = DEFAULT_MEMORY_MB
    custom: Mapping[str, float] = field(default_factory=dict)

    def ray_options(self) -> dict[str, Any]:
        """Keyword arguments of Ray's `.options()` that reserve this need."""
        options: dict[str, Any] = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}
        if self.memory_mb:
            options["memory"] = int(self.memory_mb * MB)
        if self.custom:
            options["resources"] = dict(self.custom)
        return options

    def fits(self, node: Mapping[str, float], budget_mb: float) -> bool:
        """Whether a node with these total resources (Ray's names), and this budget for warm models, can hold it."""
        wanted = {"CPU": self.num_cpus, "GPU": self.num_gpus, "memory": self.memory_mb * MB, **self.custom}
        return self.memory_mb <= budget_mb and all(node.get(name, 0.0) >= amount for name, amount in wanted.items())

    def describe(self) -> str:
        parts = [f"{self.num_cpus:g} CPU", f"{self.num_gpus:g} GPU", f"{self.memory_mb:g} MB memory"]
        return ", ".join(parts + [f"{amount:g} {name}" for name, amount in self.custom.items()])


@dataclass(frozen=True)
class NeedTable:
    """Needs per model id, from the `ray_resources` setting."""

    overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for model, table in self.overrides.items():
            if not isinstance(table, Mapping):
                raise ConfigError(f"ray_resources[{model!r}] must be a table such as {{num_cpus = 1, memory_mb = 500}}")
            for name, amount in table.items():
                if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                    raise ConfigError(f"ray_resources[{model!r}].{name} must be a number of at least 0, not {amount!r}")

    def of(self, model: str) -> ModelNeed:
        merged = {**self.overrides.get("*", {}), **self.overrides.get(model, {})}
        return ModelNeed(
            num_cpus=float(merged.get("num_cpus", DEFAULT_CPUS)),
            num_gpus=float(merged.get("num_gpus", 0.0)),
            memory_mb=float(merged.get("memory_mb", DEFAULT_MEMORY_MB)),
            custom={name: float(amount) for name, amount in merged.items() if name not in _STANDARD},
        )
