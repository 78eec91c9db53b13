"""The embedded controller's planner for everyday requests: it reads a request the way a person does.

1. **Sources.** The files (attached or named), quoted texts, a text given after a colon and the labels a
   request lists are found first and replaced by marker words, so instructions are never read from
   inside a content and a content is never taken for an instruction.
2. **Needs.** The request is cut into clauses; cue patterns (`cues.py`) say what each clause wants:
   a task type, or a need that depends on what it is applied to ("what does it say" is OCR on an
   image and speech recognition on a recording).
3. **Type-directed completion.** Each need is applied to its subject (the source its clause names, else
   the one the request is about); a text task on an image or a recording gets the converter it needs
   (OCR, speech recognition) first, shared by every analysis of that content. Speech and
   transformations take the latest result ("translate it, then read it aloud"), analyses take the
   content itself. A file no clause used gets the task its kind usually wants.
4. **Arguments by role.** QA gets its question and context, zero-shot classification the labels listed,
   translation its languages, image-to-image the effect named (see `roles.py`).

No model is called: a plan takes about a millisecond. Every plan passes the plan validator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from hugginggpt.errors import PlanError
from hugginggpt.experts.offline.text import LANGUAGES, label_segment, quoted_spans, split_labels
from hugginggpt.experts.offline.vision import COCO_LABELS, choose_operation
from hugginggpt.plan import GENERATED
from hugginggpt.planning import cues
from hugginggpt.planning.corrections import corrected
from hugginggpt.planning.references import Attached, referred_files, ruled_out
from hugginggpt.planning.spelling import mend, one_edit
from hugginggpt.roles import split_roles, with_roles
from hugginggpt.tasks import TASK_TYPES, kind_of_file

_FILE = re.compile(r"(?<![\w/.:-])([\w-]+\.(?:png|jpe?g|gif|bmp|webp|tiff?|wav|mp3|flac|ogg|m4a|aac|opus|mp4|avi|mov|"
                   r"mkv|webm|txt|md|csv|tsv|json))\b", re.IGNORECASE)  # fmt: skip
_URL = re.compile(r"https?://\S+")
_TABLE = re.compile(r"\.(?:csv|tsv)$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+|\n+|(?<!\btl);\s*", re.IGNORECASE)
_CONNECTIVE = re.compile(
    r"(?<!\bblack)(?<!\bwho)(?<!\bwhere)(?<!\bwhen)(?<!\bnames)(?<!\bname)(?<!\bpeople)(?<!\bpersons)(?<!\bplaces)(?<!\bcompanies),?\s+(?:and then|then|and also|"
    r"(?<!\bmake\s)(?<!\bwrite\s)(?<!\bgive\s)(?<!\bsend\s)(?<!\bdo\s)(?<!\btranslate\s)also|after that|"
    r"and after(?= (?:read|say|translat|make|writ|tell|giv|send|put|summar|speak|describ|show|turn|convert|clean))|afterwards|plus|and|as well as|once done|(?<=,\s)next|finally|"
    r"lastly|followed by)\s+|\s+and\s+(?=whether\b)|,\s+(?=\w)|\s+\(?[1-9]\)\s+|\s+[+&>]\s+|\s*(?:->|→|=>)\s*",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|quick one|quick question|please|pls|plz|can you|could you|would you|"
    r"will you|i want you to|i need you to|i'd like you to|i would like you to|help me|you|kindly|just|also|sorry|"
    r"is it possible to|is it possible for you to|would it be possible to|i have no idea if this works but|"
    r"not sure if this works but|probably a daft question but|"
    r"tell me|let me know|i wonder|i'd like to know|do you know|according to (?:the|this|that|my) \w+|"
    r"based on (?:the|this|that|my) \w+|"
    r"and|then|now|first|next|finally|lastly|after that|afterwards|if so|if yes|if there is|if (?:it|that|this|they|she|he) (?:is|are|does|do)|if it's|"
    r"if needed|if necessary|in that case)\b[\s,:!—–-]*)+",
    re.IGNORECASE,
)
_TEXT_TASKS = {name for name, spec in TASK_TYPES.items() if spec.requires == ("text",)}
# Tasks whose output is the content itself in another form: speech and later transformations read it.
_CONTENT_PRODUCERS = {
    "image-to-text",
    "automatic-speech-recognition",
    "translation",
    "summarization",
    "text2text-generation",
    "text-generation",
    "conversational",
    "question-answering",
    "document-question-answering",
    "visual-question-answering",
}
_ANSWERS = {"question-answering", "document-question-answering", "visual-question-answering"}
_WRITTEN = {"text-generation", "conversational", "text2text-generation"}
_TRANSFORMS = {"translation", "summarization", "text2text-generation", "text-to-speech"}
_PROMPT_TASKS = {"text-generation", "conversational", "text-to-image", "text-to-video"}
_MARK = "§{kind}{index}"
_SHORT = {"image": "img", "audio": "aud", "video": "vid", "text": "txt", "labels": "lab"}
_MOOD_WORDS = frozenset(
    "good bad positive negative neutral happy unhappy sad angry upset pleased nice mean mad annoyed furious glad ok okay "  # noqa: SIM905
    "fine calm satisfied dissatisfied unsatisfied content grateful frustrated disappointed thrilled excited cheerful "
    "hostile rude polite friendly not nah nope no tired stressed upbeat gloomy grumpy cheery".split()
)
_LANGUAGE_NAMES = {n.lower() for names in LANGUAGES.values() for n in names}
_MARK_RE = re.compile(r"§(image|audio|video|text|labels)(\d+)")


@dataclass(frozen=True)
class Source:
    """A file, a quoted or inline text, or a label list the request gives."""

    kind: str  # image, audio, video, text (a text file or a text), labels
    value: str
    is_file: bool


@dataclass
class Reading:
    sources: list[Source]
    clauses: list[str]  # the request's clauses with sources replaced by marks
    attached: list[int]  # sources that are files given with the request


@dataclass
class _Task:
    task: str
    args: dict[str, str]
    subject: int | None  # the source it works on (directly or through converters)

    @property
    def produces(self) -> tuple[str, ...]:
        return TASK_TYPES[self.task].produces


def read_request(request: str, files: Sequence[str] = ()) -> Reading:
    """Sources and clauses of a request (see the module's docstring)."""
    spans: list[tuple[int, int, Source]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    for m in _FILE.finditer(request):
        name = _attached_name(m.group(1), files)
        spans.append((m.start(), m.end(), Source(kind_of_file(name) or "text", name, True)))
    for m in _URL.finditer(request):
        url = m.group().rstrip(".,;:!?)'\"")
        if free(m.start(), m.start() + len(url)):
            spans.append((m.start(), m.start() + len(url), Source(kind_of_file(url) or "image", url, True)))
    for start, end, body in quoted_spans(request):
        inner = [k for k, (s, e, _) in enumerate(spans) if s >= start and e <= end]
        if inner and spans[inner[0]][2].value == body:
            s = spans[inner[0]][2]
            spans[inner[0]] = (start, end, s)  # a quoted file name
        elif (
            free(start, end)
            and body
            and not _asked_in_quotes(request, body)
            and not _TITLE.fullmatch(request[max(0, start - 6) : start] + "|" + request[end : end + 12].split(",")[0])
        ):
            spans.append((start, end, Source("text", body, False)))
    _add_inline_content(request, spans, free)
    _add_labels(request, spans)
    spans.sort(key=lambda s: s[0])
    sources: list[Source] = []
    masked, last = [], 0
    for start, end, source in spans:
        if start < last:
            continue
        index = next((k for k, s in enumerate(sources) if s == source), None)
        if index is None:
            sources.append(source)
            index = len(sources) - 1
        masked.append(mend(request[last:start]) + " " + _MARK.format(kind=source.kind, index=index) + " ")
        last = end
    masked.append(mend(request[last:]))
    attached: list[int] = []
    for name in files:
        if "/" in name:
            continue  # an earlier turn's output: usable when named, not a file given with this request
        index = next((k for k, s in enumerate(sources) if s.is_file and s.value == name), None)
        if index is None:
            sources.append(Source(kind_of_file(name) or "text", name, True))
            index = len(sources) - 1
        attached.append(index)
    files_given = [Attached(k, sources[k].kind, sources[k].value) for k in attached]
    # "note.png vs complaint.png": two files taken together
    joined = re.sub(r"(§\w+\d+)\s+(?:vs\.?|versus)\s+(?=§\w+\d+)", r"\1 and ", "".join(masked))
    # "Spanish → English": one translation, not two steps
    joined = re.sub(rf"\b({cues.LANGUAGE})\s*(?:->|→|=>)\s*(?={cues.LANGUAGE}\b)", r"from \1 to ", joined, flags=re.I)
    meant, dropped = corrected(joined, files_given, lambda text: _has_task_cue(text) or _asks(text))
    clauses, out = ruled_out(_clauses(meant, any(f.kind == "image" for f in files_given)), files_given)
    return Reading(sources, [c for c in clauses if c], [k for k in attached if k not in out | dropped])


# "making a 'what I spent today' reel": a quote that names a show or post is its title, not a text to act on
_TITLE = re.compile(
    r".*\b(?:a|an|my|our)\s*\|\s*(?:reel|video|post|series|segment|channel|blog|vlog|podcast|album|playlist|show|"
    r"episode|theme|trend|challenge|campaign|party|story)s?\b.*",
    re.IGNORECASE | re.DOTALL,
)


def _asked_in_quotes(request: str, body: str) -> bool:
    """A quoted question put to a file or another text ("answer this from article.txt: 'who is the mayor?'")
    is the question, not a content."""
    others = len(quoted_spans(request)) > 1 or _FILE.search(request) is not None
    compared = any(c.need == "sentence-similarity" and c.pattern.search(request.lower()) for c in cues.CUES)
    return others and not compared and body.rstrip().endswith("?") and len(body.split()) <= 20


def _attached_name(name: str, files: Sequence[str]) -> str:
    """The attached file a request names with a slip ("artcle.txt" beside article.txt), else the name."""
    if name in files:
        return name
    near = [f for f in files if f.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1] and one_edit(f.lower(), name.lower())]
    return near[0] if len(near) == 1 else name


_NEXT_STEP = re.compile(
    r"[.!?]\s+(?=(?:and then|then|also|after that|next|finally|now|please|pls|can you|could you|and|which|what|who|"
    r"when|where|how|why|is it|does it)\b)",
    re.I,
)


def _add_inline_content(request: str, spans: list[tuple[int, int, Source]], free: object) -> None:
    """A text given after a short instruction and a colon or a line break ("Summarize: ...")."""
    arrow = re.match(
        rf"\s*(?P<body>[^:>→\n]{{3,120}}?)\s*(?:->|→|=>)\s*(?:in |into |to )?{cues.LANGUAGE}\b", request, re.I
    )
    if (
        arrow is not None
        and not _has_cue(arrow.group("body").lower())
        and not _mentions_file(arrow.group("body"))
        and not (len(arrow.group("body").split()) <= 2 and _KIND_WORD.search(arrow.group("body").lower()))
    ):  # ("sign -> japanese" names the file)
        body = arrow.group("body").strip().strip("\"'“”")  # "thank you for everything -> japanese"
        spans.append((arrow.start("body"), arrow.end("body"), Source("text", body, False)))
        return
    m = cues.CONTENT_AFTER_COLON.match(request.strip())
    if m is not None:
        head, body = m.group("head"), m.group("body").strip()
        offset = request.index(body[:20])
        stop = _NEXT_STEP.search(body)  # "here's the notice: ... floor. which room is it in?"
        body = body[: stop.start() + 1] if stop and _ANNOUNCES.search(head) else body
    else:
        # After a sentence of context: "... Can you fix the grammar in this: i has been waiting. And then translate it"
        colon = re.search(r"(?<=[a-z)]):\s+(?=\S)", request)
        if colon is None:
            return
        start = max(request.rfind(end, 0, colon.start()) for end in (". ", "? ", "! "))
        head = request[start + 2 if start >= 0 else 0 : colon.start()]
        rest = request[colon.end() :]
        stop = _NEXT_STEP.search(rest)
        body = (rest[: stop.start() + 1] if stop else rest).strip()
        offset = colon.end()
    if _FILE.search(head) or len(head.split()) > 14 or not (_has_cue(head.lower()) or _ANNOUNCES.search(head)):
        return
    if body.rstrip().endswith("?") and len(body.split()) <= 8:
        return  # "how does this customer feel - positive or negative?" gives choices, not a text
    if _FILE.search(request) and _KIND_WORD.search(body.lower()) and not re.search(r"[.!?]\s+\w", body):
        return  # "need captions: one for the cafe photo and one for our mascot" names files, it gives no text
    if re.match(r"(?:i|we) (?:don'?t|do not|won'?t) ", body, re.I):
        return  # "read the answer out - I don't need the items listed" says what is not wanted
    if re.search(r"\b(?:things|steps|tasks|jobs|favou?rs)\b", head, re.I):
        return  # "might you do several things: tell me ..., give me ..." lists steps, not a text
    if re.search(
        r"\b(?:one of (?:these|the following|them)|categor\w*|labels?|options|choices|buckets?|folders?|queues?)\s*$",
        head,
        re.I,
    ):
        return  # "sort the transcript into one of these: a, b, c" lists labels
    if len(body.split()) < 2 or _mentions_file(body):
        return
    if re.search(r"\b(?:answer|tell me|question)\b", head, re.I) and body.rstrip().endswith("?"):
        return  # "from that text answer: where is the lunch?" asks, it gives no content
    if any(s < offset + len(body) and e > offset for s, e, _ in spans):
        return  # quotes inside: they are the content
    spans.append((offset, offset + len(body), Source("text", body.strip().strip("\"'“”"), False)))


# "here's the notice:", "the email says:": a head that gives the text that follows
_ANNOUNCES = re.compile(
    r"\b(?:here'?s|here is|this is|the|it|that|my|our)\b[^:]{0,30}\b(?:notice|text|message|email|note|review|post|comment|"
    r"sentence|paragraph|letter|announcement|says|reads|said|goes)\s*$",
    re.IGNORECASE,
)


def _mentions_file(text: str) -> bool:
    return _FILE.search(text) is not None


_LABEL_ASKED = re.compile(
    r"\b(?:cla?s+if\w*|categor\w*|labels?|tag|sort|topics?|about [^.?!]*\bor|which (?:one|of)|bucket|fits? best|best fits?|"
    r"one of|options|choices|triage|(?:go|goes|fall|falls|fit|fits|belong|belongs|be filed|filed) (?:under|in|into|to)\b|which (?:main )?(?:aspect|area|department|team|type|kind|theme)s?\b|"
    r"(?:is|was|were|it's|it is) (?:this |it |that )?(?:a|an)? ?[\w ,.]+ or)\b",
    re.IGNORECASE,
)
# "what's the tone of it, upbeat or critical?": the choices close the question
_TRAILING_CHOICE = re.compile(
    r"\b(?:tone|mood|sentiment|feel\w*|vibe|attitude|type|kind|category|topic|subject|genre|theme|team|department|dept|folder|carpeta|queue)\b(?:[^.?!]|\.(?=\w))*?(?:,|\s[—–-]|:)\s*(?:is it\s+|either\s+)?"
    r"(?P<labels>[\w-]+(?: [\w-]+)?(?:,\s*[\w-]+(?: [\w-]+)?)*,? or [\w-]+(?: [\w-]+)?)\s*\?",
    re.IGNORECASE,
)


def _add_labels(request: str, spans: list[tuple[int, int, Source]]) -> None:
    lowered = request.lower()
    if any(c.need == "sentence-similarity" and c.pattern.search(lowered) for c in cues.CUES):
        return  # 'closest to "a"? options: "b" / "c"' lists sentences to compare, not labels
    quotes = [(s, e, src.value) for s, e, src in spans]
    found = label_segment(request, quotes) if _LABEL_ASKED.search(request) else None
    slashed = re.search(r"(?:^|[?:.!]\s+)([\w' -]+(?:\s/\s[\w' -]+)+)\s*(?:[.?!]|$)", request)
    if (
        found is None
        and slashed
        and not _has_task_cue(slashed.group(1).lower())
        and (labels := split_labels(slashed.group(1)))
    ):
        found = slashed.start(1), slashed.end(1), labels  # 'sports / cooking / politics? "whisk the eggs ..."'
    trailing = _TRAILING_CHOICE.search(request) if found is None else None
    if trailing is not None and (labels := split_labels(trailing.group("labels"))):
        found = trailing.start("labels"), trailing.end("labels"), labels
    if found is None:
        return
    start, end, labels = found
    if all(label.lower() in _LANGUAGE_NAMES for label in labels[:1]):
        return  # "into French or German" names languages, not labels
    polarities = {"positive", "negative", "neutral", "mixed"}
    moods = [mend(label).lower() for label in labels]  # "positve or negative overall?" is a sentiment too
    if all(set(mood.split()) & _MOOD_WORDS for mood in moods) and (
        len(labels) <= 2 or all(mood in polarities for mood in moods)
    ):
        return  # "good or bad news?", "angry or ok?": a sentiment, not labels ("upset, calm or excited" lists three)
    # The lead words ("as", "into") stay in the clause: they are part of the instruction.
    lead = re.match(
        r"\s*(?:\w+(?: \w+)?\s*[:=]|which \w+ (?:fits|applies|suits|goes)[^,:=]*[,:=]|as|into|among|between|is (?:this|it)(?: \w+)?(?: about)?|(?:it|this) is|it's|"
        r"(?:talking |speaking |written )?about)\s*",
        request[start:end],
    )
    begin = start + (lead.end() if lead else 0)
    spans[:] = [s for s in spans if not (s[0] >= begin and s[1] <= end and s[2].kind == "text")]
    spans.append((begin, end, Source("labels", ", ".join(labels), False)))


# "so I can paste them", "showing what's near": what the user will do with a result, not a step
_PURPOSE = re.compile(
    r",?\s*\b(?:so (?:that )?(?:i|we|they|he|she|everyone|(?:the|my|our) \w+) (?:can|could|may)(?!['’]|n['’]?t| ?not)|before (?:i|we) "
    r"(?:bother|waste|paint|draw|print|post|send|share|frame)\b|(?:just )?to (?:be sure|make sure)|showing|that shows|which shows|(?:it'?s|it is|is|this is) for "
    r"(?:my|our|a|the|him|her|them)\b)\b"
    r"(?:(?!,\s*(?:and\s+)?then\b|\s+and then\b|\s+(?:how many|how much|is there|are there)\b|,\s*(?:and\s+)?(?:an?|the|also|then|plus|translate|summari[sz]e|read|"
    r"make|give|write|tell|draw|describe|"
    r"transcribe|list|find|send|put|turn)\b)[^.?!:])*",  # ("two quick ones so I can pay people back: what's the total ...")
    re.I,
)
# "who's visiting and when?", "how many are missing and when do they need it by?": one question of one text
_ONE_QUESTION = re.compile(
    r"(\b(?:what|who|whom|when|where|how|which)(?:'s)?\b(?:(?!\b(?:say|says|said|written|mean|means)\b)[^,.?!;:])*?)"
    r"\s+and\s+(?=((?:when|where|who|what|how|why|which)\b[^,.!;:?]*\?))",
    re.IGNORECASE,
)
_ABOUT_PHOTO = re.compile(
    r"\b(?:about|of|based on|inspired by) (?:the |this |that |my )?(?:photo|picture|image|pic)\b|\bwhat'?s in (?:it|the|this|that|my)\b"
)
_TAGGING = re.compile(
    r"\b(?:tag|tagging|mention|mentioning|thank|thanking|naming|featuring|shout(?:ing)? out to) "
    r"(?:them|all of them|everyone|each of them|those)\b"
)
_REPLY = re.compile(
    r"\b(?:reply|replies|respon[sd]\w*|apolog\w*|answer (?:back|to (?:her|him|them)))\b|\bwrite (?:\w+ ){1,4}back\b|"
    r"\b(?:to )?(?:leave|send|say|give) (?:it )?back\b"
)
_POLITE_REQUEST = re.compile(
    r"^(?:(?:and|so|now)\s+)?(?:would|could|will|can|might) you (?:please |kindly |possibly |perhaps )?(?:be so good as to |"
    r"be kind enough to |mind |kindly )?(?:check(?:ing)?|look(?:ing)? (?:at|into|over)|hav(?:e|ing) a look|tak(?:e|ing) a look|"
    r"help(?:ing)?(?: me)?(?: with (?:it|this|that|them))?|do(?:ing)? (?:that|this|it|so)|handl(?:e|ing))"
    r"(?: (?:it|this|that|them|both(?: of them)?|each(?: one)?|these|those|all of them))?(?: for me| please)?\W*$",
    re.IGNORECASE,
)
_VERB_ASKED = re.compile(r"\b(?:say|sound|mean|show|read|contain|look like)\b")
# the first word of a field asked by its name ("checkout time?"), not of a question ("on what date?")
_NOT_LEAD = r"(?!(?:on|in|at|by|for|what|which|when|where|who|how|and|or|is|are|was|what's)\b)"
_ELLIPSIS = re.compile(r"\W*(?:and|what about|how about)\s+(?:the\s+)?([a-z][\w' ]{0,24}?)\s*\?+", re.I)


def previous_question(task: _Task) -> str:
    """The question an answering task asks (its `question:` role, or its text)."""
    roles, _ = split_roles(task.args.get("text", ""))
    return roles.get("question") or task.args.get("text", "")


# words a restated question shares with any question ("how much ...? how much ...?" ask two things)
_COMMON = frozenset(
    "what when where which about does did have this that there with from your like they them mean much many long".split()  # noqa: SIM905
)


def _restated_question(clause: str, before: str, builder: _Builder) -> bool:
    """Whether a question only asks again what the clause before it asked of the same thing."""
    asked = [t for t in builder.tasks if t.task in _ANSWERS]
    if not asked or not _asks(before) or builder.named(clause):
        return False
    if re.match(r"\W*(?:like|i mean|basically|in other words)\b", clause.lower()):
        return True

    def stems(text: str) -> set[str]:
        return {w[:4] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _COMMON}

    return bool(stems(clause) & stems(previous_question(asked[-1])))


_ALL_OF_THEM = re.compile(
    r"(?:for )?(?:both|each|all|each one|all of them|both of them|all three)(?: please| pls)?\W*", re.I
)
_FOR_EACH = re.compile(
    r"\s*(?:and\s+)?(?:for\s+)?(?:each|both|every)(?:\s+(?:one|of them|of these|file|image|photo))?\s*[:,]", re.I
)
_LEAD_IN = re.compile(r"^(?:according to|based on|from|in|looking at|using|regarding|about|with)\b", re.IGNORECASE)


def _clauses(masked: str, photo: bool = False) -> list[str]:
    """The request's steps: sentences cut at connectives, with pieces that name no step of their own joined
    to their neighbour ("hey," and "according to §text0," lead the next piece; "§image1" ends the last)."""
    clauses: list[str] = []
    photo = (
        photo or "§image" in masked
    )  # (a photo attached: "how many cups ... and what colour is the cup" asks two things)
    for sentence in _CLAUSE_END.split(masked):
        purpose = _PURPOSE.search(sentence)
        # "so I can hear it" asks for speech, unless what comes before already makes a recording ("clean it up")
        if purpose and (
            not any(n == "text-to-speech" for _, n, _ in clause_needs(purpose.group()))
            or any(n == "audio-to-audio" for _, n, _ in clause_needs(sentence[: purpose.start()]))
        ):
            sentence = sentence[: purpose.start()] + sentence[purpose.end() :]
        sentence = re.sub(
            r"(§image\d+) and (?=§image\d+ (?:into|as|to)\b)", r"\1_and_", sentence
        )  # "turn a.png and b.png into sketches"
        sentence = _ONE_QUESTION.sub(
            lambda m: (
                m.group()
                if _cued(m.group(1), photo)
                or _cued(m.group(2), photo)
                or _KIND_WORD.search(m.group(2).lower())
                or "§" in m.group(2)
                else f"{m.group(1)}_and_"
            ),  # ("... at the cafe and what day is the lunch on the invite?" asks two things)
            sentence,
        )
        pieces = [" ".join(p.replace("_and_", " and ").split()).strip(" ,") for p in _CONNECTIVE.split(sentence)]
        pieces = [p for p in pieces if p]
        merged: list[str] = []
        pending = ""
        for piece in pieces:
            piece = f"{pending} {piece}".strip() if pending else piece
            pending = ""
            only_marks = not _tidy(_MARK_RE.sub("", piece))
            # "quick one - according to the email", "§text0 - based on that": a lead to the next piece
            lead = _tidy(_MARK_RE.sub("", piece)).strip(" -—–") or _MARK_RE.sub("", piece).strip(" -—–")
            raw_lead = _MARK_RE.sub("", piece).strip(" -—–")  # "According to the attached article,"
            leads = only_marks or ((_LEAD_IN.match(lead) or _LEAD_IN.match(raw_lead)) and len(raw_lead.split()) <= 5)
            if only_marks and merged and re.search(r"§\w+\d+\W*$", merged[-1]):
                merged[-1] += " and " + piece  # "describe §image0 and §image1": a list of files
            elif merged and re.fullmatch(
                r"(?:in )?(?:an? )?[\w-]+(?: [\w-]+)? (?:style|look|aesthetic|vibes?)", piece.rstrip("?!. ")
            ):
                merged[-1] += ", " + piece  # "draw a red panda, anime style": the style is the drawing's
            elif (
                merged
                and re.match(r"(?:which|what|who|where|when|how)\b", piece)
                and "§labels" not in piece  # ("tell me if he is upset, and which bucket: a, b or c" asks two things)
                and cues.INDIRECT_QUESTION.search(merged[-1].lower())
            ):
                merged[-1] += " and " + piece  # "i need to know which parts are close and which are further back"
            elif (
                merged
                and re.fullmatch(rf"(?:in |into |to )?{cues.LANGUAGE}", piece.lower())
                and re.search(rf"{cues.LANGUAGE}\W*$", merged[-1].lower())
            ):
                merged[-1] += " and " + piece  # "translate it into spanish and french"
            elif (
                merged
                and re.fullmatch(cues.LANGUAGE, merged[-1].lower())
                and re.match(rf"{cues.LANGUAGE}\b", piece.lower())
            ):
                merged[-1] += " and " + piece  # "plus French and Spanish versions of it"
            elif (
                merged
                and re.match(r"(?:what|how|where|when|who)\s+(?:do|does|did|would|will)\b[^?]*$", merged[-1].lower())
                and not _VERB_ASKED.search(merged[-1].lower())
                and _VERB_ASKED.search(piece.lower())
            ):
                merged[-1] += " and " + piece  # "what do this voice clip and this menu photo say in english?"
            elif merged and re.fullmatch(
                r"(?:do you think|would you say|you think|i (?:think|guess|wonder|believe|suppose))\W*", piece.lower()
            ):
                merged[-1] += ", " + piece  # "what colour is the cup, do you think?"
            elif (
                merged
                and re.match(r"(?:who|which)(?:'s| is| was| are)\b", piece)
                and "?" not in piece
                and not _asks(merged[-1])
            ):
                merged[-1] += ", " + piece  # "tell my mum, who's babysitting and only reads German"
            elif merged and re.match(r"or\b", piece):
                merged[-1] += " " + piece  # "is anyone speaking in it, or is it just noise?" is one question
            elif leads or (not merged and _bare(piece)):
                pending = piece
            elif merged and (_bare(piece) or not _has_cue(piece.lower())):
                merged[-1] += " and " + piece
            else:
                merged.append(piece)
        if pending:
            if merged:
                merged[-1] += " " + pending
            else:
                merged.append(pending)
        if len(merged) > 1 and not _has_cue(merged[0].lower()):
            merged[1] = merged[0] + ", " + merged[1]
            merged.pop(0)
        if _FOR_EACH.match(sentence):  # "For each one: what does it say, and is it positive?" asks both of each
            merged = [merged[0], *(p if cues.PLURAL.search(p.lower()) else f"{p} for each" for p in merged[1:])]
        if clauses and len(merged) == 1 and _ALL_OF_THEM.fullmatch(merged[0]):
            clauses[-1] += f" for {merged[0].rstrip(' ?.!')}"  # "sentiment? both"
            continue
        clauses.extend(_in_running_order(merged))
    return clauses or [masked.strip()]


# "summarize the original review, not your translation", "both straight from the original sentence"
_ORIGINAL = re.compile(r"\b(?:the |that )?original\b|\bstraight from\b|\bas read\b")
_NOT_PRODUCT = re.compile(
    r"\bnot (?:on |from |of )?(?:the |your |that |my )?(?:\w+ )?(?:translation|summary|transcript|german|french|"
    r"spanish|italian|english|version|result)\b"
)
_KIND_WORD = re.compile("|".join(words.pattern for words in cues.KIND_WORDS.values()))
_BEFORE_YOU = re.compile(r"^(?:but |and )?before (?:you |we |u |i |doing |that,? )?", re.IGNORECASE)


def _in_running_order(pieces: list[str]) -> list[str]:
    """A sentence's pieces in the order their steps run: "before you read it out, fix the grammar" fixes first;
    "say out loud, in French, what the sign says" speaks last."""
    ordered = list(pieces)
    for piece in pieces:
        k = ordered.index(piece)
        if k + 1 >= len(ordered):
            continue
        before = _BEFORE_YOU.match(piece)
        says_what = _MARK_RE.search(piece) or _REFERS.search(piece.lower()) or _KIND_WORD.search(piece.lower())
        if before or ([n for _, n, _ in clause_needs(piece)] == ["text-to-speech"] and not says_what):
            ordered.pop(k)
            ordered.insert(k + 1, piece[before.end() :] if before else piece)
    return ordered


def _cue_text(clause: str) -> str:
    """The clause as cues read it: marks become §img, §aud, §txt, so "§txt" is never the word "text"."""
    text = _MARK_RE.sub(lambda m: f"§{_SHORT[m.group(1)]}", clause.lower())
    return cues.NATIVE_LANGUAGE_RE.sub(lambda m: cues.NATIVE_LANGUAGE[m.group()], text)


def _bare(piece: str) -> bool:
    """A piece that is only marks and small words ("§text1?", "and the other one"): it belongs to its neighbour."""
    if "§labels" in piece:
        return False  # "is it about §labels?" asks for a classification
    if re.match(r"(?:is|are|was|were|does|did|can|will|what|who|when|where|why|how|which)\b[^?]*\?$", piece.lower()):
        return False  # "... + is it urgent?" asks a question of its own
    if len(re.findall(r"[a-z]{3,}", _MARK_RE.sub(" ", piece.lower()))) >= 2:
        return False
    return not _has_task_cue(piece)  # "blur §image0" is a step


def _cued(text: str, photo: bool) -> bool:
    """Whether a piece names a step; counting ("how many are missing") names a detection only beside a photo."""
    return any(n != "object-detection" or photo for _, n, _ in clause_needs(text))


def _has_task_cue(text: str) -> bool:
    cue_text = _cue_text(text)
    return any(c.pattern.search(cue_text) for c in cues.CUES)


def _has_cue(text: str) -> bool:
    return "§labels" in text or _has_task_cue(text) or _asks(text)  # ("which bucket: §labels" asks for a label)


def _asks(clause: str, indirect: bool = True) -> bool:
    """Whether a clause is a question ("quick qs: who is it with?"); a noun phrase that only ends the
    sentence's "?" ("... and the invitation?") is not."""
    if re.match(r"§\w+\s*[-—–:]\s*[^§?]{2,40}\?$", _cue_text(clause).strip()):
        return True  # "§img - fur colour?": a short question put to the file
    if re.fullmatch(
        rf"(?:§txt\s*)?(?:the )?{_NOT_LEAD}[a-z][\w'-]*(?: [\w'-]+){{0,2}} (?:time|date|colou?r|price|size|day|place|name)\?(?:\s*§txt)?",
        _cue_text(clause).strip(),
    ):
        return True  # 'checkout time? "..."', "cup color?": a field asked by its name
    if re.match(
        r"(?:and )?(?:whether|if) (?:\w+ ){1,3}(?:is|are|was|were|can|could|will|do|does)\b", _cue_text(clause).strip()
    ):
        return True  # "... and whether parking is allowed on sunday"
    if _POLITE_REQUEST.search(_cue_text(clause).strip()):
        return False  # "would you mind looking at both?" asks to do what was asked, it asks nothing new
    raw = re.sub(
        r"^(?:§\w+\s*[.,:;—–-]?\s*)+(?=(?:what|whats|who|when|where|why|how|which)\b)",
        "",
        _cue_text(clause).strip().split(": ")[-1].strip("«»“”\"' "),
    )
    # ("§txt0 when is it?" asks; "§aud0 is really noisy." does not)
    if cues.QUESTION.search(raw) and re.match(r"tell me\b", raw):
        return True  # "tell me whether it is a, b or c"
    if indirect and cues.INDIRECT_QUESTION.search(raw):
        return True  # "i need to know when the lunch on this invite is"
    if re.search(
        r"\b(?:what|how much|how many|who|when|where|which|why)\s+(?:\w+\s+)?(?:is|was|are|were|do|does|did|can|"
        r"will|am)\b[^?]*\?\s*$",
        raw,
    ):
        return True  # "splitting the bill with my roommate, how much was the juice?"
    if re.search(
        r"(?:^|[,;:!]\s*|\s[-—–]\s)(?:so |and |but )?(?:what'?s|whats|who'?s|where'?s|when'?s|how much|how many)\s", raw
    ):
        return True  # "making a reel, whats the total on this receipt" (no "?")
    if re.search(
        r"\b(?:what|which|who|when|where|how|why)\s+(?:\w+\s+)?(?:do|does|did|is|are|was|were|can|should|will)\s+"
        r"(?:i|we|you|they|he|she|it|the|this|that|my|our)\b",
        raw,
    ):
        return True  # "my husband just sent me this, which gate do we need to get to" (no "?")
    asked = _FILLER.sub("", raw)  # "also what date is it?"
    if re.match(r"(?:just )?(?:got|received|found|here'?s|here is|this is|attached)\b", asked) and not re.search(
        r"\b(?:what|who|when|where|which|how|why)\b", asked
    ):
        return False  # "got this invite from my sister's friend??" says what it is
    if re.match(r"(?:(?:the|a|an|my|this|that|these|those)\b|§)", asked) and not re.search(
        r"\b(?:is|are|was|were|who|what|when|where|which|how)\b", asked
    ):
        return False  # "... and the invitation?"; "the cup in the photo, which colour it has?" asks
    if (len(asked.split()) < 4 or re.match(r"\w+ing\b", asked)) and not cues.QUESTION.search(asked.rstrip(" ?")):
        return False  # "..., coffee or tea?", "... and running down into a river?" end the question before them
    return bool(cues.QUESTION.search(asked))


# A clause that says what is not wanted ("we don't need it read aloud", "nothing cartoony", "no written summary,
# they hate those", "bounding boxes aren't necessary", "I'll write the summary myself") asks for nothing.
_DECLINES = re.compile(
    r"^(?:(?:oh|and|but|so|also|please|pls|honestly|just)[,\s]+)*(?:(?:i|we|you|they|he|she)\s+)?"
    r"(?:do not|don'?t|won'?t|will not|didn'?t)\s+(?!forget\b|miss\b|hesitate\b|mind\b)|"
    r"^(?:(?:oh|and|but|so|also|please|honestly)[,\s]+)*(?:no need\b|nothing\b|no (?:\w+ )?(?:needed|necessary|required)\b|"
    r"no (?:written|full|spoken|audio|summary|transcript|transcription|translation|speech|caption|description|text|words|"
    r"writing)\b)|"
    r"\b(?:not|aren'?t|isn'?t) (?:really )?(?:necessary|needed|required)\b|^[\w ]{0,30}\b(?:is|are) (?:fine|ok|okay)\W*$|"
    r"\b(?:i'?ll|i will|we'?ll|we will) (?:do|write|handle|make|translate|read) (?:\w+ ){0,3}(?:myself|ourselves)\b"
)
_ANNOUNCED = re.compile(
    r"^(?:sorry,? )?(?:two|2|three|these|some|a few|a couple of) (?:pictures|photos|pics|images|files|recordings|texts)"
    r"(?: here| attached| for you| from \w+| open)?\W*$"
)
_CAN_YOU_EVEN = re.compile(
    r"^(?:(?:probably a daft question but|not sure if this works but)\s+)?(?:can|could) (?:you|u) (?:even )?(?:answer|do|handle|read|"
    r"understand) (?:something|things|that|this kind of thing|questions)\b[^.?!]*\?"
)
_NEGATED = re.compile(
    r"\b(?:no|not|don'?t|do not|can'?t|cannot|doesn'?t|won'?t|without|no need to|never|skip|not able to|unable to)\s+"
    r"(?:need to\s+|need (?:the |a |any )?|want (?:the |a |any )?|bother with (?:the )?|to\s+|any\s+|the\s+|an?\s+)?"
    r"(?:(?:tell|give|show) me |analy[sz]e |list |count(?:ing)? |include |the |her |his |their |its |any |full |individual |whole )*$"
)


def clause_needs(clause: str, without: Sequence[str] = ()) -> list[tuple[int, str, str]]:
    """(position, need, mode) of each cue in a clause, earlier cues winning where they overlap; a cue the
    clause negates ("no translation needed") and the needs in `without` are left out."""
    text = _cue_text(clause)
    if _ANNOUNCED.match(text) or _CAN_YOU_EVEN.match(text):
        return []  # "sorry, two pictures here", "can you answer something from a bit of text if i paste it?"
    declined = _DECLINES.search(text)
    if declined and not re.search(
        r"\b(?:can|could|would|will) (?:you|u)\b|\btell me\b|\bgive me\b|\bjust\b", text[declined.end() :]
    ):
        # "please don't bother transcribing it", "no full transcript needed": a step not wanted ("i don't speak it,
        # can you tell me what he says" asks after its reason)
        return []
    sources = [m.span() for m in cues.source_languages(text)]  # "a voicemail in Spanish" asks for no translation
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str, str]] = []
    for cue in cues.CUES:
        if cue.need in without:
            continue
        for m in cue.pattern.finditer(text):
            blocked = taken + sources if cue.need == "translation" else taken
            if any(m.start() < e and s < m.end() for s, e in blocked):
                continue
            taken.append((m.start(), m.end()))
            if _NEGATED.search(text[: m.start()]):
                continue
            if all(need != cue.need for _, need, _ in found):
                found.append((m.start(), cue.need, cue.mode))
    found.sort()
    return found


@dataclass
class _Builder:
    reading: Reading
    request: str
    tasks: list[_Task] = field(default_factory=list)
    current: int | None = None  # the source the request is talking about
    consumed: set[int] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)  # text tasks asked for with nothing to act on
    made_now: list[int] = field(default_factory=list)  # the transformations the clause being read has made
    clause_start: int = 0  # the first task the clause being read has made

    # -- sources ------------------------------------------------------------------------------------

    def marks(self, clause: str) -> list[int]:
        return [int(m.group(2)) for m in _MARK_RE.finditer(clause)]

    def named(self, clause: str) -> list[int]:
        """The sources a clause names: by their marks, or an attached file by its name's words, its order or
        its kind ("the cat pic", "the second one", "the recording")."""
        files = [
            Attached(k, self.reading.sources[k].kind, self.reading.sources[k].value) for k in self.reading.attached
        ]
        marks = self.marks(clause)
        named = marks + [k for k in referred_files(clause.lower(), files) if k not in marks]
        other = _OTHER.search(clause.lower())
        if not named and other and len(files) > 1:
            # "and the other image, what breed is it": the file of that kind not yet acted on
            kind = next((k for k, w in cues.KIND_WORDS.items() if other.group(1) and w.search(other.group(1))), None)
            left = [f.index for f in files if f.index not in self.consumed and (kind is None or f.kind == kind)]
            named = left[:1] if len(left) == 1 else []
        return named

    def subjects(self, clause: str, kinds: Sequence[str]) -> list[int]:
        """The sources a clause's need applies to: those it names, else the one being talked about, else the
        attached files (all of them when the clause speaks of several)."""
        sources = self.reading.sources
        named = [k for k in self.named(clause) if sources[k].kind in kinds]
        lowered = clause.lower()
        attached = [k for k in self.reading.attached if sources[k].kind in kinds]
        if named and re.search(r"\b(?:both|each|either|every|all of)\b", lowered):
            # "in both that memo and email.txt": the memo is the other file ("two pics ...: how many cups in
            # coffee.png" names the one it asks about)
            others = [
                k
                for k in attached
                if k not in named and cues.KIND_WORDS[sources[k].kind].search(_MARK_RE.sub("", lowered))
            ]
            return others + named
        if named:
            return named
        if cues.PLURAL.search(lowered) and len(attached) > 1:
            return attached
        by_word = [
            k for k in attached if (stem := _stem_word(sources[k].value)) and re.search(rf"\b{stem}s?\b", lowered)
        ]
        if len(by_word) == 1 and len(attached) > 1:
            return by_word  # "what kind of cat is that one" beside receipt.png and cat.png
        wanted = [kind for kind, words in cues.KIND_WORDS.items() if kind in kinds and words.search(lowered)]
        current = self.current
        if current is not None and sources[current].kind in kinds and (not wanted or sources[current].kind in wanted):
            return [current]
        for kind in wanted:
            found = [k for k in attached if sources[k].kind == kind]
            unused = [k for k in found if k not in self.consumed]
            if found:
                return [(unused or found)[0]]
        unused = [k for k in attached if k not in self.consumed]
        if unused:
            return [unused[0]]
        if self.current is not None and sources[self.current].kind in kinds:
            return [self.current]
        if attached:
            return [attached[-1]]
        texts = [k for k, s in enumerate(sources) if s.kind in kinds and s.kind != "labels"]
        return texts[:1]

    # -- tasks --------------------------------------------------------------------------------------

    def add(self, task: str, args: dict[str, str], subject: int | None) -> int:
        for k, existing in enumerate(self.tasks):
            if existing.task == task and existing.args == args:
                return k  # asked twice ("transcribe it ... the transcript"): one task
            if (
                task == "image-to-image"
                and existing.task == task
                and "text" not in existing.args
                and args.get("text")
                and existing.args.get("image") == args.get("image")
            ):
                existing.args["text"] = args["text"]  # "make it look like an old photo, sepia I believe": named now
                return k
        self.tasks.append(_Task(task, args, subject))
        if task in ("translation", "summarization", "text2text-generation"):
            self.made_now.append(len(self.tasks) - 1)
        if subject is not None:
            self.consumed.add(subject)
            self.current = subject
        return len(self.tasks) - 1

    def rewrite(self, clause: str, contents: str) -> None:
        """New text made from given contents (one per line): text2text with the clause as its instruction."""
        self.add("text2text-generation", {"text": f"{_instruction(clause)}\n{contents}"}, None)

    def attached_media(self) -> list[int]:
        """The attached files that hold words: texts, pictures, recordings."""
        return [k for k in self.reading.attached if self.reading.sources[k].kind in ("text", "image", "audio")]

    def english_of(self, content: str) -> str | None:
        """The reference of an English translation the plan already makes of `content`, if any."""
        english = [
            k
            for k, t in enumerate(self.tasks)
            if t.task == "translation"
            and split_roles(t.args.get("text", ""))[1] == content
            and split_roles(t.args.get("text", ""))[0].get("target") == "English"
        ]
        return self.ref(english[-1]) if english else None

    def ref(self, k: int) -> str:
        return f"<GENERATED>-{k}"

    def image_of(self, source: int) -> str:
        return self.reading.sources[source].value

    def audio_of(self, source: int) -> str:
        """A recording, or its cleaned-up version when the request asked for one first."""
        for k, t in enumerate(self.tasks):
            if t.task == "audio-to-audio" and t.subject == source:
                return self.ref(k)
        return self.reading.sources[source].value

    def content_of(self, source: int) -> str:
        """The text of a source: a text as it is, an image's words by OCR, a recording's by speech recognition."""
        s = self.reading.sources[source]
        if s.kind == "text":
            self.consumed.add(source)
            self.current = source
            return s.value
        if s.kind == "image":
            for k, t in enumerate(self.tasks):
                if t.task == "image-to-text" and t.subject == source and t.args.get("text") == "read the text":
                    return self.ref(k)
            return self.ref(self.add("image-to-text", {"image": s.value, "text": "read the text"}, source))
        if s.kind == "audio":
            for k, t in enumerate(self.tasks):
                if t.task == "automatic-speech-recognition" and t.subject == source:
                    return self.ref(k)
            return self.ref(self.add("automatic-speech-recognition", {"audio": self.audio_of(source)}, source))
        raise PlanError(f"cannot read a text out of {s.value}")

    def referred_products(self, clause: str) -> list[int]:
        """The earlier steps whose results a clause refers to ("the translation", "both descriptions"); "the
        original review, not your translation" refers to none."""
        lowered = _NOT_PRODUCT.sub(" ", clause.lower())
        translations = [k for k, t in enumerate(self.tasks) if t.task == "translation"]
        named = re.search(
            rf"\b({cues.LANGUAGE}) (?:caption|version|text|one|description|summary)\b|\bthe ({cues.LANGUAGE})\b",
            lowered,
        )
        if translations and named:
            language = _language_name(named.group(1) or named.group(2))
            into = [
                k for k in translations if split_roles(self.tasks[k].args.get("text", ""))[0].get("target") == language
            ]
            if into or language != "English":
                return into or translations  # "speak the French caption", "read me the german"
            # "put the summary into Spanish, and read the English summary aloud": the summary itself
        if self.tasks and re.search(r"\bthe (?:result|results|output)\b", lowered):
            last = [k for k, t in enumerate(self.tasks) if "text" in t.produces or "image" in t.produces]
            if last:
                return last[-1:]  # "read me the result out loud": the last step's
        edits = [
            k
            for k, t in enumerate(self.tasks)
            if t.task == "image-to-image"
            and any(
                re.search(rf"\b{re.escape(w)}\w*\s+(?:one|version|picture|image|photo|copy)\b", lowered)
                for w in choose_operation(t.args.get("text"))[0].keywords
            )
        ]
        if edits:
            return edits  # "what breed the black and white one looks like"
        for task, words in cues.PRODUCT_WORDS.items():
            if any(re.search(rf"\b{re.escape(w)}", lowered) for w in words):
                found = [k for k, t in enumerate(self.tasks) if t.task == task]
                if found:
                    return found
        return []

    def referred_product(self, clause: str) -> int | None:
        found = self.referred_products(clause)
        return found[-1] if found else None

    def text_for(self, task: str, clause: str) -> str | None:
        """What a text task reads: a text its clause gives, an earlier result it refers to, the latest
        result for speech and transformations, else the content of its subject."""
        sources = self.reading.sources
        if task == "text-to-speech" and self.made_now:
            return self.ref(self.made_now[-1])  # "translate 'thank you' to Japanese and say it": the translation
        answers = [k for k, t in enumerate(self.tasks) if t.task in _ANSWERS]
        if (
            task in _TRANSFORMS
            and answers
            and (
                re.search(r"\btell (?:her|him|them)\b|\btell me in\b", clause.lower())
                or (answers[-1] == len(self.tasks) - 1 and re.search(r"\b(?:send|give) (?:it|that)\b", clause.lower()))
            )
        ):
            return self.ref(answers[-1])  # "mum wants to know when he comes ... tell her in spanish": the answer
            # ("which dessert does it praise? tell me in Italian too": the answer, in Italian)
        named = self.named(clause)
        given = [k for k in named if sources[k].kind == "text"]
        original = _ORIGINAL.search(self.request.lower()) is not None
        product = self.referred_product(clause)
        changed = [
            k
            for k, t in enumerate(self.tasks)
            if given
            and t.task in _TRANSFORMS
            and t.task != "text-to-speech"
            and split_roles(t.args.get("text", ""))[1].split("\n")[-1] == sources[given[0]].value
        ]
        if (
            product is None
            and changed
            and (task == "text-to-speech" or _POINTS.search(_MARK_RE.sub(" ", clause).lower()))
        ):
            return self.ref(changed[-1])  # "make this more polite and then put it in Spanish: '...'": the rewrite
        if given and not (product is not None and given[0] in self.consumed):
            return self.content_of(given[0])  # ("summarize this, then translate the summary: <text>": the summary)
        if product is not None:
            return self.ref(product)
        named_media = [k for k in named if sources[k].kind in ("image", "audio")]
        made_here = [
            k
            for k in range(self.clause_start, len(self.tasks))
            if "text" in self.tasks[k].produces
            # ("give me: a summary, who are the persons ...": the summary is of the words, not of the names found)
            and (task == "text-to-speech" or self.tasks[k].task in _CONTENT_PRODUCERS - _ANSWERS)
        ]
        if task in _TRANSFORMS and made_here:
            return self.ref(made_here[-1])  # "describe this photo out loud": the description, made in this clause
        if task == "text-to-speech" and not named_media and _WHOLE.search(clause.lower()):
            named_media = [k for k in self.reading.attached if sources[k].kind in ("image", "audio")][:1]
            if named_media:
                return self.content_of(named_media[0])  # "total? and the whole thing read out loud": all its words
        if task == "text-to-speech" and not named_media:
            # "read his message back to me": the recording's words, not the answer about them
            named_media = [
                k
                for k in self.reading.attached
                if sources[k].kind in ("image", "audio")
                and re.search(
                    rf"\b(?:his|her|their|the|my|this|that)\s+(?:\w+\s+)?{cues.KIND_WORDS[sources[k].kind].pattern}",
                    clause.lower(),
                )
            ]
            if named_media:
                return self.content_of(named_media[0])
        if task in _TRANSFORMS and self.tasks and not named_media and not original:
            producers = [
                k
                for k, t in enumerate(self.tasks)
                if t.task in _CONTENT_PRODUCERS
                and (task == "text-to-speech" or t.task not in _ANSWERS)
                # "to Italian and also to Japanese" translates the same text; "translate that into German" the result
                and not (task == "translation" and t.task == "translation" and not _POINTS.search(clause.lower()))
            ]  # "when was she born? and sum it up": the summary is of the text, not of the answer
            label_only = task == "translation" and not _POINTS.search(clause.lower()) and not self.reads_text(clause)
            texts = [k for k in self.subjects(clause, ("text",)) if sources[k].kind == "text"]
            if task == "text-to-speech" and not producers and texts and not _RESULT_WORDS.search(clause.lower()):
                return self.content_of(texts[0])  # "is email.txt a bill or a visit? and read it aloud": the email
            if (task == "text-to-speech" or label_only) and not producers:
                producers = [k for k, t in enumerate(self.tasks) if "text" in t.produces]  # "what breed? in Spanish"
            if producers:
                return self.ref(producers[-1])
        subjects = self.subjects(clause, ("text", "image", "audio"))
        if subjects:
            return self.content_of(subjects[0])
        inline = _inline_content(clause, task)
        if inline is None and task != "text-generation":
            # "write a slogan, then check its tone": with nothing else to act on, the text just written
            written = [k for k, t in enumerate(self.tasks) if t.task in _WRITTEN]
            if written:
                return self.ref(written[-1])
        return inline

    # -- needs --------------------------------------------------------------------------------------

    def apply(self, need: str, mode: str, clause: str) -> None:
        handler = getattr(self, f"_need_{need.replace('-', '_')}", None)
        if handler is not None:
            handler(clause, mode)
        elif need in ("text-to-image", "text-to-video"):
            self.image_task(need, clause)
        elif need in _PROMPT_TASKS:
            self.add(need, {"text": _prompt(clause, self.reading, need)}, None)
        elif need in _TEXT_TASKS:
            self.text_task(need, clause)
        else:
            self.image_task(need, clause)

    def each_subject(self, task: str, clause: str) -> list[str]:
        """The contents of every file a plural analysis ("for each one", "both") speaks of, or every earlier
        result a plural transformation names ("read both descriptions aloud"); [] otherwise."""
        several = len([k for k in self.named(clause) if self.reading.sources[k].is_file]) > 1 or bool(
            re.search(
                rf"(?:{_KIND_WORD.pattern})\s+and\s+(?:the |this |that |my )?(?:\w+ )?(?:{_KIND_WORD.pattern})",
                clause.lower(),
            )
        )  # "a.png and b.png: tone?", "what do this voice clip and this menu photo say in english?"
        if (
            not several
            and not cues.PLURAL.search(clause.lower())
            and not re.search(r"\w(?:ions|ies|pts)\b", clause.lower())
        ):
            return []
        quoted = [k for k, s in enumerate(self.reading.sources) if s.kind == "text" and not s.is_file]
        files = self.attached_media()
        if (
            quoted
            and files
            and task not in _TRANSFORMS
            and re.search(r"\b(?:each|both|vs|versus|either)\b", clause.lower())
        ):
            return [self.content_of(k) for k in (*quoted, *files)]  # "names in this quote vs the names in email.txt"
        made_text = any("text" in t.produces for t in self.tasks)
        if (task in _TRANSFORMS and made_text) or self.referred_product(clause) is not None:
            # "read both descriptions aloud" speaks results; "english versions of both" translates the files
            products = self.referred_products(clause)
            if task in _TRANSFORMS and len(products) > 1:
                return [self.ref(k) for k in products]
            read = {
                t.subject: k for k, t in enumerate(self.tasks) if t.task in _CONVERTER_TASKS and t.subject is not None
            }
            if (
                task in _TRANSFORMS
                and not products
                and len(read) > 1
                and re.search(r"\b(?:both|each|all of them|all three|all of these)\b", clause.lower())
            ):
                return [
                    self.ref(k) for k in read.values()
                ]  # "read the menu, transcribe the audio, and give me both in English"
            if not several or products:
                return []
        subjects = self.subjects(clause, ("text", "image", "audio"))
        return [self.content_of(k) for k in subjects] if len(subjects) > 1 else []

    def text_task(self, task: str, clause: str, roles: dict[str, str | None] | None = None) -> None:
        if len(texts := self.each_subject(task, clause)) > 1:
            for content in texts:
                self.add(task, {"text": with_roles(content, **(roles or {}))}, self.current)
            return
        text = self.text_for(task, clause)
        if text is None:
            self.missing.append(task)
            return
        ref = re.fullmatch(r"<GENERATED>-(\d+)", text)
        if ref is not None and self.tasks[int(ref.group(1))].task == task:
            earlier = split_roles(self.tasks[int(ref.group(1))].args.get("text", ""))[0]
            same_kind = bool(earlier.get("labels")) == bool((roles or {}).get("labels"))  # zero-shot, then the mood
            if same_kind and all(not v or earlier.get(k) in (None, v) for k, v in (roles or {}).items()):
                return  # asked twice in other words ("what language is it, what does it mean"): one step
        if task in _ON_ENGLISH:
            text = self.english_of(text) or text  # "translate it to English and tell me if it's good"
        self.add(task, {"text": with_roles(text, **(roles or {}))}, self.current)

    def image_task(self, task: str, clause: str, text: str | None = None) -> None:
        spec = TASK_TYPES[task]
        if spec.requires == ("text",):  # text-to-image, text-to-video: a prompt, or the result it names
            product = self.referred_product(clause)
            if product is None and _points_back(_prompt(clause, self.reading, task)):
                product = next((k for k in reversed(range(len(self.tasks))) if "text" in self.tasks[k].produces), None)
            if (
                product is None
                and any(t.task == task for t in self.tasks)
                and _points_back(_prompt(clause, self.reading, task))
            ):
                return  # "what would a cat in a spacesuit look like? could you draw me one": the same picture
            prompt = _prompt(clause, self.reading, task)
            style = _STYLE.search(prompt)
            if product is None and style and _points_back(_STYLE.sub(" ", prompt).replace(" a ", " ")):
                made = [k for k, t in enumerate(self.tasks) if "text" in t.produces and t.task not in _ANSWERS]
                if made:  # "describe la foto, and then draw a cartoon of the same"
                    self.add(task, {"text": f"{self.ref(made[-1])}, {_style_words(style)}"}, None)
                    return
            that = re.match(r"(?:that|the same|this) (\w+)\b", prompt, re.I)
            if product is None and that and not _KIND_WORD.search(that.group(1).lower()):
                made = [k for k, t in enumerate(self.tasks) if "text" in t.produces and t.task != "conversational"]
                if made:  # "what breed is my cat? then draw that breed in anime style"
                    self.add(task, {"text": _styled(self.ref(made[-1]), prompt)}, None)
                    return
            like = _LIKE_IT.match(prompt)
            if product is None and like is not None:
                made = [k for k, t in enumerate(self.tasks) if t.task in _CONTENT_PRODUCERS and t.task not in _ANSWERS]
                if made:  # "describe my latte pic, then draw a new one like it but anime style"
                    style_words = re.sub(
                        r"\s+for (?:the|my|our|a)\b.*$", "", like.group("style")
                    )  # ("... for the cafe menu")
                    self.add(task, {"text": f"{self.ref(made[-1])}, {style_words}"}, None)
                    return
            if product is not None and "text" in self.tasks[product].produces:
                # "an illustration based on that summary"; "... to go with it, watercolour style" keeps the style
                self.add(task, {"text": _styled(self.ref(product), prompt)}, None)
            else:
                self.add(task, {"text": _prompt(clause, self.reading, task)}, None)
            return
        product = self.referred_product(clause)
        if product is not None and "image" in self.tasks[product].produces:
            self.add(task, {"image": self.ref(product), **({"text": text} if text else {})}, None)
            return
        for source in self.subjects(clause, ("image",)) or self._produced("image"):
            args = {"image": self.image_of(source) if isinstance(source, int) else source}
            if text:
                args["text"] = text
            self.add(task, args, source if isinstance(source, int) else None)

    def _produced(self, kind: str) -> list[str]:
        return [self.ref(k) for k, t in enumerate(self.tasks) if kind in t.produces][-1:]

    def audio_task(self, task: str, clause: str) -> None:
        product = self.referred_product(clause)
        if (
            product is None
            and self.tasks
            and self.tasks[-1].task == "audio-to-audio"
            and _POINTS.search(clause.lower())
        ):
            product = len(self.tasks) - 1  # "clean it up and then check if there's any speech hiding in it"
        if product is not None and "audio" in self.tasks[product].produces:  # "any speech left in the cleaned version"
            self.add(task, {"audio": self.ref(product)}, None)
            return
        for source in self.subjects(clause, ("audio",)):
            self.add(task, {"audio": self.audio_of(source)}, source)

    def _need_content(self, clause: str, mode: str) -> None:
        subjects = self.subjects(clause, ("image", "audio"))
        for source in subjects:
            self.content_of(source)

    def _need_automatic_speech_recognition(self, clause: str, mode: str) -> None:
        # "transcribe this receipt": on an image, transcribing is reading its text
        for source in self.subjects(clause, ("audio", "image")):
            self.content_of(source)

    def _need_audio_classification(self, clause: str, mode: str) -> None:
        self.audio_task("audio-classification", clause)

    def _need_audio_to_audio(self, clause: str, mode: str) -> None:
        self.audio_task("audio-to-audio", clause)

    def _need_describe(self, clause: str, mode: str) -> None:
        product = self.referred_product(clause)
        if product is not None and "image" in self.tasks[product].produces:
            self.image_task("image-to-text", clause, "describe the image")  # "what the picture you made shows"
            return
        subjects = self.subjects(clause, ("image", "audio", "text"))
        kind = self.reading.sources[subjects[0]].kind if subjects else "image"
        if kind == "audio":
            self.audio_task("audio-classification", clause)
        elif kind == "text":
            self.text_task("summarization", clause)
        else:
            self.image_task("image-to-text", clause, "describe the image")

    def _need_gist(self, clause: str, mode: str) -> None:
        """ "What is it about?": a text's summary, a recording's words summarized, a photo's description."""
        subjects = self.subjects(clause, ("image", "audio", "text"))
        if subjects and self.reading.sources[subjects[0]].kind == "image":
            self.image_task("image-to-text", clause, "describe the image")
        else:
            self.text_task("summarization", clause)

    def _need_classify(self, clause: str, mode: str) -> None:
        labels = [k for k in self.marks(clause) if self.reading.sources[k].kind == "labels"]
        subjects = self.subjects(clause, ("image", "audio", "text"))
        photo = bool(subjects) and self.reading.sources[subjects[0]].kind == "image"
        if labels and photo and not self.is_document(subjects[0], clause) and _asks(clause):
            # "is it lying down or sitting up?" of a photo asks about what it shows
            choices = " or ".join(split_labels(self.reading.sources[labels[0]].value))
            asked = re.sub(
                r"\b(\w+) \1\b", r"\1", _question(clause.replace(f"§labels{labels[0]}", choices), self.reading)
            )
            self.question(clause, asked=asked)
            return
        if labels:
            self.text_task("text-classification", clause, {"labels": self.reading.sources[labels[0]].value})
            return
        kind = self.reading.sources[subjects[0]].kind if subjects else "text"
        if subjects and _TABLE.search(self.reading.sources[subjects[0]].value):
            self.add("tabular-classification", {"text": self.reading.sources[subjects[0]].value}, subjects[0])
        elif kind == "image" and "text" not in clause.lower() and not self.is_document(subjects[0], clause):
            self.image_task("image-classification", clause)
        elif kind == "audio" and not re.search(r"\b(?:text|said|message)\b", clause.lower()):
            self.audio_task("audio-classification", clause)
        else:
            self.text_task("text-classification", clause)

    def _need_sentiment(self, clause: str, mode: str) -> None:
        labels = [k for k in self.marks(clause) if self.reading.sources[k].kind == "labels"]
        roles: dict[str, str | None] | None = {"labels": self.reading.sources[labels[0]].value} if labels else None
        self.text_task("text-classification", clause, roles)

    def _need_text_classification(self, clause: str, mode: str) -> None:
        self._need_sentiment(clause, mode)

    def _need_translation(self, clause: str, mode: str) -> None:
        several = re.search(
            rf"(?<!\bfrom )(?<!\bbetween )\b({cues.LANGUAGE}(?:\s*,\s*{cues.LANGUAGE})*,?\s+(?:and|&)\s+(?:also\s+)?(?:(?:in|into|to)\s+)?"
            rf"{cues.LANGUAGE})\b",
            clause.lower(),
        )
        if several:  # "translate it into spanish and french": one translation each, of the same text
            text = self.text_for("translation", clause)
            if text is None:
                self.missing.append("translation")
                return
            for name in re.findall(cues.LANGUAGE, several.group(1)):
                self.add("translation", {"text": with_roles(text, target=_language_name(name))}, self.current)
            return
        target, source = _languages(clause, self.request)
        targets = {split_roles(t.args["text"])[0].get("target") for t in self.tasks if t.task == "translation"}
        product = self.referred_product(clause)
        chained = (product is not None and self.tasks[product].task == "translation") or bool(
            self.tasks and self.tasks[-1].task == "translation" and _POINTS.search(_MARK_RE.sub(" ", clause.lower()))
        )
        if source in targets and not chained:
            source = None  # "in french and also in german": french is the other result, not this one's source
        candidates = ([product] if product is not None else []) + ([len(self.tasks) - 1] if self.tasks else [])
        earlier_translation = next((k for k in candidates if self.tasks[k].task == "translation"), None)
        if chained and source is None and earlier_translation is not None:
            # "take that French version": the earlier translation's language
            source = split_roles(self.tasks[earlier_translation].args.get("text", ""))[0].get("target")
        bare = re.fullmatch(
            rf"\W*(?:(?:and|then|now|also|how about|what about)\s+)*(?:in |into |to )?({cues.LANGUAGE})\W*(?:please|pls)?\W*",
            clause.lower(),
        )
        if bare:  # "put the voice note into writing and then french"
            target = _language_name(bare.group(1))
            source = source if source != target else None
        if re.search(r"\bwhat (?:does|do) (?:it|that|this|they)(?: \w+)? mean\b", clause.lower()) and not re.search(
            cues.LANGUAGE, _MARK_RE.sub(" ", clause.lower())
        ):
            target = "English"  # 'she texted "Bonjour ..." what does that mean? and write a reply in French'
        if target is None and source != "English" and "what language" not in self.request.lower():
            target = "English"  # "translate this from German", "what does it mean?"
        self.text_task("translation", clause, {"source": source, "target": target})

    def _need_ask(self, clause: str, mode: str) -> None:
        field = _FIELD.search(clause.lower())
        asked = _question(clause, self.reading)
        named_only = field and re.match(
            rf"(?:[^:]*:\s*)?(?:the\s+)?(?:receipt |bill |invoice |order )?{field.group()}\b", asked.lower()
        )  # "Two things for the claim: the total on receipt.png" names the field, it asks no question
        if (
            field
            and field.group() in asked.lower()
            and not named_only
            and not re.match(r"(?:what|who|when|where|which|how)\b", asked.lower())
        ):
            # "can you grab the order number out of this for me": what is asked starts at the field
            kind = re.search(rf"\b(?:receipt|bill|invoice) {field.group()}\b", clause.lower())
            start = kind.start() if kind else clause.lower().index(field.group())
            rest = re.split(
                r"[,;.!?]|\s(?:out loud|aloud|out of|for me|please|pls|on|from|in)\b", clause.lower()[start:]
            )[0]
            asked = f"what is the {_tidy(_unmask(rest, self.reading)).strip()}?"
        elif field and (field.group() not in asked.lower() or named_only):
            kind = re.search(rf"\b(receipt|bill|invoice|order) {field.group()}\b", clause.lower())
            asked = f"what is the {kind.group() if kind else field.group()}?"  # "forgot to write down the total ... what was it"
        self.question(clause, asked=asked)

    def _need_question_answering(self, clause: str, mode: str) -> None:
        # "who am I having lunch with according to this card?" asks the card; "according to its text" its words
        self.question(clause, force_text=bool(re.search(r"\b(?:text|words|transcript|wording)\b", clause.lower())))

    def _need_sentence_similarity(self, clause: str, mode: str) -> None:
        # Every text the request quotes takes part ("compare a and b ... and c too"), the first one is the source.
        # ("... closest: sunflowers / white lilies / a cactus" lists its candidates with slashes)
        texts = [
            p for s in self.reading.sources if s.kind == "text" and not s.is_file for p in re.split(r"\s+/\s+", s.value)
        ]
        producers = [k for k, t in enumerate(self.tasks) if t.task in _CONTENT_PRODUCERS and t.task not in _ANSWERS]
        media = [k for k in self.reading.attached if self.reading.sources[k].kind in ("image", "audio", "text")]
        refers = (
            self.marks(clause)
            or re.search(r"\b(?:it|this|what (?:is|was) (?:said|written))\b", clause.lower())
            or (media and not (set(media) & self.consumed))  # 'closest? "a" / "b"' beside a note: the note's words
        )
        if len(texts) >= 2 and (media or producers) and refers:
            # "compare what is said in memo.wav with these three": the recording's words are the source
            source = self.ref(producers[-1]) if producers else self.content_of(media[0])
            self.add("sentence-similarity", {"text": "\n".join([source, *texts])}, None)
        elif len(texts) >= 2:
            self.add("sentence-similarity", {"text": "\n".join(texts)}, None)
        elif (
            not texts and not producers and len(media) >= 2
        ):  # "a written complaint and a voicemail: the same problem?"
            self.add("sentence-similarity", {"text": "\n".join(self.content_of(k) for k in media[:2])}, None)
        elif not texts and len({self.tasks[k].subject for k in producers}) >= 2:
            # "does what's written in complaint.png mean the same as what is said in complaint.wav?"
            self.add("sentence-similarity", {"text": f"{self.ref(producers[-2])}\n{self.ref(producers[-1])}"}, None)
        elif len(texts) == 1 and not producers and media:  # 'is my note "..." the same as what email.txt says?'
            contents = "\n".join(self.content_of(k) for k in media)  # ("which of my two files is closer to '...'")
            self.add("sentence-similarity", {"text": f"{texts[0]}\n{contents}"}, None)
        elif texts and producers:  # "what does the menu say in English, and is it close to '...'?"
            self.add("sentence-similarity", {"text": f"{self.ref(producers[-1])}\n{texts[0]}"}, None)
        else:
            self.text_task("sentence-similarity", clause)

    def _need_text2text_generation(self, clause: str, mode: str) -> None:
        media = self.attached_media()
        if (
            len(media) > 1
            and re.search(r"\b(?:them|both|all)\b", clause.lower())
            and not self.referred_products(clause)
        ):
            contents = "\n".join(self.content_of(k) for k in media)  # "2 voice memos: turn them into one to-do list"
            self.rewrite(clause, contents)
            return
        text = self.text_for("text2text-generation", clause)
        if text is None:
            return
        instruction = _instruction(clause)
        ref = re.fullmatch(r"<GENERATED>-(\d+)", text)
        if (
            ref is not None
            and self.tasks[int(ref.group(1))].task == "text2text-generation"
            and re.fullmatch(r"(?:just )?(?:reword|rephrase|rewrite|redo)(?: it| that| this)?\W*", instruction.lower())
        ):
            return  # "make this sound more professional: '...' don't translate it, just reword it": asked once
        self.add("text2text-generation", {"text": f"{instruction}\n{text}" if instruction else text}, self.current)

    def _need_image_to_image(self, clause: str, mode: str) -> None:
        text = _unmask(clause, self.reading)
        product = self.referred_product(clause)
        earlier = self.tasks[product] if product is not None and self.tasks[product].task == "image-to-image" else None
        if earlier is not None:
            # "turn the inverted picture into an outline": the words that name the earlier edit are not this one
            done, _ = choose_operation(earlier.args.get("text"))
            for word in done.keywords:
                text = re.sub(rf"\b{re.escape(word)}\w*", " ", text, flags=re.IGNORECASE)
        operation, why = choose_operation(text)
        if earlier is not None and why.startswith("the default"):
            return  # "describe the black and white version" names the edit already made
        effects = _listed_effects(text) or [operation.description.split(" (")[0]]
        edited = [t for t in self.tasks if t.task == "image-to-image" and t.args.get("text")]
        if why.startswith("the default") and edited and _SAME_AGAIN.search(clause.lower()):
            self.image_task("image-to-image", clause, edited[-1].args["text"])  # "a sketch of a.png. same for b.png"
            return
        last = len(self.tasks) - 1
        if (
            earlier is None
            and last >= self.clause_start - 1 >= 0
            and last < self.clause_start
            and self.tasks[last].task == "image-to-image"
            and "text" in self.tasks[last].args  # (an edit with no effect named takes this one's)
            and not self.named(clause)
            and len(effects) == 1
            and effects[0]
            != self.tasks[last].args.get("text")  # ("a pencil sketch? like hand drawn, pencil sketch style")
            and not why.startswith("the default")
            and re.search(r"\b(?:it|that|this)\b", _MARK_RE.sub(" ", clause.lower()))
        ):
            # "make it black and white and then blur it a little": the second edit is of the first one's picture
            self.add("image-to-image", {"image": self.ref(last), "text": effects[0]}, None)
            return
        for effect in effects if not why.startswith("the default") else [None]:
            self.image_task("image-to-image", clause, effect)

    def _need_text_generation(self, clause: str, mode: str) -> None:
        products = self.referred_products(clause)
        product = products[-1] if products else None
        tagged = [k for k, t in enumerate(self.tasks) if t.task == "token-classification"]
        if product is None and tagged and _TAGGING.search(clause.lower()):
            product = tagged[-1]  # "then a shoutout post tagging them": the names found
        replies = _REPLY.search(clause.lower()) is not None
        given = [s.value for s in self.reading.sources if s.kind == "text" and not s.is_file]
        if replies and product is None and given:
            # "write her a short reply saying sorry" to a quoted message: new text made from a given one
            self.rewrite(clause, given[0])
            return
        files = [k for k in self.named(clause) if self.reading.sources[k].kind in ("text", "audio", "image")]
        if replies and product is None and files:  # "listen to complaint.wav and draft an apology": to its words
            self.rewrite(clause, self.content_of(files[0]))
            return
        based = _BASED_ON.search(clause.lower())
        if product is None and based and given:  # "write 3 easy questions about this passage: '...'"
            self.rewrite(clause, given[0])
            return
        photos = [k for k in self.subjects(clause, ("image",)) if k in self.reading.attached]
        if (
            product is None
            and photos
            and _ABOUT_PHOTO.search(clause.lower())
            and not any(t.task == "image-to-text" for t in self.tasks)
        ):  # "write a short story about the picture": what it shows first
            self.add("image-to-text", {"image": self.image_of(photos[0]), "text": "describe the image"}, photos[0])
            product = len(self.tasks) - 1
        if product is None and (replies or based):
            made = [k for k, t in enumerate(self.tasks) if t.task in _CONTENT_PRODUCERS and t.task not in _ANSWERS]
            subject = self.subjects(clause, ("text", "audio", "image"))
            retold = all(self.tasks[k].task in ("translation", "summarization") for k in made)
            if (
                replies
                and subject
                and subject[0] in self.reading.attached
                and (not made or (retold and self.reading.sources[subject[0]].kind == "text"))
            ):
                # "log the people in email.txt, and draft a reply to Laura": a reply to the email, not to the names;
                # "summarize email.txt and draft a reply": to the email itself, not to its summary or translation
                self.rewrite(clause, self.content_of(subject[0]))
                return
            made = made or [k for k, t in enumerate(self.tasks) if "text" in t.produces and t.task != "conversational"]
            # ("what breed is my cat? and write a little poem for him with it": the breed)
            product = made[-1] if made else None
            if based and re.search(r"\b(?:both|them|all)\b", based.group()):
                # "make me one to-do list from both", "a post using both the type and the description"
                products = [k for k, t in enumerate(self.tasks) if "text" in t.produces and t.task not in _ANSWERS]
                media = self.attached_media()
                if len(media) > 1 and len(products) < len(media):  # "one apology that addresses both" files
                    contents = "\n".join(self.content_of(k) for k in media)
                    self.rewrite(clause, contents)
                    return
            named_file = [k for k in self.named(clause) if k in self.reading.attached]
            if based and not made and named_file:  # "a LinkedIn post based on the article"
                self.rewrite(clause, self.content_of(named_file[0]))
                return
        if product is not None and "text" in self.tasks[product].produces:
            # "write a story based on the description", "draft an apology" to a call: a rewrite of the result;
            # "a post that uses both captions" reads them all
            used = products if len(products) > 1 and cues.PLURAL.search(clause.lower()) else [product]
            content = "\n".join(self.ref(k) for k in used)
            self.rewrite(clause, content)
            return
        prompt = _prompt(clause, self.reading)
        if given and given[0] not in prompt:  # "can u keep it going?\n'Once upon a time ...'": the start to continue
            prompt = f"{prompt}: {given[0]}"
        self.add("text-generation", {"text": prompt}, None)

    def _need_conversational(self, clause: str, mode: str) -> None:
        # Chat is about the whole message ("hey! how's your day going?"), not one clause of it.
        self.add("conversational", {"text": self.request.strip()}, None)

    def _need_token_classification(self, clause: str, mode: str) -> None:
        subjects = self.subjects(clause, ("text", "image", "audio"))
        reads = re.search(
            r"\b(?:text|written|says?|note|sign|document|invite|invitation|letter|card)\b", clause.lower()
        )
        if (
            subjects
            and self.reading.sources[subjects[0]].kind == "image"
            and not reads
            and not self.is_document(subjects[0], clause)
        ):
            # "find the people in the photo" looks for people; "who is in the photo?" asks about the picture
            if re.search(r"\b(?:find|spot|locate|count|how many|point out|highlight|any)\b", clause.lower()):
                self.image_task("object-detection", clause)
            else:
                self.question(clause)
            return
        self.text_task("token-classification", clause)

    def reads_text(self, clause: str) -> bool:
        """Whether a clause's subject has words of its own: a text, a recording, a picture of a document."""
        subjects = self.subjects(clause, ("text", "image", "audio"))
        kind = self.reading.sources[subjects[0]].kind if subjects else None
        return kind in ("text", "audio") or (kind == "image" and self.is_document(subjects[0], clause))

    def is_document(self, source: int, clause: str) -> bool:
        """A picture of a text: the clause speaks of one, the file's name says so, or its text was read."""
        name = self.reading.sources[source].value.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        # "for the pet insurance claim form: what breed is the cat" says what the answer is for
        clause = re.sub(
            r"\bfor (?:the|a|an|my|our|this|his|her) (?:[\w-]+ ){0,3}(?:form|document|letter|report)\b",
            "",
            clause,
            flags=re.I,
        )
        return bool(cues.DOCUMENT_WORDS.search(clause.lower()) or cues.DOCUMENT_NAME.search(name) or self.read(source))

    def read(self, source: int) -> list[int]:
        """The OCR tasks already reading an image."""
        return [
            k
            for k, t in enumerate(self.tasks)
            if t.task == "image-to-text" and t.subject == source and t.args.get("text") == "read the text"
        ]

    def _need_object_detection(self, clause: str, mode: str) -> None:
        if not any(s.kind == "image" for s in self.reading.sources) and not self._produced("image"):
            return  # "find the names" with no photo is not a detection
        if not _counts_objects(clause.lower()) and self.on_document(clause, "object-detection"):
            return  # "where is the lunch?" on an invitation asks its text, "the box" in a complaint is no object
        self.image_task("object-detection", clause)

    def _need_image_classification(self, clause: str, mode: str) -> None:
        if not any(s.kind == "image" for s in self.reading.sources):
            if any(s.kind == "audio" for s in self.reading.sources):
                self.audio_task("audio-classification", clause)  # "what kind of sound is in it?"
            return
        if self.on_document(clause, "image-classification"):
            return  # "what animal is on the menu?" asks what the menu says
        self.image_task("image-classification", clause)

    def on_document(self, clause: str, need: str) -> bool:
        """Whether a photo analysis is asked of a picture of a text; then a question is asked of its words
        instead, unless the clause has another step of its own."""
        if self.referred_product(clause) is not None:
            return False
        subjects = self.subjects(clause, ("image",))
        if not subjects or not self.is_document(subjects[0], clause):
            return False
        if _asks(clause) and all(
            n in (need, "object-detection", "image-classification") for _, n, _ in clause_needs(clause)
        ):
            self.question(clause)
        return True

    def question(self, clause: str, force_text: bool = False, asked: str | None = None) -> None:
        """A question with no more specific cue: asked of a document or photo, a recording, a text."""
        question = asked or _question(clause, self.reading)
        if not re.search(r"[^\W\d_]", question):
            return  # nothing is asked ("according to the recording?" alone)
        subjects = self.subjects(clause, ("image", "audio", "text"))
        kind = self.reading.sources[subjects[0]].kind if subjects else None
        read = self.read(subjects[0]) if subjects else []
        if subjects and _TABLE.search(self.reading.sources[subjects[0]].value):
            # "the last two rows have no species, can you work out what they are?": the table's classifier
            self.add("tabular-classification", {"text": self.reading.sources[subjects[0]].value}, subjects[0])
        elif kind == "image" and read and not force_text:
            self.add("question-answering", {"text": with_roles(self.ref(read[0]), question=question)}, subjects[0])
        elif kind == "image" and not force_text:
            task = "document-question-answering" if self.is_document(subjects[0], clause) else None
            question = _name_it(question, self.reading.sources[subjects[0]].value)
            self.image_task(task or "visual-question-answering", clause, question)
        elif kind is not None or any("text" in t.produces and t.task != "conversational" for t in self.tasks):
            context = self.text_for("question-answering", clause)
            if context is not None:
                context = self.english_of(context) or context  # "translate what he says into English, then his name"
            if context is not None:
                self.add("question-answering", {"text": with_roles(context, question=question)}, self.current)
        elif not any(t.task == "conversational" for t in self.tasks):
            self.add("text-generation", {"text": _prompt(clause, self.reading)}, None)


# "a picture that goes with it", "an image of what it says", "the scene it talks about": a prompt that is
# only a pointer to an earlier result
_POINTER_WORDS = frozenset(
    "it that this them what goes go along with says said say the scene talks talk about of based on shows show "  # noqa: SIM905
    "describes describe matches match for is in one whatever feed pass pipe send use into writes wrote output result "
    "text to image video please pls me picture pic illustration poster banner flyer matching fitting actually now "
    "also just draw paint sketch generate create make render same a an style".split()
)


_STYLE = re.compile(
    r"\b(watercolou?r painting|cartoon|anime|watercolou?r|pixel art|oil painting|comic|pencil sketch|sketch|3d|photo-?realistic|"
    r"realistic|vintage)\b(?: style)?",
    re.I,
)


def _style_words(found: re.Match[str]) -> str:
    """ "anime" -> "anime style"; "a watercolor painting" stays a painting."""
    name = found.group(1)
    return name if re.search(r"\b(?:painting|drawing|sketch)$", name) else f"{name} style"


def _styled(ref: str, prompt: str) -> str:
    """A pointer prompt with the style its words name, if any ("<GENERATED>-0, anime style")."""
    style = _STYLE.search(prompt)
    return f"{ref}, {_style_words(style)}" if style else ref


_LIKE_IT = re.compile(
    r"^(?:an? )?(?:new |similar |another )?(?:one|picture|image|version|drawing)?\s*(?:just |same |the same )?(?:like|similar to|based on|as) "
    r"(?:it|that|this|the (?:photo|picture|image|pic|original))\W*(?:but |in |with |only )+(?P<style>.+)$",
    re.IGNORECASE,
)


def _points_back(prompt: str) -> bool:
    # ("a picture of it and i'm craving it now": the words after the pointer are the writer's)
    pointer = re.sub(
        r"\bfor (?:my|our|his|her|the|a) (?:little )?\w+\b", " ", re.split(r",|\band\b", prompt.lower())[0]
    )
    words = re.findall(r"[a-z']+", pointer)  # ("draw a pic of it for my kid" says who it is for)
    return bool(words) and set(words) <= _POINTER_WORDS and bool({"it", "that", "this", "them", "same"} & set(words))


def _listed_effects(text: str) -> list[str]:
    """The effects of a list ("(a) a pencil sketch, (b) sepia"), one edit each; one effect, or a modifier like
    "a black and white sketch", is not a list."""
    effects: list[str] = []
    for piece in re.split(r",|;|\band\b|\bor\b|\bplus\b|\([a-e1-9]\)", text, flags=re.IGNORECASE):
        operation, why = choose_operation(piece)
        effect = operation.description.split(" (")[0]
        if not why.startswith("the default") and effect not in effects:
            effects.append(effect)
    return effects if len(effects) > 1 else []


def _unmask(clause: str, reading: Reading) -> str:
    return _MARK_RE.sub(lambda m: reading.sources[int(m.group(2))].value, clause)


def _tidy(text: str) -> str:
    return _FILLER.sub("", " ".join(text.split())).strip(" ,;:-")


_MEDIA = (
    r"(?:(?:an?|some|the)\s+)?(?:(?:short|quick|little|new|nice|cool|\d+[- ]?(?:sec|second|s|min|minute)s?)\s+)?"
    r"(?:image|picture|pic|img|photo|drawing|illustration|painting|artwork|video|clip|animation|movie|gif)s?"
)
_MAKE_A = re.compile(
    r"^(?:(?:draw|paint|sketch|illustrate|generate|create|make|produce|render|design|show|give|i want|i need|i'd like|"
    r"i'd love|i would like|i would love|want|need)\s+(?:me\s+)?(?:also\s+)?"
    rf"(?:(?:an?|some|the)\s+)?(?:(?:short|quick|little|new|nice|cool)\s+)?(?:{_MEDIA}(?:\s+(?:and|&)\s+{_MEDIA})?\s+(?:of\s+)?)?"
    rf"|{_MEDIA}\s*(?::|of\b|showing\b)\s*)",
    re.IGNORECASE,
)


def _prompt(clause: str, reading: Reading, task: str = "") -> str:
    """What to write or draw, in the request's words, with the politeness (and for a picture or a video,
    "draw me a picture of") dropped."""
    text = _tidy(_unmask(clause, reading)).rstrip(" .")
    if task in ("text-to-image", "text-to-video"):
        text = re.sub(
            r"^what (?:would|might) (.+?) look like\W*$", r"\1", text, flags=re.I
        )  # "what would X look like?"
        text = _MAKE_A.sub("", text).strip(" ?") or text  # "could you generate a video of ...?" is no question
    return text or _unmask(clause, reading).strip()


def _instruction(clause: str) -> str:
    # "rewrite this: '...' thank you, really": the thanks after the content are no part of the instruction
    clause = re.sub(r"(§\w+\d+)\W+(?:and\s+)?(?:thanks?|thank you|thx|cheers|ty)\b[^§]*$", r"\1", clause, flags=re.I)
    text = _tidy(_MARK_RE.sub("", clause)).replace("  ", " ").strip(" ,:")
    text = (
        re.sub(r"\s*[:,;]?\s*\b(?:don'?t|do not|no need to)\b.*$", "", text, flags=re.I) or text
    )  # "... don't translate it"
    return re.sub(r"^(?:listen to|look at|read|take|open|check)\s+(?:it\s+|this\s+)?(?:and\s+)?", "", text, flags=re.I)


_QUESTION_LEAD = re.compile(
    # the lead before the question, not words of the question ("when did the bridge in §text0 open?")
    r"^(?:(?!\b(?:what|who|when|where|why|how|which|whose|(?:is|are|was|were|does|do|did) (?:the|a|an|any))\b).)*?"
    r"\b(?:according to|based on|from|in|using)\s+"
    r"(?:the |this |that )?§\w+\d+\s*,?\s*|^(?:(?!\b(?:what|who|when|where|why|how|which|whose)\b).)*?§\w+\d+\s*[,:]\s*",
    re.IGNORECASE,
)


def _question(clause: str, reading: Reading) -> str:
    """The question a clause asks, without the lead that names its source or the texts it is asked of."""
    text = _QUESTION_LEAD.sub("", clause, count=1) if _MARK_RE.search(clause) else clause
    text = re.sub(r"^\s*§(?:text|image|audio|video)\d+\s*[-—–:]\s*", "", text)  # "§image0 - fur colour?"
    # "doc QA on §image0" names the task; its question comes with it or after it
    text = re.sub(
        r"\b(?:run |do |use |try )?(?:extractive |doc(?:ument)? |visual )?(?:qa|vqa|question[- ]answering)\b",
        " ",
        text,
        flags=re.I,
    )
    text = re.sub(r"(?:,|\s+and)\s+(?:please|pls|plz|thanks|thank you)\s*(?=[?.!]?\s*$)", "", text, flags=re.I)
    # "who signed email.txt?" keeps the file it asks about; "in §text0" only says where to look
    text = re.sub(r"\s*(?:and\s+)?(?:in|on|from|of|about)\s+§(?:text|image|audio|video)\d+\s*[.?!]?", " ", text)
    text = re.sub(
        r"(?:,|\s+and)\s+(?:it'?s|it is)(?:\s+(?:somewhere|all|probably))?\s*[.?!]?\s*$", "", text
    )  # "..., its somewhere in X"
    text = _tidy(_unmask(text, reading))
    # "Two cutline checks: is the cup on a table?": the heading before the colon is no part of the question
    text = re.sub(
        r"^[^:?\n]{3,40}:\s+(?=(?:is|are|was|were|does|do|did|can|could|what|who|when|where|why|how|which)\b)",
        "",
        text,
        flags=re.I,
    )
    indirect = cues.INDIRECT_QUESTION.search(text.lower())
    if indirect is not None:
        # "the article mentions the mayor, remind me what her name was": the words before say who "her" is
        before = text[: indirect.start()].strip(" ,.-")
        asked = text[indirect.start("q") :]
        pronoun = re.search(r"\b(?:he|she|her|his|him|it|its|they|them|their)\b", asked, re.IGNORECASE)
        text = f"{before}, {asked}" if pronoun and len(before.split()) >= 3 and not _narrates(before) else asked
        text = re.sub(r"^(?:whether|if)\s+", "", text, flags=re.IGNORECASE)
    embedded = re.match(
        r"(?:does|do|did|can|could|will)\s+(?:it|this|that|they|the \w+)\s+(?:say|mention|tell (?:me|us)|show|list)\s+"
        r"(?P<q>(?:what|who|when|where|which|how)\b.*)",
        text,
        re.IGNORECASE,
    )
    if embedded:
        text = embedded.group("q")  # "does the flyer say where the class is?" asks where, not yes or no
    # "making a 'what I spent today' reel, whats the total": the question starts after the story's comma
    after_story = list(re.finditer(r"[,;]\s+(?=(?:what|what's|who|whom|whose|when|where|why|how|which)\b)", text, re.I))
    if after_story and indirect is None and "?" not in text[: after_story[-1].start()]:
        text = text[after_story[-1].end() :]
    wh = re.search(r"\b(?:what|who|whom|whose|when|where|why|how|which)\b", text, re.IGNORECASE)
    if (
        wh is not None
        and indirect is None
        and wh.start() > 0
        and len(text[wh.start() :].split()) > 2  # "receipt - total how much?" keeps what it asks about
        # "forgot the total from the receipt, what was it": the question is the words before
        and not re.match(r"(?:what|which)\s+(?:is|was|are|were)\s+(?:it|that|this|they)\W*$", text[wh.start() :], re.I)
        and not re.match(r"(?:is|are|was|were|do|does|did|can|could)\b", text, re.I)
    ):
        text = text[wh.start() :]  # "listen to it and tell me what I need to do" asks "what I need to do"
    if not text.endswith("?") and cues.QUESTION.search(text.lower()):
        text += "?"
    # "where are we going, do u know?", "what does he want, cant listen with the baby asleep": the question ends before
    text = re.sub(
        r"(?:,|\s+and)\s+(?:do (?:you|u) (?:know|think)|would you say|(?:i )?can'?t (?:listen|hear|read|see)\b.*|i (?:missed|forgot|lost)\b.*|roughly)\s*\??$",
        "?",
        text,
        flags=re.I,
    )
    text = re.sub(r"\s+(?:lol|lmao|haha|tbh|fr|ngl)\b", "", text, flags=re.I)  # "what time was it lol"
    text = re.sub(r"^(?:and )?(?:whether|if)\s+(\w+(?: \w+)?) (is|are|was|were)\b", r"\2 \1", text, flags=re.I)
    text = re.sub(r"\s*\([^()]{1,30}\)", "", text)  # "what did i pay at the cafe (receipt)"
    text = re.sub(r"[.)]+\?$", "?", text)
    text = re.sub(
        r"^(what \w+|who|where|how \w+) (it|he|she|they) (is|are|was|were)\?$", r"\1 \3 \2?", text, flags=re.I
    )
    named = re.fullmatch(rf"(?:the )?({_NOT_LEAD}[a-z][\w'-]*(?: [\w'-]+)?) (colou?r|size|shape)\?", text, re.I)
    if named:  # "cup color?"
        text = f"what {named.group(2)} is the {named.group(1)}?"
    elif re.fullmatch(
        rf"(?:the )?{_NOT_LEAD}[a-z][\w'-]*(?: [\w'-]+){{0,2}} (?:time|date|price|day|place|name)\?", text, re.I
    ):
        text = f"what is the {text.removeprefix('the ')}"  # "checkout time?"
    return text or (_tidy(_unmask(clause, reading)) if re.search(r"[^\W\d_]", text) else "")


def _language_name(name: str) -> str:
    """The English name of a language as the request spells it ("french" -> "French")."""
    lowered = name.lower()
    return next(all_names[0] for all_names in LANGUAGES.values() if lowered in (n.lower() for n in all_names))


def _languages(clause: str, request: str) -> tuple[str | None, str | None]:
    """(target, source) language names a translation clause (or else the request) gives."""
    names = {n.lower(): codes for codes, all_names in LANGUAGES.items() for n in all_names for codes in [codes]}

    def english(name: str | None) -> str | None:
        return LANGUAGES[names[name.lower()]][0] if name else None

    def found(text: str) -> tuple[str | None, str | None]:
        text = re.sub(r"\beng\b", "english", text)  # "eng translation"
        source = next(iter(cues.source_languages(text)), None)
        start = source.end() if source else 0
        target = (
            re.search(rf"\b(?:into|to)\s+(?:proper |plain )?({cues.LANGUAGE})\b", text[start:])
            or re.search(
                rf"\b(?:in|into|to|on)\s+(?:proper |plain )?({cues.LANGUAGE})\b|\b({cues.LANGUAGE})\s+(?:caption|description|"
                rf"version|summary|transcript|subtitle|translation)s?\b",
                text[start:],
            )
            or re.search(
                rf"\b(?:in|into|to)\s+(?:proper |plain )?({cues.LANGUAGE})\b", text[: source.start()] if source else ""
            )
        )
        # "-> spanish", "japanese pls": a step that is only the language
        target = target or re.search(rf"^(?:§\w+\s+)?({cues.LANGUAGE})(?: please| pls| thanks)?\W*$", text.strip())
        # "my dad only reads Chinese, can you translate it for him": the reader's language is the target
        target = target or re.search(rf"\b(?:reads|speaks|understands)\s+(?:only\s+)?({cues.LANGUAGE})\b", text)
        src = next((g for g in source.groups() if g), None) if source else None
        tgt = next((g for g in target.groups() if g), None) if target else None
        return english(tgt), english(src)

    clause, request = (
        cues.NATIVE_LANGUAGE_RE.sub(lambda m: cues.NATIVE_LANGUAGE[m.group()], t.lower()) for t in (clause, request)
    )
    request = re.sub(
        rf"\bthe {cues.LANGUAGE} (?:one|version|translation)\b", " ", request
    )  # "read the German one aloud"
    target, source = found(clause)
    if target is None and source is None:
        return found(request)
    if source is None:
        _, source = found(request)  # "it's in Spanish. What does it say in English?"
    if source is None:  # "a guest left this message at the desk in Spanish", "my Spanish is rusty": the content's
        words = _FILE.sub(" ", request)  # "spanish.wav" names a file, not the language it is in
        named = (
            english(m.group(1))
            for m in re.finditer(
                rf"(?<!\bto )(?<!\binto )(?<!\balso in )(?<!\band in )(?<!\band )(?<!\babout in )(?<!\babout )\b({cues.LANGUAGE})\b",
                words,
            )
        )
        source = next((name for name in named if name not in (target, "English")), None)
    return target, source if source != target else None


_INLINE_STRIP = re.compile(
    rf"\b(?:translate|translation of|what is|what's|the sentiment of|sentiment of|summari[sz]e|say|read|"
    rf"into|to|in|from)\s*(?:{cues.LANGUAGE})?\b",
    re.IGNORECASE,
)


def _inline_content(clause: str, task: str) -> str | None:
    """A content the clause gives in its own words ("translate good night into German" -> "good night")."""
    if task != "translation":
        return None
    m = re.search(
        rf"\b(?:translat\w*|how (?:do|would|does|can) (?:you|i|one|we) say)\s+(?P<body>.+?)"
        rf"(?:\s+(?:from|in|into|to)\s+{cues.LANGUAGE}\b.*)?$",
        clause,
        re.I,
    )
    if m is None:
        return None
    body = re.sub(r"^(?:the (?:word|phrase|sentence)s?|this|that)\s+", "", m.group("body").strip(" ,:?")).strip()
    if not body or _MARK_RE.search(body) or re.fullmatch(r"(?:it|this|that|them)", body, re.I):
        return None
    return body


class EverydayPlanner:
    """Plans a request over HuggingGPT's 24 task types (the paper's JSON list) with no model call."""

    name = "everyday"

    def plan(self, request: str, files: Sequence[str] = ()) -> list[dict[str, object]]:
        if not request.strip():
            raise PlanError("the request is empty: say what you want done")
        reading = read_request(request, files)
        builder = _Builder(reading, request)
        found = {c: clause_needs(c) for c in reading.clauses}
        clauses = _results_first(reading.clauses, found)
        rest = [c for c in clauses if not cues.GREETING.match(_cue_text(c).strip())]
        if (
            len(rest) < len(clauses)
            and not reading.attached
            and any(n == "text-generation" for c in rest for _, n, _ in found[c])
            and re.search(r"\b(?:help me|brainstorm\w*|ideas?|suggest\w*|advice|tips)\b", request.lower())
        ):
            # "hey! stuck on a name for my channel, can you help me brainstorm some?": a chat, one reply
            return [{"task": "conversational", "id": 0, "dep": [-1], "args": {"text": request.strip()}}]
        if reading.attached or any(n != "conversational" for c in rest for _, n, _ in found[c]):
            clauses = rest  # "Hi! Could you read this?": the greeting is not a step of its own
        labels = [k for k, s in enumerate(reading.sources) if s.kind == "labels"]
        # The last clause that asks for a translation: "in Spanish" before it says what the content is in.
        translating = max(
            (k for k, c in enumerate(clauses) if any(n == "translation" for _, n, _ in found[c])), default=None
        )
        # "My nephew wants an animated clip ... could you generate a video of ...": the story around a request
        # names what it asks for again, or what someone else did or felt
        asked = any((found[c] or _asks(c)) and not _narrates(c) for c in clauses)
        has_image = any(s.kind == "image" for s in reading.sources)
        previous: list[tuple[int, str, str]] = []
        story: list[str] = []
        for position, clause in enumerate(clauses):
            needs = found[clause]
            if asked and _narrates(clause):
                spoken = any(n == "text-to-speech" for c in clauses if c != clause for _, n, _ in found[c])
                # ("my oma wants to hear the news ... read it out loud for her": the speech asked for later)
                needs = [n for n in needs if n[1] not in _NARRATED and not (spoken and n[1] == "text-to-speech")]
            if not has_image and not any("image" in t.produces for t in builder.tasks):
                needs = [n for n in needs if n[1] != "object-detection"]  # "where are they meeting?" of a recording
            if needs and builder.tasks and _restates(clause, needs, builder):
                continue  # "... and translate the summary. They just want the gist": the summary is made
            if labels and "§labels" not in clause and _WHICH_LABEL.search(clause.lower()):
                clause += f" §labels{labels[0]}"  # "... into a, b or c. Which one is it?"
            lists_labels = any(reading.sources[k].kind == "labels" for k in builder.marks(clause))
            if lists_labels and not any(
                need in ("classify", "sentiment", "image-classification") for _, need, _ in needs
            ):
                # "is it about a, b or c?" asks for one of the labels
                kept = [n for n in needs if n[1] not in ("text-generation", "conversational", "question-answering")]
                needs = [*kept, (len(clause), "classify", "")]
            if (
                [n for _, n, _ in needs] == ["translation"]
                and translating is not None
                and position < translating
                and cues.says_content_language(_cue_text(clause))
            ):
                needs = []  # "A guest left this message in Spanish. Could you translate it?" says what it is in
            named = builder.referred_products(clause)
            made = builder.tasks[named[-1]].task if named else None
            if made == "translation" and re.search(
                rf"\b{cues.LANGUAGE} (?:summary|caption|description|transcript)\b", clause.lower()
            ):
                needs = [
                    n for n in needs if n[1] not in ("summarization", "gist", "describe", "content")
                ]  # "the Spanish summary"
            asked_again = [n for _, n, _ in needs if _MAKES.get(n, n) == made]
            if asked_again and made not in _ARGUED:
                # "of that summary" is no new one; without its cue, "turn the summary into a video" (or "write a
                # story from the description") is seen
                needs = clause_needs(clause, without=tuple(asked_again))
                if "describe" in asked_again and re.search(
                    # the caption is what is written ("write me a caption for it"), not what it uses ("a post
                    # using both captions")
                    r"\b(?:write|give|make|come up with)\b(?:(?!\b(?:using|from|with|based|both|all)\b)[^.?!]){0,20}\bcaption",
                    clause.lower(),
                ):
                    needs = [n for n in needs if n[1] != "text-generation"]  # "... write me a caption for it" again
            elif len(needs) > 1 and made in {n for _, n, _ in needs}:
                needs = [n for n in needs if n[1] != made]  # "turn the inverted picture into an outline"
            if previous and _SAME_AGAIN.search(clause.lower()) and all(n in _WEAK for _, n, _ in needs):
                needs = previous  # "is the call positive, and what about the review?"
            if (
                not needs
                and position
                and re.match(
                    r"\W*(?:like|e\.?g\.?|such as|for example|some kind of|maybe|perhaps|probably)\b", clause.lower()
                )
            ):
                continue  # "what kind of sound is it? like music, speech, something else?": examples of the answer
            if builder.tasks and not needs and _FEASIBLE.match(_cue_text(clause)):
                continue  # "... a short video of the water cycle. Is that possible?" asks for the video only
            if builder.tasks and not needs and _FOLLOW_UP.search(_cue_text(clause)):
                continue  # "how much was the total? was it over 10 bucks?": the answer to the first says it
            question = _asks(clause) or bool(
                len(clauses) == 1
                and has_image
                and re.fullmatch(r"[\w' -]{1,25} or [\w' -]{1,25}\?+", _cue_text(clause).strip())
            )  # "café or tea??" of a photo asks which it shows
            if (
                question
                and not _asks(clause, indirect=False)
                and any(
                    _asks_otherwise(c, [n for n in found[c] if has_image or n[1] != "object-detection"])
                    for c in clauses
                    if c != clause
                )
            ):
                # "I want to know who to reply to first" says why the other steps are asked for ("find out which dessert
                # it raves about, then draw it" asks it)
                question = bool(re.match(r"\W*(?:find out|figure out|work out|tell me|check)\b", _cue_text(clause)))
            if (
                question
                and not needs
                and position
                and _asks(clauses[position - 1])
                and _ALTERNATIVE.match(clause.lower())
            ):
                continue  # "who signed this email? was it laura or someone else": the same question
            if (
                question
                and not needs
                and position + 1 < len(clauses)
                and _JUST_ENTITIES.match(_cue_text(clauses[position + 1]))
                and any(n == "token-classification" for _, n, _ in found[clauses[position + 1]])
                and re.match(r"\W*(?:§\w+\s*\W*)?(?:who|where|when)\b", _cue_text(clause))
            ):
                continue  # "who's meeting who and where? just the names/places": the entities answer it
            if (
                question
                and needs
                and all(n in _CONVERTERS for _, n, _ in needs)
                and named
                and "text" in builder.tasks[named[-1]].produces
            ):
                needs = []  # "answer this from the transcript: when is it?" asks a question of a result
            if len(needs) > 1 and not _WRITING.search(clause.lower()):
                needs = [n for n in needs if n[1] != "text-generation"]  # "how do you pronounce X in Japanese?"
            if len(needs) > 1 and not question and any(n == "question-answering" for _, n, _ in needs):
                needs = [n for n in needs if n[1] != "question-answering"]  # "draw it based on the summary"
            if (
                question
                and reading.attached
                and [n for _, n, _ in needs] == ["text-generation"]
                and not _WRITING.search(clause.lower())
            ):
                needs = []  # "what is the person doing?" beside a file asks about the file, not for a story
            if "image-segmentation" in {n for _, n, _ in needs} and not _counts_objects(clause.lower()):
                needs = [n for n in needs if n[1] != "object-detection"]  # "segment it so each object is its own area"
            if (
                "text-to-speech" in {n for _, n, _ in needs}
                and _READ_FOR_ME.search(clause.lower())
                and not _SPOKEN.search(clause.lower())
                and not any("text" in t.produces for t in builder.tasks)
                and any(reading.sources[k].kind == "image" for k in reading.attached)
            ):
                # "read it for me" of a screenshot: its words, not speech
                needs = [(p, "content" if n == "text-to-speech" else n, m) for p, n, m in needs]
            if {"describe", "summarization"} <= {n for _, n, _ in needs}:
                needs = [n for n in needs if n[1] != "summarization"]  # "describe cat.png in one sentence"
            if (
                any(n == "describe" for _, n, _ in needs)
                and not has_image
                and not any("image" in t.produces for t in builder.tasks)
                and re.search(r"\b(?:write|compose|draft|make up|create)\b", clause.lower())
            ):
                needs = [
                    (p, "text-generation" if n == "describe" else n, m) for p, n, m in needs
                ]  # "write a product description"
            if any(n == "text-to-image" for _, n, _ in needs) and _refers_to_photo(clause, reading):
                needs = clause_needs(clause, without=("text-to-image",))  # "make the astronaut picture look like..."
            elif any(n in ("text-to-image", "text-to-video") for _, n, _ in needs):
                # "draw a cartoon of ...", "a picture of what the translation describes": the style and the words
                # are the prompt's
                needs = [
                    n for n in needs if n[1] not in ("image-to-image", "describe", "text-generation", "sentiment")
                ]  # ("a happy office worker" is the picture's, not a mood to find)
            if not needs and not question and _narrates(clause) and not builder.tasks:
                story.append(_tidy(_unmask(clause, reading)).rstrip(" ."))  # "I'm making a card for my neighbour."
            tasks_before = len(builder.tasks)
            if not needs and not question and builder.tasks and _describes_more(clause, builder):
                last = builder.tasks[-1]  # "draw a banner. something like a wooden table in morning light"
                last.args["text"] = f"{last.args['text']}, {_tidy(_unmask(clause, reading)).rstrip(' .')}"
                continue
            if (
                all(n == "object-detection" for _, n, _ in needs)
                and question
                and re.match(r"\W*(?:(?:and|also|so) )?(?:who|where)\b[^?]*\?*$", _cue_text(clause).strip())
                and any(n == "token-classification" for c in clauses if c != clause for _, n, _ in found[c])
            ):
                continue  # "who am I meeting and where?? pick out the names and places": the names answer it
            asked_before = [t for t in builder.tasks if t.task in _ANSWERS]
            follow = _ELLIPSIS.fullmatch(_cue_text(clause).strip())
            if not needs and follow and asked_before and not builder.named(clause):
                # "how much was the total? and the croissant?": the same question of another thing
                head = re.match(
                    r"(how (?:much|many) \w+|what (?:\w+ )?(?:is|was|are|were))\b",
                    previous_question(asked_before[-1]),
                    re.I,
                )
                noun = follow.group(1)
                builder.question(clause, asked=f"{head.group(1)} the {noun}?" if head else f"what about the {noun}?")
                continue
            if not needs and question and position and _restated_question(clause, clauses[position - 1], builder):
                continue  # "when did the bridge open? what date was the opening?": asked once, in other words
            if not needs and question and not (builder.tasks and _only_pronouns(clause)):
                builder.question(clause)  # ("find the objects and tell me what they are" asked nothing new)
            tasks_asked = [n for _, n, _ in needs if n not in _CONVERTERS]
            if (tasks_asked == ["text-to-speech"] and _TELL_WHAT.search(clause.lower())) or (
                question and needs and not tasks_asked and _SAYS_MORE.search(clause.lower())
            ):
                # "tell me out loud who the report goes to", "what does the caller say was slow?": a question of
                # the words, asked before they are spoken
                for _, need, mode in needs:
                    on_image = any(
                        reading.sources[k].kind == "image" for k in builder.subjects(clause, ("image", "audio"))
                    )
                    if need in _CONVERTERS and not (need == "content" and on_image):
                        builder.apply(need, mode, clause)  # a document image is asked directly
                builder.question(clause)
                if tasks_asked and builder.tasks:
                    builder.add("text-to-speech", {"text": builder.ref(len(builder.tasks) - 1)}, None)
                needs = []
            # What a clause makes comes before what it does to it: "an Italian caption" describes, then translates.
            late = (*_TRANSFORMS, "sentence-similarity")
            builder.made_now = []
            builder.clause_start = len(builder.tasks)
            for _, need, mode in sorted(needs, key=lambda n: (n[1] in late, n[1] == "text-to-speech")):
                builder.apply(need, mode, clause)
            previous = needs or previous
            new = [t for t in builder.tasks[tasks_before:] if t.task == "text-generation"]
            if story and new and len(" ".join(story).split()) <= 15:
                new[0].args["text"] = ", ".join([*story, new[0].args["text"]])  # the story says who it is for
            story = [] if new else story
        for index in reading.attached:
            if index not in builder.consumed:
                _cover(builder, index)
        if not builder.tasks:
            if builder.missing:
                raise PlanError(_nothing_to_act_on(builder.missing[0]))
            if any(s.kind in ("image", "audio", "text") for s in reading.sources):
                raise PlanError(_nothing_to_do(reading))
            builder.add("conversational", {"text": request.strip()}, None)
        return [
            {
                "task": t.task,
                "id": k,
                "dep": sorted({int(m) for v in t.args.values() for m in re.findall(r"<GENERATED>-(\d+)", v)}) or [-1],
                "args": t.args,
            }
            for k, t in enumerate(builder.tasks)
        ]


_WHOLE = re.compile(
    r"\b(?:the whole (?:thing|text|receipt|note|sign|card|page|message|memo|recording)|everything|all of it|"
    r"the full text|all the text|the entire (?:thing|text))\b"
)


def _stem_word(file: str) -> str | None:
    """A file name that is one plain word ("cat" of cat.png), or None."""
    stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return stem if re.fullmatch(r"[a-z]{3,12}", stem) and stem not in _PLAIN_NAMES else None


def _name_it(question: str, file: str) -> str:
    """ "what is it doing?" of cat.png asks "what is the cat doing?": the model reads no file name, so a name
    that is a plain word says what "it" is."""
    stem = _stem_word(file)
    if stem is None:
        return question
    question = re.sub(r"\b(on|in|of|from|at) it\b", rf"\1 the {stem}", question, count=1)
    return re.sub(r"^(what|where|how|why|which) (is|was|does|did) it\b", rf"\1 \2 the {stem}", question, count=1)


_PLAIN_NAMES = frozenset("image photo picture img pic scan file screenshot upload untitled download attachment".split())  # noqa: SIM905
_OTHER = re.compile(r"\b(?:the|that)\s+other(?:\s+(one|\w+))?\b")
_FIELD = re.compile(
    r"\b(?:total|amount due|subtotal|price|date|time|address|deadline|venue|(?:order|invoice|reference|tracking|booking|"
    r"confirmation|account|phone) (?:number|no|code|id))\b"
)
_RESULT_WORDS = re.compile(
    r"\b(?:results?|answers?|labels?|verdict|category|categories|sentiment|breed|count|number|findings?|entities|names|"
    r"what you found|what it is|which one|predict\w*|outputs?|classifications?|scores?|outcomes?|species)\b"
)
_FOLLOW_UP = re.compile(
    r"^\W*(?:and |so |but )?(?:is|was|are|were) (?:it|that|this|they) (?:even|really|actually|over|under|more than|less than|"
    r"above|below|at least)\b|\b(?:one of them|either of them|one|which one)\b[^.?!]{0,30}\b\w+er than the other\b|"
    r"^\W*(?:and )?(?:do|did) (?:you|u) know\W*$|^\W*(?:or|and) (?:not|no)\W*$"
)
_FEASIBLE = re.compile(
    r"\W*(?:and |so )?(?:is (?:that|this|it) (?:possible|doable|ok|okay|something you can do)|(?:can|could) you (?:do|manage) "
    r"(?:that|this|it)|(?:would|will) (?:that|this|it) work|thanks?(?: you)?(?: so much| a lot)?)\W*$"
)
_CONVERTERS = {"automatic-speech-recognition", "content"}
_CONVERTER_TASKS = {"automatic-speech-recognition", "image-to-text"}
_ON_ENGLISH = {"text-classification", "token-classification", "summarization"}  # models that read English
_POINTS = re.compile(r"\b(?:it|that|this|them)\b")
_BASED_ON = re.compile(
    r"\b(?:(?:based on|inspired by|from|out of|about|of|using|address(?:es|ing)?|cover(?:s|ing)?|quot(?:es|ing)|answer(?:s|ing)?) "
    r"(?:both|all of them|all three|all of these|these|the (?:two|three) (?:files|texts))|(?:with|using) (?:it|that|this)|about what you (?:saw|found|read|heard))\b|"
    r"\bbased on (?:the|this|that|my) (?:article|email|review|text|file|memo|recording|transcript|note|letter)\b|"
    r"\b(?:mention|mentions|mentioning|include|includes|including|name|names|naming) the (?:breed|answer|result|total|name)\b|"
    r"\b(?:an? )?(?:ode|song|poem|toast|letter) (?:to|for) (?:it|them|that|her|him)\b|"
    r"\b(?:based on|inspired by|from|out of|about|of) (?:it|this|that|them|what'?s in (?:it|(?:the|this|that|my) (?:photo|picture|"
    r"image|pic|§\w+))|whats in it|what (?:it|the (?:photo|picture|image)) shows)\b|\breply\b[^.?!]{0,40}\b(?:it|this|that)\b"
)
_WRITING = re.compile(
    r"\b(?:write|compose|draft|generate|create|come up with|make up|invent|suggest|tell me (?:an? |some )|brainstorm|continue)\b"
)
_MAKES = {"describe": "image-to-text", "content": "image-to-text", "gist": "summarization"}
_PICTURES = {"text-to-image", "text-to-video"}


def _results_first(clauses: list[str], found: dict[str, list[tuple[int, str, str]]]) -> list[str]:
    """The clauses with one that uses a result ("a video out of the description of this photo") moved after
    the later clause that makes it ("so describe it first")."""
    ordered = list(clauses)
    for clause in clauses:
        k = ordered.index(clause)
        lowered = clause.lower()
        used = {
            task
            for task, words in cues.PRODUCT_WORDS.items()
            if any(re.search(rf"\b{re.escape(w)}", lowered) for w in words)
        }
        made_here = {_MAKES.get(n, n) for _, n, _ in found[clause]}
        if made_here & _PICTURES:
            made_here &= _PICTURES  # "a video out of the description": the words are its prompt's
        makers = [
            j
            for j in range(k + 1, len(ordered))
            if (used - made_here) & {_MAKES.get(n, n) for _, n, _ in found[ordered[j]]}
        ]
        earlier = {_MAKES.get(n, n) for c in ordered[:k] for _, n, _ in found[c]}
        if makers and not used & earlier:
            ordered.insert(makers[0], ordered.pop(k))
    return ordered


_ALTERNATIVE = re.compile(r"^\W*(?:or |and )?(?:is|was|are|were) (?:it|that|this|they|he|she)\b[^?]*\bor\b")
_TELL_WHAT = re.compile(r"\b(?:tell|say)\b[^.?!]*?\b(?:who|what|when|where|which|how much|how many|whether)\s+\w+")
_SAYS_MORE = re.compile(r"\b(?:say(?:s|ing)?|said)\s+(?:about|was|were|is|are|happened|to|they|he|she|we|i|that)\b")
# What a clause that tells a story ("my sister can't draw", "i drafted a message, it sounds angry") seems to
# ask for but does not, when another clause makes the request.
_NARRATED = {
    *("text-generation", "text-to-image", "text-to-video", "sentiment", "object-detection", "conversational"),
    *("describe", "image-to-image", "audio-classification", "gist"),
}
_STORY_START = re.compile(
    r"^(?:(?:so|and|but|because)\s+)?(?:(?:my|our|his|her|their|i|we|he|she|they|it|some(?:one|body)|a (?:friend|colleague|"
    r"client|customer|neighbou?r))\b|(?:want|wanna|need|going|planning|hoping) to (?:write|post|make|put|send|share|print|use|"
    r"frame|show)\b|(?:i'm |i am )?(?:trying|hoping|"
    r"planning|going) to\b)"
)
# "the shelter said they'll put him on their website", "the shared calendar is empty": a sentence that tells
_STATEMENT = re.compile(
    r"(?:the|this|that|these|there|our|your|his|her)\b[^?]*\b(?:is|was|are|were|said|says|asked|has|had|have|will|'ll|"
    r"keeps?|seems?|looks?)\b"
)
_ASKING = re.compile(
    r"\b(?:can|could|would|will) (?:you|u)\b|\bplease\b|\bpls\b|\bi(?:'d| would)? (?:like|want|need|love|appreciate)\b|\bhelp me\b|"
    r"\blet me\b|\b(?:give|show|tell) me\b|\b(?:wants?|needs?) to know\b|\bwonder\w*|\?|"
    r"\b(?:which|what) (?:one |\w+ )?(?:is|are)\b"  # "i have two cards from the event which one is the happy one"
)


def _asks_otherwise(clause: str, needs: list[tuple[int, str, str]]) -> bool:
    """Whether a clause asks a question outright or a step that is more than a way to give the answer back."""
    return (_asks(clause, indirect=False) and not _only_pronouns(clause)) or any(
        n not in _CONVERTERS and n not in ("text-to-speech", "translation") for _, n, _ in needs
    )


def _narrates(clause: str) -> bool:
    lowered = clause.lower().strip()
    told = _STORY_START.match(lowered) or _STATEMENT.match(lowered)
    return bool(told) and not _ASKING.search(lowered)


_MADE_BY = {
    "gist": {"summarization", "image-to-text"},
    "classify": {"text-classification", "image-classification", "audio-classification", "tabular-classification"},
    "sentiment": {"text-classification"},
    "describe": {"image-to-text", "summarization", "audio-classification"},
    "content": {"image-to-text", "automatic-speech-recognition"},
}
# steps whose arguments a clause may change ("one sepia, one pencil sketch"): never a mere restatement
_ARGUED = {"image-to-image", "translation", "text-generation", "text-to-image", "text-to-video", "text2text-generation"}


def _describes_more(clause: str, builder: _Builder) -> bool:
    """Whether a clause with no step of its own says more about what the last step writes or draws ("she
    turns 90 on sunday" after "write a birthday message for my nonna")."""
    last = builder.tasks[-1]
    if last.task not in _PROMPT_TASKS or last.task == "conversational" or GENERATED.search(last.args.get("text", "")):
        return False
    words = re.findall(r"[a-z]{3,}", _MARK_RE.sub(" ", clause.lower()))
    return len(words) >= 3 and not re.match(r"\W*(?:thanks?|thank you|cheers|please|pls)\b", clause.lower())


_REFERS = re.compile(r"\b(?:one|it|this|that|these|those|them|both|each|all|also|too|again|as well|another|other)\b|§")


def _restates(clause: str, needs: list[tuple[int, str, str]], builder: _Builder) -> bool:
    """Whether a clause only names again, without saying what on, steps the plan already has."""
    done = {t.task for t in builder.tasks}
    wanted = {n for _, n, _ in needs}
    lowered = clause.lower()
    moods = [
        t for t in builder.tasks if t.task == "text-classification" and "labels" not in split_roles(t.args["text"])[0]
    ]
    if "sentiment" in wanted and not moods:
        return False  # "is it about the food or the rooms? and how upset are they?": the mood is not the topic
    if (
        not all(done & _MADE_BY.get(n, {n}) for n in wanted)
        or wanted & _ARGUED
        or _REFERS.search(lowered)
        or builder.named(clause)
    ):
        return False
    return not any(words.search(lowered) for words in cues.KIND_WORDS.values()) and not builder.referred_products(
        clause
    )


_READ_FOR_ME = re.compile(r"\bread (?:it|this|that|them|the \w+) for (?:me|us)\b")
_SPOKEN = re.compile(r"\b(?:aloud|out loud|outloud|voice|audio|listen|hear|speak|say it)\b|\bread\b[^.?!]{0,20}\bout\b")
# "just the names/places/companies": the entities asked for, nothing else
_JUST_ENTITIES = re.compile(r"\W*(?:just|only) (?:the )?(?:names?|people|places|compan(?:y|ies)|dates|entities)\b")
_WEAK = {"content", "describe", "gist"}  # needs "what about the written review?" names without asking for them
_WHICH_LABEL = re.compile(
    r"\bwhich (?:one|of (?:these|them|those|the \w+)|category|label|bucket|group|folder)\b|"
    r"\bwhich (?:would be|is|one is|one would be) (?:the )?(?:correct|right|best)\b"
)
_SAME_AGAIN = re.compile(
    r"^\W*(?:and\s+)?(?:what|how) about\b|^\W*(?:and\s+)?(?:(?:now |then |please )?(?:do|try) )?(?:the )?same (?:question |thing |check |again )?"
    r"(?:for|with|on)\b|^\W*(?:and\s+)?repeat (?:it |that |this )?(?:for|with|on)\b"
)
_COUNTING = re.compile(
    r"(?:\b(?:how many|count\w*|number of|detect\w*|bounding box\w*|locate)|#\s?of)\b(?:\s+(?:the\s+)?(\w+))?"
)
_DETECTED = frozenset(name.lower() for name in COCO_LABELS.values()) | {"people", "persons", "objects", "things"}


def _counts_objects(clause: str) -> bool:
    """Whether a clause counts or finds things a detector sees ("how many people"), not lines of a document
    ("how many items are on the receipt" asks its text)."""
    m = _COUNTING.search(clause)
    if m is None:
        return False
    noun = m.group(1)
    return noun is None or noun in _DETECTED or noun.rstrip("s") in _DETECTED or noun in ("are", "is", "of")


# The words of a question that asks nothing new ("no clue lol, can you figure it out?")
_PRONOUN_QUESTION = frozenset(
    "what who which they them it is are was were these those there tell me all can could you figure out help do "  # noqa: SIM905
    "know check see work sort no clue lol idk not sure please and for generate make create draw any idea from on in "
    "the where exactly find answer s somewhere".split()
)


def _only_pronouns(clause: str) -> bool:
    # "any idea from this complaint note?": the file named again is no new question
    text = cues.DOCUMENT_NAME.sub(" ", _MARK_RE.sub(" ", clause.lower()))
    for words in cues.KIND_WORDS.values():
        text = words.sub(" ", text)
    return set(re.findall(r"[a-z]+", text)) <= _PRONOUN_QUESTION


_PHOTO_REFERENCE = re.compile(
    r"\b(?:this|that|the|my|your|these)\s+(?:\w+\s+)?(?:image|picture|photo|pic|photograph|shot)s?\b"
)


def _refers_to_photo(clause: str, reading: Reading) -> bool:
    """Whether the picture a clause speaks of is one the request gave ("this photo", "§image0")."""
    has_image = any(reading.sources[k].kind == "image" for k in reading.attached)
    marked = any(reading.sources[int(m.group(2))].kind == "image" for m in _MARK_RE.finditer(clause))
    return marked or (has_image and bool(_PHOTO_REFERENCE.search(clause.lower())))


def _cover(builder: _Builder, index: int) -> None:
    """A file the request gave but no step used: the task its kind usually wants."""
    source = builder.reading.sources[index]
    if source.kind == "image":
        builder.add("image-to-text", {"image": source.value, "text": "describe the image"}, index)
    elif source.kind == "audio":
        builder.content_of(index)
    elif source.kind == "text" and source.value.lower().endswith(".csv"):
        builder.add("tabular-classification", {"text": source.value}, index)
    elif source.kind == "text" and builder.tasks:
        return  # a text beside other steps is context they did not need
    elif source.kind == "text":
        builder.add("summarization", {"text": source.value}, index)


def _nothing_to_act_on(task: str) -> str:
    # The instruction itself is never handed to an expert as the content to work on.
    return (
        f"there is no text for {task}: put it in quotes, after a colon, or attach a file (a .txt, a photo of the "
        'text, a recording), e.g. summarize: "..."'
    )


def _nothing_to_do(reading: Reading) -> str:
    return (
        "I could not tell what to do with this request; say what you want done, e.g. describe the photo, read "
        "the text in it, transcribe the recording, summarize or translate the text"
    )
