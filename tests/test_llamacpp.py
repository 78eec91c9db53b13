"""The llama.cpp controller on the real bundled Qwen2.5-Coder-1.5B GGUF (loaded once for the module).

The model reads ~40 prompt tokens/s and writes ~13 tokens/s on 2 cores, so replies are kept short.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hugginggpt.errors import ControllerError
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.llm.base import Message
from hugginggpt.llm.llamacpp import LlamaCppChatModel
from hugginggpt.planner import plan_schema
from hugginggpt.tasks import KINDS, TASK_TYPES

ASSETS = Assets(default_models_dir())
needs_gguf = pytest.mark.skipif(not ASSETS.gguf_ready(), reason="the Qwen GGUF is not prepared; run `make install`")


@pytest.fixture(scope="module")
def model() -> Iterator[LlamaCppChatModel]:
    loaded = LlamaCppChatModel(ASSETS.gguf, max_tokens=8).load()
    yield loaded
    loaded.close()


def ask_yes() -> list[Message]:
    return [{"role": "user", "content": "Reply with the single word: yes"}]


@needs_gguf
def test_short_reply_with_usage(model: LlamaCppChatModel) -> None:
    assert model.loaded
    assert model.name == "qwen2.5-coder-1.5b-instruct (llama.cpp)"
    reply = model.generate(ask_yes())
    assert "yes" in reply.text.lower()
    assert reply.usage.calls == 1
    assert reply.usage.prompt_tokens > 5
    assert 0 < reply.usage.completion_tokens <= 8
    assert not reply.structured


@needs_gguf
def test_schema_constrained_plan_is_valid_json(model: LlamaCppChatModel) -> None:
    messages: list[Message] = [
        {
            "role": "system",
            "content": "Plan the user's request as a JSON list of tasks. Each task has: task (a task type), id, "
            'dep (ids of the tasks whose output it uses, [-1] for none), args ({"image": ...} or {"text": ...}). '
            "image-to-text reads the text in an image; text-to-speech reads a text aloud.",
        },
        {"role": "user", "content": "Read the text in note.png aloud"},
    ]
    reply = model.generate(messages, schema=plan_schema(), max_tokens=160)
    assert reply.structured
    plan = json.loads(reply.text)  # the grammar guarantees JSON; the plan's content is the model's
    assert isinstance(plan, list) and plan
    for task in plan:
        assert set(task) == {"task", "id", "dep", "args"}
        assert task["task"] in TASK_TYPES
        assert isinstance(task["id"], int)
        assert all(isinstance(d, int) for d in task["dep"])
        assert set(task["args"]) <= set(KINDS)
        assert all(isinstance(v, str) for v in task["args"].values())


@needs_gguf
def test_streaming_deltas_join_to_the_text(model: LlamaCppChatModel) -> None:
    pieces: list[str] = []
    messages: list[Message] = [{"role": "user", "content": "Count from 1 to 5, separated by spaces."}]
    reply = model.generate(messages, on_delta=pieces.append, max_tokens=12)
    assert len(pieces) > 1
    assert "".join(pieces) == reply.text
    assert "1" in reply.text and "3" in reply.text
    assert reply.usage.completion_tokens >= len(pieces)


@needs_gguf
def test_an_error_in_the_delta_callback_stops_the_stream_and_is_raised(model: LlamaCppChatModel) -> None:
    def fail(piece: str) -> None:
        raise RuntimeError("display closed")

    with pytest.raises(RuntimeError, match="display closed"):
        model.generate(ask_yes(), on_delta=fail)


@needs_gguf
def test_concurrent_calls_are_served(model: LlamaCppChatModel) -> None:
    texts: list[str] = []
    threads = [threading.Thread(target=lambda: texts.append(model.generate(ask_yes()).text)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(texts) == 3 and all("yes" in t.lower() for t in texts)


@needs_gguf
def test_a_prompt_over_the_context_is_a_controller_error(model: LlamaCppChatModel) -> None:
    with pytest.raises(ControllerError, match="over the context of 4096; shorten"):
        model.generate([{"role": "user", "content": "word " * 5000}])


@needs_gguf
def test_a_schema_llama_cpp_cannot_compile_is_a_controller_error(model: LlamaCppChatModel) -> None:
    with pytest.raises(ControllerError, match="refused the JSON schema"):
        model.generate(ask_yes(), schema={"type": "no-such-type"})


def test_missing_gguf_says_run_make_install(tmp_path: Path) -> None:
    missing = LlamaCppChatModel(tmp_path / "absent-q4_k_m.gguf")
    assert missing.name == "absent (llama.cpp)" and not missing.loaded
    with pytest.raises(ControllerError, match="does not exist; run `make install`"):
        missing.generate(ask_yes())


def test_a_file_that_is_not_gguf_is_a_controller_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model" * 100)
    with pytest.raises(ControllerError, match="could not load"):
        LlamaCppChatModel(junk).load()
