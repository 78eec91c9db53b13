"""The HTTP app over real loopback HTTP for the server and web page tests: uvicorn in a thread, a
controller that plans from the files it is given (so it serves any number of runs), echo experts."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from helpers import one_model_per_task, task
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.experts.echo import EchoExperts
from hugginggpt.llm.base import DeltaCallback, Message, Reply, Usage
from hugginggpt.server import create_app


@dataclass
class FilePlanner:
    """A controller for any number of runs: describes and reads aloud the first image it is given,
    transcribes the first audio, else writes text. `delay` seconds per call imitate a real model."""

    name: str = "file-planner"
    delay: float = 0.0

    def generate(
        self, messages: list[Message], *, schema: dict[str, Any] | None = None, on_delta: DeltaCallback | None = None
    ) -> Reply:
        if self.delay:
            time.sleep(self.delay)
        last = messages[-1]["content"]
        if on_delta is None:  # planning (one candidate per task: no selection call)
            return Reply(json.dumps(self.plan(last)), Usage(1, 10, 10))
        for piece in ("Here is ", "what the experts ", "found."):
            on_delta(piece)
        return Reply("Here is what the experts found.", Usage(1, 20, 6))

    @staticmethod
    def plan(message: str) -> list[dict[str, Any]]:
        files = message.rsplit("Files: ", 1)[-1].split(", ")
        images = [f for f in files if re.search(r"\.(png|jpe?g)$", f)]
        audio = [f for f in files if f.endswith(".wav")]
        if images:
            return [task(0, "image-to-text", image=images[-1]), task(1, "text-to-speech", [0], text="<GENERATED>-0")]
        if audio:
            return [task(0, "automatic-speech-recognition", audio=audio[-1])]
        return [task(0, "text-generation", text=message.split("\n\nFiles:")[0])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def build_app(experts: EchoExperts | None = None, delay: float = 0.0, **settings: Any) -> FastAPI:
    """The app over the file planner and echo experts; runs go to ./runs."""
    config = Settings(experts=("echo",), runs_dir=Path("runs").resolve(), **settings)
    controller = HuggingGPT(config, FilePlanner(delay=delay), [experts or EchoExperts()], catalog=one_model_per_task())
    return create_app(config, controller)


@contextmanager
def live_server(experts: EchoExperts | None = None, delay: float = 0.0, **settings: Any) -> Iterator[str]:
    """`build_app`'s app served on a free loopback port; its base URL while the block runs."""
    port = free_port()
    app = build_app(experts, delay, **settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def worker_app() -> FastAPI:
    """`build_app` for each worker process of a multi-worker uvicorn (`factory=True`): text-to-speech
    takes HUGGINGGPT_TEST_SPEECH_DELAY seconds."""
    import os

    delay = float(os.environ.get("HUGGINGGPT_TEST_SPEECH_DELAY", "0"))
    return build_app(EchoExperts(delay={"text-to-speech": delay}))
