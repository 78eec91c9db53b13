"""The remote backend: the real `InferenceClient` against an HTTP server on 127.0.0.1 that answers in
the inference service's wire format (JSON results, image bytes, 503 while a model loads, 401, slow)."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.hub import HybridExperts, LocalExperts, RemoteExperts
from hugginggpt.experts.hub.cache import HubCache


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 10), "green").save(out, format="PNG")
    return out.getvalue()


class Service:
    """Answers per model id (the path after /models/); counts requests and keeps what they carried."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.loading_left = 1  # "org/loading" answers 503 this many times, then succeeds

    def answer(self, model: str, body: bytes) -> tuple[int, str, bytes]:
        if model == "org/loading" and self.loading_left > 0:
            self.loading_left -= 1
            return 503, "application/json", json.dumps({"error": "Model org/loading is currently loading",
                                                        "estimated_time": 0.05}).encode()  # fmt: skip
        if model == "org/busy":
            return 429, "application/json", b'{"error": "Rate limit reached"}'
        if model == "org/private":
            return 401, "application/json", b'{"error": "Invalid credentials in Authorization header"}'
        if model == "org/slow":
            time.sleep(1.5)
        if model == "org/painter":
            return 200, "image/png", _png()
        if model == "org/chat/v1/chat/completions":
            reply = {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}]
            }
            return 200, "application/json", json.dumps(reply).encode()
        if model == "org/listener":
            return 200, "application/json", json.dumps({"text": f"{len(body)} bytes heard"}).encode()
        # text classification: one list of labels per input text
        return (
            200,
            "application/json",
            b'[[{"label": "POSITIVE", "score": 0.875}, {"label": "NEGATIVE", "score": 0.125}]]',
        )


@pytest.fixture
def service() -> Iterator[tuple[Service, str]]:
    state = Service()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            model = self.path.removeprefix("/models/")
            state.requests.append({"model": model, "auth": self.headers.get("Authorization"), "body": body})
            status, kind, payload = state.answer(model, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the slow answer's client gave up
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def remote(url: str, **more: Any) -> RemoteExperts:
    return RemoteExperts(token="hf_test", base_url=url, timeout=5, retries=2, backoff=0.01, **more)


async def test_labels_come_back_typed_and_the_token_is_sent(service: tuple[Service, str], tmp_path: Path) -> None:
    state, url = service
    out = await remote(url).run(ExpertCall("text-classification", "org/classifier", "I love it", output_dir=tmp_path))
    assert out.text == "POSITIVE (0.88), NEGATIVE (0.12)"
    assert [item["label"] for item in out.data] == ["POSITIVE", "NEGATIVE"]
    sent = state.requests[0]
    assert sent["auth"] == "Bearer hf_test"
    assert json.loads(sent["body"])["inputs"] == "I love it"


async def test_a_loading_model_is_waited_for(service: tuple[Service, str], tmp_path: Path) -> None:
    state, url = service
    out = await remote(url).run(ExpertCall("text-classification", "org/loading", "x", output_dir=tmp_path))
    assert out.text and out.text.startswith("POSITIVE")
    assert [r["model"] for r in state.requests] == ["org/loading", "org/loading"]


async def test_a_busy_service_is_retried_then_reported(service: tuple[Service, str], tmp_path: Path) -> None:
    state, url = service
    with pytest.raises(ExpertError, match=r"org/busy is still busy or loading .* after 3 tries \(HTTP 429\)"):
        await remote(url).run(ExpertCall("text-classification", "org/busy", "x", output_dir=tmp_path))
    assert len(state.requests) == 3


async def test_a_refused_token_names_the_model_and_the_fix(service: tuple[Service, str], tmp_path: Path) -> None:
    state, url = service
    with pytest.raises(ExpertError, match=r"org/private .*HTTP 401.*set HF_TOKEN"):
        await remote(url).run(ExpertCall("text-classification", "org/private", "x", output_dir=tmp_path))
    assert len(state.requests) == 1  # not retried


async def test_a_slow_answer_past_the_timeout_is_a_clear_error(service: tuple[Service, str], tmp_path: Path) -> None:
    _, url = service
    slow = RemoteExperts(base_url=url, timeout=0.3, retries=2)
    with pytest.raises(ExpertError, match=r"org/slow did not answer within 0.3 s"):
        await slow.run(ExpertCall("text-classification", "org/slow", "x", output_dir=tmp_path))


async def test_files_go_up_and_come_back(service: tuple[Service, str], tmp_path: Path) -> None:
    state, url = service
    wav = tmp_path / "speech.wav"
    wav.write_bytes(b"RIFF" + b"\x00" * 100)
    heard = await remote(url).run(
        ExpertCall("automatic-speech-recognition", "org/listener", files={"audio": wav}, output_dir=tmp_path)
    )
    assert heard.text == "104 bytes heard"
    drawn = await remote(url).run(
        ExpertCall("text-to-image", "org/painter", "a fox", output_dir=tmp_path, output_stem="t1")
    )
    image = drawn.file_of("image")
    assert image == tmp_path / "t1.png"
    with Image.open(image) as opened:
        assert opened.size == (12, 10)
    chat = await remote(url).run(ExpertCall("conversational", "org/chat", "hello", output_dir=tmp_path))
    assert chat.text == "Hi!"
    assert json.loads(state.requests[-1]["body"])["messages"] == [{"role": "user", "content": "hello"}]


async def test_tasks_the_client_cannot_do_say_where_to_run_them(tmp_path: Path) -> None:
    backend = RemoteExperts(task_backends={"text-to-image": "local"})
    assert "locally" in (backend.unavailable("depth-estimation") or "")
    assert "locally" in (backend.unavailable("text-to-image") or "")
    with pytest.raises(ExpertError, match="depth-estimation=local"):
        await backend.run(ExpertCall("depth-estimation", "org/depth", output_dir=tmp_path))


async def test_hybrid_sends_an_uncached_model_to_the_service(service: tuple[Service, str], tmp_path: Path) -> None:
    state, url = service
    hybrid = HybridExperts(LocalExperts(HubCache(tmp_path / "empty", allow_downloads=False)), remote(url))
    out = await hybrid.run(ExpertCall("text-classification", "org/classifier", "hi", output_dir=tmp_path))
    assert out.text and out.text.startswith("POSITIVE") and len(state.requests) == 1
