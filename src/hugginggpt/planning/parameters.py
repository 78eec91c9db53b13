"""Values for the named parameters of API tools (TaskBench's API domains), taken from the request.

A request names its values in a few recognisable shapes: quoted texts, e-mail addresses, links, file
names, dates, times, amounts of money, numbers, phone numbers, capitalised names and codes, and the
phrase after "called", "saying", "about" and the like. Each such span is a candidate; a parameter is
matched to candidates by what its name and description say it holds (a date, a place, a person, a
number...), by the word just before the span ("from Paris" is an origin, "to Rome" a destination) and,
among equals, by the order of appearance. No model is trained: the rules read any tool set's parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NAME = r"[A-Z][a-z]+(?:\s[A-Z][a-z]+)?"
# Currencies and units written in lower case, which no other shape finds.
_TERMS = (
    r"usd|eur|gbp|jpy|chf|cad|aud|cny|inr|euros?|dollars?|pounds?|yen|pesos?|rupees?|francs?|rand|won|yuan|kronor|krona|kilomet(?:er|re)s?|km|miles?|kilograms?|kg|grams?|"
    r"lbs?|celsius|fahrenheit|liters?|litres?|gallons?|inch(?:es)?|feet|meters?|metres?|cups?|ounces?|oz"
)
# Each shape: its kind and its pattern, in order of precedence (an earlier shape's span wins an overlap).
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, 0 if kind in ("name", "names") else re.IGNORECASE))
    for kind, pattern in (
        ("quote", r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'(.+?)'(?!\w)"),
        ("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
        ("url", r"(?:https?://|www\.)[^\s,;]+[^\s,;.!?)]"),
        ("file", r"(?<![\w/.:-])[\w-]+\.(?:[a-z]{2,4}\d?)(?![\w@])(?<!\.com)(?<!\.org)(?<!\.net)"),
        (
            "date",
            rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|"
            rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|"
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?\b|"
            rf"\b(?:today|tomorrow|tonight|yesterday|(?:next|this|last)\s+(?:week(?:end)?|month|year|{_WEEKDAY})|"
            rf"{_WEEKDAY}|the day after tomorrow)\b",
        ),
        ("phone", r"(?<![\w+])\+?\d[\d\s().-]{7,}\d(?!\w)"),
        ("time", r"\b\d{1,2}(?::\d{2})?\s?(?:[ap]\.m\.|[ap]m)(?!\w)|\b\d{1,2}:\d{2}\b|\b(?:noon|midnight)\b"),
        ("money", rf"[$€£¥]\s?{_NUMBER}"),
        ("percent", rf"\b{_NUMBER}\s?%"),
        ("code", r"(?-i:\b[A-Z]{2}\s?\d{2,4}\b)"),
        ("channel", r"(?<![\w#])#[\w-]+"),
        # Identifiers: versions, ticket keys, kebab-case and path-like names.
        (
            "identifier",
            r"\bv?\d+(?:\.\d+){2,}\b|\b[A-Z]+-\d+\b|(?<![\w/.-])[a-z0-9_]+(?:[-/][a-z0-9_]+(?:\.[a-z0-9_]+)*)+(?![\w/-])|"
            r"(?-i:\b[A-Z][\w]*/[\w/]+)",
        ),
        ("term", rf"(?-i:\b(?:[A-Z][A-Za-z]+\s+){{0,2}})?\b(?:{_TERMS})\b"),
        ("number", rf"(?<![\w.]){_NUMBER}(?![\w.]*\d)"),
        # Lists of names ("Ravi, Mei and Tomasz"), then capitalised words (with "of", "de", "the" inside).
        ("names", rf"\b{_NAME}(?:,\s+{_NAME})+,?\s+(?:and|&)\s+{_NAME}\b"),
        ("name", r"\b[A-Z][\w'&-]*(?:\s+(?:(?:of|de|del|la|le|the|and|&|von|van|da)\s+)?[A-Z][\w'&-]*)*\b"),
    )
)
# What follows these words is a value phrase that runs to the next punctuation mark or connective.
_PHRASE_LEAD = re.compile(
    r"\b(?:called|named|titled|entitled|saying|says|that reads|reading|about|regarding|with (?:the )?(?:subject|"
    r"message|title|note|text|description)|subject|message|note|for|search(?:ing)? for|look(?:ing)? up|find|play|"
    r"remind(?: me| us)? to)\s+",
    re.IGNORECASE,
)
_PHRASE_END = re.compile(
    r"[,.;:!?]|\s(?:and|then|so|but|to|on|at|in|from|by|before|after|with|please|under|over|below|above|for|"
    r"near|around|into|if)\s",
    re.IGNORECASE,
)
# Words of a parameter's name too common to look for next to a value, and words next to a name that are no value.
_GENERIC_NAME_WORDS = frozenset(
    ["name", "type", "the", "from", "to", "of", "id", "max", "min", "new", "value", "values"]
)
_FUNCTION_WORDS = """the a an my our your their his her this that these those to in of for and with on at by from into new
some any is are it me i we current which what or then as each every all"""
_NOT_MODIFIERS = frozenset(_FUNCTION_WORDS.split())
_PRONOUN = re.compile(r"(?:me|us|you|him|her|them|it|one|some|something|anything)\b", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)\s*$")
# Capitalised words that open a request or a clause rather than name something.
# Capitalised words that open a request or a clause rather than name something.
_OPENERS = """I I'm I've I'd I'll Can Could Would Will Please Hey Hi Hello Thanks Also Then And After Before Finally
Lastly Next First Once If When What Which Who How Where Why My Our The This That These Those It Is Are Do Does Let Make
Send Find Get Set Book Show Tell Give Check Look Add Create Play Remind Schedule Order Search Translate Convert Email
Text Call Any Some All Every"""
_NOT_NAMES = frozenset(_OPENERS.split())

# What a parameter holds, read off its name and description: kind -> words that say so.
_HOLD_WORDS = {
    "date": "date day when deadline due checkin checkout departure arrival birthday",
    "time": "time hour clock alarm start end",
    "email": "email e-mail mail address",
    "url": "url link website webpage site repository",
    "file": "file path document attachment filename spreadsheet image photo",
    "phone": "phone number mobile telephone",
    "money": "amount price budget cost sum payment salary fee total value",
    "percent": "percent percentage rate discount",
    "number": "number count quantity amount guests people nights rooms limit size minutes hours days duration level "
    "temperature brightness volume age seats servings year id shares",
    "place": "city location place destination origin address country region area from to where venue airport station "
    "room zone",
    "person": "name person contact recipient user employee attendee assignee owner who participant artist author friend "
    "payee guest customer client",
    "text": "text message body content query note title subject description keyword topic term search comment summary "
    "question item product dish song track album playlist genre cuisine task event ticket reason symbol ticker code "
    "branch service project category unit ingredient recipe label",
    "language": "language lang locale",
    "currency": "currency currencies",
    "channel": "channel hashtag tag",
}
_HOLDS = {kind: frozenset(words.split()) for kind, words in _HOLD_WORDS.items()}
# How well a span of one shape fits a parameter that holds a kind: shape -> {held kind: fit}.
_FIT: dict[str, dict[str, float]] = {
    "quote": {"text": 2.0, "person": 0.3, "place": 0.3, "currency": -1.0, "language": -1.0},
    "email": {"email": 3.0, "person": 1.5, "text": 0.2},
    "url": {"url": 3.0, "file": 0.5, "text": 0.2},
    "file": {"file": 3.0, "text": 0.3},
    "phone": {"phone": 3.0, "person": 0.5},
    "date": {"date": 3.0, "time": 0.5},
    "time": {"time": 3.0, "date": 0.5},
    "money": {"money": 3.0, "number": 1.0},
    "percent": {"percent": 3.0, "number": 1.0},
    "number": {"number": 2.5, "money": 1.0, "percent": 0.8, "time": 0.2},
    "name": {"place": 1.8, "person": 1.8, "text": 1.0, "language": 2.5, "currency": 1.5},
    "term": {"text": 1.5, "money": 0.2, "currency": 3.0},
    "code": {"text": 1.5, "number": 0.3, "currency": 1.0},
    "channel": {"channel": 3.0, "text": 0.8},
    "identifier": {"text": 1.6, "place": 0.3, "url": 0.5, "file": 0.5},
    "names": {"person": 2.0, "text": 0.5},
    "labelled": {kind: 2.2 for kind in ("text", "place", "person", "language", "currency", "date", "time")},
    "phrase": {"text": 1.5, "place": 0.4, "person": 0.4, "language": -1.0, "currency": -1.0},
}
# The word before a span says which role it plays: word -> words a parameter's name or description has.
_LEADS: dict[str, tuple[str, ...]] = {
    "from": ("from", "origin", "source", "departure", "sender", "start"),
    "to": ("to", "destination", "target", "recipient", "arrival", "end"),
    "into": ("to", "target", "destination", "language"),
    "in": ("city", "location", "place", "where", "language", "currency", "unit"),
    "at": ("time", "location", "place", "venue", "where"),
    "on": ("date", "day", "when"),
    "by": ("deadline", "due", "artist", "author", "date"),
    "for": ("guests", "people", "nights", "date", "duration", "query"),
    "with": ("attendee", "participant", "contact", "with"),
    "until": ("end", "deadline", "until", "checkout"),
    "till": ("end", "deadline", "until"),
    "near": ("location", "near", "address", "place"),
    "of": ("symbol", "amount", "quantity", "item"),
    "saying": ("body", "message", "text", "content"),
    "says": ("body", "message", "text", "content"),
    "called": ("title", "name", "label"),
    "named": ("title", "name", "label"),
    "titled": ("title", "name", "label"),
    "entitled": ("title", "name", "label"),
    "about": ("topic", "subject", "query", "description", "keyword"),
    "me": ("text", "message", "note", "task", "reminder"),
}
_WORD = re.compile(r"[a-z]+")
_NUMERIC = {"integer", "int", "number", "float", "double"}


@dataclass(frozen=True)
class Span:
    """A value the request names, where it stands, its shape and the word just before it."""

    text: str
    start: int
    end: int
    shape: str
    lead: str
    trail: str = ""


def value_spans(request: str) -> list[Span]:
    """The request's candidate values, in the order they appear; overlaps go to the earlier shape."""
    found: list[Span] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in found)

    for shape, pattern in _SHAPES:
        for m in pattern.finditer(request):
            start, end = m.span()
            text = next((g for g in m.groups() if g is not None), None) if m.groups() else None
            if text is None:
                text = m.group(0)
            else:
                start, end = m.span(m.groups().index(text) + 1)
                start, end = start - 1, end + 1  # the quote marks belong to the span
            text = text.strip()
            if shape == "name":
                words = text.split()
                while words and words[0] in _NOT_NAMES:
                    words.pop(0)  # "Play Bohemian Rhapsody": the verb opens the sentence
                start += len(text) - len(" ".join(words))
                text = " ".join(words)
                if not words or not _is_name(request, start, text):
                    continue
            if text and free(start, end):
                found.append(Span(text, start, end, shape, _lead(request, start), _trail(request, end)))
                if shape == "name" and " " in text and _SENTENCE_START.search(request[:start]):
                    # "Pay Northwind Utilities": a sentence's first word is capitalised whatever it is
                    rest = text.split(" ", 1)[1]
                    tail = end - len(rest)
                    found.append(Span(rest, tail, end, "name", _lead(request, tail), _trail(request, end)))
    values = [s for s in found if s.shape not in ("name", "quote", "term")]
    for m in _PHRASE_LEAD.finditer(request):
        rest = request[m.end() :]
        stop = _PHRASE_END.search(rest)
        end = m.end() + (stop.start() if stop else len(rest))
        end = min([end, *(s.start for s in values if m.end() <= s.start < end)])
        phrase = request[m.end() : end].strip()
        # A phrase may hold a name ("call Sarah") but not start inside another value; "the number" or
        # "me a recipe" name no value.
        if _PRONOUN.match(phrase) or _BACK_REFERENCE.fullmatch(phrase) or phrase[:1] in "\"'“‘":
            continue
        if 1 <= len(phrase.split()) <= 8 and all(not s.start < m.end() < s.end for s in found):
            found.append(Span(phrase, m.end(), m.end() + len(phrase), "phrase", _lead(request, m.end())))
    return sorted(found, key=lambda s: s.start)


def _is_name(request: str, start: int, text: str) -> bool:
    """`text` has lost its leading sentence-opening words already (see `_NOT_NAMES`)."""
    if _SENTENCE_START.search(request[:start]) and " " not in text and not text.isupper():
        return False  # one capitalised word opening a sentence is just the sentence's first word
    return len(text) > 1


def _lead(request: str, start: int) -> str:
    words = _WORD.findall(request[max(0, start - 30) : start].lower())
    return words[-1] if words else ""


def _trail(request: str, end: int) -> str:
    words = re.match(r"\s*([a-z]+)", request[end : end + 30].lower())
    return words.group(1) if words else ""


def _words(text: str) -> set[str]:
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ").lower()
    return set(_WORD.findall(split))


def _holds(parameter: dict[str, Any]) -> dict[str, float]:
    """Which kinds of value a parameter holds: its name's words count double its description's."""
    name, desc = (
        _words(str(parameter.get("name", ""))),
        _words(str(parameter.get("desc") or parameter.get("description") or "")),
    )
    held: dict[str, float] = {}
    for kind, cues in _HOLDS.items():
        weight = 2.0 * len(name & cues) + 0.5 * len(desc & cues)
        if weight:
            held[kind] = weight
    return held


def _options(parameter: dict[str, Any]) -> set[str]:
    """The values a description lists ("travel mode: driving, walking or transit", "e.g. Italian or sushi")."""
    desc = str(parameter.get("desc") or parameter.get("description") or "")
    listed = re.search(r"(?::|e\.g\.|such as|like|one of)\s*(.+)$", desc, re.IGNORECASE)
    if not listed:
        return set()
    return {w.strip(" .'\"").lower() for w in re.split(r",|\bor\b|\band\b", listed.group(1)) if w.strip(" .'\"")}


def own_spans(request: str, parameter: dict[str, Any]) -> list[Span]:
    """Candidates of one parameter only: the request's words that its description lists as values, and the
    word written next to its name ("sick leave" for a leave type, "version 2.8.1", "the upstairs thermostat"
    is not one: "thermostat" names no parameter)."""
    found = []
    for option in _options(parameter):
        for m in re.finditer(rf"(?<!\w){re.escape(option)}(?!\w)", request, re.IGNORECASE):
            found.append(Span(m.group(0), m.start(), m.end(), "option", _lead(request, m.start())))
    for word in _words(str(parameter.get("name", ""))) - _GENERIC_NAME_WORDS:
        if len(word) < 3:
            continue
        for m in re.finditer(rf"\b{re.escape(word[:5])}\w*", request, re.IGNORECASE):
            # Only lower-case words: a capitalised one belongs to a name, which is a candidate of its own.
            before = re.search(r"(?:^|\s)([a-z][\w'-]*)\s+$", request[: m.start()])
            if before and before.group(1) not in _NOT_MODIFIERS:
                start = before.start(1)
                found.append(Span(before.group(1), start, before.end(1), "labelled", _lead(request, start)))
            # A word after the name is its value when it looks like one ("version 2.8.1") or ends the phrase
            # ("reason flu,"); "leave does" or "room lights to" are the sentence going on.
            after = re.match(
                r"\s+([a-z0-9#][\w.#/-]*?)\.?(?=\s*(?:[,;:!?]|\.\s|\.?$))|\s+([\w#]*[\d#/-][\w.#/-]*)",
                request[m.end() :],
            )
            value = after and (after.group(1) or after.group(2) or "").rstrip(".")
            if after and value and value not in _NOT_MODIFIERS:
                start = m.end() + after.start(1 if after.group(1) else 2)
                found.append(Span(value, start, start + len(value), "labelled", word))
    return found


def fit(parameter: dict[str, Any], span: Span) -> float:
    """How well a span suits a parameter, whatever its place in the request; below zero it does not."""
    numeric = str(parameter.get("type", "")).lower() in _NUMERIC
    if numeric and span.shape not in ("number", "money", "percent", "labelled"):
        return -1.0
    if span.shape == "option":
        return 3.0
    if span.shape == "labelled" and numeric:
        return 2.0 if re.fullmatch(_NUMBER, span.text) else -1.0
    held = _holds(parameter)
    if held:
        shape = sum(_FIT[span.shape].get(kind, 0.0) * weight for kind, weight in held.items()) / sum(held.values())
    else:
        shape = 0.6 * _FIT[span.shape].get("text", 0.0)  # nothing says what it holds: any text is a guess
    # The word before or after the span naming the parameter's role counts only for a value of a fitting shape.
    return shape + (_lead_fit(parameter, span) + _trail_fit(parameter, span) if shape > 0 else 0.0) - 0.4


def _trail_fit(parameter: dict[str, Any], span: Span) -> float:
    """1 when the word after the span is the parameter's name ("the Morning Acoustic playlist")."""
    return 1.0 if span.trail and span.trail in _words(str(parameter.get("name", ""))) else 0.0


def _lead_fit(parameter: dict[str, Any], span: Span) -> float:
    """1 when the word before the span names the parameter's role ("from Paris" for an origin)."""
    name = _words(str(parameter.get("name", "")))
    return 1.0 if span.lead in name or name & set(_LEADS.get(span.lead, ())) else 0.0


@dataclass(frozen=True)
class Step:
    """Where in the request a node's step is asked for (characters), and where the other steps are."""

    start: int = 0
    end: int = 10**9
    others: tuple[tuple[int, int], ...] = ()

    def place(self, span: Span) -> float:
        """A value inside the step's own words is its value; one inside another step's words rarely is."""
        if self.start <= span.start < self.end:
            return 0.6
        if any(start <= span.start < end for start, end in self.others):
            return -1.5
        return -min(abs(span.start - self.start), abs(span.start - self.end)) / 2000


_BACK_REFERENCE = re.compile(
    r"\b(?:it|them|there|that|this|these|those|both|one|the (?:result|results|number|details|route|booking|"
    r"confirmation|summary|translation|answer|list|output|total|figure|numbers|report|articles|info|information))\b",
    re.IGNORECASE,
)


def fill(
    parameters: Sequence[dict[str, Any]],
    spans: Sequence[Span],
    request: str = "",
    step: Step | None = None,
    previous: int | None = None,
) -> list[dict[str, str]]:
    """{"name", "value"} for each parameter a value suits, each value used once: the best-fitting pairs go
    first. Parameters of one kind that no lead word tells apart take their values in the order they come
    (check-in before check-out). A step that points back ("text it to Mom") gets the previous node's output
    (`<node-k>`, k = `previous`) for a content parameter its own words leave empty."""
    step = step or Step()
    candidates = [list(spans) + own_spans(request, p) for p in parameters]
    pairs = sorted(
        ((fit(p, s) + step.place(s), k, j) for k, p in enumerate(parameters) for j, s in enumerate(candidates[k])),
        reverse=True,
    )
    chosen: dict[int, Span] = {}
    used: set[tuple[int, int]] = set()
    for score, k, j in pairs:
        span = candidates[k][j]
        if score <= 0 or k in chosen or (span.start, span.end) in used:
            continue
        chosen[k] = span
        used.add((span.start, span.end))
    _in_order(parameters, chosen)
    values = {k: _value(parameters[k], span) for k, span in chosen.items()}
    if previous is not None and _BACK_REFERENCE.search(request[step.start : step.end]):
        own = {k for k, span in chosen.items() if step.start <= span.start < step.end}
        content = [k for k, p in enumerate(parameters) if k not in own and _takes_output(p)]
        if content:
            values[content[0]] = f"<node-{previous}>"
    return [
        {"name": str(parameters[k].get("name", f"arg{k}")), "value": values[k]}
        for k in range(len(parameters))
        if k in values
    ]


def _takes_output(parameter: dict[str, Any]) -> bool:
    if str(parameter.get("type", "")).lower() in _NUMERIC:
        return False
    return _main_kind(parameter) in ("text", "place") and "person" not in _holds(parameter)


def _main_kind(parameter: dict[str, Any]) -> str:
    held = _holds(parameter)
    return max(held, key=lambda kind: held[kind]) if held else "text"


def _in_order(parameters: Sequence[dict[str, Any]], chosen: dict[int, Span]) -> None:
    groups: dict[tuple[str, str], list[int]] = {}
    for k, span in chosen.items():
        if span.shape not in ("option", "labelled") and not _lead_fit(parameters[k], span):
            groups.setdefault((_main_kind(parameters[k]), span.shape), []).append(k)
    for members in groups.values():
        ordered = sorted((chosen[k] for k in members), key=lambda span: span.start)
        for k, span in zip(sorted(members), ordered, strict=True):
            chosen[k] = span


def _value(parameter: dict[str, Any], span: Span) -> str:
    """A numeric parameter takes the number alone ("$45" -> "45"); others the span as written."""
    if str(parameter.get("type", "")).lower() in _NUMERIC:
        number = re.search(_NUMBER, span.text)
        return number.group(0) if number else span.text
    return span.text
