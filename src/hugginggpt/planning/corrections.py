"""A request that corrects itself ("translate it to French, no wait, German"; "summarize it, actually scratch
that, who is the mayor?") is planned as the writer finally meant it.

The text is the request with its sources already replaced by marks, so a file or a quoted text named before
the correction stays available to the steps after it. What follows the last correction decides:
- a language alone replaces the last language named before it;
- words that only turn a step down ("don't bother with the italian", "skip the reading") drop the piece of
  the earlier text that asked for it;
- "make it a video instead" changes the kind of result and keeps the rest;
- a file named alone replaces the files before it ("check the note. sorry, I mean complaint.png");
- anything that asks for a step replaces everything before it, and the files it names are the only ones
  meant ("the photo - sorry, I meant the receipt").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from hugginggpt.planning.cues import LANGUAGE
from hugginggpt.planning.references import EXCLUDED, Attached, referred_files

_MARK = re.compile(r"§(?:image|audio|video|text|labels)(\d+)")
_CORRECTION = re.compile(
    r"(?:^|(?<=[\s,.;:!?—–-]))(?:(?:oh|hmm|ugh|um)[\s,]+)?(?:no,? wait|wait,? no|wait|scratch that|sorry,? (?:no|i meant|i mean)|"
    r"sorry,? not|i meant|i mean|no,? i meant|(?<!\bor )nah|nvm|never ?mind|forget (?:it|that|the \w+)|(?<=[.,;!?—–-] )actually|^actually|"
    r"(?<=oh )actually|(?<=hmm )actually|hmm,? no|no no)\b[\s,.;:!—–-]*",
    re.IGNORECASE,
)
_TURNED_DOWN = re.compile(
    r"\b(?:don'?t bother with|skip|forget|no need for|no need to|don'?t need|without|no)\s+(?:the\s+|any\s+)?([a-z]+)",
    re.IGNORECASE,
)
# "make it a short video instead": the same subject, another kind of result
_SWITCH = re.compile(
    r"^\W*(?:make|do) it (?:an? |as an? )?(?:\w+ )?(video|clip|animation|picture|image|drawing|photo)s?\b", re.I
)
_MEDIA_NOUN = re.compile(r"\b(?:video|clip|animation|picture|image|drawing|photo)s?\b", re.IGNORECASE)
_PIECE_END = re.compile(r",\s+|\s+(?:and then|then|and)\s+|(?<=[.?!])\s+")


def _named_files(text: str, files: Sequence[Attached]) -> set[int]:
    return {int(k) for k in _MARK.findall(text)} | set(referred_files(text.lower(), files))


def corrected(masked: str, files: Sequence[Attached], asks_for_a_step: Callable[[str], bool]) -> tuple[str, set[int]]:
    """(the text to plan, the attached files the correction rules out)."""
    found = list(_CORRECTION.finditer(masked))
    if not found:
        return masked, set()
    last = found[-1]
    before, after = masked[: last.start()].rstrip(" ,.;:—–-"), masked[last.end() :]
    sentence = re.split(r"(?<=[.?!])\s+", after, maxsplit=1)
    head, rest = sentence[0], (sentence[1] if len(sentence) > 1 else "")
    language = re.fullmatch(rf"\s*(?:in |into |to )?({LANGUAGE})(?: instead| please| pls)?\W*", head, re.IGNORECASE)
    if language:  # "translate it to french, no wait, german"
        spots = list(re.finditer(rf"\b{LANGUAGE}\b", before, re.IGNORECASE))
        if spots:
            before = before[: spots[-1].start()] + language.group(1) + before[spots[-1].end() :]
        return f"{before}. {rest}".strip(), set()
    switch = _SWITCH.match(after)
    if switch and _MEDIA_NOUN.search(before):
        return _MEDIA_NOUN.sub(switch.group(1), before, count=1) + (f". {rest}" if rest else ""), set()
    named_after = _named_files(EXCLUDED.sub(" ", after), files)
    if not asks_for_a_step(after) and named_after:
        # "check the tone of the note. sorry, i mean complaint.png, not the library one": another file
        return f"{before}. {after}", {f.index for f in files} - named_after
    if not asks_for_a_step(after):
        down = [m.group(1).lower() for m in _TURNED_DOWN.finditer(after)]
        if not down:
            return masked, set()
        pieces = _PIECE_END.split(before)
        kept = [p for p in pieces if not any(re.search(rf"\b{re.escape(w[:4])}", p, re.IGNORECASE) for w in down)]
        return ". ".join(kept) + (f". {rest}" if rest else ""), set()
    # "summarize article.txt - actually scratch that, who is the mayor?": the new request replaces the old one
    return after, ({f.index for f in files} - named_after) if named_after else set()
