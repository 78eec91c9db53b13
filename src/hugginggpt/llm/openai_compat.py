"""A controller on any OpenAI-compatible chat-completions server: OpenAI itself, Ollama, vLLM,
the llama.cpp server, LM Studio.

The SDK sends the requests and retries 429, 5xx, timeouts and refused connections with exponential
backoff (honouring `retry-after`). The answers are read as plain JSON rather than as the SDK's
models, because local servers bend the format and the SDK passes malformed bodies through
unchecked; every failure becomes a `ControllerError` that says what to fix.
"""

from __future__ import annotations

import json
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError, ControllerError
from hugginggpt.llm.base import DeltaCallback, Message, Reply, Usage, estimate_tokens
from hugginggpt.llm.chat_format import first_choice, token_counts

# The SDK refuses to start without a key; Ollama, vLLM and llama.cpp ignore whatever is sent.
NO_KEY = "not-needed"
STRUCTURED_MODES = ("auto", "on", "off")


class OpenAIChatModel:
    """`ChatModel` over `POST {base_url}/chat/completions`.

    `structured` decides whether a `schema` is sent as a JSON-schema `response_format`: "on"
    always (a server that rejects it is an error), "off" never, "auto" until the server first
    rejects it; this instance then stops asking.
    """

    def __init__(
        self,
        base_url: str | None,
        model: str,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 3,
        structured: str = "auto",
        temperature: float = 0.0,
    ) -> None:
        if not model:
            raise ConfigError("no controller model given; set HUGGINGGPT_LLM_MODEL (e.g. qwen2.5:7b)")
        if structured not in STRUCTURED_MODES:
            raise ConfigError(f"llm_structured must be one of {', '.join(STRUCTURED_MODES)}, not {structured!r}")
        if not timeout > 0:
            raise ConfigError(f"HUGGINGGPT_LLM_TIMEOUT must be a positive number of seconds, not {timeout!r}")
        if max_retries < 0:
            raise ConfigError(f"HUGGINGGPT_LLM_MAX_RETRIES must be 0 or more, not {max_retries!r}")
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"HUGGINGGPT_LLM_BASE_URL must start with http:// or https://, not {base_url!r} "
                "(e.g. http://localhost:11434/v1 for Ollama)"
            )
        self.name = model
        self.structured = structured
        self.temperature = temperature
        self.timeout = timeout
        self.max_retries = max_retries
        self._schema_accepted = True  # until the server says otherwise ("auto" only)
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or NO_KEY,
            timeout=timeout,
            max_retries=max_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIChatModel:
        if not settings.llm_model:
            raise ConfigError(
                "no controller model is set: set HUGGINGGPT_LLM_MODEL (e.g. qwen2.5:7b for Ollama, gpt-4o-mini "
                "for OpenAI) and HUGGINGGPT_LLM_BASE_URL for a local server (e.g. http://localhost:11434/v1)"
            )
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            structured=settings.llm_structured,
            temperature=settings.llm_temperature,
        )

    @property
    def base_url(self) -> str:
        """The URL really used (the SDK falls back to OPENAI_BASE_URL, then to api.openai.com)."""
        return str(self._client.base_url).rstrip("/")

    def generate(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        on_delta: DeltaCallback | None = None,
    ) -> Reply:
        response_format = None
        if schema is not None and self.structured != "off" and self._schema_accepted:
            response_format = _response_format(schema)
        try:
            try:
                text, usage = self._call(messages, response_format, on_delta)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if response_format is None:
                    raise
                if self.structured == "on":
                    raise ControllerError(
                        f"{self._where()} rejected the JSON schema (HTTP {exc.status_code}: {_server_message(exc)}); "
                        "set HUGGINGGPT_LLM_STRUCTURED=auto to fall back to plain text, or use a server that "
                        "supports response_format json_schema"
                    ) from exc
                # Nothing was streamed yet (the error came with the status line), so a plain retry is safe.
                response_format = None
                text, usage = self._call(messages, None, on_delta)
                # Only now is it clear that the schema, not the request as a whole, was the problem.
                self._schema_accepted = False
        except openai.OpenAIError as exc:
            raise self._explain(exc) from exc
        return Reply(text=text, usage=usage, structured=response_format is not None)

    def _call(
        self,
        messages: list[Message],
        response_format: ResponseFormatJSONSchema | None,
        on_delta: DeltaCallback | None,
    ) -> tuple[str, Usage]:
        """One request (the SDK retries it); SDK errors propagate for `generate` to explain."""
        completions = self._client.chat.completions.with_raw_response
        params = [_message_param(m) for m in messages]
        rf = openai.omit if response_format is None else response_format
        if on_delta is None:
            raw = completions.create(model=self.name, messages=params, temperature=self.temperature, response_format=rf)
            text, usage = self._read_completion(raw.http_response.text)
        else:
            raw_stream = completions.create(
                model=self.name,
                messages=params,
                temperature=self.temperature,
                response_format=rf,
                stream=True,
                stream_options={"include_usage": True},
            )
            text, usage = self._read_stream(raw_stream.parse(to=openai.Stream[dict[str, Any]]), on_delta)
        # Servers that report no usage (or zeros) get an estimate, so that budgets still add up.
        prompt_tokens, completion_tokens = usage
        return text, Usage(
            calls=1,
            prompt_tokens=prompt_tokens or sum(estimate_tokens(m["content"]) for m in messages),
            completion_tokens=completion_tokens or estimate_tokens(text),
        )

    def _read_completion(self, body: str) -> tuple[str, tuple[int, int]]:
        try:
            data = json.loads(body)
        except ValueError:
            raise ControllerError(
                f"{self._where()} answered with a body that is not JSON: {_clip(body)!r}; "
                "check that HUGGINGGPT_LLM_BASE_URL is the OpenAI-compatible API (usually ending in /v1)"
            ) from None
        choice = first_choice(data)
        if choice is None:
            raise ControllerError(
                f"{self._where()} answered with no choices: {_clip(body)!r}; try again or check the server's log"
            )
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise ControllerError(f"{self._where()} {_empty_reason(choice, message)}")
        return content, token_counts(data)

    def _read_stream(
        self, stream: openai.Stream[dict[str, Any]], on_delta: DeltaCallback
    ) -> tuple[str, tuple[int, int]]:
        pieces: list[str] = []
        usage = (0, 0)  # stays so when the server ignores stream_options
        last_choice: dict[str, Any] = {}
        with stream:
            try:
                for chunk in stream:
                    if not isinstance(chunk, dict):
                        raise ControllerError(f"{self._where()} streamed a chunk that is not an object: {chunk!r}")
                    usage = token_counts(chunk) if chunk.get("usage") else usage
                    choice = first_choice(chunk)
                    if choice is None:
                        continue  # the usage chunk, or a keep-alive
                    last_choice = choice
                    delta = choice.get("delta")
                    piece = delta.get("content") if isinstance(delta, dict) else None
                    if isinstance(piece, str) and piece:
                        pieces.append(piece)
                        on_delta(piece)
            except json.JSONDecodeError as exc:  # a `data:` line that is not JSON
                raise ControllerError(f"{self._where()} streamed malformed JSON ({exc})") from None
        if not last_choice:
            raise ControllerError(f"{self._where()} streamed no choices; check that it supports streaming")
        if not pieces and last_choice.get("finish_reason") != "stop":
            raise ControllerError(f"{self._where()} {_empty_reason(last_choice, None)}")
        return "".join(pieces), usage

    def _where(self) -> str:
        return f"the controller LLM {self.name!r} at {self.base_url}"

    def _explain(self, exc: openai.OpenAIError) -> ControllerError:
        """Turn an SDK error into a message that names the server and says what to do."""
        where = self._where()
        n = self.max_retries
        retries = f" after {n} retr{'y' if n == 1 else 'ies'}" if n else ""
        if isinstance(exc, openai.APITimeoutError):
            return ControllerError(
                f"{where} did not answer within {self.timeout:g} s{retries}; raise HUGGINGGPT_LLM_TIMEOUT "
                "or use a smaller model"
            )
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            detail = f" ({cause})" if cause else ""
            return ControllerError(
                f"cannot connect to {where}{detail}; is the server running? check HUGGINGGPT_LLM_BASE_URL"
            )
        if isinstance(exc, openai.APIStatusError):
            status, said = exc.status_code, _server_message(exc)
            if status in (401, 403):
                return ControllerError(
                    f"{where} refused the API key (HTTP {status}: {said}); check HUGGINGGPT_LLM_API_KEY"
                )
            if status == 404:
                return ControllerError(
                    f"{where} does not know the model or the path (HTTP 404: {said}); check HUGGINGGPT_LLM_MODEL "
                    f"(for Ollama: `ollama pull {self.name}`) and that HUGGINGGPT_LLM_BASE_URL ends in /v1"
                )
            if status == 429:
                return ControllerError(
                    f"{where} is still rate-limiting{retries} (HTTP 429: {said}); wait and try again, "
                    "or raise HUGGINGGPT_LLM_MAX_RETRIES"
                )
            if status >= 500:
                return ControllerError(
                    f"{where} failed with HTTP {status}{retries} ({said}); check the server's log or raise "
                    "HUGGINGGPT_LLM_MAX_RETRIES"
                )
            return ControllerError(
                f"{where} rejected the request (HTTP {status}: {said}); check that the model supports chat and "
                "that the prompt fits its context length"
            )
        if isinstance(exc, openai.APIError):  # e.g. an error event in the middle of a stream
            return ControllerError(f"{where} reported an error: {exc.message}")
        return ControllerError(f"{where} could not be used: {exc}")


def _response_format(schema: dict[str, Any]) -> ResponseFormatJSONSchema:
    # json_schema output must be an object at the top level; the plan parser accepts {"tasks": [...]}.
    if schema.get("type") != "object":
        schema = {"type": "object", "properties": {"tasks": schema}, "required": ["tasks"]}
    # Not strict: strict mode demands additionalProperties=false and every property required.
    return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": False}}


def _message_param(message: Message) -> ChatCompletionMessageParam:
    role, content = message["role"], message["content"]
    if role == "system":
        return {"role": "system", "content": content}
    if role == "assistant":
        return {"role": "assistant", "content": content}
    return {"role": "user", "content": content}


def _empty_reason(choice: dict[str, Any], message: object) -> str:
    refusal = message.get("refusal") if isinstance(message, dict) else None
    if isinstance(refusal, str) and refusal:
        return f"refused to answer: {_clip(refusal)}"
    finish = choice.get("finish_reason")
    if finish == "length":
        return "gave an empty reply (finish_reason=length); the prompt leaves no room for an answer"
    return f"gave an empty reply (finish_reason={finish!r}); try again or use another model"


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    error = body.get("error", body) if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if isinstance(message, str) and message:
        return _clip(message)
    return _clip(body) if isinstance(body, str) and body else "no details"


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
