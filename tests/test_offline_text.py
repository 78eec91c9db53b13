"""The offline text experts, on real models and real inputs (only the LLM translation fallback is faked)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.offline import generative, text
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.experts.offline.backend import OfflineExperts
from hugginggpt.experts.offline.base import OfflineExpert
from hugginggpt.experts.offline.pool import ModelPool

MODELS = {
    "builtin/spacy-en-core-web-sm": "token-classification",
    "builtin/vader-sentiment": "text-classification",
    "builtin/e5-zero-shot": "text-classification",
    "builtin/multilingual-e5-small": "sentence-similarity",
    "builtin/apertium-en-es": "translation",
}


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool()


@pytest.fixture(scope="module")
def assets() -> Assets:
    return Assets(default_models_dir())


@pytest.fixture(scope="module")
def experts(assets: Assets) -> dict[str, OfflineExpert]:
    return {e.card.id: e for e in text.experts(assets)}


@pytest.fixture(scope="module")
def backend(assets: Assets, pool: ModelPool) -> Iterator[OfflineExperts]:
    offline = OfflineExperts(assets, pool)
    yield offline
    offline._executor.shutdown()


def run(experts: dict[str, OfflineExpert], pool: ModelPool, model: str, request: str) -> tuple[str, Any]:
    out = experts[model].run(pool, ExpertCall(task=MODELS[model], model=model, text=request))
    assert out.text
    return out.text, out.data


def test_cards_are_runnable_offline(experts: dict[str, OfflineExpert], backend: OfflineExperts) -> None:
    assert {model: e.card.task for model, e in experts.items()} == MODELS
    for expert in experts.values():
        assert expert.missing() == []
        assert expert.card.offline and expert.card.description and expert.card.license
        assert backend.can_run(expert.card)


@pytest.mark.parametrize(
    ("model", "request_text", "expected"),
    [
        ("builtin/spacy-en-core-web-sm", "Barack Obama was born in Hawaii.", "Barack Obama (PERSON)"),
        ("builtin/vader-sentiment", "I love this phone, it is wonderful!", "positive"),
        ("builtin/e5-zero-shot", "Classify 'I want to book a flight to Rome' as travel, cooking or sports", "travel"),
        ("builtin/multilingual-e5-small", "a cat sits on the mat\na kitten rests on a rug", "a kitten rests on a rug"),
        ("builtin/apertium-en-es", "Translate into Spanish: The cat is black", "gato"),
    ],
)
async def test_each_expert_runs_through_the_backend(
    backend: OfflineExperts, model: str, request_text: str, expected: str
) -> None:
    out = await backend.run(ExpertCall(task=MODELS[model], model=model, text=request_text))
    assert out.text is not None and expected in out.text
    assert out.data


@pytest.mark.parametrize("model", list(MODELS))
def test_empty_text_is_an_expert_error(experts: dict[str, OfflineExpert], pool: ModelPool, model: str) -> None:
    with pytest.raises(ExpertError, match="needs a text"):
        experts[model].run(pool, ExpertCall(task=MODELS[model], model=model, text="  "))


# ---------------------------------------------------------------- named entities


def test_ner_finds_a_person_and_a_place(experts: dict[str, OfflineExpert], pool: ModelPool) -> None:
    summary, data = run(experts, pool, "builtin/spacy-en-core-web-sm", "Barack Obama was born in Hawaii.")
    assert summary == "Barack Obama (PERSON), Hawaii (GPE)"
    assert data["entities"][0] == {
        "text": "Barack Obama",
        "label": "PERSON",
        "description": "People, including fictional",
        "start": 0,
        "end": 12,
    }
    assert data["entities"][1]["start"] == 25


# ---------------------------------------------------------------- sentiment


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("I love this phone, it is wonderful!", "positive"),
        ("This is terrible and I hate it.", "negative"),
        ("The train leaves at noon.", "neutral"),
    ],
)
def test_sentiment(experts: dict[str, OfflineExpert], pool: ModelPool, sentence: str, label: str) -> None:
    summary, data = run(experts, pool, "builtin/vader-sentiment", sentence)
    assert summary.startswith(label)
    assert data["label"] == label
    assert -1 <= data["compound"] <= 1


# ---------------------------------------------------------------- zero-shot classification


@pytest.mark.parametrize(
    "request_text",
    [
        "I want to book a flight to Rome and a hotel. labels: travel, cooking, sports",
        "Classify 'I want to book a flight to Rome and a hotel' as travel, cooking or sports",
        "Classify as cooking, sports or travel: I want to book a flight to Rome and a hotel",
    ],
)
def test_zero_shot_picks_travel(experts: dict[str, OfflineExpert], pool: ModelPool, request_text: str) -> None:
    summary, data = run(experts, pool, "builtin/e5-zero-shot", request_text)
    assert summary.startswith("travel (")
    assert data["label"] == "travel"
    assert data["text"] == "I want to book a flight to Rome and a hotel" or data["text"].endswith("hotel.")
    assert {s["label"] for s in data["scores"]} == {"travel", "cooking", "sports"}
    assert sum(s["score"] for s in data["scores"]) == pytest.approx(1)


def test_zero_shot_without_labels_says_how_to_give_them(experts: dict[str, OfflineExpert], pool: ModelPool) -> None:
    with pytest.raises(ExpertError, match="labels: travel, cooking, sports"):
        run(experts, pool, "builtin/e5-zero-shot", "I want to book a flight to Rome and a hotel")


@pytest.mark.parametrize(
    ("request_text", "body", "labels"),
    [
        ("Classify I see it as a win as positive or negative", "I see it as a win", ["positive", "negative"]),
        ('Classify "I love pasta" as "travel", "cooking" or "food"', "I love pasta", ["travel", "cooking", "food"]),
        ("Is this positive or negative? I don't like it", "I don't like it", ["positive", "negative"]),
        (
            "Categorize 'I don't like Mondays' as happy, sad, and angry.",
            "I don't like Mondays",
            ["happy", "sad", "angry"],
        ),
        (
            "Classify the following text into one of billing, technical support or sales: my phone broke",
            "my phone broke",
            ["billing", "technical support", "sales"],
        ),
        ("My order is late\ncategories: shipping; refunds", "My order is late", ["shipping", "refunds"]),
    ],
)
def test_parse_labels(request_text: str, body: str, labels: list[str]) -> None:
    assert text.parse_labels(request_text) == (body, labels)


def test_labels_without_a_text_is_an_error() -> None:
    with pytest.raises(ExpertError, match="no text to classify"):
        text.parse_labels("labels: travel, cooking")


# ---------------------------------------------------------------- sentence similarity


@pytest.mark.parametrize(
    "request_text",
    [
        "A cat is sitting on the mat.\nStock prices fell sharply today.\nA kitten rests on a rug.",
        "'A cat is sitting on the mat.' vs 'Stock prices fell sharply today.' vs 'A kitten rests on a rug.'",
    ],
)
def test_similarity_ranks_the_paraphrase_first(
    experts: dict[str, OfflineExpert], pool: ModelPool, request_text: str
) -> None:
    summary, data = run(experts, pool, "builtin/multilingual-e5-small", request_text)
    assert data["source"] == "A cat is sitting on the mat."
    first, second = data["scores"]
    assert (first["sentence"], first["index"]) == ("A kitten rests on a rug.", 1)
    assert first["score"] > second["score"] + 0.05
    assert summary.index("kitten") < summary.index("Stock")


@pytest.mark.parametrize(
    ("request_text", "source", "others"),
    [
        ('"a cat" vs "a dog"', "a cat", ["a dog"]),
        ("a cat versus a dog", "a cat", ["a dog"]),
        ("Compare 'it's raining' with 'it is wet' and 'I like pizza'", "it's raining", ["it is wet", "I like pizza"]),
        ("Compare these sentences:\n1. a cat\n2. a dog\n3. a car", "a cat", ["a dog", "a car"]),
        ("a cat; a dog; a car", "a cat", ["a dog", "a car"]),
    ],
)
def test_split_comparison(request_text: str, source: str, others: list[str]) -> None:
    assert text.split_comparison(request_text) == (source, others)


def test_similarity_of_one_sentence_says_how_to_give_more() -> None:
    with pytest.raises(ExpertError, match="one per line"):
        text.split_comparison("just one sentence")


# ---------------------------------------------------------------- translation


@pytest.mark.parametrize(
    ("request_text", "expected", "source", "target"),
    [
        ("The cat is black", "gato", "en", "es"),
        ("El perro es grande", "dog", "es", "en"),
        ("Translate into Spanish: The cat is black", "gato", "en", "es"),
        ("Translate 'El perro es grande' to English", "dog", "es", "en"),
    ],
)
def test_apertium_translates_both_ways(
    experts: dict[str, OfflineExpert], pool: ModelPool, request_text: str, expected: str, source: str, target: str
) -> None:
    summary, data = run(experts, pool, "builtin/apertium-en-es", request_text)
    assert expected in summary.lower()
    assert (data["source"], data["target"], data["quality"]) == (source, target, "rule-based")
    assert "*" not in summary and "lower quality" not in summary


def test_other_languages_fall_back_to_the_llm_marked_lower_quality(
    experts: dict[str, OfflineExpert], pool: ModelPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def fake_ask(
        pool: ModelPool, assets: Assets, prompt: str, *, system: str | None = None, max_tokens: int = 256
    ) -> str:
        prompts.append(prompt)
        return '"Le chat est noir."'

    monkeypatch.setattr(generative, "ask", fake_ask)
    summary, data = run(experts, pool, "builtin/apertium-en-es", "Translate 'The cat is black' into French")
    assert "French" in prompts[0] and "The cat is black" in prompts[0]
    assert summary.startswith("Le chat est noir.") and "lower quality" in summary
    assert data["quality"] == "lower" and data["engine"] == "qwen2.5-coder-1.5b"
    assert (data["source"], data["target"], data["translation"]) == ("en", "fr", "Le chat est noir.")


@pytest.mark.parametrize(
    ("request_text", "body", "source", "target"),
    [
        ("translate from Spanish to English: el perro", "el perro", "es", "en"),
        ("Spanish to English: Hola amigo", "Hola amigo", "es", "en"),
        ("Translate The cat is black into German.", "The cat is black", "en", "de"),
        ("Please translate this sentence into English: Je suis content", "Je suis content", "fr", "en"),
        ("en->fr: the cat", "the cat", "en", "fr"),
        ("I speak to French people every day", "I speak to French people every day", "en", "es"),
        ("猫は黒い", "猫は黒い", None, "en"),
    ],
)
def test_translation_request(request_text: str, body: str, source: str | None, target: str) -> None:
    assert text.translation_request(request_text) == (body, source, target)


def test_translation_into_the_same_language_is_an_error() -> None:
    with pytest.raises(ExpertError, match="same language"):
        text.translation_request("Translate from English to English: the cat")


async def test_a_model_loads_once_and_stays_warm_across_runs(assets: Assets) -> None:
    """The first run that needs spaCy pays its load; later runs of the same controller (as a server
    keeps one) find it warm in the backend's pool."""
    from hugginggpt.catalog import Catalog
    from hugginggpt.config import Settings
    from hugginggpt.controller import HuggingGPT
    from hugginggpt.llm.scripted import ScriptedModel

    backend = OfflineExperts(assets)
    plan = '[{"task": "token-classification", "id": 0, "dep": [-1], "args": {"text": "Ada Lovelace lived in London."}}]'
    model = ScriptedModel([plan, "Done.", plan, "Done.", plan, "Done."])
    catalog = Catalog(tuple(c for c in backend.cards() if c.task == "token-classification"))
    controller = HuggingGPT(Settings(selection="top"), model, [backend], catalog=catalog)
    for _ in range(3):
        result = await controller.run("Who is named in 'Ada Lovelace lived in London.'?")
        assert result.ok and result.reports[0].status == "done", result.reports
        assert "Ada Lovelace" in (result.reports[0].text or "")
    stats = backend.pool.stats["spacy-en-core-web-sm"]
    assert stats.loads == 1 and stats.hits == 2
