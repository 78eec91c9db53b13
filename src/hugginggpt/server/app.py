"""The app factory: the HTTP API and the web page over one controller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from hugginggpt import __version__
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.errors import ConfigError, ControllerError, HuggingGPTError, PlanningFailed, ResourceError
from hugginggpt.server import api, legacy, openai_chat
from hugginggpt.server.runs import Busy, NotFound, Overloaded, RunManager
from hugginggpt.server.uploads import MAX_FILES, BodyLimit, UnsupportedUpload, UploadTooLarge

STATIC = Path(__file__).parent / "static"

# Most specific first: the first class an error is an instance of gives its status.
ERROR_STATUS: tuple[tuple[type[HuggingGPTError], int], ...] = (
    (NotFound, 404),
    (Busy, 409),
    (Overloaded, 429),
    (UploadTooLarge, 413),
    (UnsupportedUpload, 415),
    (ResourceError, 400),
    (PlanningFailed, 422),
    (ControllerError, 502),
    (ConfigError, 500),
    (HuggingGPTError, 500),
)


def create_app(settings: Settings, controller: HuggingGPT | None = None) -> FastAPI:
    """The app. `controller` defaults to the one `settings` describe (tests pass their own)."""
    manager = RunManager(controller or HuggingGPT.from_settings(settings), max_active=settings.max_active_runs)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        manager.start()
        try:
            yield
        finally:
            await manager.drain(settings.drain_timeout)  # told to stop: let the runs going end first
            manager.stop()

    app = FastAPI(
        title="HuggingGPT",
        version=__version__,
        lifespan=lifespan,
        description="A language model plans a request, runs expert models, and answers. "
        "Runs stream their events as server-sent events; the web page is at /.",
    )
    app.state.settings = settings
    app.state.manager = manager
    per_file = settings.max_input_mb * 2**20
    # Several files, base64-inflated by a third when inlined in JSON, plus the rest of the request.
    app.add_middleware(BodyLimit, max_bytes=int(MAX_FILES * per_file * 4 / 3) + 2**20)
    app.add_exception_handler(HuggingGPTError, _error_response)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.include_router(api.router)
    app.include_router(openai_chat.router)
    app.include_router(legacy.router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _error_response(_: Request, exc: HuggingGPTError) -> JSONResponse:
    status = next(code for kind, code in ERROR_STATUS if isinstance(exc, kind))
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Overloaded) else None
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return JSONResponse({"detail": f"invalid request: {problems}"}, status_code=422)
