"""Offline model selection by what the request names: a language or a domain word."""

from __future__ import annotations

from hugginggpt.catalog import ModelCard
from hugginggpt.matching import affirmed_words, best_match, fits_needs

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


def _offline_cards(task: str) -> list[ModelCard]:
    from hugginggpt.experts.offline import OfflineExperts
    from hugginggpt.experts.offline.assets import Assets, default_models_dir

    return [c for c in OfflineExperts(Assets(default_models_dir())).cards() if c.task == task]


def test_labels_given_pick_zero_shot_and_none_pick_sentiment() -> None:
    cards = _offline_cards("text-classification")
    zero = fits_needs("text-classification", "labels: travel, sports\nBook me a flight", cards)
    assert zero is not None and zero[0].id == "builtin/e5-zero-shot"
    plain = fits_needs("text-classification", "I loved it", list(reversed(cards)))
    assert plain is not None and plain[0].id == "builtin/vader-sentiment"


def test_reading_an_image_picks_ocr_and_describing_it_the_describer() -> None:
    cards = _offline_cards("image-to-text")
    read = fits_needs("image-to-text", "read the text", cards)
    described = fits_needs("image-to-text", "describe the image", cards)
    assert read is not None and read[0].id == "builtin/pp-ocr"
    assert described is not None and described[0].id == "builtin/photo-describer"


def test_a_card_is_not_matched_on_what_it_says_it_does_not_do() -> None:
    cards = [
        ModelCard(
            "org/reader", "image-to-text", downloads=9, description="Reads printed text; does not describe photos"
        ),
        ModelCard(
            "org/captioner", "image-to-text", downloads=1, description="Writes a caption that will describe photos"
        ),
    ]
    assert affirmed_words(cards[0].description) == {"reads", "printed", "text"}
    match = best_match("describe photos please", cards)
    assert match is not None and match[0].id == "org/captioner"
