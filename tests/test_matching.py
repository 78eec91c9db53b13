"""Offline model selection by what the request names: a language or a domain word."""

from __future__ import annotations

from hugginggpt.catalog import ModelCard
from hugginggpt.matching import best_match

TRANSLATORS = [
    ModelCard("t5-base", "translation", downloads=900, language=("en", "fr", "ro", "de")),
    ModelCard("Helsinki-NLP/opus-mt-en-es", "translation", downloads=500),
    ModelCard("Helsinki-NLP/opus-mt-en-de", "translation", downloads=400),
]


def test_a_named_language_picks_the_model_for_it() -> None:
    card, reason = best_match("Translate 'good morning' into Spanish", TRANSLATORS) or (None, "")
    assert card is not None and card.id == "Helsinki-NLP/opus-mt-en-es"
    assert "Spanish (es)" in reason


def test_equal_matches_go_to_the_better_ranked_model() -> None:
    card, _ = best_match("Translate it into German", TRANSLATORS) or (None, "")
    assert card is not None and card.id == "t5-base"


def test_a_domain_word_in_the_description_or_tags() -> None:
    cards = [
        ModelCard("org/general-ner", "token-classification", downloads=10),
        ModelCard("org/bio-ner", "token-classification", tags=("medical",), description="Biomedical entities"),
    ]
    match = best_match("Find the entities in this medical report", cards)
    assert match is not None and match[0].id == "org/bio-ner" and "medical" in match[1]


def test_nothing_named_leaves_the_ranking_alone() -> None:
    assert best_match("Translate this sentence", TRANSLATORS) is None
    # "it" is an English word, not Italian, and a description saying "it" does not make a model Italian
    cards = [ModelCard("org/x", "summarization", description="it summarises it well")]
    assert best_match("Summarize it in Italian", cards) is None


def test_the_direction_of_a_language_pair_counts() -> None:
    pairs = [
        ModelCard("Helsinki-NLP/opus-mt-fr-en", "translation", downloads=900),
        ModelCard("Helsinki-NLP/opus-mt-en-fr", "translation", downloads=100),
    ]
    into = best_match("Translate 'good night' into French", pairs)
    assert into is not None and into[0].id == "Helsinki-NLP/opus-mt-en-fr"
    out_of = best_match("Translate this French text into English", pairs)
    assert out_of is not None and out_of[0].id == "Helsinki-NLP/opus-mt-fr-en"
