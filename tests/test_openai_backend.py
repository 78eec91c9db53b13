"""OpenAIChatModel against a real OpenAI-compatible server on loopback (tests/chat_server.py)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from chat_server import ChatServer, chat_server_fixture  # noqa: F401  (the `chat_server` fixture)
from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError, ControllerError
from hugginggpt.llm.base import Message, Usage
from hugginggpt.llm.openai_compat import OpenAIChatModel

MESSAGES: list[Message] = [
    {"role": "system", "content": "You plan tasks."},
    {"role": "user", "content": "Describe the image a.jpg"},
]
PLAN_SCHEMA: dict[str, Any] = {"type": "array", "items": {"type": "object"}}


def make_model(server: ChatServer, **kwargs: Any) -> OpenAIChatModel:
    options: dict[str, Any] = {"model": "test-model", "timeout": 5.0, "max_retries": 2, **kwargs}
    return OpenAIChatModel(base_url=server.url, **options)


def test_reply_text_and_usage(chat_server: ChatServer) -> None:
    chat_server.reply("a plan", prompt_tokens=42, completion_tokens=3)
    reply = make_model(chat_server).generate(MESSAGES)
    assert reply.text == "a plan"
    assert reply.usage == Usage(calls=1, prompt_tokens=42, completion_tokens=3)
    assert reply.structured is False
    [request] = chat_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer not-needed"
    assert request.body["model"] == "test-model"
    assert request.body["messages"] == MESSAGES
    assert request.body["temperature"] == 0.0
    assert "stream" not in request.body and "response_format" not in request.body


def test_usage_is_estimated_when_the_server_gives_none(chat_server: ChatServer) -> None:
    chat_server.raw('{"choices": [{"index": 0, "message": {"role": "assistant", "content": "twelve chars"}}]}')
    reply = make_model(chat_server).generate(MESSAGES)
    assert reply.text == "twelve chars"
    assert reply.usage.calls == 1
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens == 3


def test_streaming_deltas_arrive_in_order(chat_server: ChatServer) -> None:
    pieces = ["[{", '"task": ', '"image-to-text"', "}]"]
    chat_server.stream(pieces, prompt_tokens=30, completion_tokens=9)
    seen: list[str] = []
    reply = make_model(chat_server).generate(MESSAGES, on_delta=seen.append)
    assert seen == pieces
    assert reply.text == "".join(pieces)
    assert reply.usage == Usage(calls=1, prompt_tokens=30, completion_tokens=9)
    body = chat_server.bodies[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_streaming_without_a_usage_chunk_estimates_usage(chat_server: ChatServer) -> None:
    chat_server.stream(["hello ", "world"], usage=False)
    reply = make_model(chat_server).generate(MESSAGES, on_delta=lambda _: None)
    assert reply.text == "hello world"
    assert reply.usage.calls == 1
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens == 3


def test_rate_limit_then_success(chat_server: ChatServer) -> None:
    chat_server.error(429, "slow down", retry_after_ms=10, kind="rate_limit_error")
    chat_server.reply("after the wait")
    reply = make_model(chat_server).generate(MESSAGES)
    assert reply.text == "after the wait"
    assert len(chat_server.requests) == 2


def test_server_error_then_success(chat_server: ChatServer) -> None:
    chat_server.error(500, "boom", retry_after_ms=10)
    chat_server.reply("recovered")
    reply = make_model(chat_server).generate(MESSAGES, on_delta=lambda _: None)
    assert reply.text == "recovered"
    assert len(chat_server.requests) == 2


def test_retries_exhausted(chat_server: ChatServer) -> None:
    for _ in range(3):
        chat_server.error(503, "overloaded", retry_after_ms=10)
    with pytest.raises(ControllerError, match=r"HTTP 503.*after 2 retries.*HUGGINGGPT_LLM_MAX_RETRIES") as info:
        make_model(chat_server).generate(MESSAGES)
    assert chat_server.url in str(info.value) and "test-model" in str(info.value)
    assert len(chat_server.requests) == 3


def test_rate_limit_exhausted(chat_server: ChatServer) -> None:
    for _ in range(2):
        chat_server.error(429, "slow down", retry_after_ms=10)
    with pytest.raises(ControllerError, match="rate-limiting"):
        make_model(chat_server, max_retries=1).generate(MESSAGES)


def test_bad_api_key(chat_server: ChatServer) -> None:
    chat_server.error(401, "Incorrect API key provided", kind="invalid_request_error")
    with pytest.raises(ControllerError, match="HUGGINGGPT_LLM_API_KEY") as info:
        make_model(chat_server, api_key="sk-wrong").generate(MESSAGES)
    assert "Incorrect API key provided" in str(info.value)
    assert chat_server.requests[0].headers["authorization"] == "Bearer sk-wrong"
    assert len(chat_server.requests) == 1  # 401 is not retried


def test_unknown_model(chat_server: ChatServer) -> None:
    chat_server.error(404, "model 'test-model' not found", kind="not_found_error")
    with pytest.raises(ControllerError, match=r"HUGGINGGPT_LLM_MODEL.*ollama pull test-model"):
        make_model(chat_server).generate(MESSAGES)


@pytest.mark.parametrize(
    "body",
    [
        "this is not JSON",
        "[1, 2, 3]",
        '{"choices": []}',
        '{"choices": [{"index": 0, "message": {"role": "assistant", "content": null}, "finish_reason": "length"}]}',
    ],
)
def test_malformed_or_empty_body(chat_server: ChatServer, body: str) -> None:
    chat_server.raw(body)
    with pytest.raises(ControllerError, match=r"not JSON|no choices|empty reply"):
        make_model(chat_server).generate(MESSAGES)


def test_malformed_body_with_a_text_content_type(chat_server: ChatServer) -> None:
    chat_server.raw("<html>proxy error</html>", content_type="text/html")
    with pytest.raises(ControllerError, match="not JSON"):
        make_model(chat_server).generate(MESSAGES)


def test_timeout(chat_server: ChatServer) -> None:
    chat_server.slow(1.0)
    model = make_model(chat_server, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(ControllerError, match="HUGGINGGPT_LLM_TIMEOUT"):
        model.generate(MESSAGES)
    assert time.monotonic() - started < 0.9


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The socket is closed and was never listening: nothing answers on this port.
    model = OpenAIChatModel(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=2.0, max_retries=0)
    with pytest.raises(ControllerError, match=r"is the server running\? check HUGGINGGPT_LLM_BASE_URL") as info:
        model.generate(MESSAGES)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_structured_output_sends_a_wrapped_schema(chat_server: ChatServer) -> None:
    chat_server.reply('{"tasks": []}')
    reply = make_model(chat_server).generate(MESSAGES, schema=PLAN_SCHEMA)
    assert reply.structured is True
    assert chat_server.bodies[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "reply",
            "schema": {"type": "object", "properties": {"tasks": PLAN_SCHEMA}, "required": ["tasks"]},
            "strict": False,
        },
    }


def test_object_schemas_are_sent_as_they_are(chat_server: ChatServer) -> None:
    schema = {"type": "object", "properties": {"1": {"type": "string"}}, "required": ["1"]}
    chat_server.reply('{"1": "x"}')
    make_model(chat_server).generate(MESSAGES, schema=schema)
    assert chat_server.bodies[0]["response_format"]["json_schema"]["schema"] == schema


def test_structured_off_sends_no_schema(chat_server: ChatServer) -> None:
    chat_server.reply("[]")
    reply = make_model(chat_server, structured="off").generate(MESSAGES, schema=PLAN_SCHEMA)
    assert reply.structured is False
    assert "response_format" not in chat_server.bodies[0]


def test_auto_falls_back_once_and_remembers(chat_server: ChatServer) -> None:
    chat_server.reject_response_format()
    chat_server.reply("[]")
    chat_server.reply("[] again")
    model = make_model(chat_server)
    first = model.generate(MESSAGES, schema=PLAN_SCHEMA)
    assert (first.text, first.structured) == ("[]", False)
    second = model.generate(MESSAGES, schema=PLAN_SCHEMA, on_delta=lambda _: None)
    assert (second.text, second.structured) == ("[] again", False)
    sent = ["response_format" in body for body in chat_server.bodies]
    assert sent == [True, False, False]
    # Another instance (another server, perhaps) asks again: nothing is remembered globally.
    chat_server.reply("[]")
    assert make_model(chat_server).generate(MESSAGES, schema=PLAN_SCHEMA).structured is True


def test_auto_keeps_the_schema_when_the_plain_retry_fails_too(chat_server: ChatServer) -> None:
    chat_server.error(400, "context length exceeded", kind="invalid_request_error")
    chat_server.error(400, "context length exceeded", kind="invalid_request_error")
    chat_server.reply("[]")
    model = make_model(chat_server)
    with pytest.raises(ControllerError, match="context length exceeded"):
        model.generate(MESSAGES, schema=PLAN_SCHEMA)
    assert model.generate(MESSAGES, schema=PLAN_SCHEMA).structured is True


def test_on_mode_raises_when_the_schema_is_rejected(chat_server: ChatServer) -> None:
    chat_server.reject_response_format()
    with pytest.raises(ControllerError, match="HUGGINGGPT_LLM_STRUCTURED") as info:
        make_model(chat_server, structured="on").generate(MESSAGES, schema=PLAN_SCHEMA)
    assert "not supported" in str(info.value)
    assert len(chat_server.requests) == 1


def test_error_event_in_the_middle_of_a_stream(chat_server: ChatServer) -> None:
    chat_server.raw('data: {"error": {"message": "model crashed"}}\n\n', content_type="text/event-stream")
    with pytest.raises(ControllerError, match="model crashed"):
        make_model(chat_server).generate(MESSAGES, on_delta=lambda _: None)


def test_malformed_stream(chat_server: ChatServer) -> None:
    chat_server.raw("data: {not json\n\n", content_type="text/event-stream")
    with pytest.raises(ControllerError, match="malformed"):
        make_model(chat_server).generate(MESSAGES, on_delta=lambda _: None)


def test_from_settings() -> None:
    with pytest.raises(ConfigError, match="HUGGINGGPT_LLM_MODEL"):
        OpenAIChatModel.from_settings(Settings())
    settings = Settings(llm_base_url="http://localhost:11434/v1", llm_model="qwen2.5:7b", llm_structured="off")
    model = OpenAIChatModel.from_settings(settings)
    assert model.name == "qwen2.5:7b"
    assert model.base_url == "http://localhost:11434/v1"
    assert model.structured == "off"


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="http://"):
        OpenAIChatModel(base_url="localhost:11434", model="m")
    with pytest.raises(ConfigError, match="llm_structured"):
        OpenAIChatModel(base_url=None, model="m", structured="maybe")
    with pytest.raises(ConfigError, match="HUGGINGGPT_LLM_TIMEOUT"):
        OpenAIChatModel(base_url=None, model="m", timeout=0)
    with pytest.raises(ConfigError, match="HUGGINGGPT_LLM_MAX_RETRIES"):
        OpenAIChatModel(base_url=None, model="m", max_retries=-1)
