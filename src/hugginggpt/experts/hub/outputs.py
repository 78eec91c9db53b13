"""Raw model results into the project's typed output, one converter per task type (pure functions).

The local pipelines and the inference service return the same shapes for a task (lists of
label/score mappings, generated-text mappings, PIL images, audio samples or encoded bytes), so both
backends share these; the contract tests feed each one a canned result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, OutputFile
from hugginggpt.experts.hub import drawing
from hugginggpt.experts.offline.media import need_file, output_path
from hugginggpt.experts.offline.text import split_comparison

Converter = Callable[[Any, ExpertCall], ExpertOutput]

_TEXT_KEYS = ("generated_text", "summary_text", "translation_text", "answer", "text", "content")


def _plain(value: Any) -> Any:
    """A JSON-friendly copy for the trace (images, arrays and bytes are left out: they are files)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if _keep(v)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value if _keep(v)]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()  # a numpy or torch scalar
    return value


def _keep(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | Mapping | list | tuple) or value is None


def generated_text(raw: Any) -> str:
    """The text in a generation result: a string, a mapping with a known text key, a chat completion, a
    chat transcript (its last message), or a list of any of these (the first)."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, list | tuple) and raw:
        if all(isinstance(m, Mapping) and "role" in m for m in raw):
            return generated_text(raw[-1]["content"])
        return generated_text(raw[0])
    if isinstance(raw, Mapping):
        if raw.get("choices"):
            return generated_text(raw["choices"][0]["message"]["content"])
        for key in _TEXT_KEYS:
            if raw.get(key) is not None:
                return generated_text(raw[key])
    raise ExpertError(f"the model returned no text (got {type(raw).__name__})")


def _text(raw: Any, call: ExpertCall) -> ExpertOutput:
    return ExpertOutput(text=generated_text(raw), data=_plain(raw))


def _items(raw: Any) -> list[Mapping[str, Any]]:
    """A list of result mappings (a pipeline given one input may nest it once more)."""
    if isinstance(raw, Mapping):
        return [raw]
    items = list(raw)
    if len(items) == 1 and isinstance(items[0], list | tuple):
        items = list(items[0])
    return items


def _scores(items: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{r['label']} ({float(r.get('score') or 0):.2f})" for r in items)


def _labels(raw: Any, call: ExpertCall) -> ExpertOutput:
    items = sorted(_items(raw), key=lambda r: -float(r.get("score") or 0))
    if not items:
        return ExpertOutput(text="no label", data=[])
    return ExpertOutput(text=_scores(items), data=_plain(items))


def _entities(raw: Any, call: ExpertCall) -> ExpertOutput:
    items = _items(raw)
    if not items:
        return ExpertOutput(text="no entities found", data=[])
    names = [f"{r['word'].strip()} ({r.get('entity_group') or r.get('entity')})" for r in items]
    return ExpertOutput(text="; ".join(names), data=_plain(items))


def _answer(raw: Any, call: ExpertCall) -> ExpertOutput:
    items = _items(raw)
    if not items:
        raise ExpertError(f"{call.model} found no answer")
    best = max(items, key=lambda r: float(r.get("score") or 0))
    return ExpertOutput(text=generated_text(best), data=_plain(items))


def _similarity(raw: Any, call: ExpertCall) -> ExpertOutput:
    source, others = split_comparison(call.text or "")
    scores = [float(s) for s in raw]
    if len(scores) != len(others):
        raise ExpertError(f"{call.model} returned {len(scores)} scores for {len(others)} sentences")
    lines = [f'"{other}": {score:.3f}' for other, score in zip(others, scores, strict=True)]
    text = f'similarity to "{source}": ' + "; ".join(lines)
    return ExpertOutput(text=text, data={"source": source, "sentences": others, "scores": scores})


def _table_labels(raw: Any, call: ExpertCall) -> ExpertOutput:
    labels = [str(label) for label in raw]
    text = "; ".join(f"row {i}: {label}" for i, label in enumerate(labels, 1)) or "no rows"
    return ExpertOutput(text=text, data=labels)


def _boxes(raw: Any, call: ExpertCall) -> ExpertOutput:
    items = sorted(_items(raw), key=lambda r: -float(r.get("score") or 0))
    image = drawing.draw_boxes(need_file(call, "image"), items, output_path(call, ".png"))
    text = f"{len(items)} object(s): {_scores(items)}" if items else "no objects found"
    return ExpertOutput(text=text, files=(OutputFile(image, "image"),), data=_plain(items))


def _segments(raw: Any, call: ExpertCall) -> ExpertOutput:
    items = _items(raw)
    image = drawing.overlay_masks(need_file(call, "image"), items, output_path(call, ".png"))
    labels = ", ".join(str(r.get("label")) for r in items)
    text = f"{len(items)} region(s): {labels}" if items else "no regions found"
    return ExpertOutput(text=text, files=(OutputFile(image, "image"),), data=_plain(items))


def _image(raw: Any, call: ExpertCall) -> ExpertOutput:
    image = raw[0] if isinstance(raw, list | tuple) else raw
    path = drawing.save_png(image, output_path(call, ".png"))
    return ExpertOutput(text=f"image written to {path.name}", files=(OutputFile(path, "image"),))


def _depth(raw: Any, call: ExpertCall) -> ExpertOutput:
    # The pipeline gives {"depth": image, "predicted_depth": tensor}; the raw map is drawn when no image is.
    depth = raw.get("depth", raw.get("predicted_depth")) if isinstance(raw, Mapping) else raw
    path = drawing.depth_png(depth, output_path(call, ".png"))
    return ExpertOutput(text=f"depth map written to {path.name}", files=(OutputFile(path, "image"),))


def _speech(raw: Any, call: ExpertCall) -> ExpertOutput:
    target = output_path(call, ".wav")
    if isinstance(raw, Mapping):
        path = drawing.save_audio(raw["audio"], target, int(raw["sampling_rate"]))
    else:
        path = drawing.save_audio(raw, target)
    return ExpertOutput(text=f"audio written to {path.name}", files=(OutputFile(path, "audio"),))


def _audio_parts(raw: Any, call: ExpertCall) -> ExpertOutput:
    """Audio-to-audio: one file per returned part (a denoised track, or each separated source)."""
    items = _items(raw)
    if not items:
        raise ExpertError(f"{call.model} returned no audio")
    call.output_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for i, part in enumerate(items):
        stem = call.output_stem if i == 0 else f"{call.output_stem}-{i}"
        files.append(OutputFile(drawing.save_audio(part["blob"], call.output_dir / f"{stem}.wav"), "audio"))
    labels = [str(part.get("label", "")) for part in items]
    text = f"{len(files)} audio file(s): " + ", ".join(
        f"{f.path.name} ({label})" for f, label in zip(files, labels, strict=True)
    )
    return ExpertOutput(text=text, files=tuple(files), data={"labels": labels})


def _video(raw: Any, call: ExpertCall) -> ExpertOutput:
    if not isinstance(raw, bytes | bytearray) or not raw:
        raise ExpertError(f"{call.model} returned no video")
    path = output_path(call, ".mp4")
    path.write_bytes(raw)
    return ExpertOutput(text=f"video written to {path.name}", files=(OutputFile(path, "video"),))


CONVERTERS: dict[str, Converter] = {
    "text-classification": _labels,
    "token-classification": _entities,
    "text2text-generation": _text,
    "summarization": _text,
    "translation": _text,
    "question-answering": _answer,
    "conversational": _text,
    "text-generation": _text,
    "sentence-similarity": _similarity,
    "tabular-classification": _table_labels,
    "object-detection": _boxes,
    "image-classification": _labels,
    "image-to-text": _text,
    "text-to-image": _image,
    "image-to-image": _image,
    "image-segmentation": _segments,
    "depth-estimation": _depth,
    "visual-question-answering": _answer,
    "document-question-answering": _answer,
    "text-to-speech": _speech,
    "automatic-speech-recognition": _text,
    "audio-to-audio": _audio_parts,
    "audio-classification": _labels,
    "text-to-video": _video,
}


def convert(raw: Any, call: ExpertCall) -> ExpertOutput:
    return CONVERTERS[call.task](raw, call)
