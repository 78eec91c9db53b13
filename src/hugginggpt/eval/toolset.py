"""TaskBench's data: a tool set (names, descriptions, input and output types), samples (a request and
its gold tool graph), and a fixed development / test split.

Formats (TaskBench's own): `tool_desc.json` is `{"nodes": [{"id", "desc", "input-type", "output-type",
"parameters"?}]}`; `graph_desc.json` adds `"links": [{"source", "target"}]`; `data.json` has one sample
per line: `{"id", "type", "instruction", "task_nodes": [{"task", "arguments"}], "task_links": [...]}`.
A prediction has the same `task_nodes` / `task_links` shape, with `"<node-k>"` for node k's output.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugginggpt.errors import ConfigError
from hugginggpt.tasks import TASK_TYPES


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    inputs: tuple[str, ...]  # resource domains: kinds such as "text", "image"
    outputs: tuple[str, ...]
    parameters: tuple[dict[str, Any], ...] = ()  # API domains: [{"name", "type", "desc"}]


@dataclass(frozen=True)
class ToolSet:
    tools: tuple[Tool, ...]
    links: tuple[tuple[str, str], ...] = ()  # (source, target): source's output can feed target

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tools]

    def get(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    @property
    def api_style(self) -> bool:
        """True for API domains, whose arguments are {"name", "value"} objects."""
        return any(t.parameters for t in self.tools)

    @classmethod
    def load(cls, folder: Path) -> ToolSet:
        desc = _read_json(folder / "tool_desc.json")
        tools = tuple(_tool(node) for node in desc.get("nodes", []))
        links: tuple[tuple[str, str], ...] = ()
        graph_path = folder / "graph_desc.json"
        if graph_path.is_file():
            graph = _read_json(graph_path)
            links = tuple((str(link["source"]), str(link["target"])) for link in graph.get("links", []))
        if not tools:
            raise ConfigError(f"{folder / 'tool_desc.json'} lists no tools")
        return cls(tools, links)

    @classmethod
    def of_task_types(cls) -> ToolSet:
        """HuggingGPT's own 24 task types as a tool set (the embedded controller plans over these)."""
        return cls(tuple(Tool(t.name, t.description, tuple(t.accepts), tuple(t.produces)) for t in TASK_TYPES.values()))


@dataclass(frozen=True)
class Sample:
    id: str
    type: str  # single | chain | dag
    instruction: str
    task_nodes: tuple[dict[str, Any], ...]
    task_links: tuple[dict[str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def json_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The non-empty lines of a JSON Lines file with their numbers; an unreadable file is a ConfigError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return ((number, line) for number, line in enumerate(lines, 1) if line.strip())


def load_samples(path: Path) -> tuple[list[Sample], list[str]]:
    """Samples from a JSON Lines file, and a note for each line that could not be used (the published
    data has noise: broken lines, a duplicated id)."""
    samples: list[Sample] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for number, line in json_lines(path):
        try:
            row = json.loads(line)
            sample = Sample(
                id=str(row["id"]),
                type=str(row.get("type") or _type_of(row["task_nodes"], row.get("task_links", []))),
                instruction=str(row["instruction"]),
                task_nodes=tuple(_node(n) for n in row["task_nodes"]),
                task_links=tuple(
                    {"source": str(k["source"]), "target": str(k["target"])} for k in row.get("task_links") or []
                ),
                extra={
                    k: v for k, v in row.items() if k not in ("id", "type", "instruction", "task_nodes", "task_links")
                },
            )
        except (ValueError, KeyError, TypeError) as exc:
            skipped.append(f"line {number}: unreadable ({type(exc).__name__}: {exc})")
            continue
        if sample.id in seen:
            skipped.append(f"line {number}: duplicate id {sample.id}")
            continue
        seen.add(sample.id)
        samples.append(sample)
    return samples, skipped


def split_samples(
    samples: list[Sample], test_fraction: float = 0.3, seed: str = "hugginggpt"
) -> tuple[list[Sample], list[Sample]]:
    """A fixed development / test split: each sample goes by a hash of (seed, id), so the split does not
    depend on the order or the number of samples."""
    dev: list[Sample] = []
    test: list[Sample] = []
    for sample in samples:
        digest = hashlib.sha256(f"{seed}:{sample.id}".encode()).digest()
        (test if int.from_bytes(digest[:8], "big") / 2**64 < test_fraction else dev).append(sample)
    return dev, test


def _tool(node: dict[str, Any]) -> Tool:
    return Tool(
        name=str(node["id"]),
        description=str(node.get("desc", "")),
        inputs=tuple(str(x) for x in node.get("input-type", [])),
        outputs=tuple(str(x) for x in node.get("output-type", [])),
        parameters=tuple(node.get("parameters", [])),
    )


def _node(node: Any) -> dict[str, Any]:
    if not isinstance(node, dict) or "task" not in node:
        raise TypeError("a task node must be an object with a task")
    arguments = node.get("arguments", [])
    return {"task": str(node["task"]), "arguments": arguments if isinstance(arguments, list) else [arguments]}


def _type_of(nodes: list[Any], links: list[Any]) -> str:
    if len(nodes) <= 1:
        return "single"
    return "chain" if len(links) == len(nodes) - 1 else "dag"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return data
