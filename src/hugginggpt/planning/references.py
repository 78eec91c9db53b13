"""Which of a request's attached files a clause means when it does not give their names: by the words of
a file's name ("the cat pic" is cat.png, "the invitation" is invite.png), by order ("the second one",
"2nd:", "the first image"), or by kind when one file only is of that kind ("the recording"); and which
files a request rules out ("the memo one, not the meeting file").

Only a request with two or more files needs this: with one file, every clause is about it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_MARK = re.compile(r"§(?:image|audio|video|text|labels)(\d+)")


@dataclass(frozen=True)
class Attached:
    index: int  # the source's index in the request's reading
    kind: str  # image, audio, text
    name: str


_KIND_NOUNS = {
    "image": r"(?:images?|pictures?|photos?|photographs?|pics?|screenshots?|scans?|snapshots?)\b",
    "audio": r"(?:recordings?|audio|clips?|voice (?:memos?|notes?|messages?)|voicemails?|sound files?)\b",
    "text": r"(?:text files?|txt files?|documents?|docs?)\b",
}
_ANY_NOUN = r"(?:one|file|attachment|upload)s?\b"
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1}
_ORDINAL = re.compile(r"\b(?:(?P<the>the|that|this|my)\s+)?(?P<n>first|1st|second|2nd|third|3rd|fourth|4th|last)\b")
# "the second time", "the first step": an ordinal that counts something other than the files
_NOT_FILES = re.compile(r"\s+(?:time|step|part|sentence|paragraph|line|page|word|thing|question|row|item)s?\b")
_DETERMINED = re.compile(r"\b(?:the|this|that|my|our|his|her|their)\s+([a-z]+)(?:\s+([a-z]+))?")
EXCLUDED = re.compile(
    r"\b(?:not|rather than|instead of|ignore|except|apart from|other than|skip)\s+"
    r"(?P<what>§\w+\d+|(?:the|that|this|my)\b[^,.;!?()§]{1,40})"
)


def _stems(name: str) -> list[str]:
    base = name.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return [w for w in re.split(r"[^a-z]+", base) if len(w) >= 3]


def _names(word: str, stem: str) -> bool:
    """Whether a word of the request names a file by a word of its name ("invitation" for invite.png)."""
    return word in (stem, stem + "s") or (len(stem) >= 5 and len(word) >= 5 and word[:5] == stem[:5])


def _by_order(text: str, files: Sequence[Attached]) -> list[tuple[int, int]]:
    found = []
    for m in _ORDINAL.finditer(text):
        after = text[m.end() :]
        kind = next((k for k, noun in _KIND_NOUNS.items() if re.match(rf"\s+(?:\w+\s+)?{noun}", after)), None)
        named = kind is not None or re.match(rf"\s+{_ANY_NOUN}", after) or re.match(r"\s*:", after)
        digits = m.group("n")[0].isdigit()
        bare = m.group("the") and m.group("n") not in ("first", "last") and not _NOT_FILES.match(after)
        if not (named or digits or bare):
            continue
        pool = [f for f in files if kind is None or f.kind == kind]
        position = _ORDINALS[m.group("n")]
        if -len(pool) <= position < len(pool):
            found.append((m.start(), pool[position].index))
    return found


def _by_name_or_kind(text: str, files: Sequence[Attached]) -> list[tuple[int, int]]:
    found = []
    for m in _DETERMINED.finditer(text):
        words = [w for w in m.groups() if w]
        by_name = [f.index for f in files if any(_names(w, s) for w in words for s in _stems(f.name))]
        if len(by_name) == 1:
            found.append((m.start(), by_name[0]))
            continue
        phrase = " ".join(words)
        for kind, noun in _KIND_NOUNS.items():
            of_kind = [f.index for f in files if f.kind == kind]
            if len(of_kind) == 1 and re.search(rf"\b{noun}", phrase):
                found.append((m.start(), of_kind[0]))
    return found


def referred_files(text: str, files: Sequence[Attached]) -> list[int]:
    """The attached files a clause (lower-cased, sources as marks) means, in the order it speaks of them."""
    if len(files) < 2:
        return []
    found = sorted({*_by_order(text, files), *_by_name_or_kind(text, files)})
    return list(dict.fromkeys(index for _, index in found))


def ruled_out(clauses: Sequence[str], files: Sequence[Attached]) -> tuple[list[str], set[int]]:
    """The clauses without the phrases that rule a file out ("..., not the receipt i uploaded by accident"),
    and the files they rule out; a request never rules out all of its files."""
    out: set[int] = set()
    kept = []
    for clause in clauses:
        lowered = clause.lower()
        spans = []
        for m in EXCLUDED.finditer(lowered):
            what = m.group("what")
            marks = {int(k) for k in _MARK.findall(what)} & {f.index for f in files}
            meant = marks or set(referred_files(what, files))
            if meant:
                out |= meant
                spans.append(m.span())
        for start, end in reversed(spans):
            clause = clause[:start] + clause[end:]
        kept.append(" ".join(clause.split()).strip(" ,-"))
    if out >= {f.index for f in files}:
        return list(clauses), set()
    return kept, out
