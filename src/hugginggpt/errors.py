"""One error hierarchy for the whole package; every message says what to do next."""

from __future__ import annotations


class HuggingGPTError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(HuggingGPTError):
    """The settings (environment, config file, flags) are missing or contradict each other."""


class ClusterError(ConfigError):
    """The Ray cluster the settings name cannot be reached or used."""


class ControllerError(HuggingGPTError):
    """The controller LLM could not be reached or gave no usable answer."""


class PlanError(HuggingGPTError):
    """A controller reply is not a valid task plan. The message is written to be sent back to the
    controller so that it can correct itself."""


class PlanningFailed(HuggingGPTError):
    """The controller gave no valid plan within the allowed attempts."""

    def __init__(self, message: str, attempts: list[dict[str, str | None]]) -> None:
        super().__init__(message)
        self.attempts = attempts  # {"reply": ..., "error": ...} per controller reply


class CatalogError(HuggingGPTError):
    """The model catalog cannot be read or has no model for a task."""


class ResourceError(HuggingGPTError):
    """A file or URL given to a run cannot be used."""


class ExpertError(HuggingGPTError):
    """An expert model failed on a task."""
