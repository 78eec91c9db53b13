"""A tool planner that asks a chat model for the graph, with decoding constrained by a JSON schema made
for each request, so that a local model's plan is valid by construction.

The prompt is cache-friendly: a system prompt listing every tool and a few demonstrations come first
and stay the same for a tool set, and the request comes last, so llama.cpp reads the long prefix once
and later calls pay only for the request and the answer.

The schema: a list of 1..N nodes; node i's `task` is one of the tool names (all, or the few most
relevant to the request), and its arguments are drawn from the request's file names and quoted texts
and `<node-0>`..`<node-(i-1)>`. JSON schema cannot say "k < i" for a list's i-th item, so the list is
an `anyOf` of tuples (`prefixItems`) of each length, whose i-th item allows only earlier nodes. API
tool sets (tools with `parameters`) get `{"name", "value"}` arguments, the names limited to the
tool's own parameters, and a `links` list.

Models that ignore the schema (a scripted one, a server without structured output) are read
leniently and repaired: unknown tools are matched to the closest name or dropped, forward references
are fixed by reordering when possible, and references that still point forward are dropped.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hugginggpt.errors import ControllerError, PlanError
from hugginggpt.eval.toolset import Tool, ToolSet
from hugginggpt.llm.base import ChatModel, Message
from hugginggpt.plan import extract_json
from hugginggpt.planning.base import ToolGraph, graph_problems
from hugginggpt.tasks import kind_of_file

_REF = re.compile(r"^\s*<?\s*(?:node|generated)\s*[-_ >]*\s*(-?\d+)\s*>?\s*$", re.IGNORECASE)
# Quoted spans; a single quote opens or closes only at a word edge, so apostrophes ("I've") stay inside.
_QUOTED = re.compile(r"\"([^\"\n]+)\"|“([^”\n]+)”|‘([^’\n]+)’|(?<![\w'])'([^\n]+?)'(?![\w])")
_FILE = re.compile(r"(?<![\w/.-])[\w-]+(?:\.[\w-]+)*\.[A-Za-z][A-Za-z0-9]{1,4}\b")
_FILE_EXTENSIONS = frozenset(
    [
        "jpg",
        "jpeg",
        "png",
        "gif",
        "bmp",
        "webp",
        "tif",
        "tiff",
        "svg",
        "wav",
        "mp3",
        "flac",
        "ogg",
        "m4a",
        "aac",
        "opus",
        "mp4",
        "avi",
        "mov",
        "mkv",
        "webm",
        "txt",
        "md",
        "csv",
        "tsv",
        "json",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "pptx",
        "html",
        "xml",
        "zip",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "with",
        "as",
        "by",
        "from",
        "can",
        "could",
        "you",
        "me",
        "my",
        "i",
        "i'm",
        "please",
        "help",
        "would",
        "like",
        "want",
        "some",
        "which",
        "what",
        "how",
        "into",
        "given",
        "task",
        "models",
        "model",
        "used",
        "use",
        "also",
        "then",
    ]
)


@dataclass(frozen=True)
class Demo:
    """A worked example for the prompt: a request and its nodes in TaskBench's format."""

    request: str
    nodes: tuple[dict[str, Any], ...]
    links: tuple[dict[str, str], ...] = ()


# Demonstrations for resource tool sets: five from TaskBench's Hugging Face development split and three
# written for this project, mixing single tools, chains and independent branches. Each is shown only when
# every tool it uses is in the tool set; other tool sets get a generic one made from their own tools.
DEMOS: tuple[Demo, ...] = (
    Demo(
        "I've been working on an audio file named 'example.wav' and I've transcribed it as 'Automatic speech "
        "recognition is a useful tool for transcription services.' But I'm unsure about my transcription. Can you "
        "verify this for me by comparing the transcription with the original audio?",
        (
            {"task": "Automatic Speech Recognition", "arguments": ["example.wav"]},
            {
                "task": "Sentence Similarity",
                "arguments": ["<node-0>", "Automatic speech recognition is a useful tool for transcription services."],
            },
        ),
    ),
    Demo(
        "I have a picture 'example.jpg' of my living room. Could you find out which objects are in it?",
        ({"task": "Object Detection", "arguments": ["example.jpg"]},),
    ),
    Demo(
        "I've stumbled upon an infographic labeled 'example.jpg' which is densely packed with information. Could "
        "you assist me by pulling out the text, providing a concise summary of the key points, and then "
        "encapsulating those points in a newly generated image?",
        (
            {"task": "Image-to-Text", "arguments": ["example.jpg"]},
            {"task": "Summarization", "arguments": ["<node-0>"]},
            {"task": "Text-to-Image", "arguments": ["<node-1>"]},
        ),
    ),
    Demo(
        "Please pick out the names of people and places in 'Marie Curie was born in Warsaw and worked in Paris.' "
        "and also read the sentence 'Good morning, everyone!' aloud.",
        (
            {"task": "Token Classification", "arguments": ["Marie Curie was born in Warsaw and worked in Paris."]},
            {"task": "Text-to-Speech", "arguments": ["Good morning, everyone!"]},
        ),
    ),
    Demo(
        "So, I came across this intriguing image of a room and can't seem to discern the number of chairs it "
        "contains. Take the image dubbed 'example.jpg' and answer me this, how many chairs can be spotted in this room?",
        ({"task": "Visual Question Answering", "arguments": ["example.jpg"]},),
    ),
    Demo(
        "I'm going through a bit of a rough patch right now. Can you share some thoughtful advice that might help "
        "uplift my spirits?",
        (
            {
                "task": "Conversational",
                "arguments": [
                    "I'm going through a bit of a rough patch right now. Can you share some thoughtful advice that "
                    "might help uplift my spirits?"
                ],
            },
        ),
    ),
    Demo(
        "I have a question that was recorded in an audio file named 'example.wav', but the sound quality is poor. "
        "I also have an image 'example.jpg' that the question refers to. Can you assist me by improving the audio "
        "clarity, transcribing the question, and then providing an answer based on the image?",
        (
            {"task": "Audio-to-Audio", "arguments": ["example.wav"]},
            {"task": "Automatic Speech Recognition", "arguments": ["<node-0>"]},
            {"task": "Visual Question Answering", "arguments": ["example.jpg", "<node-1>"]},
        ),
    ),
    Demo(
        "Could you edit my photo 'example.jpg' following the instruction 'make the sky pink', tell me what the "
        "edited picture shows, and translate that description into German?",
        (
            {"task": "Image Editing", "arguments": ["make the sky pink", "example.jpg"]},
            {"task": "Image-to-Text", "arguments": ["<node-0>"]},
            {"task": "Translation", "arguments": ["<node-1>"]},
        ),
    ),
)


@dataclass(frozen=True)
class Resources:
    """What a node's arguments may be: the request's file names and quoted texts. A long text is written
    in the answer as its first words and "...", which the model writes in a fraction of the time."""

    files: tuple[str, ...]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, request: str, files: Sequence[str] = ()) -> Resources:
        """The file names and quoted texts in a request, plus the files given beside it, in order."""
        found: list[str] = [f for f in files if f]
        for match in _FILE.finditer(request):
            name = match.group(0)
            if name.rpartition(".")[2].lower() in _FILE_EXTENSIONS and name not in found:
                found.append(name)
        texts: list[str] = []
        for match in _QUOTED.finditer(request):
            content = next(g for g in match.groups() if g is not None).strip()
            if content and content not in texts and content not in found:
                texts.append(content)
        if not texts and request.strip():
            texts.append(request.strip())  # a request with nothing quoted is often itself the text to work on
        return cls(tuple(found), tuple(texts))

    def shown(self) -> dict[str, str]:
        """How each resource is written in an answer -> the resource itself."""
        out = {f: f for f in self.files}
        for text in self.texts:
            words = text.split()
            count = _SHORT_WORDS
            alias = text
            while len(words) > count + 2 and (alias == text or alias in out):
                alias = " ".join(words[:count]) + "..."
                count += 1
            out[alias if alias not in out else text] = text
        return out

    def kinds(self) -> dict[str, str | None]:
        """Each resource as written -> its kind: a file's by its extension (None when unknown), else text."""
        return {w: kind_of_file(full) if full in self.files else "text" for w, full in self.shown().items()}

    def resolve(self, written: str) -> str:
        """The resource an answer's argument stands for (an unknown argument is kept as written)."""
        shown = self.shown()
        if written in shown:
            return shown[written]
        stem = written.rstrip(". …").strip()
        if stem:
            match = [t for t in self.texts if t.startswith(stem)]
            if len(match) == 1:
                return match[0]
        return written


_SHORT_WORDS = 4


def _describe(text: str, limit: int) -> str:
    """The description's first sentences, up to `limit` characters (the first one at least, cut if longer)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept += " " + sentence
    return kept if len(kept) <= limit else kept[: limit - 3].rstrip() + "..."


def _tool_line(tool: Tool, limit: int) -> str:
    if tool.parameters:
        params = ", ".join(str(p.get("name", "?")) for p in tool.parameters)
        return f"- {tool.name}({params}): {_describe(tool.description, limit)}"
    inputs = ", ".join(tool.inputs) or "nothing"
    outputs = ", ".join(tool.outputs) or "nothing"
    return f"- {tool.name}: {_describe(tool.description, limit)} ({inputs} -> {outputs})"


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def _stem(word: str) -> str:
    # A crude stemmer: enough to match "transcribe"/"transcription", "images"/"image".
    for suffix in ("ation", "ing", "ion", "es", "ed", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class LlmToolPlanner:
    """Plans with a chat model (local, OpenAI-compatible or scripted).

    `max_nodes` bounds the plan; `top_k` limits the task names to the most relevant tools by a lexical
    score (None: all tools); `deadline_s` abandons a streamed answer that runs past it (PlanError), so a
    caller with a fallback keeps its latency bounded; `demos` replaces the built-in demonstrations.
    """

    name = "llm"

    def __init__(
        self,
        model: ChatModel,
        *,
        max_nodes: int = 6,
        top_k: int | None = None,
        deadline_s: float | None = None,
        demos: Sequence[Demo] | None = None,
        max_demos: int = 8,
        typed: bool = True,
        description_chars: int = 160,
    ) -> None:
        self.typed = typed
        self.description_chars = description_chars
        self.model = model
        self.max_nodes = max_nodes
        self.top_k = top_k
        self.deadline_s = deadline_s
        self.demos = tuple(DEMOS if demos is None else demos)
        self.max_demos = max_demos

    # --- the prompt ---------------------------------------------------------------------------------

    def prefix(self, tools: ToolSet) -> list[Message]:
        """The fixed part of the prompt for a tool set: system prompt and demonstrations."""
        api = tools.api_style
        lines = "\n".join(_tool_line(t, self.description_chars) for t in tools.tools)
        if api:
            answer = (
                'Answer with a JSON object {"nodes": [...], "links": [...]}. Each node is {"task": tool name, '
                '"arguments": [{"name": parameter name, "value": value}]}; a value may be "<node-k>", the output of '
                'node k (an earlier node). Each link {"source": tool, "target": tool} says that source runs first '
                "and feeds target."
            )
        else:
            answer = (
                'Answer with a JSON list of nodes, in the order they run. Each node is {"task": tool name, '
                '"arguments": [...]}; an argument is a file name or a quoted text from the request (a long text '
                'is written as its first words and "..."), or "<node-k>", the output of node k (an earlier node), '
                "when a tool works on what another produced."
            )
        system = (
            "You plan which tools to run for a user's request. Use only these tools:\n"
            f"{lines}\n\n{answer} Use as few tools as the request needs, each for a step the user asked for. "
            "Chain tools when one needs another's output (for example speech to text before translating it)."
        )
        messages: list[Message] = [{"role": "system", "content": system}]
        for demo in self._demos_for(tools):
            messages.append({"role": "user", "content": self._user_message(demo.request)})
            messages.append({"role": "assistant", "content": _answer_text(demo, api)})
        return messages

    def messages(self, request: str, tools: ToolSet) -> list[Message]:
        """The prompt: the fixed prefix, then the request last."""
        return [*self.prefix(tools), {"role": "user", "content": self._user_message(request)}]

    @staticmethod
    def _user_message(request: str) -> str:
        return f"Request: {request.strip()}"

    def _demos_for(self, tools: ToolSet) -> list[Demo]:
        names = set(tools.names)
        usable = [d for d in self.demos if d.nodes and all(n.get("task") in names for n in d.nodes)]
        if not usable:
            usable = [_generic_demo(tools)]
        return usable[: self.max_demos]

    # --- the schema ---------------------------------------------------------------------------------

    def schema(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> dict[str, Any]:
        """The JSON schema of an answer to this request (see the module's docstring)."""
        names = self.relevant_tools(request, tools)
        written = Resources.of(request, files).kinds()
        # Node i's schema is defined once and referred to by every list length that has an i-th node.
        defs = {f"node{i}": self._node_schema(i, names, tools, written) for i in range(self.max_nodes)}
        lengths = []
        for length in range(1, self.max_nodes + 1):
            items = [{"$ref": f"#/$defs/node{i}"} for i in range(length)]
            lengths.append({"type": "array", "prefixItems": items, "minItems": length, "maxItems": length})
        nodes: dict[str, Any] = lengths[0] if len(lengths) == 1 else {"anyOf": lengths}
        if not tools.api_style:
            return {"$defs": defs, **nodes}
        link = {
            "type": "object",
            "properties": {"source": {"enum": names}, "target": {"enum": names}},
            "required": ["source", "target"],
        }
        return {
            "$defs": defs,
            "type": "object",
            "properties": {"nodes": nodes, "links": {"type": "array", "items": link, "maxItems": 2 * self.max_nodes}},
            "required": ["nodes", "links"],
        }

    def _node_schema(
        self, i: int, names: list[str], tools: ToolSet, resources: dict[str, str | None]
    ) -> dict[str, Any]:
        """Node i's schema; `resources` maps each resource as written to its kind (None: any)."""
        refs = [f"<node-{k}>" for k in range(i)]
        if tools.api_style:
            value = {"anyOf": [{"enum": refs}, {"type": "string", "maxLength": 200}]} if refs else {"type": "string"}
            variants = []
            for name in names:
                tool = tools.get(name)
                params = [str(p.get("name")) for p in tool.parameters] if tool else []
                argument = {
                    "type": "object",
                    "properties": {"name": {"enum": params}, "value": value},
                    "required": ["name", "value"],
                }
                arguments = {"type": "array", "items": argument, "maxItems": len(params)} if params else _EMPTY
                variants.append(_object(task={"const": name}, arguments=arguments))
            return variants[0] if len(variants) == 1 else {"anyOf": variants}
        if self.typed:
            typed = []
            for name in names:
                tool = tools.get(name)
                kinds = tool.inputs if tool else ()
                slots = [[*(w for w, k in resources.items() if k in (kind, None)), *refs] for kind in kinds]
                if all(slots):  # a tool whose input cannot be given here is left out
                    items = [{"enum": slot} for slot in slots]
                    arguments = {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
                    typed.append(_object(task={"const": name}, arguments=arguments if items else _EMPTY))
            if typed:
                return typed[0] if len(typed) == 1 else {"anyOf": typed}
        allowed = [*resources, *refs]
        arguments = {"type": "array", "items": {"enum": allowed}, "minItems": 1, "maxItems": 3} if allowed else _EMPTY
        return _object(task={"enum": names}, arguments=arguments)

    def relevant_tools(self, request: str, tools: ToolSet) -> list[str]:
        """All tool names, or the `top_k` whose name and description share the most (idf-weighted) stems
        with the request, in the tool set's order."""
        if self.top_k is None or self.top_k >= len(tools.tools):
            return tools.names
        docs = [Counter(_stem(w) for w in _words(f"{t.name} {t.name} {t.description}")) for t in tools.tools]
        df = Counter(w for doc in docs for w in doc)
        query = {_stem(w) for w in _words(request)}
        scores = []
        for index, doc in enumerate(docs):
            total = sum(math.log(1 + len(docs) / df[w]) * (1 + math.log(doc[w])) for w in query if w in doc)
            scores.append((-total / math.sqrt(1 + sum(doc.values())), index))
        keep = sorted(index for _, index in sorted(scores)[: self.top_k])
        return [tools.tools[i].name for i in keep]

    # --- planning -----------------------------------------------------------------------------------

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        messages = self.messages(request, tools)
        schema = self.schema(request, tools, files)
        text = self._generate(messages, schema)
        return self.read(text, tools, request, files)

    def _generate(self, messages: list[Message], schema: dict[str, Any]) -> str:
        if self.deadline_s is None:
            return self.model.generate(messages, schema=schema).text
        end = time.monotonic() + self.deadline_s

        def check(_: str) -> None:
            if time.monotonic() > end:
                raise _OutOfTime

        try:
            return self.model.generate(messages, schema=schema, on_delta=check).text
        except _OutOfTime:
            raise PlanError(f"the model did not finish its plan within {self.deadline_s:g} s") from None
        except ControllerError as exc:
            raise PlanError(str(exc)) from exc

    def read(self, text: str, tools: ToolSet, request: str = "", files: Sequence[str] = ()) -> ToolGraph:
        """A valid graph from a model's answer to `request`, repaired where that is safe; PlanError when
        nothing is left."""
        data = extract_json(text)
        raw_links: Any = []
        if isinstance(data, dict):
            raw_links = data.get("links") or data.get("task_links") or []
            data = next(
                (data[k] for k in ("nodes", "task_nodes", "tasks", "plan") if isinstance(data.get(k), list)),
                [data] if "task" in data else [],
            )
        if not isinstance(data, list):
            raise PlanError("the answer is not a list of nodes")
        nodes = _repair_nodes(data, tools, self.max_nodes, Resources.of(request, files))
        if not nodes:
            raise PlanError("the answer names no tool of the tool set")
        links = _api_links(nodes, raw_links) if tools.api_style else list(ToolGraph.links_from_arguments(nodes))
        graph = ToolGraph(tuple(nodes), tuple(links))
        problems = graph_problems(graph, tools)
        if problems:  # the repairs above should make this unreachable; never hand back an invalid graph
            raise PlanError("; ".join(problems))
        return graph


class _OutOfTime(Exception):
    """Raised from the streaming callback to stop a model that runs past the deadline."""


_EMPTY: dict[str, Any] = {"type": "array", "maxItems": 0}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def _answer_text(demo: Demo, api: bool) -> str:
    """A plan as the model should write it (long texts shortened)."""
    written = {full: short for short, full in Resources.of(demo.request).shown().items()}
    nodes = [
        {
            "task": n["task"],
            "arguments": [written.get(a, a) if isinstance(a, str) else a for a in n.get("arguments", [])],
        }
        for n in demo.nodes
    ]
    if api:
        links = list(demo.links) or list(ToolGraph.links_from_arguments(nodes))
        return json.dumps({"nodes": nodes, "links": links}, ensure_ascii=False)
    return json.dumps(nodes, ensure_ascii=False)


def _generic_demo(tools: ToolSet) -> Demo:
    """A demonstration built from the tool set itself, for tool sets the built-in demos do not cover:
    two tools where the first one's output can feed the second, else the first tool alone."""
    linked = set(tools.links)
    first, second = tools.tools[0], None
    for a in tools.tools:
        b = next(
            (b for b in tools.tools if b is not a and ((a.name, b.name) in linked or set(a.outputs) & set(b.inputs))),
            None,
        )
        if b is not None:
            first, second = a, b
            break
    chosen = [first] if second is None else [first, second]
    if tools.api_style:
        nodes: list[dict[str, Any]] = []
        for i, tool in enumerate(chosen):
            args = [{"name": str(p.get("name")), "value": f"<node-{i - 1}>" if i else "value"} for p in tool.parameters]
            nodes.append({"task": tool.name, "arguments": args[:2]})
        request = " and then ".join(f"use {t.name}" for t in chosen)
        return Demo(f"Please {request}.", tuple(nodes))
    kind = first.inputs[0] if first.inputs else "text"
    value = {"image": "example.jpg", "audio": "example.wav", "video": "example.mp4"}.get(kind, "Hello world")
    shown = value if "." in value else f"'{value}'"
    nodes = [{"task": first.name, "arguments": [value]}]
    request = f"Please run {first.name} on {shown}"
    if second is not None:
        nodes.append({"task": second.name, "arguments": ["<node-0>"]})
        request += f", then {second.name} on its result"
    return Demo(request + ".", tuple(nodes))


def _match_tool(name: object, tools: ToolSet) -> str | None:
    """The tool a model meant: exact, then ignoring case and punctuation, then the closest spelling."""
    if not isinstance(name, str):
        return None
    if tools.get(name) is not None:
        return name
    folded = {_fold(n): n for n in tools.names}
    if _fold(name) in folded:
        return folded[_fold(name)]
    close = difflib.get_close_matches(_fold(name), list(folded), n=1, cutoff=0.85)
    return folded[close[0]] if close else None


def _fold(name: str) -> str:
    return "".join(_WORD.findall(name.lower()))


def _ref_of(value: object) -> int | None:
    match = _REF.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def _repair_nodes(raw: list[Any], tools: ToolSet, max_nodes: int, resources: Resources) -> list[dict[str, Any]]:
    """Known tools only, at most `max_nodes`, shortened texts written in full, no repeated argument, every
    reference to an earlier node (reordered when a reference points forward and the order can be fixed;
    dropped when it cannot)."""
    kept: list[tuple[str, list[tuple[str | None, str | int]]]] = []  # (tool, [(name, text or kept index)])
    position_to_kept: dict[int, int] = {}
    pending: list[tuple[str, list[Any]]] = []
    for position, item in enumerate(raw):
        task = _match_tool(item.get("task") or item.get("tool"), tools) if isinstance(item, dict) else None
        if task is not None:
            position_to_kept[position] = len(pending)
            pending.append((task, _argument_list(item.get("arguments", item.get("args", [])), tools.api_style)))
    for index, (task, arguments) in enumerate(pending):
        args: list[tuple[str | None, str | int]] = []
        for argument in arguments:
            name = str(argument.get("name", "")) if isinstance(argument, dict) else None
            value = argument.get("value") if isinstance(argument, dict) else argument
            if value is None or isinstance(value, (dict, list)):
                continue
            ref = _ref_of(value)
            if ref is None:
                args.append((name, resources.resolve(str(value))))
            elif (target := position_to_kept.get(ref)) is not None and target != index:
                args.append((name, target))  # references to dropped nodes or to the node itself go
        kept.append((task, args))
    order = _order([[v for _, v in args if isinstance(v, int)] for _, args in kept])
    new_index = {old: new for new, old in enumerate(order)}
    nodes: list[dict[str, Any]] = []
    for i, old in enumerate(order[:max_nodes]):
        out: list[Any] = []
        for name, value in kept[old][1]:
            if isinstance(value, int):
                if new_index[value] >= i:  # a cycle that reordering could not break, or a node cut off
                    continue
                value = f"<node-{new_index[value]}>"
            item = value if name is None else {"name": name, "value": value}
            if item not in out:
                out.append(item)
        nodes.append({"task": kept[old][0], "arguments": out})
    return nodes


def _argument_list(arguments: Any, api: bool) -> list[Any]:
    if isinstance(arguments, dict):  # {"image": "a.jpg"} or, in API domains, {"name": value}
        return [{"name": k, "value": v} for k, v in arguments.items()] if api else list(arguments.values())
    return arguments if isinstance(arguments, list) else [arguments]


def _order(deps: list[list[int]]) -> list[int]:
    """A dependency-respecting order, as close to the given one as possible; nodes in a cycle keep their
    place (their backward references are dropped by the caller)."""
    placed: list[int] = []
    done: set[int] = set()
    pending = list(range(len(deps)))
    while pending:
        ready = next((n for n in pending if all(d in done for d in deps[n])), None)
        if ready is None:  # a cycle: take the first pending node as it is
            ready = pending[0]
        pending.remove(ready)
        placed.append(ready)
        done.add(ready)
    return placed


def _api_links(nodes: list[dict[str, Any]], raw_links: Any) -> list[dict[str, str]]:
    """The model's links between tools in the graph, plus those its `<node-k>` values imply."""
    present = {n["task"] for n in nodes}
    links: list[dict[str, str]] = []
    candidates = raw_links if isinstance(raw_links, list) else []
    for link in [*candidates, *ToolGraph.links_from_arguments(nodes)]:
        if not isinstance(link, dict):
            continue
        source, target = link.get("source"), link.get("target")
        pair = {"source": str(source), "target": str(target)}
        if source in present and target in present and source != target and pair not in links:
            links.append(pair)
    return links
