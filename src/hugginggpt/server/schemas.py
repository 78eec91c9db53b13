"""Request and response bodies; FastAPI derives the OpenAPI schema from them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    detail: str


class RunLinks(BaseModel):
    events: str
    trace: str
    files: str


class RunInfo(BaseModel):
    id: str
    status: Literal["running", "finished", "failed", "interrupted"]
    request: str
    conversation_id: str | None
    created: float = Field(description="Unix time the run was created")
    answer: str | None
    error: str | None
    events: int = Field(description="Events so far")
    links: RunLinks


class FileInfo(BaseModel):
    path: str = Field(description="Relative to the run folder")
    size: int
    url: str


class ExpertModel(BaseModel):
    id: str
    task: str
    downloads: int
    likes: int
    offline: bool
    backend: str | None = Field(description="The configured backend that can run it; null if none can")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    controller: str
    experts: list[str]
    active_runs: int = Field(description="Runs going in the worker process that answered")
    worker: int = Field(description="That worker's process id (a server may have several)")


# --- OpenAI-style chat completions ---------------------------------------------------------------


class UrlRef(BaseModel):
    url: str = Field(description="data:<type>;base64,..., a file of a run (/v1/runs/<id>/files/<path>) or http(s)")


class InputAudio(BaseModel):
    data: str = Field(description="base64")
    format: str = Field(description="wav, mp3, ...")


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(description="text, image_url, audio_url, video_url or input_audio")
    text: str | None = None
    image_url: UrlRef | None = None
    audio_url: UrlRef | None = None
    video_url: UrlRef | None = None
    input_audio: InputAudio | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str | None = Field(None, description="Ignored: the server has one controller")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class AssistantMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop"]


class ChatUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str = Field(description="chatcmpl-<run id>")
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: ChatUsage


class ModelEntry(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelEntry]


# --- the original HuggingGPT server's endpoints ----------------------------------------------------


class LegacyMessage(BaseModel):
    role: str
    content: str


class LegacyRequest(BaseModel):
    messages: list[LegacyMessage] = Field(min_length=1)


class LegacyAnswer(BaseModel):
    message: str


class LegacyTasks(BaseModel):
    task: list[dict[str, Any]]


class LegacyResults(BaseModel):
    result: dict[str, dict[str, Any]] = Field(description="Per task id: task, args, model, reason, status, output")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error statuses a route may answer with, for its OpenAPI entry. Every error has the same
    body, invalid requests (422) included: the app words validation errors as one message too."""
    return {code: {"model": ErrorBody} for code in sorted({*codes, 422})}
