"""The Ray executor: expert models live in actors on a Ray cluster and the run's tasks go there.

Imported only when `executor = "ray"`: `ray` is an optional extra.
"""

from __future__ import annotations

from collections.abc import Sequence

from hugginggpt.config import Settings
from hugginggpt.distributed.backend import RayExperts
from hugginggpt.distributed.cluster import Cluster
from hugginggpt.experts.base import ExpertBackend


def on_ray(settings: Settings, backends: Sequence[ExpertBackend]) -> list[ExpertBackend]:
    """The same backends, each running its models on the cluster at `settings.ray_address`."""
    cluster = Cluster.connect(settings)
    return [RayExperts(backend, cluster, settings.ray_task_retries) for backend in backends]


__all__ = ["Cluster", "RayExperts", "on_ray"]
