"""How each task type runs on this machine: which transformers pipeline (or diffusers pipeline, or model
class where transformers 5 has no pipeline for the task) to load from a model folder, and how to call it.

A run function returns the raw result that `outputs.convert` turns into the typed output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.hub.drawing import open_image
from hugginggpt.experts.hub.inputs import chat_messages, question_and_context
from hugginggpt.experts.offline.media import AUDIO_RATE, load_audio, need_file, need_text
from hugginggpt.experts.offline.text import split_comparison

MAX_NEW_TOKENS = 256
TOP_K = 5


@dataclass(frozen=True)
class LocalTask:
    load: Callable[[Path, str], Any]  # (model folder, device) -> handle kept in the pool
    run: Callable[[Any, ExpertCall], Any]  # (handle, call) -> raw result


def _pipeline(task: str, **options: Any) -> Callable[[Path, str], Any]:
    def load(folder: Path, device: str) -> Any:
        from transformers import pipeline

        build: Any = pipeline  # its overloads want the task as a literal; here it comes from the table
        return build(task, model=str(folder), device=device, **options)

    return load


def _image(call: ExpertCall) -> Any:
    return open_image(need_file(call, "image"))


def _audio(call: ExpertCall) -> dict[str, Any]:
    # Decoded here (soundfile, resampled) so the pipelines need no ffmpeg.
    return {"raw": load_audio(need_file(call, "audio")), "sampling_rate": AUDIO_RATE}


def _load_seq2seq(folder: Path, device: str) -> Any:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    return AutoTokenizer.from_pretrained(folder), AutoModelForSeq2SeqLM.from_pretrained(folder).to(device).eval()


def _generate(handle: Any, call: ExpertCall) -> str:
    """Summarization, translation, text2text: encoder-decoder generation (transformers 5 dropped their pipelines)."""
    import torch

    tokenizer, model = handle
    encoded = tokenizer(need_text(call), return_tensors="pt", truncation=True).to(model.device)
    with torch.inference_mode():
        tokens = model.generate(**encoded, max_new_tokens=MAX_NEW_TOKENS)
    return str(tokenizer.decode(tokens[0], skip_special_tokens=True))


def _load_qa(folder: Path, device: str) -> Any:
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    return AutoTokenizer.from_pretrained(folder), AutoModelForQuestionAnswering.from_pretrained(folder).to(
        device
    ).eval()


def _extract_answer(handle: Any, call: ExpertCall) -> dict[str, Any]:
    """The best span of the context (start before end, at most 30 tokens), as the service reports it."""
    import torch

    tokenizer, model = handle
    question, context = question_and_context(need_text(call))
    encoded = tokenizer(question, context, truncation="only_second", return_offsets_mapping=True, return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].tolist()
    in_context = [s == 1 for s in encoded.sequence_ids(0)]
    with torch.inference_mode():
        out = model(**encoded.to(model.device))
    start = out.start_logits[0].float().log_softmax(-1).tolist()
    end = out.end_logits[0].float().log_softmax(-1).tolist()
    spans = [(start[i] + end[j], i, j) for i in range(len(start)) if in_context[i]
             for j in range(i, min(i + 30, len(end))) if in_context[j]]  # fmt: skip
    if not spans:
        raise ExpertError(f"{call.model} found no answer: the context is empty after truncation")
    score, i, j = max(spans)
    first, last = offsets[i][0], offsets[j][1]
    return {"answer": context[first:last], "score": float(torch.tensor(score).exp()), "start": first, "end": last}


def _similarities(pipe: Any, call: ExpertCall) -> list[float]:
    """Cosine similarity of mean-pooled token embeddings (how sentence-transformers models are scored)."""
    import torch

    source, others = split_comparison(need_text(call))
    vectors = [torch.tensor(pipe(s)[0]).mean(dim=0) for s in (source, *others)]
    return [float(torch.nn.functional.cosine_similarity(vectors[0], v, dim=0)) for v in vectors[1:]]


def _diffusers(kind: str) -> Callable[[Path, str], Any]:
    def load(folder: Path, device: str) -> Any:
        try:
            import diffusers
        except ImportError as exc:
            raise ExpertError(
                "running this model on this machine needs diffusers: .venv/bin/pip install diffusers "
                "(or run the task remotely: HUGGINGGPT_TASK_BACKENDS=<task>=remote)"
            ) from exc
        return getattr(diffusers, kind).from_pretrained(folder).to(device)

    return load


def _video_bytes(pipe: Any, call: ExpertCall) -> bytes:
    import tempfile

    from diffusers.utils import export_to_video

    frames = pipe(need_text(call)).frames[0]
    with tempfile.TemporaryDirectory() as scratch:
        return Path(export_to_video(frames, str(Path(scratch) / "video.mp4"))).read_bytes()


LOCAL_TASKS: dict[str, LocalTask] = {
    "text-classification": LocalTask(_pipeline("text-classification"), lambda p, c: p(need_text(c), top_k=TOP_K)),
    "token-classification": LocalTask(
        _pipeline("token-classification", aggregation_strategy="simple"), lambda p, c: p(need_text(c))
    ),
    "text2text-generation": LocalTask(_load_seq2seq, _generate),
    "summarization": LocalTask(_load_seq2seq, _generate),
    "translation": LocalTask(_load_seq2seq, _generate),
    "question-answering": LocalTask(_load_qa, _extract_answer),
    "conversational": LocalTask(
        _pipeline("text-generation"), lambda p, c: p(chat_messages(need_text(c)), max_new_tokens=MAX_NEW_TOKENS)
    ),
    "text-generation": LocalTask(
        _pipeline("text-generation"),
        lambda p, c: p(need_text(c), max_new_tokens=MAX_NEW_TOKENS, return_full_text=False),
    ),
    "sentence-similarity": LocalTask(_pipeline("feature-extraction"), _similarities),
    "object-detection": LocalTask(_pipeline("object-detection"), lambda p, c: p(_image(c))),
    "image-classification": LocalTask(_pipeline("image-classification"), lambda p, c: p(_image(c), top_k=TOP_K)),
    "image-to-text": LocalTask(
        _pipeline("image-text-to-text"),
        lambda p, c: p(images=_image(c), text=c.text or None, max_new_tokens=MAX_NEW_TOKENS),
    ),
    "text-to-image": LocalTask(_diffusers("AutoPipelineForText2Image"), lambda p, c: p(need_text(c)).images[0]),
    "image-to-image": LocalTask(
        _diffusers("AutoPipelineForImage2Image"), lambda p, c: p(prompt=c.text or "", image=_image(c)).images[0]
    ),
    "image-segmentation": LocalTask(_pipeline("image-segmentation"), lambda p, c: p(_image(c))),
    "depth-estimation": LocalTask(_pipeline("depth-estimation"), lambda p, c: p(_image(c))),
    "visual-question-answering": LocalTask(
        _pipeline("image-text-to-text"),
        lambda p, c: p(images=_image(c), text=need_text(c), max_new_tokens=MAX_NEW_TOKENS),
    ),
    "document-question-answering": LocalTask(
        _pipeline("document-question-answering"), lambda p, c: p(image=_image(c), question=need_text(c))
    ),
    "text-to-speech": LocalTask(_pipeline("text-to-audio"), lambda p, c: p(need_text(c))),
    "automatic-speech-recognition": LocalTask(_pipeline("automatic-speech-recognition"), lambda p, c: p(_audio(c))),
    "audio-classification": LocalTask(_pipeline("audio-classification"), lambda p, c: p(_audio(c), top_k=TOP_K)),
    "text-to-video": LocalTask(_diffusers("DiffusionPipeline"), _video_bytes),
}

# Task types whose Hub models transformers cannot run, and what to do instead.
NOT_LOCAL: dict[str, str] = {
    "tabular-classification": "Hub tabular-classification models are scikit-learn or Keras models, which transformers "
    "cannot run; run the task remotely (HUGGINGGPT_TASK_BACKENDS=tabular-classification=remote)",
    "audio-to-audio": "Hub audio-to-audio models are SpeechBrain or Asteroid models and transformers has no "
    "audio-to-audio pipeline; run the task remotely (HUGGINGGPT_TASK_BACKENDS=audio-to-audio=remote) or offline",
}
