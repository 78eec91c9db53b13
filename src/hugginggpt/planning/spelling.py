"""Mends one-letter slips in the words that name a task ("transalte", "summerize", "descibe"), and the
shorthand of phone typing ("wat", "u", "pls", "n") and punctuation said to a dictation ("question mark"), so a typo does not cost the step it asks for.

Only long words are mended, only into the vocabulary below, and only at one edit (a letter added, dropped,
changed or two neighbours swapped, never the first letter): short words have too many real neighbours ("write" is one edit from
"writes"), and a real word that happens to sit one edit from a task word is listed in `_KEEP`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hugginggpt.experts.offline.text import LANGUAGES

_TASK_WORDS = frozenset(
    """
    transcribe transcript transcription translate translation translated summarize summarise summary summaries
    describe description caption classify classification category sentiment positive negative entities entity
    mentioned recording recordings picture pictures photograph screenshot receipt similarity similar sentences
    rewrite rephrase paraphrase simplify grammar spelling formal segment segmentation background detect
    detection objects identify recognize recognise question answer document invitation species generate
    conversation sketch cartoon greyscale grayscale sharpen outline outlines narrate remove denoise
    cleanup enhance animation illustration message transcribed summarized summarised described classified
    satisfied unsatisfied dissatisfied
    """.split()  # noqa: SIM905
) | {n.lower() for names in LANGUAGES.values() for n in names if len(n) >= 6}
_KEEP = frozenset(
    "trench germane defect entitles describes sentence answers objected finish finished classifier classifiers".split()  # noqa: SIM905
)
_WORD = re.compile(r"[A-Za-z]{6,}")
# Whole words typed short, spelled out so the cues read them ("wat breed is she", "names n places").
_SHORTHAND = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "plss": "please", "thx": "thanks",
    "wat": "what", "wut": "what", "wht": "what", "wats": "what's", "whats": "what's", "wuts": "what's",
    "n": "and", "abt": "about", "msg": "message", "txt": "text", "ppl": "people", "w/": "with", "b4": "before",
    "transl8": "translate", "im": "i'm", "dont": "don't", "doesnt": "doesn't", "isnt": "isn't", "cant": "can't",
    "wanna": "want to", "gonna": "going to", "ya": "you", "cuz": "because", "hes": "he's", "shes": "she's",
    "theyre": "they're", "whos": "who's", "wheres": "where's", "thats": "that's", "kinda": "kind of", "sorta": "sort of",
    "gimme": "give me", "lemme": "let me", "wtf": "what", "talkin": "talking", "sayin": "saying", "tryna": "trying to", "howmany": "how many", "howmuch": "how much",
}  # fmt: skip
_SHORT_WORD = re.compile(
    r"(?<![\w'./§-])(?:" + "|".join(map(re.escape, _SHORTHAND)) + r")(?![\w'/-]|\.\w)", re.IGNORECASE
)
# "4 a card", "2 german": a digit for a preposition, only before the words it leads
_LANGUAGE_NAMES = "|".join(n.lower() for names in LANGUAGES.values() for n in names)
_DIGIT_WORD = re.compile(
    rf"(?<=[a-z] )4(?= (?:a|an|me|my|the|our|him|her|us|them)\b)|(?<=[a-z] )2(?= (?:me|go|be|do|get|make|say|send|post|"
    rf"{_LANGUAGE_NAMES})\b)",
    re.IGNORECASE,
)


# Words of other languages mixed into an English request ("make la foto like a sketch", "resumen de article.txt")
_FOREIGN = {
    r"\b(?:la|el|das|le|il|mi|ma|mon|my) (?:foto|photo)\b|\bfoto\b": "the photo",
    r"\b(?:el|l'|das|le|il) audio\b": "the audio",
    r"\b(?:un |el |le |das )?(?:resumen|résumé|resumo|riassunto|zusammenfassung)\b": "a summary",
    r"\b(?:respuesta|réponse|risposta|antwort)\b": "reply",
    r"\b(?:los nombres|les noms|die namen|i nomi|os nomes)\b": "the names",
    r"\b(?:carpeta|dossier|ordner|cartella)\b": "folder",
    r"\bruido\b": "noise",
    r"\bmi gato\b": "my cat",
    r"\b(?:por favor|s'il vous plaît|s'il te plaît|per favore|bitte)\b": "please",
    r"\b(?:gracias|merci|grazie|danke|obrigado|obrigada)\b": "thanks",
}
_FOREIGN_RE = [(re.compile(k, re.IGNORECASE), v) for k, v in _FOREIGN.items()]

# Phrasings carried over from other languages, said the English way ("say me how much", "look the receipt").
_LEARNER = {
    # a homophone slip of dictation: "tell me if there mad"
    r"\bthere (?=(?:mad|angry|upset|happy|annoyed|pleased|sad|talking|saying|speaking|meeting|coming|going)\b)": "they're ",
    r"\bsay me\b": "tell me",
    r"(?<!\bit )(?<!\bthem )(?<!\bpic )(?<!\bphoto )(?<!\bpicture )(?<!\bimage )\blook (?=(?:the |this |that |my )?(?:receipt|photo|"
    r"picture|pic|image|note|sign|menu|invite|invitation|letter|email|card|file|text|message|paper|ticket)s?\b)": "look at ",
}
_LEARNER_RE = [(re.compile(k, re.IGNORECASE), v) for k, v in _LEARNER.items()]


def one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by exactly one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[k:] == long[k + 1 :]


@lru_cache(maxsize=4096)
def _mended(word: str) -> str:
    lower = word.lower()
    if lower in _TASK_WORDS or lower in _KEEP or lower[:-1] in _TASK_WORDS:
        return word  # a task word with an ending of its own ("descriptions", "detects") is no slip
    near = [w for w in _TASK_WORDS if w[0] == lower[0] and one_edit(lower, w)]  # a slip rarely hits the first letter
    return near[0] if len(near) == 1 else word


# Punctuation said aloud to a phone's dictation ("is she a specific breed question mark")
_SPOKEN_MARKS = re.compile(r"\s*\b(question mark|exclamation (?:mark|point)|full stop|comma)\b", re.IGNORECASE)
_MARKS = {"question mark": "?", "exclamation mark": "!", "exclamation point": "!", "full stop": ".", "comma": ","}


def mend(text: str) -> str:
    """The text with shorthand spelled out and each word that is one slip from exactly one task word replaced
    by it."""
    text = _SPOKEN_MARKS.sub(lambda m: _MARKS[m.group(1).lower()], text)
    text = _SHORT_WORD.sub(lambda m: _SHORTHAND[m.group().lower()], text)
    for pattern, said in (*_FOREIGN_RE, *_LEARNER_RE):
        text = pattern.sub(said, text)
    text = _DIGIT_WORD.sub(lambda m: "for" if m.group() == "4" else "to", text)
    return _WORD.sub(lambda m: _mended(m.group()), text)
