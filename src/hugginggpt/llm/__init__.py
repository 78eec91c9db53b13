"""Controller backends and how settings choose one."""

from __future__ import annotations

from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError
from hugginggpt.llm.base import ChatModel, Message, Reply, Usage
from hugginggpt.llm.scripted import ScriptedModel

NO_CONTROLLER = (
    "no controller LLM is configured. Point HuggingGPT at any OpenAI-compatible server, e.g.\n"
    "  export HUGGINGGPT_LLM_BASE_URL=http://localhost:11434/v1 HUGGINGGPT_LLM_MODEL=qwen2.5:7b\n"
    "or set HUGGINGGPT_LLM_API_KEY (or OPENAI_API_KEY) and HUGGINGGPT_LLM_MODEL for api.openai.com, "
    "or HUGGINGGPT_LLM_SCRIPT=replies.json for a scripted controller."
)


def build_chat_model(settings: Settings) -> ChatModel:
    backend = settings.llm_backend
    if backend == "auto":
        if settings.llm_script is not None:
            backend = "scripted"
        elif settings.llm_base_url or settings.llm_api_key:
            backend = "openai"
        else:
            raise ConfigError(NO_CONTROLLER)
    if backend == "scripted":
        if settings.llm_script is None:
            raise ConfigError("the scripted controller needs HUGGINGGPT_LLM_SCRIPT, a JSON list of replies")
        return ScriptedModel.from_file(settings.llm_script)
    from hugginggpt.llm.openai_compat import OpenAIChatModel

    return OpenAIChatModel.from_settings(settings)


__all__ = ["ChatModel", "Message", "Reply", "ScriptedModel", "Usage", "build_chat_model"]
