"""Server-sent events: a run's events as a `text/event-stream` response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

from hugginggpt.server.runs import Run

KEEPALIVE = ": keepalive\n\n"
# For the OpenAPI schema of the routes that answer with a stream.
STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events; each `data:` line holds one JSON object",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def sse_data(data: dict[str, Any] | str, event_id: int | None = None) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}data: {text}\n\n"  # json.dumps never writes a raw newline, so one data line is enough


async def run_events(run: Run, start: int) -> AsyncIterator[str]:
    """Every event from index `start` on, with its index as the SSE id (for Last-Event-ID)."""
    async for item in run.follow(start):
        yield KEEPALIVE if item is None else sse_data(item[1], item[0])


def sse_response(stream: AsyncIterator[str]) -> StreamingResponse:
    # no-cache and X-Accel-Buffering: proxies must pass each event on at once
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
