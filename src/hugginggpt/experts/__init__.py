"""Expert backends and how settings name them."""

from __future__ import annotations

from collections.abc import Callable

from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError
from hugginggpt.experts.base import ExpertBackend, ExpertCall, ExpertOutput, OutputFile
from hugginggpt.experts.echo import EchoExperts

# name -> factory; each backend module is imported only when its factory runs.
BACKENDS: dict[str, Callable[[Settings], ExpertBackend]] = {
    "echo": lambda settings: EchoExperts(delay=settings.echo_delay),
    "offline": lambda settings: _offline(settings),
    "local": lambda settings: _hub("LocalExperts", settings),
    "remote": lambda settings: _hub("RemoteExperts", settings),
    "hybrid": lambda settings: _hub("HybridExperts", settings),
}


def _offline(settings: Settings) -> ExpertBackend:
    from hugginggpt.experts.offline import OfflineExperts

    return OfflineExperts.from_settings(settings)


def _hub(kind: str, settings: Settings) -> ExpertBackend:
    from hugginggpt.experts import hub

    backend: ExpertBackend = getattr(hub, kind).from_settings(settings)
    return backend


def build_backends(settings: Settings) -> list[ExpertBackend]:
    backends = []
    for name in settings.experts:
        factory = BACKENDS.get(name)
        if factory is None:
            raise ConfigError(f"unknown expert backend {name!r}; available: {', '.join(BACKENDS)}")
        backends.append(factory(settings))
    if settings.executor == "ray":
        from hugginggpt.distributed import on_ray

        return on_ray(settings, backends)
    return backends


__all__ = ["BACKENDS", "ExpertBackend", "ExpertCall", "ExpertOutput", "OutputFile", "build_backends"]
