"""The 24 task types of HuggingGPT: what each one takes and what it produces.

A task's arguments and outputs are of four kinds (text, image, audio, video); the plan validator
uses this table to check that `<GENERATED>-k` points at a task that produces the kind asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "image", "audio", "video"]
KINDS: tuple[Kind, ...] = ("text", "image", "audio", "video")


@dataclass(frozen=True)
class TaskType:
    name: str
    family: str  # nlp, vision, audio, video
    requires: tuple[Kind, ...]  # argument kinds that must be given
    accepts: tuple[Kind, ...]  # every argument kind the task understands (requires included)
    produces: tuple[Kind, ...]  # output kinds, the main one first
    description: str


def _t(name: str, family: str, requires: str, produces: str, description: str, optional: str = "") -> TaskType:
    req = tuple(requires.split()) if requires else ()
    return TaskType(
        name=name,
        family=family,
        requires=req,  # type: ignore[arg-type]
        accepts=req + tuple(optional.split()),  # type: ignore[arg-type]
        produces=tuple(produces.split()),  # type: ignore[arg-type]
        description=description,
    )


TASK_TYPES: dict[str, TaskType] = {
    t.name: t
    for t in (
        _t("text-classification", "nlp", "text", "text", "label a text (sentiment, topic, ...)"),
        _t("token-classification", "nlp", "text", "text", "find named entities or tag words in a text"),
        _t("text2text-generation", "nlp", "text", "text", "rewrite or transform a text"),
        _t("summarization", "nlp", "text", "text", "summarize a text"),
        _t("translation", "nlp", "text", "text", "translate a text into another language"),
        _t("question-answering", "nlp", "text", "text", "answer a question from a given text"),
        _t("conversational", "nlp", "text", "text", "reply in a conversation"),
        _t("text-generation", "nlp", "text", "text", "write text that continues or answers a prompt"),
        _t("sentence-similarity", "nlp", "text", "text", "score how similar sentences are"),
        _t("tabular-classification", "nlp", "text", "text", "classify rows of a table"),
        _t("object-detection", "vision", "image", "image text", "find and box objects in an image"),
        _t("image-classification", "vision", "image", "text", "label what an image shows"),
        _t("image-to-text", "vision", "image", "text", "describe an image or read its text", "text"),
        _t("text-to-image", "vision", "text", "image", "draw an image from a description"),
        _t("image-to-image", "vision", "image", "image", "transform an image (style, edges, ...)", "text"),
        _t("image-segmentation", "vision", "image", "image text", "split an image into labelled regions"),
        _t("depth-estimation", "vision", "image", "image", "estimate the depth of each pixel of an image"),
        _t("visual-question-answering", "vision", "image text", "text", "answer a question about an image"),
        _t(
            "document-question-answering",
            "vision",
            "image text",
            "text",
            "answer a question about a document image",
        ),
        _t("text-to-speech", "audio", "text", "audio", "read a text aloud"),
        _t("automatic-speech-recognition", "audio", "audio", "text", "transcribe speech in an audio file"),
        _t("audio-to-audio", "audio", "audio", "audio", "transform audio (denoise, separate, ...)"),
        _t("audio-classification", "audio", "audio", "text", "label the sounds in an audio file"),
        _t("text-to-video", "video", "text", "video", "make a video from a description"),
    )
}

_FILE_KINDS: dict[str, Kind] = {
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"), "image"),
    **dict.fromkeys(("wav", "mp3", "flac", "ogg", "m4a", "aac", "opus"), "audio"),
    **dict.fromkeys(("mp4", "avi", "mov", "mkv", "webm"), "video"),
    **dict.fromkeys(("txt", "md", "csv", "tsv", "json"), "text"),
}


def kind_of_file(name: str) -> Kind | None:
    """The kind of a file by its extension (a text file's kind is text), or None when it is unknown."""
    stem, dot, ext = name.rpartition(".")
    return _FILE_KINDS.get(ext.lower()) if dot and stem else None


def normalize_task_name(name: str) -> str:
    """Accept the spellings controllers use (`Image_To_Text`, `image to text`) for a task type."""
    return "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
