"""Which candidate model fits what the request names: a language ("into German") or a domain word
("medical", "tweets") found in a model's id, languages, tags or description. Used where no controller
LLM chooses (the embedded controller, `selection = "top"`), before falling back to the top-ranked model."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from hugginggpt.catalog import ModelCard
from hugginggpt.roles import split_roles

LANGUAGES = {
    "english": "en",
    "german": "de",
    "french": "fr",
    "spanish": "es",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "russian": "ru",
    "chinese": "zh",
    "japanese": "ja",
    "korean": "ko",
    "arabic": "ar",
    "hindi": "hi",
    "turkish": "tr",
    "polish": "pl",
    "swedish": "sv",
    "finnish": "fi",
    "greek": "el",
    "czech": "cs",
    "ukrainian": "uk",
    "vietnamese": "vi",
    "indonesian": "id",
}
_WORD = re.compile(r"[a-z0-9]+")
# Words too common in requests and model names to say anything about a domain.
_COMMON = frozenset(
    [
        "please",
        "could",
        "would",
        "about",
        "image",
        "images",
        "picture",
        "photo",
        "audio",
        "video",
        "model",
        "models",
        "large",
        "small",
        "finetuned",
        "tuned",
        "english",
        "translate",
        "translation",
        "summary",
        "summarize",
        "detect",
        "detection",
        "classify",
        "classification",
        "generate",
        "generation",
        "answer",
        "question",
        "speech",
        "which",
        "there",
        "their",
    ]
)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _card_codes(card: ModelCard) -> set[str]:
    """Where a model states its languages: its language list, id ("opus-mt-en-de") and tags; not its
    description, where "it" and "id" are plain words."""
    return _words(" ".join((card.id, *card.tags))) | {c.lower() for c in card.language}


_TARGET = re.compile(r"\b(?:into|to|in)\s+([a-z]+)")


_CODES = frozenset(LANGUAGES.values())


def _direction(card: ModelCard) -> tuple[str, str] | None:
    """(source, target) of a translation model named by a language pair, as in "opus-mt-en-de"."""
    tokens = _WORD.findall(card.id.rsplit("/", 1)[-1].lower())
    return next(((a, b) for a, b in itertools.pairwise(tokens) if a in _CODES and b in _CODES), None)


def _speaks(codes: set[str], pair: tuple[str, str] | None, code: str, as_target: bool) -> bool:
    if pair is None:
        return code in codes
    return pair[1] == code if as_target else pair[0] == code


def best_match(text: str, cards: Sequence[ModelCard]) -> tuple[ModelCard, str] | None:
    """The candidate that matches the most languages and domain words `text` names (the better ranked of equal
    matches), with the reason; None when no candidate matches anything. A language after "into", "to" or
    "in" is the one wanted out: a model named by a pair ("opus-mt-fr-en") must translate into it."""
    lowered = text.lower()
    words = _words(lowered)
    languages = {name: code for name, code in LANGUAGES.items() if name in words and code != "en"}
    targets = set(_TARGET.findall(lowered))
    domain = {w for w in words if len(w) >= 5 and w not in _COMMON and w not in LANGUAGES}
    scored: list[tuple[int, int, ModelCard, list[str]]] = []
    for rank, card in enumerate(cards):
        codes, pair = _card_codes(card), _direction(card)
        spoken = [(n, c) for n, c in sorted(languages.items()) if _speaks(codes, pair, c, n in targets)]
        have = codes | affirmed_words(card.description)
        found = [f"{name.capitalize()} ({code})" for name, code in spoken] + sorted(domain & have)
        # A named language counts double: asking for German and getting French is the worse mistake.
        score = 2 * len(spoken) + len(domain & have)
        if score:
            scored.append((score, -rank, card, found))
    if not scored:
        return None
    _, _, card, found = max(scored, key=lambda s: (s[0], s[1]))
    return card, f"matches {', '.join(found)} in the request"


_NEGATED = re.compile(r"\b(?:not|no|never|cannot|can't|doesn't|does not|isn't|without)\b[^.;:()]*", re.IGNORECASE)


def affirmed_words(description: str) -> set[str]:
    """The words a card's description says the model does: "reads text; does not describe photos" gives
    read and text, not describe."""
    return _words(_NEGATED.sub(" ", description))


def _is(card: ModelCard, *marks: str) -> bool:
    text = " ".join((card.id, *card.tags)).lower()
    return any(mark in text for mark in marks)


def fits_needs(task: str, text: str, cards: Sequence[ModelCard]) -> tuple[ModelCard, str] | None:
    """The candidate a task's arguments call for, when they decide it: labels given need zero-shot
    classification, none need a fixed-label classifier; reading an image's text needs OCR, describing it
    needs a captioner. None when the arguments do not decide."""
    roles, _ = split_roles(text)
    if task == "text-classification":
        zero = [c for c in cards if _is(c, "zero-shot", "zeroshot", "nli", "mnli")]
        if roles.get("labels"):
            return (zero[0], "the request lists labels: zero-shot classification") if zero else None
        fixed = [c for c in cards if c not in zero]
        if fixed and cards and cards[0] in zero:
            return fixed[0], "no labels given: a classifier with its own labels (sentiment)"
        return None
    if task == "image-to-text":
        ocr = [c for c in cards if _is(c, "ocr", "trocr", "donut")]
        if re.search(r"\b(?:read|text|ocr|written)\b", text.lower()):
            return (ocr[0], "the request asks for the text in the image: OCR") if ocr else None
        captioners = [c for c in cards if c not in ocr]
        if text.strip() and captioners:
            return captioners[0], "the request asks what the image shows: a describer, not OCR"
    return None
