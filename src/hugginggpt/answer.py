"""Answers built from the results alone (the embedded controller's), and the check that an answer
phrased by a language model adds nothing the results and the request do not contain."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from hugginggpt.errors import ControllerError
from hugginggpt.events import AnswerDelta, EventSink
from hugginggpt.llm.base import ChatModel, Message, Reply, Usage
from hugginggpt.responder import TaskReport
from hugginggpt.roles import split_roles

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_FILE = re.compile(r"[\w./-]+\.[A-Za-z0-9]{2,4}\b")
_NAME = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")
# Words that often open a sentence; any other capitalised word must come from the sources. Erring on
# the side of flagging only costs the phrasing: the template answer is used instead.
_OPENERS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "here",
        "there",
        "it",
        "its",
        "your",
        "you",
        "we",
        "our",
        "and",
        "but",
        "also",
        "then",
        "first",
        "next",
        "finally",
        "sure",
        "great",
        "listen",
        "note",
        "result",
        "results",
        "task",
        "tasks",
        "model",
        "models",
        "file",
        "files",
        "text",
        "image",
        "audio",
        "video",
        "sentiment",
        "according",
        "based",
        "please",
        "yes",
        "no",
        "overall",
        "in",
        "on",
        "for",
        "with",
        "from",
    ]
)


_ENTITY_KINDS = {
    "PERSON": "person",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "ORG": "organization",
    "DATE": "date",
    "TIME": "time",
    "MONEY": "amount",
    "NORP": "group",
    "EVENT": "event",
    "PRODUCT": "product",
    "WORK_OF_ART": "title",
}
_HOW_MANY = re.compile(r"\bhow many\s+([a-z]+(?:\s[a-z]+)?)|\bcount\s+(?:the\s+)?([a-z]+)|\bnumber of\s+([a-z]+)", re.I)
_IS_THERE = re.compile(r"\b(?:is|are) there (?:a|an|any|some)?\s*([a-z]+)", re.I)


_ASKED_LABEL = re.compile(
    r"\b(?:is|was|does|do|did|sound|sounds|seem|seems|feel|feels)\b[^.?!]*?\b(positive|negative|neutral|happy|pleased|"
    r"satisfied|glad|unhappy|angry|upset|sad|annoyed|disappointed)\b",
    re.I,
)
_MOODS = {"happy": "positive", "pleased": "positive", "satisfied": "positive", "glad": "positive"}


def _asked_label(request: str) -> str | None:
    """The sentiment a yes/no question asks about ("is it negative?"); None for "positive or negative?"."""
    asked = _ASKED_LABEL.search(request)
    if asked is None or re.search(r"\bor\b", request[asked.start() :].split("?")[0]):
        return None
    word = asked.group(1).lower()
    return word if word in ("positive", "negative", "neutral") else _MOODS.get(word, "negative")


def _singular(word: str) -> str:
    word = word.lower()
    for plural, single in (("people", "person"), ("persons", "person"), ("men", "man"), ("women", "woman")):
        if word == plural:
            return single
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _objects(report: TaskReport) -> list[str]:
    data = report.data if isinstance(report.data, dict) else {}
    return [str(o.get("label", "")) for o in data.get("objects", []) if isinstance(o, dict)]


def _count_answer(request: str, report: TaskReport, where: str) -> str | None:
    """A count or a yes/no from the detector's boxes, when the request asks for one."""
    labels = [label.lower() for label in _objects(report)]
    asked = _HOW_MANY.search(request) or _IS_THERE.search(request)
    if asked is None or report.data is None:
        return None
    words = next(g for g in asked.groups() if g).split()
    thing = _singular(words[0]) if words[0] not in ("of", "the") else _singular(words[-1])
    if thing in ("object", "thing", "item"):
        return f"The detector found {len(labels)} object{'s' if len(labels) != 1 else ''} in {where}."
    count = sum(1 for label in labels if thing in (label, _singular(label)) or label.endswith(f" {thing}"))
    classes = report.data.get("classes") if isinstance(report.data, dict) else None
    if not count and isinstance(classes, list) and classes and thing not in classes:
        known = ", ".join(sorted(set(labels))) or "nothing"
        return (
            f"The detector cannot count {thing}s: it knows {len(classes)} kinds of object ({', '.join(classes[:6])}, "
            f"...), and {thing} is not one of them. In {where} it found {known}."
        )
    if _IS_THERE.search(request) and not _HOW_MANY.search(request):
        return (
            f"Yes: the detector found {count} {thing}{'s' if count != 1 else ''} in {where}."
            if count
            else f"No: the detector found no {thing} in {where}."
        )
    return f"I count {count} {thing}{'s' if count != 1 else ''} in {where}."


def _source_name(report: TaskReport) -> str:
    for kind in ("image", "audio", "video"):
        value = report.args.get(kind, "")
        if value and "<GENERATED>" not in value:
            return value
    return "it"


def _speech_answer(report: TaskReport, where: str) -> str:
    data = report.data if isinstance(report.data, dict) else {}
    labels = data.get("labels") or []
    top = str(labels[0].get("label", "")) if labels and isinstance(labels[0], dict) else ""
    if top == "speech":
        return f"Yes, someone is speaking in {where} ({report.text})."
    if top == "no speech":
        return f"No, there is no speech in {where} ({report.text})."
    return f"The sounds in {where}: {report.text}."


def _entities_answer(report: TaskReport) -> str:
    data = report.data if isinstance(report.data, dict) else {}
    entities = [e for e in data.get("entities", []) if isinstance(e, dict)]
    if not entities:
        return "It mentions no names, places, organizations or dates that the entity model recognises."
    seen: dict[str, str] = {}
    for e in entities:
        seen.setdefault(str(e.get("text")), _ENTITY_KINDS.get(str(e.get("label")), str(e.get("label")).lower()))
    return "It mentions " + _join([f"{name} ({kind})" for name, kind in seen.items()]) + "."


def _similarity_answer(report: TaskReport) -> str:
    data = report.data if isinstance(report.data, dict) else {}
    scores = [x for x in data.get("scores", []) if isinstance(x, dict)]
    if not scores:
        return f"Similarity: {report.text}."
    ranked = ", ".join(f"\u201c{x.get('sentence')}\u201d {float(x.get('score', 0)):.2f}" for x in scores)
    return f"Closest to \u201c{data.get('source')}\u201d: {ranked} (cosine similarity; 1 means the same meaning)."


def _language_name(code: object) -> str | None:
    from hugginggpt.experts.offline.text import LANGUAGES

    return LANGUAGES[code][0] if isinstance(code, str) and code in LANGUAGES else None


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _quote(text: str) -> str:
    """The text in quotation marks, its lines joined; a sentence that ends inside the quote needs no stop after it."""
    flat = " / ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return f"\u201c{flat}\u201d" + ("" if flat[-1:] in ".!?" else ".")


def _engine(report: TaskReport) -> str:
    """What ran inside an expert when it is not the model its card names (a language pair Apertium lacks)."""
    data = report.data if isinstance(report.data, dict) else {}
    engine = data.get("engine")
    return f" (run by {engine})" if isinstance(engine, str) and engine.split()[0] not in (report.model or "") else ""


def _result_sentence(request: str, report: TaskReport) -> str:
    """One sentence that gives a task's result as an answer."""
    where = _source_name(report)
    text = (report.text or "").strip()
    task = report.task
    if task == "object-detection":
        counted = _count_answer(request, report, where)
        labels = _objects(report)
        found = _join([f"{n} {label}" for label, n in Counter(labels).items()]) if labels else text
        return counted or f"The detector found {found} in {where} ({text})."
    if task == "image-to-text":
        if report.model and "ocr" in report.model:
            return (
                f"The text in {where} reads: {_quote(text)}"
                if "no text found" not in text
                else f"I found no text in {where}."
            )
        how = report.data.get("how") if isinstance(report.data, dict) else None
        return f"{text} ({how}.)" if isinstance(how, str) else text
    if task == "automatic-speech-recognition":
        return f"The recording{'' if where == 'it' else f' {where}'} says: {_quote(text)}"
    if task == "audio-classification":
        return _speech_answer(report, where)
    if task == "token-classification":
        return _entities_answer(report)
    if task == "text-classification":
        data = report.data if isinstance(report.data, dict) else {}
        if "scores" in data:
            label = str(data.get("label"))
            scores = text[len(label) :].strip() if text.startswith(label) else f"({text})"
            return f"It is about {label} {scores}."
        label = str(data.get("label", ""))
        asked = _asked_label(request)
        if asked and label:
            return f"{'Yes' if asked == label else 'No'}: the text sounds {text}."
        return f"The text sounds {text}."
    if task == "translation":
        data = report.data if isinstance(report.data, dict) else {}
        roles, _ = split_roles(report.args.get("text", ""))
        source, target = _language_name(data.get("source")), _language_name(data.get("target")) or roles.get("target")
        between = (f" from {source}" if source else "") + (f" into {target}" if target else "")
        translated = str(data.get("translation") or text)
        note = f" ({data['engine']}, {data['quality']} quality)" if data.get("quality") == "lower" else ""
        return f"Translated{between}: {_quote(translated)}{note}"
    if task == "summarization":
        return f"Summary: {text}"
    if task in ("question-answering", "document-question-answering", "visual-question-answering"):
        return f"Answer: {text}"
    if task == "image-classification":
        best, _, rest = text.partition(", ")
        shows = f"{where} most likely shows: {best}" + (f"; next: {rest}." if rest else ".")
        # "is this a fox?" asks yes or no; "what is this a picture of?" does not
        is_it = re.search(
            r"(?:^|[.?!,;]\s*|\band\s+)is (?:this|it|that) (?:an? )?(?!picture|photo|image|pic\b)([a-z]+)",
            request.lower(),
        )
        if is_it:
            verdict = "Yes" if is_it.group(1) in best.lower() else f"Probably not a {is_it.group(1)}"
            return f"{verdict}: {shows}"
        return shows
    if task == "sentence-similarity":
        return _similarity_answer(report)
    if task == "text-to-speech":
        return f"Here it is read aloud: {', '.join(report.files)}."
    if task in ("image-to-image", "audio-to-audio"):
        return f"{text.rstrip('.')}. The result: {', '.join(report.files)}."
    return text


_FILE_RESULTS = ("text-to-speech", "image-to-image", "audio-to-audio", "text-to-image", "text-to-video")


def template_answer(request: str, reports: Sequence[TaskReport], files: Sequence[str] = ()) -> str:
    """The answer from the results alone: first what the request asked (the tasks whose results no other
    task used), then what was read or heard on the way, then the files made, then which model did what."""
    if not reports:
        if files:
            return (
                f"I found no expert task for this request, so no model looked at {', '.join(files)}. "
                "Try naming what to do with it (describe, read the text, transcribe, detect objects, ...)."
            )
        return "I found no expert task for this request; try asking for something an expert model can do."
    used = {int(m) for r in reports for v in r.args.values() for m in re.findall(r"<GENERATED>-(\d+)", v)}
    # What the request asked for first (results no other task used), then what was read, heard or made on the way.
    # Results that are only a file (speech, a filtered image) come last, just before the credits.
    ordered = sorted(reports, key=lambda r: (r.task in _FILE_RESULTS, r.task_id in used))
    said: list[str] = []
    for r in ordered:
        if r.status == "done":
            said.append(_result_sentence(request, r))
        elif r.status == "failed":
            said.append(f"I could not do the {r.task} step: {r.error}.")
        else:
            said.append(f"The {r.task} step did not run: {r.error}.")
    credits = [f"{r.task} by {r.model}{_engine(r)}" for r in reports if r.model and r.status == "done"]
    produced = [f for r in reports for f in r.files if f not in " ".join(said)]
    tail = f"Models: {'; '.join(credits)}." if credits else ""
    if produced:
        tail += f" Files: {', '.join(produced)}."
    return "\n".join(s for s in said if s) + (f"\n\n{tail.strip()}" if tail.strip() else "")


def invented(answer: str, sources: Sequence[str]) -> list[str]:
    """Numbers, file names and proper names in `answer` that appear in none of `sources`, matched as whole
    tokens: "4" is not known because "0.04" is."""
    known = "\n".join(sources)
    known_numbers = set(_NUMBER.findall(known))
    known_files = set(_FILE.findall(known))
    known_words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", known)}
    found: list[str] = []
    found.extend(m for m in _FILE.findall(answer) if m not in known_files)
    without_files = _FILE.sub(" ", answer)
    found.extend(m for m in _NUMBER.findall(without_files) if m not in known_numbers)
    found.extend(m for m in _NAME.findall(without_files) if m.lower() not in known_words and m.lower() not in _OPENERS)
    return sorted(set(found))


_PHRASE = (
    "Rewrite the results below as a short, friendly answer to the user's request. Use only facts from the "
    "results; keep every model id and file path exactly as written; add no names, numbers or files."
)


@dataclass
class TemplateResponder:
    """The embedded controller's response stage: the template, or with `phraser` the template phrased by
    a language model and kept only if `invented` finds nothing; streamed either way."""

    phraser: ChatModel | None = None

    async def respond(
        self,
        request: str,
        reports: list[TaskReport],
        history: list[Message],
        emit: EventSink,
        files: Sequence[str] = (),
    ) -> Reply:
        template = template_answer(request, reports, files)
        if self.phraser is not None and reports:
            messages: list[Message] = [
                {"role": "system", "content": _PHRASE},
                {"role": "user", "content": f"Request: {request}\n\nResults:\n{template}"},
            ]
            try:
                reply = await asyncio.to_thread(self.phraser.generate, messages)
            except ControllerError:
                reply = None
            if reply is not None and not invented(reply.text, [request, template]):
                emit(AnswerDelta(reply.text))
                return reply
        emit(AnswerDelta(template))
        return Reply(template, Usage())
