"""The default tool planner: the fast planner answers when it is confident, the LLM plans the rest.

The fast planner takes milliseconds; the local LLM takes seconds, so it may see only a minority of the
requests for the median latency to stay low. A request goes to the LLM when the fast planner's
confidence is under `threshold` (tuned on TaskBench's development split), with the fast plan shown as a
draft, and under a deadline; if the LLM fails, is too slow, or gives nothing usable, the fast plan is
returned. Every graph returned is valid, since both planners only return valid graphs and this one
checks again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hugginggpt.errors import ControllerError, PlanError
from hugginggpt.eval.toolset import ToolSet
from hugginggpt.llm.base import ChatModel
from hugginggpt.planning.base import ToolGraph, graph_problems
from hugginggpt.planning.llm import LlmToolPlanner

# Chosen on the development split (see the project's notes on the planners): under it the LLM sees about a
# third of the requests, so the median stays the fast planner's.
DEFAULT_THRESHOLD = 0.5
# The LLM's share of the p95 latency target (5 s): an answer still streaming after this is abandoned.
DEFAULT_DEADLINE_S = 4.5


class ConfidentPlanner(Protocol):
    name: str

    def plan_with_confidence(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> tuple[ToolGraph, float]:
        """A valid graph and how sure the planner is of it (0..1); PlanError when there is none."""
        ...


@dataclass
class HybridStats:
    """How the requests were answered (for reports); updated under the planner's lock."""

    fast: int = 0
    llm: int = 0
    fallback: int = 0  # sent to the LLM, answered by the fast plan


@dataclass
class HybridPlanner:
    fast: ConfidentPlanner
    llm: LlmToolPlanner
    threshold: float = DEFAULT_THRESHOLD
    hint: bool = True  # show the fast plan to the LLM as a draft
    name: str = "hybrid"
    stats: HybridStats = field(default_factory=HybridStats)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def default(cls, model: ChatModel) -> HybridPlanner:
        from hugginggpt.planning.fast import FastPlanner

        return cls(FastPlanner.default(), LlmToolPlanner(model, deadline_s=DEFAULT_DEADLINE_S))

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        guess: ToolGraph | None = None
        try:
            guess, confidence = self.fast.plan_with_confidence(request, tools, files)
        except PlanError:
            confidence = 0.0
        if guess is not None and confidence >= self.threshold:
            self._count("fast")
            return guess
        try:
            graph = self.llm.plan(request, tools, files, hint=guess if self.hint else None)
        except (PlanError, ControllerError):
            if guess is None:
                raise
            self._count("fallback")
            return guess
        if graph.nodes and not graph_problems(graph, tools):
            self._count("llm")
            return graph
        if guess is None:
            raise PlanError("neither planner found a valid graph")
        self._count("fallback")
        return guess

    def _count(self, how: str) -> None:
        with self._lock:
            setattr(self.stats, how, getattr(self.stats, how) + 1)
