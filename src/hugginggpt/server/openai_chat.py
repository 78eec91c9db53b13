"""OpenAI-style chat completions, so that existing clients and SDKs can talk to the controller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException

from hugginggpt.server.auth import Caller
from hugginggpt.server.deps import Manager, UploadLimit
from hugginggpt.server.messages import start_chat_run
from hugginggpt.server.runs import Run
from hugginggpt.server.schemas import (
    AssistantMessage,
    ChatChoice,
    ChatCompletion,
    ChatRequest,
    ChatUsage,
    ModelEntry,
    ModelList,
    error_responses,
)
from hugginggpt.server.sse import KEEPALIVE, sse_data, sse_response

MODEL = "hugginggpt"
router = APIRouter(prefix="/v1", tags=["openai"])


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **error_responses(400, 401, 404, 413, 415, 429),
    },
)
async def chat_completions(body: ChatRequest, manager: Manager, owner: Caller, limit: UploadLimit) -> Any:
    """The last user message is the request; earlier messages are the history. Files come as content
    parts (`image_url`, `audio_url`, `video_url` with a data URL or a run file's URL, or `input_audio`).
    With `stream: true`, the answer comes as `chat.completion.chunk` events. The id is `chatcmpl-<run id>`:
    the run's events, trace and files are under /v1/runs/<run id>."""
    run = await start_chat_run(manager, owner, limit, body.messages)
    if body.stream:
        return sse_response(_chunks(run))
    await run.wait()
    if run.status != "finished":
        raise HTTPException(422, f"run {run.id} failed: {run.error}")
    usage = await asyncio.to_thread(_usage, run)
    return ChatCompletion(
        id=f"chatcmpl-{run.id}",
        object="chat.completion",
        created=int(run.created),
        model=MODEL,
        choices=[
            ChatChoice(
                index=0, message=AssistantMessage(role="assistant", content=run.answer or ""), finish_reason="stop"
            )
        ],
        usage=usage,
    )


@router.get("/models", responses=error_responses(401))
async def models(owner: Caller) -> ModelList:
    """The one model this server answers as."""
    return ModelList(object="list", data=[ModelEntry(id=MODEL, object="model", created=0, owned_by="hugginggpt")])


def _usage(run: Run) -> ChatUsage:
    total = json.loads((run.run_dir / "trace.json").read_text("utf-8"))["usage"]["total"]
    prompt, completion = total["prompt_tokens"], total["completion_tokens"]
    return ChatUsage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


async def _chunks(run: Run) -> AsyncIterator[str]:
    head = {"id": f"chatcmpl-{run.id}", "object": "chat.completion.chunk", "created": int(run.created), "model": MODEL}

    def chunk(delta: dict[str, str], finish: str | None = None) -> str:
        return sse_data({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    yield chunk({"role": "assistant", "content": ""})
    async for item in run.follow():
        if item is None:
            yield KEEPALIVE
        elif item[1]["type"] == "answer_delta":
            yield chunk({"content": item[1]["text"]})
        elif item[1]["type"] == "run_failed":
            yield sse_data({"error": {"message": f"run {run.id} failed: {item[1]['error']}", "type": "run_failed"}})
    yield chunk({}, "stop")
    yield sse_data("[DONE]")
