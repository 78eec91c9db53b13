"""The original HuggingGPT (JARVIS) server's endpoints, same request and response shapes, so its
clients can switch: /hugginggpt (answer), /tasks (plan only), /results (plan and execute)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from hugginggpt.server.auth import Caller
from hugginggpt.server.deps import Manager, UploadLimit
from hugginggpt.server.messages import chat_inputs, start_chat_run
from hugginggpt.server.runs import Run
from hugginggpt.server.schemas import (
    ChatMessage,
    LegacyAnswer,
    LegacyRequest,
    LegacyResults,
    LegacyTasks,
    error_responses,
)

router = APIRouter(tags=["original HuggingGPT server"])
ERRORS = error_responses(400, 401, 404, 413, 415, 429)


def _messages(body: LegacyRequest) -> list[ChatMessage]:
    return [ChatMessage(role=m.role, content=m.content) for m in body.messages]


async def _finished(run: Run) -> Run:
    await run.wait()
    if run.status != "finished" or run.result is None:
        raise HTTPException(422, f"run {run.id} failed: {run.error}")
    return run


@router.post("/hugginggpt", responses=ERRORS)
async def hugginggpt(body: LegacyRequest, manager: Manager, owner: Caller, limit: UploadLimit) -> LegacyAnswer:
    """Plan, select, execute and answer: `{"message": answer}`."""
    run = await _finished(await start_chat_run(manager, owner, limit, _messages(body)))
    return LegacyAnswer(message=run.answer or "")


@router.post("/tasks", responses=ERRORS)
async def tasks(body: LegacyRequest, manager: Manager, owner: Caller, limit: UploadLimit) -> LegacyTasks:
    """Planning only, nothing runs: `{"task": [task list]}`."""
    async with chat_inputs(manager, owner, limit, _messages(body)) as chat:
        outcome = await manager.plan(chat.request, chat.files, chat.session)
    return LegacyTasks(task=outcome.plan.to_json())


@router.post("/results", responses=ERRORS)
async def results(body: LegacyRequest, manager: Manager, owner: Caller, limit: UploadLimit) -> LegacyResults:
    """Plan, select and execute, no answer: `{"result": {task id: result}}`."""
    run = await _finished(await start_chat_run(manager, owner, limit, _messages(body), results_only=True))
    assert run.result is not None  # _finished checked it
    return LegacyResults(result={str(r.task_id): r.to_dict() for r in run.result.reports})
