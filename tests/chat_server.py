"""A scriptable OpenAI-compatible chat-completions server on loopback, for backend tests.

Each test plans the server's answers in order (`reply`, `stream`, `error`, ...); every request
takes the next planned answer, and its JSON body is recorded so that tests can assert what the
client sent. Everything is real HTTP on 127.0.0.1, so the SDK's retry, timeout and SSE code runs.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

MODEL = "test-model"


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _Plan:
    status: int = 200
    text: str | None = None  # a completion: sent as JSON or SSE, following the request's `stream`
    pieces: Sequence[str] | None = None  # how a streamed completion is cut into deltas
    body: bytes | None = None  # sent as it is (errors, malformed answers)
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] = (11, 7)
    send_usage: bool = True  # False: ignore stream_options, as some local servers do


class ChatServer:
    """The server; `url` is its OpenAI-style base URL (ending in /v1)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._plans: deque[_Plan] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01})
        self._thread.daemon = True
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    # --- planning -------------------------------------------------------------------------------

    def reply(self, text: str, *, prompt_tokens: int = 11, completion_tokens: int = 7) -> None:
        """A completion with `text`, as JSON or, when the request streams, as SSE word by word."""
        self._plan(_Plan(text=text, usage=(prompt_tokens, completion_tokens)))

    def stream(
        self, pieces: Sequence[str], *, prompt_tokens: int = 11, completion_tokens: int = 7, usage: bool = True
    ) -> None:
        """A completion streamed as exactly these deltas; `usage=False` leaves out the usage chunk."""
        plan = _Plan(text="".join(pieces), pieces=pieces, usage=(prompt_tokens, completion_tokens), send_usage=usage)
        self._plan(plan)

    def error(
        self, status: int, message: str, *, retry_after_ms: int | None = None, kind: str = "server_error"
    ) -> None:
        """An HTTP error with an OpenAI-style JSON body (and a `retry-after-ms` header if given)."""
        headers = {} if retry_after_ms is None else {"retry-after-ms": str(retry_after_ms)}
        body = json.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}})
        self._plan(_Plan(status=status, body=body.encode(), headers=headers))

    def reject_response_format(self) -> None:
        """The 400 that servers without JSON-schema support give."""
        self.error(400, "response_format json_schema is not supported by this server", kind="invalid_request_error")

    def raw(self, body: str, *, status: int = 200, content_type: str = "application/json") -> None:
        """A body sent verbatim, e.g. a malformed one."""
        self._plan(_Plan(status=status, body=body.encode(), content_type=content_type))

    def slow(self, seconds: float, text: str = "too late") -> None:
        """A completion sent only after `seconds`."""
        self._plan(_Plan(text=text, delay=seconds))

    def _plan(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    # --- serving --------------------------------------------------------------------------------

    def _next(self, request: RecordedRequest) -> _Plan:
        with self._lock:
            self.requests.append(request)
            if self._plans:
                return self._plans.popleft()
        body = {"error": {"message": "chat_server: no planned response left", "type": "test_error"}}
        # x-should-retry: false so that an unplanned request fails at once instead of being retried.
        return _Plan(status=500, body=json.dumps(body).encode(), headers={"x-should-retry": "false"})

    def close(self) -> None:
        self._stopping.set()  # wakes slow answers so that they give up
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _completion(text: str, usage: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse_events(plan: _Plan, include_usage: bool) -> Iterator[dict[str, Any]]:
    text = plan.text or ""
    pieces = plan.pieces if plan.pieces is not None else re.findall(r"\S+\s*|\s+", text)
    yield _chunk({"role": "assistant", "content": ""})
    for piece in pieces:
        yield _chunk({"content": piece})
    yield _chunk({}, finish="stop")
    if include_usage:
        # As OpenAI does: a last chunk with no choices and the usage of the whole request.
        prompt, completion = plan.usage
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        yield {**_chunk({}), "choices": [], "usage": usage}


def _handler_for(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request a connection and no chunked encoding, so a stream ends at close.
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            plan = server._next(request)
            if plan.delay and server._stopping.wait(plan.delay):
                return
            # The client may have given up (a timeout test); then there is nobody to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(plan, body)

        def _answer(self, plan: _Plan, body: dict[str, Any]) -> None:
            streaming = plan.body is None and body.get("stream") is True
            self.send_response(plan.status)
            for name, value in plan.headers.items():
                self.send_header(name, value)
            if streaming:
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                options = body.get("stream_options") or {}
                include_usage = plan.send_usage and bool(options.get("include_usage"))
                for event in _sse_events(plan, include_usage):
                    self.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                return
            payload = (
                plan.body if plan.body is not None else json.dumps(_completion(plan.text or "", plan.usage)).encode()
            )
            self.send_header("Content-Type", plan.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture(name="chat_server")
def chat_server_fixture() -> Iterator[ChatServer]:
    server = ChatServer()
    try:
        yield server
    finally:
        server.close()
