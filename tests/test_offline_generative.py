"""The generative offline experts on the real Qwen2.5-Coder-1.5B GGUF, run through the offline backend
(the model is loaded once into the module's pool). Inputs are short: the model writes ~13 tokens/s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline import generative
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.experts.offline.backend import OfflineExperts
from hugginggpt.experts.offline.generative import DQA_ID, LLM_ID, VQA_ID, ask, llm_resource
from hugginggpt.llm.llamacpp import LlamaCppChatModel

ASSETS = Assets(default_models_dir())
pytestmark = pytest.mark.skipif(not ASSETS.gguf_ready(), reason="the Qwen GGUF is not prepared; run `make install`")

REEF = (
    "The Great Barrier Reef, off the coast of Queensland in Australia, is the world's largest coral reef system. "
    "It is made of nearly 3,000 individual reefs and 900 islands stretching over 2,300 kilometres. Rising sea "
    "temperatures have caused mass coral bleaching several times since 1998, and scientists warn that the reef "
    "could lose most of its coral this century unless warming is limited."
)


@pytest.fixture(scope="module")
def backend() -> Iterator[OfflineExperts]:
    experts = OfflineExperts(ASSETS)
    experts.pool.get(llm_resource(ASSETS))  # load once, before the timed calls
    yield experts
    experts.pool.clear()


@pytest.fixture(scope="module")
def receipt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    image = Image.new("RGB", (480, 260), "white")
    draw = ImageDraw.Draw(image)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype("DejaVuSans.ttf", 28)
    except OSError:
        font = ImageFont.load_default(size=28)
    for row, line in enumerate(["CORNER CAFE", "Coffee 3.50", "Sandwich 39.00", "TOTAL 42.50"]):
        draw.text((30, 20 + 55 * row), line, fill="black", font=font)
    path = tmp_path_factory.mktemp("docs") / "receipt.png"
    image.save(path)
    return path


async def run(
    backend: OfflineExperts, task: str, text: str, model: str = LLM_ID, image: Path | None = None
) -> ExpertOutput:
    output = await backend.run(ExpertCall(task, model, text, files={"image": image} if image else {}))
    assert output.text
    assert output.data["model"] == model
    assert output.data["prompt_tokens"] > 0 and output.data["completion_tokens"] > 0
    return output


def test_every_card_can_run_and_says_it_is_a_small_model(backend: OfflineExperts) -> None:
    cards = [e.card for e in generative.experts(ASSETS)]
    assert {(c.id, c.task) for c in cards} == {
        (LLM_ID, "text-generation"),
        (LLM_ID, "conversational"),
        (LLM_ID, "text2text-generation"),
        (LLM_ID, "summarization"),
        (LLM_ID, "question-answering"),
        (DQA_ID, "document-question-answering"),
        (VQA_ID, "visual-question-answering"),
    }
    for card in cards:
        assert backend.can_run(card)
        assert "1.5B" in card.description
        assert "weaker than a big LLM" in card.description or "does not see the image" in card.description
        assert len(card.description) <= 200  # the selection prompt shows 200 characters


def test_the_pool_holds_one_shared_model(backend: OfflineExperts) -> None:
    model = backend.pool.get(llm_resource(ASSETS))
    assert isinstance(model, LlamaCppChatModel) and model.loaded
    assert backend.pool.get(llm_resource(ASSETS)) is model
    assert backend.pool.stats["qwen2.5-coder-1.5b"].loads == 1


async def test_summarization_is_shorter_and_keeps_the_subject(backend: OfflineExperts) -> None:
    output = await run(backend, "summarization", REEF)
    assert output.text is not None
    assert len(output.text) < len(REEF) * 0.8
    assert "reef" in output.text.lower()


FREEDONIA = (
    "Context: Freedonia is a small country in the mountains. Its capital is Marlowe, a city on the river Tess, "
    "and its largest port is Bayle."
)


async def test_question_answering_answers_from_the_context(backend: OfflineExperts) -> None:
    output = await run(backend, "question-answering", f"Question: What is the capital of Freedonia?\n{FREEDONIA}")
    assert output.text is not None and "Marlowe" in output.text


async def test_question_answering_says_not_stated_when_the_context_is_silent(backend: OfflineExperts) -> None:
    output = await run(backend, "question-answering", f"Question: What is the population of Freedonia?\n{FREEDONIA}")
    assert output.text is not None and "not stated" in output.text.lower()


async def test_document_question_answering_reads_a_receipt(backend: OfflineExperts, receipt: Path) -> None:
    output = await run(backend, "document-question-answering", "What is the total?", DQA_ID, image=receipt)
    assert output.text is not None and "42.50" in output.text
    assert any(line["text"] == "TOTAL 42.50" for line in output.data["ocr_lines"])


async def test_text_generation_conversation_and_rewriting_run(backend: OfflineExperts) -> None:
    generated = await run(backend, "text-generation", "Name the colour of a clear daytime sky, in one word.")
    assert generated.text is not None and "blue" in generated.text.lower()
    await run(backend, "conversational", "Hi! How are you?")
    rewritten = await run(backend, "text2text-generation", "Correct the grammar: she go to school every days.")
    assert rewritten.text is not None and "goes" in rewritten.text


def test_ask_translates_to_french(backend: OfflineExperts) -> None:
    french = ask(
        backend.pool,
        ASSETS,
        "Translate into French: The cat is on the table.",
        system="You translate English into French. Output only the translation.",
        max_tokens=24,
    )
    assert {"chat", "est", "sur", "table"} & set(french.lower().replace(".", " ").split())


async def test_missing_inputs_are_expert_errors(backend: OfflineExperts) -> None:
    with pytest.raises(ExpertError, match="needs a text"):
        await backend.run(ExpertCall("summarization", LLM_ID, "  "))
    with pytest.raises(ExpertError, match="needs an image"):
        await backend.run(ExpertCall("document-question-answering", DQA_ID, "What is the total?"))


async def test_a_blank_document_is_an_expert_error(backend: OfflineExperts, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 100), "white").save(blank)
    with pytest.raises(ExpertError, match="OCR found no text"):
        await backend.run(ExpertCall("document-question-answering", DQA_ID, "What is the total?", {"image": blank}))


async def test_visual_question_answering_from_what_the_detector_saw(backend: OfflineExperts, tmp_path: Path) -> None:
    from skimage import data

    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)
    output = await run(backend, "visual-question-answering", "Is there a cup in this picture?", VQA_ID, photo)
    assert output.text is not None
    answer = output.text.lower()
    assert "cup" in answer or "yes" in answer
    assert answer.endswith("(answered from detected objects, labels and text, not by seeing the image)")
    assert "cup" in output.data["description"]
