"""What a tool planner is and what it returns: a tool graph in TaskBench's format, over any tool set."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from hugginggpt.eval.toolset import ToolSet

NODE_REF = re.compile(r"<node-(\d+)>")


@dataclass(frozen=True)
class ToolGraph:
    """`nodes`: [{"task": tool name, "arguments": [...]}]; an argument is a file name, a text, or
    "<node-k>" (node k's output); in API domains it is {"name", "value"}. `links`: [{"source",
    "target"}] by tool name."""

    nodes: tuple[dict[str, Any], ...]
    links: tuple[dict[str, str], ...] = ()

    def to_json(self, sample_id: str) -> dict[str, Any]:
        return {"id": sample_id, "task_nodes": list(self.nodes), "task_links": list(self.links)}

    @staticmethod
    def links_from_arguments(nodes: Sequence[dict[str, Any]]) -> tuple[dict[str, str], ...]:
        """Resource domains: node j feeds node i when i's arguments mention "<node-j>"."""
        links = []
        for node in nodes:
            for value in _argument_values(node):
                for match in NODE_REF.finditer(value):
                    j = int(match.group(1))
                    if 0 <= j < len(nodes):
                        links.append({"source": nodes[j]["task"], "target": node["task"]})
        return tuple(links)


class ToolPlanner(Protocol):
    name: str

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        """A valid tool graph for `request` (see `graph_problems`); raise PlanError when there is none.
        `files` are resources given beside the request (TaskBench names them in the request itself)."""
        ...


@runtime_checkable
class GivenToolsPlanner(Protocol):
    """A planner that can be told which tools the plan uses and decides only their order and wiring: the
    oracle-nodes measurement (`eval taskbench --oracle-nodes`), which splits a planner's loss between
    choosing tools and wiring them."""

    def plan_with(self, request: str, tools: ToolSet, names: Sequence[str], files: Sequence[str] = ()) -> ToolGraph:
        """A valid graph over exactly the tools `names` (each once)."""
        ...


def graph_problems(graph: ToolGraph, tools: ToolSet) -> list[str]:
    """Why a graph is not a valid plan over `tools` (empty when it is): unknown tools, references to
    nodes that do not come earlier, links between nodes that are not in the graph."""
    problems: list[str] = []
    names = set(tools.names)
    for i, node in enumerate(graph.nodes):
        if node.get("task") not in names:
            problems.append(f"node {i}: unknown tool {node.get('task')!r}")
        if not isinstance(node.get("arguments", []), list):
            problems.append(f"node {i}: arguments must be a list")
            continue
        for value in _argument_values(node):
            for match in NODE_REF.finditer(value):
                if not 0 <= int(match.group(1)) < i:
                    problems.append(f"node {i}: {match.group(0)} is not an earlier node")
    present = {n.get("task") for n in graph.nodes}
    for link in graph.links:
        if link.get("source") not in present or link.get("target") not in present:
            problems.append(f"link {link} joins tools that are not in the graph")
    return problems


def _argument_values(node: dict[str, Any]) -> list[str]:
    values = []
    for argument in node.get("arguments", []) or []:
        value = argument.get("value") if isinstance(argument, dict) else argument
        values.append(str(value))
    return values
