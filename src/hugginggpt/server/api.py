"""The project's own endpoints: runs (create with uploads, events, trace, files), experts, health."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse, StreamingResponse

from hugginggpt import __version__
from hugginggpt.server.auth import Caller
from hugginggpt.server.deps import Manager, UploadLimit
from hugginggpt.server.runs import Run
from hugginggpt.server.schemas import ExpertModel, FileInfo, Health, RunInfo, RunLinks, error_responses
from hugginggpt.server.sse import STREAM_RESPONSE, run_events, sse_response
from hugginggpt.server.uploads import save_uploads
from hugginggpt.tasks import TASK_TYPES

router = APIRouter()


def run_info(run: Run) -> RunInfo:
    base = f"/v1/runs/{run.id}"
    return RunInfo(
        id=run.id,
        status=run.status,  # type: ignore[arg-type]  # Run keeps to the four values
        request=run.request,
        conversation_id=run.conversation_id,
        created=run.created,
        answer=run.answer,
        error=run.error,
        events=len(run.events),
        links=RunLinks(events=f"{base}/events", trace=f"{base}/trace", files=f"{base}/files"),
    )


@router.post("/v1/runs", status_code=201, tags=["runs"], responses=error_responses(400, 401, 404, 409, 413, 415, 429))
async def create_run(
    manager: Manager,
    owner: Caller,
    limit: UploadLimit,
    request: Annotated[str, Form(description="What to do, in plain language", min_length=1)],
    files: Annotated[list[UploadFile], File(description="Images, audio, video or text files")] = [],  # noqa: B006  (FastAPI copies it)
    conversation_id: Annotated[
        str | None, Form(description="Continue this conversation (its earlier turns and files); omit to start one")
    ] = None,
    plan: Annotated[str | None, Form(description="Execute this JSON task list instead of planning")] = None,
) -> RunInfo:
    """Start a run. It goes on whatever the client does next; follow it at `links.events`."""
    with tempfile.TemporaryDirectory(prefix="hugginggpt-upload-") as staging:
        paths = await save_uploads(files, Path(staging), limit)
        cid, _ = manager.conversation(conversation_id, owner)
        run = await manager.create(request, paths, owner, conversation_id=cid, plan=plan)
    return run_info(run)


@router.get("/v1/runs/{run_id}", tags=["runs"], responses=error_responses(401, 404))
async def get_run(manager: Manager, owner: Caller, run_id: str) -> RunInfo:
    return run_info(manager.get(run_id, owner))


@router.get(
    "/v1/runs/{run_id}/events",
    tags=["runs"],
    response_class=StreamingResponse,
    responses={**STREAM_RESPONSE, **error_responses(401, 404)},
)
async def run_events_stream(
    manager: Manager,
    owner: Caller,
    run_id: str,
    after: Annotated[int | None, Query(description="Send only events after this index")] = None,
    last_event_id: Annotated[str | None, Header(description="Set by reconnecting SSE clients")] = None,
) -> StreamingResponse:
    """Every event of the run from the start (or after `after` / Last-Event-ID), then new ones as they
    come, until the run ends: run_started, stage_started, plan_ready, model_chosen, task_started,
    task_finished (with `urls` of its files), task_failed, task_skipped, answer_delta, run_finished
    or run_failed. Each `id:` is the event's index."""
    run = manager.get(run_id, owner)
    if after is None:
        after = int(last_event_id) if last_event_id is not None and last_event_id.isdigit() else -1
    return sse_response(run_events(run, after + 1))


@router.get("/v1/runs/{run_id}/trace", tags=["runs"], responses=error_responses(401, 404, 409))
async def run_trace(manager: Manager, owner: Caller, run_id: str) -> dict[str, Any]:
    """The run's full record (plan attempts, choices, task results and timings, usage, events)."""
    run = manager.get(run_id, owner)
    if not run.done:
        raise HTTPException(409, f"run {run_id} is still going; its trace is written when it ends")
    try:
        trace: dict[str, Any] = json.loads(await asyncio.to_thread((run.run_dir / "trace.json").read_text, "utf-8"))
    except FileNotFoundError:
        raise HTTPException(404, f"run {run_id} has no trace: {run.error}") from None
    return trace


@router.get("/v1/runs/{run_id}/files", tags=["runs"], responses=error_responses(401, 404))
async def list_files(manager: Manager, owner: Caller, run_id: str) -> list[FileInfo]:
    """The run's inputs and outputs."""
    run = manager.get(run_id, owner)
    names = await asyncio.to_thread(run.files)
    return [FileInfo(path=n, size=(run.run_dir / n).stat().st_size, url=run.url(n)) for n in names]


@router.get(
    "/v1/runs/{run_id}/files/{path:path}",
    tags=["runs"],
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, with its own media type (image/png, audio/x-wav, ...)",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(401, 404),
    },
)
async def get_file(manager: Manager, owner: Caller, run_id: str, path: str) -> FileResponse:
    """One file of the run, by its path in the run folder (as events' `urls` give it)."""
    return FileResponse(manager.get(run_id, owner).file(path))


@router.get("/v1/experts", tags=["models"], responses=error_responses(401))
async def list_experts(
    manager: Manager,
    owner: Caller,
    task: Annotated[str | None, Query(description="Only this task type (e.g. image-to-text)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Models per task")] = 10,
) -> list[ExpertModel]:
    """The expert models in the catalog, most downloaded first, with the backend that can run each."""
    if task is not None and task not in TASK_TYPES:
        raise HTTPException(422, f"unknown task type {task!r}; known: {', '.join(TASK_TYPES)}")
    controller = manager.controller
    out = []
    for name in [task] if task else list(TASK_TYPES):
        for card in controller.catalog.for_task(name)[:limit]:
            runner = next((b.name for b in controller.backends if b.can_run(card)), None)
            out.append(
                ExpertModel(
                    id=card.id,
                    task=card.task,
                    downloads=card.downloads,
                    likes=card.likes,
                    offline=card.offline,
                    backend=runner,
                )
            )
    return out


@router.get("/health", tags=["health"])
async def health(manager: Manager) -> Health:
    """Whether the server is up (needs no key)."""
    controller = manager.controller
    return Health(
        status="ok",
        version=__version__,
        controller=controller.model.name,
        experts=[b.name for b in controller.backends],
        active_runs=manager.active,
        worker=os.getpid(),
    )
