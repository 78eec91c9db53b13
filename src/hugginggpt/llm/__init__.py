"""Controller backends and how settings choose one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError

if TYPE_CHECKING:
    from hugginggpt.experts.base import ExpertBackend
    from hugginggpt.experts.offline.assets import Assets
from hugginggpt.llm.base import ChatModel, Message, Reply, Usage
from hugginggpt.llm.scripted import ScriptedModel

NO_CONTROLLER = (
    "no controller LLM is configured, and the local one is not prepared (run `make install`). Or point "
    "HuggingGPT at any OpenAI-compatible server, e.g.\n"
    "  export HUGGINGGPT_LLM_BASE_URL=http://localhost:11434/v1 HUGGINGGPT_LLM_MODEL=qwen2.5:7b\n"
    "or set HUGGINGGPT_LLM_API_KEY (or OPENAI_API_KEY) and HUGGINGGPT_LLM_MODEL for api.openai.com, "
    "or HUGGINGGPT_LLM_SCRIPT=replies.json for a scripted controller."
)


def controller_kind(settings: Settings) -> str:
    """Which controller the settings ask for. `auto` takes, in order: a script, a server (base URL or
    API key), the embedded controller (learned planner, offline models)."""
    if settings.llm_backend != "auto":
        return settings.llm_backend
    if settings.llm_script is not None:
        return "scripted"
    if settings.llm_base_url or settings.llm_api_key:
        return "openai"
    return "embedded"


def build_chat_model(settings: Settings, backends: Sequence[ExpertBackend] = ()) -> ChatModel:
    """The configured language model (for the embedded controller: the local model it may use)."""
    kind = controller_kind(settings)
    if kind == "scripted":
        if settings.llm_script is None:
            raise ConfigError("the scripted controller needs HUGGINGGPT_LLM_SCRIPT, a JSON list of replies")
        return ScriptedModel.from_file(settings.llm_script)
    if kind in ("llamacpp", "embedded"):
        if not _local_assets(settings).gguf_ready():
            raise ConfigError(NO_CONTROLLER)
        return _local_model(settings, backends)
    from hugginggpt.llm.openai_compat import OpenAIChatModel

    return OpenAIChatModel.from_settings(settings)


def _local_assets(settings: Settings) -> Assets:
    from hugginggpt.experts.offline.assets import Assets, default_models_dir

    return Assets(settings.models_dir or default_models_dir())


def _local_model(settings: Settings, backends: Sequence[ExpertBackend]) -> ChatModel:
    from hugginggpt.experts.offline import OfflineExperts
    from hugginggpt.experts.offline.generative import PooledChatModel
    from hugginggpt.experts.offline.pool import ModelPool

    offline = next((b for b in backends if isinstance(b, OfflineExperts)), None)
    pool = offline.pool if offline is not None else ModelPool(settings.memory_budget_mb)
    return PooledChatModel(pool, _local_assets(settings))


__all__ = ["ChatModel", "Message", "Reply", "ScriptedModel", "Usage", "build_chat_model", "controller_kind"]
