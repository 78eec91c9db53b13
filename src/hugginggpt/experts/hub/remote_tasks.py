"""How each task type is asked of the inference service: one `InferenceClient` method per task, given
the task's inputs; each returns the raw result that `outputs.convert` turns into the typed output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.hub.inputs import chat_messages, question_and_context, table_from_csv
from hugginggpt.experts.offline.media import need_file, need_text
from hugginggpt.experts.offline.text import split_comparison

MAX_NEW_TOKENS = 256
TOP_K = 5

# (client, model id or URL, call) -> raw result
RemoteCall = Callable[[Any, str, ExpertCall], Any]


def _similarity(client: Any, model: str, call: ExpertCall) -> Any:
    source, others = split_comparison(need_text(call))
    return client.sentence_similarity(source, other_sentences=others, model=model)


def _question(client: Any, model: str, call: ExpertCall) -> Any:
    question, context = question_and_context(need_text(call))
    return client.question_answering(question=question, context=context, model=model)


REMOTE_TASKS: dict[str, RemoteCall] = {
    "text-classification": lambda cl, m, c: cl.text_classification(need_text(c), model=m, top_k=TOP_K),
    "token-classification": lambda cl, m, c: cl.token_classification(
        need_text(c), model=m, aggregation_strategy="simple"
    ),
    # The service runs text2text models behind its text-generation route.
    "text2text-generation": lambda cl, m, c: cl.text_generation(need_text(c), model=m, max_new_tokens=MAX_NEW_TOKENS),
    "summarization": lambda cl, m, c: cl.summarization(need_text(c), model=m),
    "translation": lambda cl, m, c: cl.translation(need_text(c), model=m),
    "question-answering": _question,
    "conversational": lambda cl, m, c: cl.chat_completion(chat_messages(need_text(c)), model=m, max_tokens=512),
    "text-generation": lambda cl, m, c: cl.text_generation(need_text(c), model=m, max_new_tokens=MAX_NEW_TOKENS),
    "sentence-similarity": _similarity,
    "tabular-classification": lambda cl, m, c: cl.tabular_classification(table_from_csv(need_text(c)), model=m),
    "object-detection": lambda cl, m, c: cl.object_detection(need_file(c, "image"), model=m),
    "image-classification": lambda cl, m, c: cl.image_classification(need_file(c, "image"), model=m, top_k=TOP_K),
    "image-to-text": lambda cl, m, c: cl.image_to_text(need_file(c, "image"), model=m),
    "text-to-image": lambda cl, m, c: cl.text_to_image(need_text(c), model=m),
    "image-to-image": lambda cl, m, c: cl.image_to_image(need_file(c, "image"), prompt=c.text or None, model=m),
    "image-segmentation": lambda cl, m, c: cl.image_segmentation(need_file(c, "image"), model=m),
    "visual-question-answering": lambda cl, m, c: cl.visual_question_answering(
        need_file(c, "image"), need_text(c), model=m
    ),
    "document-question-answering": lambda cl, m, c: cl.document_question_answering(
        need_file(c, "image"), need_text(c), model=m
    ),
    "text-to-speech": lambda cl, m, c: cl.text_to_speech(need_text(c), model=m),
    "automatic-speech-recognition": lambda cl, m, c: cl.automatic_speech_recognition(need_file(c, "audio"), model=m),
    "audio-to-audio": lambda cl, m, c: cl.audio_to_audio(need_file(c, "audio"), model=m),
    "audio-classification": lambda cl, m, c: cl.audio_classification(need_file(c, "audio"), model=m, top_k=TOP_K),
    "text-to-video": lambda cl, m, c: cl.text_to_video(need_text(c), model=m),
}

# Task types the client has no method for, and what to do instead.
NOT_REMOTE: dict[str, str] = {
    "depth-estimation": "the inference client has no depth-estimation call; run the task locally "
    "(HUGGINGGPT_TASK_BACKENDS=depth-estimation=local)",
}
