"""Chat messages (OpenAI style, or the original server's) as what a run takes: the request (the last
user message), earlier turns as a chat session, and the files the messages carry."""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hugginggpt.errors import ResourceError
from hugginggpt.server.runs import Run, RunManager
from hugginggpt.server.schemas import ChatMessage, ContentPart
from hugginggpt.server.uploads import check_count, save_data_url
from hugginggpt.session import ChatSession

_RUN_FILE = re.compile(r"/v1/runs/([^/]+)/files/(.+)")

# (run id, path in its folder) -> the local file, raising NotFound when the caller may not read it
RunFileLookup = Callable[[str, str], Path]


@dataclass
class Conversation:
    request: str
    session: ChatSession
    files: list[Path] = field(default_factory=list)


async def read_messages(
    messages: Sequence[ChatMessage], staging: Path, max_bytes: int, run_file: RunFileLookup
) -> Conversation:
    if messages[-1].role != "user":
        raise ResourceError("the last message must be the user's request (role: user)")
    files: list[Path] = []
    texts: list[tuple[str, str]] = []
    for message in messages:
        if message.role not in ("user", "assistant"):
            continue  # system prompts: the controller has its own instructions
        parts = [message.content or ""] if not isinstance(message.content, list) else message.content
        text: list[str] = []
        for part in parts:
            if isinstance(part, str):
                text.append(part)
            elif part.type == "text":
                text.append(part.text or "")
            elif message.role == "user":
                url = await _file_of(part, staging, len(files) + 1, max_bytes, run_file, files)
                if url:
                    text.append(url)  # the controller may name a web address in its plan; the run fetches it
        texts.append((message.role, "\n".join(t for t in text if t)))
    check_count(len(files))
    session = ChatSession()
    pending: str | None = None
    for role, said in texts[:-1]:
        if role == "user":
            pending = said
        elif pending is not None:
            session.add_turn(pending, said)
            pending = None
    return Conversation(texts[-1][1], session, files)


async def _file_of(
    part: ContentPart, staging: Path, index: int, max_bytes: int, run_file: RunFileLookup, files: list[Path]
) -> str | None:
    """Saves or finds the file a content part refers to, appending it to `files`; returns a web
    address to leave in the text instead."""
    if part.input_audio is not None:
        url = f"data:audio/{part.input_audio.format};base64,{part.input_audio.data}"
    else:
        ref = part.image_url or part.audio_url or part.video_url
        if ref is None:
            raise ResourceError(f"content part of type {part.type!r} carries no file; see /docs for the types")
        url = ref.url
    if url.startswith("data:"):
        files.append(await asyncio.to_thread(save_data_url, url, staging, index, max_bytes))
        return None
    found = _RUN_FILE.search(urllib.parse.urlsplit(url).path)
    if found is not None:
        files.append(run_file(found.group(1), urllib.parse.unquote(found.group(2))))
        return None
    if url.startswith(("http://", "https://")):
        return url
    raise ResourceError(f"cannot use the file reference {url[:80]!r}; give a data URL, a run file URL or http(s)")


@contextlib.asynccontextmanager
async def chat_inputs(
    manager: RunManager, owner: str | None, limit: int, messages: Sequence[ChatMessage]
) -> AsyncIterator[Conversation]:
    """The conversation the messages hold; its files are deleted on leaving (a run copies them)."""
    with tempfile.TemporaryDirectory(prefix="hugginggpt-upload-") as staging:
        yield await read_messages(messages, Path(staging), limit, lambda rid, path: manager.get(rid, owner).file(path))


async def start_chat_run(
    manager: RunManager, owner: str | None, limit: int, messages: Sequence[ChatMessage], results_only: bool = False
) -> Run:
    """A run for the last user message, with the earlier ones as its history."""
    async with chat_inputs(manager, owner, limit, messages) as chat:
        return await manager.create(chat.request, chat.files, owner, session=chat.session, results_only=results_only)
