"""The app factory: the HTTP API and the web page over one controller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def app_from_environment() -> FastAPI:
    """The app as `hugginggpt serve --workers N` starts it in each worker process: settings from the
    environment (the command passes its own options there)."""
    return create_app(Settings.load())


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
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
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


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's own errors, with its form parser's limit worded as what to do."""
    if exc.status_code == 400 and str(exc.detail).startswith("Field exceeded maximum size"):
        return JSONResponse(
            {"detail": "a form field is over 1 MiB: send a long text as a .txt file, and a plan of at most "
             "HUGGINGGPT_MAX_TASKS tasks"},
            status_code=413,
        )  # fmt: skip
    return await http_exception_handler(request, exc)


# Endpoints whose body is a form (multipart/form-data); the others take JSON.
FORM_ENDPOINTS = ("/v1/runs",)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A body FastAPI could not read, in words that say what to send."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and request.url.path in FORM_ENDPOINTS:
        if kind not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return JSONResponse(
                {"detail": f"POST {request.url.path} takes a form (multipart/form-data: request, files, "
                 f"conversation_id, plan), not {kind or 'a body without a type'}; for a JSON body use "
                 "POST /v1/chat/completions"},
                status_code=415,
            )  # fmt: skip
    elif request.method == "POST" and kind != "application/json":
        return JSONResponse(
            {"detail": f"send the body as JSON with Content-Type: application/json, not {kind or 'no type'}"},
            status_code=415,
        )
    broken = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if broken is not None:
        where = broken["loc"][-1] if broken.get("loc") else "?"
        return JSONResponse(
            {"detail": f"the body is not valid JSON (at character {where}: {broken.get('ctx', {}).get('error', broken['msg'])}); "
             'send a JSON object such as {"messages": [{"role": "user", "content": "..."}]}'},
            status_code=400,
        )  # fmt: skip
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return JSONResponse({"detail": f"invalid request: {problems}"}, status_code=422)
