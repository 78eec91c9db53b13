"""Offline experts: text tasks done by prompting the bundled Qwen2.5-Coder-1.5B-Instruct with llama.cpp.

There is no packaged summariser, extractive QA or general chat model, so one small LLM does these
tasks, each with a system prompt that keeps it to the text it is given. The model is loaded once
into the shared pool under a fixed name; the embedded controller gets the same instance from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hugginggpt.errors import ControllerError, ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, card, module
from hugginggpt.experts.offline.media import need_file, need_text
from hugginggpt.experts.offline.pool import ModelPool, Resource
from hugginggpt.llm.base import DeltaCallback, Message, Reply
from hugginggpt.llm.llamacpp import LlamaCppChatModel

LLM_ID = "builtin/qwen2.5-coder-1.5b-instruct"
DQA_ID = "builtin/ocr-then-qwen"
VQA_ID = "builtin/labels-then-qwen"
LLM_RESOURCE = "qwen2.5-coder-1.5b"
# RSS growth measured on load: 1.87 GB with one slot, 1.98 GB with the two slots used here.
LLM_MEMORY_MB = 2000

NOT_STATED = "not stated"
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def llm_resource(assets: Assets) -> Resource:
    """The shared LLM as a pool resource. Its name is fixed, so every caller gets the one loaded copy."""
    path = assets.gguf
    return Resource(LLM_RESOURCE, lambda: LlamaCppChatModel(path).load(), LLM_MEMORY_MB)


@dataclass
class PooledChatModel:
    """The shared LLM as a controller: each call takes the model from the pool, so the controller and
    the experts use one loaded copy, and the pool may still unload it under memory pressure."""

    pool: ModelPool
    assets: Assets
    name: str = "qwen2.5-coder-1.5b-instruct (llama.cpp)"

    def generate(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        on_delta: DeltaCallback | None = None,
    ) -> Reply:
        try:
            model: LlamaCppChatModel = self.pool.get(llm_resource(self.assets))
        except ExpertError as exc:
            raise ControllerError(str(exc)) from exc
        return model.generate(messages, schema=schema, on_delta=on_delta)


def ask(pool: ModelPool, assets: Assets, prompt: str, *, system: str | None = None, max_tokens: int = 256) -> str:
    """One completion of `prompt` with the shared model, temperature 0."""
    messages: list[Message] = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return _complete(pool, assets, messages, max_tokens).text.strip()


def _complete(pool: ModelPool, assets: Assets, messages: list[Message], max_tokens: int) -> Reply:
    model: LlamaCppChatModel = pool.get(llm_resource(assets))
    try:
        return model.generate(messages, max_tokens=max_tokens)
    except ControllerError as exc:  # inside an expert, the model's failure is the task's failure
        raise ExpertError(str(exc)) from exc


@dataclass(frozen=True)
class _Prompting:
    system: str
    max_tokens: int
    template: str = "{text}"  # how the task's text becomes the user message
    condense: bool = False  # the system prompt asks for {sentences}: a third of the text's sentences


_TASKS: dict[str, _Prompting] = {
    "text-generation": _Prompting(
        "You are a helpful assistant. Do what the user asks, directly and concisely. "
        "If you do not know a fact, say so instead of guessing.",
        256,
    ),
    "conversational": _Prompting(
        "You are a friendly assistant in a conversation. Reply to the user's message in a few sentences. "
        "Do not invent facts about the user or the world.",
        200,
    ),
    "text2text-generation": _Prompting(
        "Carry out the instruction in the user's message on the text it contains (rewrite, correct, paraphrase, "
        "convert). Output only the resulting text, with no explanation.",
        256,
    ),
    "summarization": _Prompting(
        # Found by trial: the model ignores word limits and, asked for "main points" or just "shorter", copies
        # the text almost whole. A sentence count in words plus "its main point" makes it condense.
        "Write a {sentences}-sentence summary of the text the user gives. Keep only its main point. "
        "Use only facts stated in the text; add nothing else.",
        200,
        "Text:\n{text}\n\nSummary:",
        condense=True,
    ),
    "question-answering": _Prompting(
        "The user's message holds a question and the text (context) it is about. Answer the question using only "
        "that text, in a few words, copying dates, numbers and names whole and exactly as the text writes them. "
        f"If the text does not state the answer, reply exactly: {NOT_STATED}",
        64,
        "{text}\n\nAnswer from the text above only:",
    ),
}

_DQA = _Prompting(
    "You answer a question about a document. Its text was read by OCR, line by line, and may contain "
    "recognition errors. Answer using only that text, in a few words, copying numbers and names exactly. "
    f"If the text does not state the answer, reply exactly: {NOT_STATED}",
    64,
    "Document text:\n{lines}\n\nQuestion: {question}\nAnswer:",
)


def _output(call: ExpertCall, reply: Reply, **extra: object) -> ExpertOutput:
    data = {
        "model": call.model,
        "prompt_tokens": reply.usage.prompt_tokens,
        "completion_tokens": reply.usage.completion_tokens,
        **extra,
    }
    return ExpertOutput(text=reply.text.strip(), data=data)


def _text_task(assets: Assets, pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    # The five cards of the one model share this function; the call's task picks the prompt.
    prompting = _TASKS.get(call.task)
    if prompting is None:
        raise ExpertError(f"{call.model} does not do {call.task}; it does {', '.join(_TASKS)}")
    text = need_text(call).strip()
    system = prompting.system
    if prompting.condense:
        sentences = min(5, max(1, len(_SENTENCE_END.findall(text)) // 3))
        system = system.format(sentences=("one", "two", "three", "four", "five")[sentences - 1])
    messages: list[Message] = [
        {"role": "system", "content": system},
        {"role": "user", "content": prompting.template.format(text=text)},
    ]
    return _output(call, _complete(pool, assets, messages, prompting.max_tokens))


def _document_qa(assets: Assets, pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    from hugginggpt.experts.offline.vision import read_text

    image = need_file(call, "image")
    question = need_text(call).strip()
    lines = read_text(pool, image)
    if not lines:
        raise ExpertError(f"OCR found no text in {image.name}; {call.task} needs an image of a printed document")
    user = _DQA.template.format(lines="\n".join(text for text, _ in lines), question=question)
    messages: list[Message] = [{"role": "system", "content": _DQA.system}, {"role": "user", "content": user}]
    reply = _complete(pool, assets, messages, _DQA.max_tokens)
    ocr = [{"text": text, "confidence": round(score, 3)} for text, score in lines]
    return _output(call, reply, ocr_lines=ocr)


_VQA_SYSTEM = (
    "You answer a question about an image without seeing it: you only have a description made by an object "
    "detector, an image classifier and OCR. Answer in one short sentence, using only facts in the description "
    f"(counts, objects, text). If the description does not tell, answer exactly '{NOT_STATED}'."
)
_VQA_NOTE = "(answered from detected objects, labels and text, not by seeing the image)"


def _visual_qa(assets: Assets, pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    from hugginggpt.experts.offline.vision import run_describer

    question = need_text(call).strip()
    seen = run_describer(pool, call)
    user = f"Description of the image: {seen.text}\n\nQuestion: {question}"
    messages: list[Message] = [{"role": "system", "content": _VQA_SYSTEM}, {"role": "user", "content": user}]
    reply = _complete(pool, assets, messages, 80)
    answer = f"{reply.text.strip()} {_VQA_NOTE}"
    out = _output(call, reply, description=seen.text, seen=seen.data)
    return ExpertOutput(answer, out.files, out.data)


_WEAK = "A small 1.5B coder LLM (Qwen2.5-Coder-1.5B-Instruct, llama.cpp on CPU): useful, but weaker than a big LLM"
_DESCRIPTIONS = {
    "text-generation": f"{_WEAK}; may get facts wrong.",
    "conversational": f"{_WEAK}; short replies.",
    "text2text-generation": f"{_WEAK}; follows simple rewrite instructions.",
    "summarization": f"{_WEAK}; prompted to keep to the facts of the text.",
    "question-answering": f"{_WEAK}; answers only from the given text, else 'not stated'.",
}


def experts(assets: Assets) -> list[OfflineExpert]:
    llm_needs = (assets.need_gguf, module("xllamacpp"))
    tags = ("llm", "llama.cpp", "gguf")

    def run_text(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
        return _text_task(assets, pool, call)

    def run_dqa(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
        return _document_qa(assets, pool, call)

    def run_vqa(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
        return _visual_qa(assets, pool, call)

    found = [
        OfflineExpert(card(LLM_ID, task, description, license="Apache-2.0", tags=tags), run_text, llm_needs)
        for task, description in _DESCRIPTIONS.items()
    ]
    dqa_card = card(
        DQA_ID,
        "document-question-answering",
        "PP-OCR reads the document image, then a small 1.5B coder LLM (Qwen2.5-Coder-1.5B) answers from that "
        "text only: fine for printed receipts and forms, weaker than a big LLM.",
        license="Apache-2.0",
        tags=("ocr", *tags),
    )
    found.append(OfflineExpert(dqa_card, run_dqa, (*llm_needs, module("rapidocr"), module("onnxruntime"))))
    vqa_card = card(
        VQA_ID,
        "visual-question-answering",
        "Answers a question about a photo from what the offline detector, classifier and OCR found in it, with "
        "a small 1.5B LLM; it does not see the image, so colours, layout and actions are 'not stated'.",
        license="Apache-2.0",
        tags=("composed", *tags),
    )
    vision_needs = (module("cv2", "opencv-python-headless"), module("ai_edge_litert", "ai-edge-litert"))
    found.append(OfflineExpert(vqa_card, run_vqa, (*llm_needs, *vision_needs)))
    return found
