"""What routes get from the app they belong to (no module-level state: an app holds its own)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from hugginggpt.config import Settings
from hugginggpt.server.runs import RunManager

# Dependencies are `async def`: FastAPI runs a plain `def` one in a worker thread, a hop per request.


async def manager(request: Request) -> RunManager:
    return cast(RunManager, request.app.state.manager)


async def upload_limit(request: Request) -> int:
    """Bytes allowed per uploaded file."""
    settings = cast(Settings, request.app.state.settings)
    return int(settings.max_input_mb * 2**20)


Manager = Annotated[RunManager, Depends(manager)]
UploadLimit = Annotated[int, Depends(upload_limit)]
