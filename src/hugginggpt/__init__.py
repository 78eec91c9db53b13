"""HuggingGPT: a language model plans a request, picks expert models, runs them and answers.

The public API, importable from here (each name is imported on first use, so `import hugginggpt` stays
light):

- the controller and its result: `HuggingGPT`, `RunResult`; settings: `Settings`;
- the controller model interface and its data: `ChatModel`, `Message`, `Reply`, `Usage`, and the scripted
  test double `ScriptedModel`;
- the expert backend interface and its data: `ExpertBackend`, `BaseBackend`, `ExpertCall`, `ExpertOutput`,
  `OutputFile`, `ModelCard`, and the test double `EchoExperts`;
- the errors: `HuggingGPTError` and its subclasses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hugginggpt.errors import (
    CatalogError,
    ConfigError,
    ControllerError,
    ExpertError,
    HuggingGPTError,
    PlanError,
    PlanningFailed,
    ResourceError,
)

if TYPE_CHECKING:  # what the lazy names are, for type checkers
    from hugginggpt.catalog import ModelCard
    from hugginggpt.config import Settings
    from hugginggpt.controller import HuggingGPT, RunResult
    from hugginggpt.experts.base import BaseBackend, ExpertBackend, ExpertCall, ExpertOutput, OutputFile
    from hugginggpt.experts.echo import EchoExperts
    from hugginggpt.llm.base import ChatModel, Message, Reply, Usage
    from hugginggpt.llm.scripted import ScriptedModel

__version__ = "0.1.0"

# name -> the module that defines it
_LAZY = {
    "HuggingGPT": "hugginggpt.controller",
    "RunResult": "hugginggpt.controller",
    "Settings": "hugginggpt.config",
    "ChatModel": "hugginggpt.llm.base",
    "Message": "hugginggpt.llm.base",
    "Reply": "hugginggpt.llm.base",
    "Usage": "hugginggpt.llm.base",
    "ScriptedModel": "hugginggpt.llm.scripted",
    "ExpertBackend": "hugginggpt.experts.base",
    "BaseBackend": "hugginggpt.experts.base",
    "ExpertCall": "hugginggpt.experts.base",
    "ExpertOutput": "hugginggpt.experts.base",
    "OutputFile": "hugginggpt.experts.base",
    "ModelCard": "hugginggpt.catalog",
    "EchoExperts": "hugginggpt.experts.echo",
}

__all__ = [
    "BaseBackend",
    "CatalogError",
    "ChatModel",
    "ConfigError",
    "ControllerError",
    "EchoExperts",
    "ExpertBackend",
    "ExpertCall",
    "ExpertError",
    "ExpertOutput",
    "HuggingGPT",
    "HuggingGPTError",
    "Message",
    "ModelCard",
    "OutputFile",
    "PlanError",
    "PlanningFailed",
    "Reply",
    "ResourceError",
    "RunResult",
    "ScriptedModel",
    "Settings",
    "Usage",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hugginggpt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found once
    return value
