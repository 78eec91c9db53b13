"""The installed `hugginggpt` command against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from chat_server import ChatServer, chat_server_fixture  # noqa: F401  (the `chat_server` fixture)
from helpers import task


def test_run_with_an_openai_compatible_controller(chat_server: ChatServer) -> None:
    Path("e1.jpg").write_bytes(b"jpeg")
    plan = [task(0, "image-to-text", image="e1.jpg"), task(1, "text-to-speech", [0], text="<GENERATED>-0")]
    chat_server.reply(json.dumps({"tasks": plan}))  # the shape structured output asks for
    chat_server.reply(json.dumps({"0": {"id": "Salesforce/blip-image-captioning-base", "reason": "captions"}}))
    chat_server.stream(["The picture ", "is described; ", "listen to the WAV."])
    env = {
        **os.environ,
        "HUGGINGGPT_LLM_BASE_URL": chat_server.url,
        "HUGGINGGPT_LLM_MODEL": "test-model",
        "HUGGINGGPT_EXPERTS": "echo",
    }
    exe = Path(sys.executable).with_name("hugginggpt")
    done = subprocess.run(
        [str(exe), "run", "Describe e1.jpg, then read it aloud", "--file", "e1.jpg"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = done.stdout.strip()
    assert answer.startswith("The picture is described; listen to the WAV.")
    assert "was done by Salesforce/blip-image-captioning-base" in answer and answer.endswith(".wav")

    plan_request, select_request, respond_request = chat_server.bodies
    assert plan_request["response_format"]["type"] == "json_schema"
    assert "Files: e1.jpg" in plan_request["messages"][-1]["content"]
    assert "Salesforce/blip-image-captioning-base" in select_request["messages"][-1]["content"]
    assert respond_request["stream"] is True
    assert "t1-text-to-speech.wav" in respond_request["messages"][-1]["content"]
    (run_dir,) = Path("runs").iterdir()
    trace = json.loads((run_dir / "trace.json").read_text())
    assert trace["controller"] == "test-model" and trace["usage"]["total"]["calls"] == 3
    assert trace["choices"][1]["reason"].startswith("the controller did not choose")
