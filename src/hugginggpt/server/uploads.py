"""Files clients send: checked for size and kind, saved under safe names in a staging folder (the run
then copies them into its own inputs/)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import mimetypes
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from hugginggpt.errors import PlanError, ResourceError
from hugginggpt.plan import task_list
from hugginggpt.tasks import kind_of_file

MAX_FILES = 8  # per request
ALLOWED = "images, audio, video and text files (.png .jpg .wav .mp3 .mp4 .txt ...)"
# An image may declare any size in a few bytes; decoding 30,000 x 30,000 pixels would take gigabytes.
MAX_IMAGE_PIXELS = 50_000_000


class UploadTooLarge(ResourceError):
    """An upload (or the whole request) is over the configured size."""


class UnsupportedUpload(ResourceError):
    """An upload is not a kind of file any expert takes."""


def safe_name(name: str, index: int) -> str:
    """The file's own name made safe for a folder (the controller and the user see it), or upload-N."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).lstrip(".")
    return cleaned or f"upload-{index}"


def check_kind(name: str) -> None:
    if kind_of_file(name) is None:
        raise UnsupportedUpload(f"{name!r} is not a file the experts take; send {ALLOWED}")


def check_count(count: int) -> None:
    if count > MAX_FILES:
        raise UploadTooLarge(f"{count} files in one request; send at most {MAX_FILES}")


async def save_uploads(uploads: Sequence[UploadFile], folder: Path, max_bytes: int) -> list[Path]:
    check_count(len(uploads))
    saved: list[Path] = []
    for index, upload in enumerate(uploads, 1):
        name = safe_name(upload.filename or "", index)
        check_kind(name)
        if upload.size is not None and upload.size > max_bytes:
            raise UploadTooLarge(_too_large(name, max_bytes))
        target = _unique(folder / name)
        await asyncio.to_thread(_copy_limited, upload, target, max_bytes)
        await asyncio.to_thread(check_image_size, target)
        saved.append(target)
    return saved


def check_image_size(path: Path) -> None:
    """Refuse an image whose header declares more than MAX_IMAGE_PIXELS (only the header is read). A file
    that is no readable image is left to the expert, which says so."""
    if kind_of_file(path.name) != "image":
        return
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # this check is the answer to it
            with Image.open(path) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:  # far over Pillow's own limit: refused as it is
        raise UploadTooLarge(
            f"{path.name} declares too many pixels ({exc}); send an image of at most "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError):
        return
    if width * height > MAX_IMAGE_PIXELS:
        raise UploadTooLarge(
            f"{path.name} declares {width} x {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"send an image of at most {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels"
        )


def save_data_url(url: str, folder: Path, index: int, max_bytes: int) -> Path:
    """A `data:<mime>;base64,...` URL (how OpenAI-style clients inline files) as a file."""
    match = re.fullmatch(r"data:([\w.+-]+/[\w.+-]+)?(;[^,]*)?,(.*)", url, re.DOTALL)
    if match is None or "base64" not in (match.group(2) or ""):
        raise UnsupportedUpload("a data URL must be base64: data:<type>;base64,<data>")
    mime = match.group(1) or "application/octet-stream"
    extension = {"audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav"}.get(mime) or (
        mimetypes.guess_extension(mime) or ""
    )
    name = f"upload-{index}{extension}"
    check_kind(name)
    if len(match.group(3)) * 3 // 4 > max_bytes:
        raise UploadTooLarge(_too_large(name, max_bytes))
    try:
        data = base64.b64decode(match.group(3), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ResourceError(f"the data URL of {name} is not valid base64; encode the file's bytes with base64") from exc
    target = _unique(folder / name)
    target.write_bytes(data)
    check_image_size(target)
    return target


def check_request(text: str, max_chars: int, with_files: bool = False) -> None:
    """A request text the controller can read: no NUL characters, not longer than `max_chars`, and not
    empty unless files come with it (a picture sent alone gets what its kind usually wants)."""
    if not text.strip() and not with_files:
        raise ResourceError("the request is empty: say what you want done")
    if "\x00" in text:
        raise ResourceError("the request text contains a NUL character (\\u0000); send plain text")
    if len(text) > max_chars:
        raise UploadTooLarge(
            f"the request text is {len(text):,} characters, over {max_chars:,} (HUGGINGGPT_MAX_REQUEST_CHARS); "
            "put long text in a .txt file and send it as a file"
        )


def check_plan(plan: str, max_tasks: int) -> None:
    """A plan given with a request is JSON and not too long: checked before a run starts, so that the
    answer is a 400, not a run that fails (the run validates the rest)."""
    try:
        raw = json.loads(plan)
    except ValueError as exc:
        raise ResourceError(
            f"the plan is not JSON ({exc}); send a JSON list of tasks as `hugginggpt plan` prints it"
        ) from exc
    try:
        tasks = task_list(raw)
    except PlanError as exc:
        raise ResourceError(f"{exc}; send a JSON list of tasks as `hugginggpt plan` prints it") from exc
    if len(tasks) > max_tasks:
        raise UploadTooLarge(f"the plan has {len(tasks):,} tasks, over {max_tasks} (HUGGINGGPT_MAX_TASKS)")


def _copy_limited(upload: UploadFile, target: Path, max_bytes: int) -> None:
    # The size a client declares may be missing or wrong: count what is copied.
    upload.file.seek(0)
    copied = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            copied += len(chunk)
            if copied > max_bytes:
                raise UploadTooLarge(_too_large(target.name, max_bytes))
            out.write(chunk)


def _unique(path: Path) -> Path:
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _too_large(name: str, max_bytes: int) -> str:
    return f"{name} is over {max_bytes / 2**20:g} MiB (HUGGINGGPT_MAX_INPUT_MB); send a smaller file"


class BodyLimit:
    """Refuses, before reading it, a request whose declared body is over `max_bytes` (413). Bodies
    without a length are checked file by file as they are saved."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                await _send_json(send, 413, {"detail": f"the request is over {self.max_bytes / 2**20:g} MiB"})
                return
        await self.app(scope, receive, send)


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
