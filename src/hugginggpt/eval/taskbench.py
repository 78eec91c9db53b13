"""TaskBench's planning metrics, a runner that measures a tool planner with them, and predictions in
TaskBench's own JSON Lines format.

The metrics follow TaskBench's evaluate.py (Shen et al., 2023). Per sample, gold and predicted items are
sets; true / false positives and false negatives are summed over samples (micro F1):
- node: tool names; names outside the tool set are ignored on both sides.
- edge: (source, target) tool-name pairs. Resource domains take them from `"<node-j>"` arguments (node j
  feeds the node that names it), API domains from `task_links`.
- argument name / value: "tool-name" and "tool-name-value" strings. In resource domains an argument's
  name is its content type (by file extension, else text; for `"<node-j>"` the first output type of node
  j's tool) and the value of a `"<node-j>"` argument is node j's tool name. In API domains arguments are
  `{"name", "value"}` objects taken as they are.
"""

from __future__ import annotations

import json
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugginggpt.errors import ConfigError, PlanError
from hugginggpt.eval.toolset import Sample, ToolSet, json_lines
from hugginggpt.planning.base import GivenToolsPlanner, ToolGraph, ToolPlanner, graph_problems

TYPES = ("single", "chain", "dag")
METRICS = ("node", "edge", "arg_name", "arg_value")
METRIC_LABELS = {"node": "node F1", "edge": "edge F1", "arg_name": "arg-name F1", "arg_value": "arg-value F1"}

# evaluate.py's extension lists, checked in this order as substrings (".au" and ".mp3" included).
_EXTENSIONS = (
    ("image", ("jpg", "png", "jpeg", "gif", "bmp", "tiff", "svg", "ico")),
    ("audio", ("mp3", "wav", "wma", "ogg", "aac", "flac", "aiff", "au")),
    ("video", ("mp4", "avi", "mov", "flv", "wmv", "mkv", "webm", "m4v", "mpg", "mpeg")),
)
_NODE_REF = re.compile(r"<node-(-?\d+)>")


# ---------------------------------------------------------------------------------------------------------
# metrics


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives of one metric."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @classmethod
    def of(cls, gold: Iterable[Any], predicted: Iterable[Any]) -> Counts:
        g, p = set(gold), set(predicted)
        return cls(len(g & p), len(p - g), len(g - p))

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """None when neither side has any item (e.g. edges of single-tool samples): nothing to measure."""
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None


@dataclass(frozen=True)
class MetricCounts:
    """The four metrics' counts over a group of samples."""

    samples: int = 0
    node: Counts = Counts()
    edge: Counts = Counts()
    arg_name: Counts = Counts()
    arg_value: Counts = Counts()

    def __add__(self, other: MetricCounts) -> MetricCounts:
        return MetricCounts(
            self.samples + other.samples,
            self.node + other.node,
            self.edge + other.edge,
            self.arg_name + other.arg_name,
            self.arg_value + other.arg_value,
        )

    def f1(self, metric: str) -> float | None:
        counts: Counts = getattr(self, metric)
        return counts.f1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"samples": self.samples}
        for metric in METRICS:
            counts: Counts = getattr(self, metric)
            out[metric] = {
                "f1": counts.f1,
                "precision": counts.precision,
                "recall": counts.recall,
                "tp": counts.tp,
                "fp": counts.fp,
                "fn": counts.fn,
            }
        return out


@dataclass(frozen=True)
class Scores:
    overall: MetricCounts
    by_type: dict[str, MetricCounts]  # single | chain | dag (and any other type the data names)

    @property
    def node_f1(self) -> float | None:
        return self.overall.node.f1

    @property
    def edge_f1(self) -> float | None:
        return self.overall.edge.f1

    @property
    def arg_name_f1(self) -> float | None:
        return self.overall.arg_name.f1

    @property
    def arg_value_f1(self) -> float | None:
        return self.overall.arg_value.f1

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.to_dict(), "by_type": {k: v.to_dict() for k, v in self.by_type.items()}}


@dataclass(frozen=True)
class _Parsed:
    """One graph reduced to what the metrics compare."""

    nodes: list[str]
    edges: list[tuple[str, str]]
    arg_names: list[str]
    arg_values: list[str]


def content_type(value: str) -> str:
    """evaluate.py's guess of an argument's type: a file extension anywhere in it, else text."""
    value = value.strip("'")
    for kind, extensions in _EXTENSIONS:
        if any("." + ext in value for ext in extensions):
            return kind
    return "text"


def _parse(nodes: Sequence[Any], links: Sequence[Any], tools: ToolSet) -> _Parsed:
    api = tools.api_style
    nodes = [n for n in nodes if isinstance(n, dict)]
    # Resource domains compare names with "_" read as " " (evaluate.py does; API names keep theirs).
    names = [str(n.get("task", "")) if api else str(n.get("task", "")).replace("_", " ") for n in nodes]
    edges: list[tuple[str, str]] = []
    arg_names: list[str] = []
    arg_values: list[str] = []
    if api:
        edges = [
            (str(link["source"]), str(link["target"]))
            for link in links
            if isinstance(link, dict) and "source" in link and "target" in link
        ]
        for name, node in zip(names, nodes, strict=True):
            for argument in _arguments(node):
                if isinstance(argument, dict) and "name" in argument:
                    arg_names.append(f"{name}-{argument['name']}")
                    arg_values.append(f"{name}-{argument['name']}-{argument.get('value')}")
        return _Parsed(names, edges, arg_names, arg_values)
    outputs = {t.name: (t.outputs[0] if t.outputs else "none") for t in tools.tools}
    for i, (name, node) in enumerate(zip(names, nodes, strict=True)):
        for argument in _arguments(node):
            text = _argument_text(argument)
            ref = _NODE_REF.search(text)
            if ref is None:
                kind, value = content_type(text), text
            else:
                j = int(ref.group(1))
                if j == i or not 0 <= j < len(names):  # a node feeding itself, or a node that is not there
                    continue
                kind, value = outputs.get(names[j], "other"), names[j]
                edges.append((names[j], name))
            arg_names.append(f"{name}-{kind}")
            arg_values.append(f"{name}-{kind}-{value}")
    return _Parsed(names, edges, arg_names, arg_values)


def _arguments(node: Mapping[str, Any]) -> list[Any]:
    arguments = node.get("arguments", [])
    return arguments if isinstance(arguments, list) else [arguments]


def _argument_text(argument: Any) -> str:
    """evaluate.py's reading of a resource argument: a dict by its first value, a list joined by spaces.
    Other values (numbers) are read as their text, where evaluate.py would fail on them."""
    if isinstance(argument, dict):
        argument = next(iter(argument.values()), "")
    if isinstance(argument, list):
        argument = " ".join(str(a) for a in argument)
    return argument if isinstance(argument, str) else str(argument)


def sample_counts(sample: Sample, predicted: ToolGraph | None, tools: ToolSet) -> MetricCounts:
    """The counts of one sample; a missing prediction is an empty graph."""
    gold = _parse(sample.task_nodes, sample.task_links, tools)
    pred = _parse(predicted.nodes, predicted.links, tools) if predicted is not None else _Parsed([], [], [], [])
    known = set(tools.names)
    return MetricCounts(
        samples=1,
        node=Counts.of((n for n in gold.nodes if n in known), (n for n in pred.nodes if n in known)),
        edge=Counts.of(gold.edges, pred.edges),
        arg_name=Counts.of(gold.arg_names, pred.arg_names),
        arg_value=Counts.of(gold.arg_values, pred.arg_values),
    )


def score(gold: Sequence[Sample], predicted: Mapping[str, ToolGraph | None], tools: ToolSet) -> Scores:
    """Micro F1s over `gold`, overall and per sample type; samples without a prediction count as empty."""
    overall = MetricCounts()
    by_type: dict[str, MetricCounts] = {}
    for sample in gold:
        counts = sample_counts(sample, predicted.get(sample.id), tools)
        overall += counts
        by_type[sample.type] = by_type.get(sample.type, MetricCounts()) + counts
    ordered = {t: by_type[t] for t in TYPES if t in by_type} | {t: c for t, c in by_type.items() if t not in TYPES}
    return Scores(overall, ordered)


# ---------------------------------------------------------------------------------------------------------
# the runner


@dataclass(frozen=True)
class Target:
    key: str  # a key of Report.metrics()
    label: str
    threshold: float
    at_least: bool  # True: the value must be >= threshold; False: <=

    def met(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.threshold if self.at_least else value <= self.threshold

    def describe(self) -> str:
        unit = {"latency_median_ms": " ms", "latency_p95_ms": " ms", "peak_rss_mb": " MB"}.get(self.key, "")
        shown = f"{self.threshold:.0%}" if self.key == "validity" else f"{self.threshold:g}{unit}"
        return f"{'>=' if self.at_least else '<='} {shown}"


TARGETS = (
    Target("node_f1", "node F1", 0.82, True),
    Target("edge_f1", "edge F1", 0.55, True),
    Target("arg_value_f1", "arg-value F1", 0.61, True),
    Target("validity", "valid plans", 1.0, True),
    Target("latency_median_ms", "median planning latency", 300.0, False),
    Target("latency_p95_ms", "p95 planning latency", 5000.0, False),
    Target("peak_rss_mb", "peak RSS", 1024.0, False),
)


@dataclass(frozen=True)
class Report:
    planner: str
    label: str  # which samples: dev, test, all, ...
    scores: Scores
    samples: int
    valid: int
    errors: int  # plan() raised
    invalid_graphs: int  # plan() returned a graph with problems
    latencies_ms: tuple[float, ...]
    peak_rss_mb: float
    predictions: dict[str, ToolGraph | None] = field(repr=False)  # None: no valid plan
    failures: dict[str, str] = field(default_factory=dict, repr=False)  # sample id -> why its plan is invalid
    oracle_nodes: bool = False  # the planner was given the gold tools

    @property
    def validity(self) -> float:
        return self.valid / self.samples if self.samples else 0.0

    @property
    def latency_median_ms(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None

    @property
    def latency_p95_ms(self) -> float | None:
        return percentile(self.latencies_ms, 0.95)

    def metrics(self) -> dict[str, float | None]:
        return {
            "node_f1": self.scores.node_f1,
            "edge_f1": self.scores.edge_f1,
            "arg_name_f1": self.scores.arg_name_f1,
            "arg_value_f1": self.scores.arg_value_f1,
            "validity": self.validity,
            "latency_median_ms": self.latency_median_ms,
            "latency_p95_ms": self.latency_p95_ms,
            "peak_rss_mb": self.peak_rss_mb,
        }

    def targets(self) -> dict[str, bool]:
        values = self.metrics()
        return {t.key: t.met(values[t.key]) for t in TARGETS}

    def to_dict(self) -> dict[str, Any]:
        values = self.metrics()
        return {
            "planner": self.planner,
            "split": self.label,
            "oracle_nodes": self.oracle_nodes,
            "samples": self.samples,
            "valid": self.valid,
            "errors": self.errors,
            "invalid_graphs": self.invalid_graphs,
            "metrics": values,
            "targets": {t.key: {"target": t.describe(), "met": t.met(values[t.key])} for t in TARGETS},
            "latency_ms": {
                "median": self.latency_median_ms,
                "p95": self.latency_p95_ms,
                "mean": statistics.fmean(self.latencies_ms) if self.latencies_ms else None,
                "max": max(self.latencies_ms, default=None),
            },
            "scores": self.scores.to_dict(),
            "failures": dict(self.failures),
        }


ProgressCallback = Callable[[int, int, MetricCounts], None]


def evaluate(
    planner: ToolPlanner,
    samples: Sequence[Sample],
    tools: ToolSet,
    *,
    on_progress: ProgressCallback | None = None,
    label: str = "",
    oracle_nodes: bool = False,
) -> Report:
    """Plan every sample's request, timing each call, and score the plans. A plan that raises or that
    `graph_problems` rejects (or that has no task: every TaskBench request needs one) is invalid and
    scored as an empty graph. `on_progress(done, total, running counts)` is called after each sample.
    `oracle_nodes`: the planner is given each sample's gold tools and only orders and wires them (a planner
    that cannot be told plans over a tool set of those tools alone)."""
    predictions: dict[str, ToolGraph | None] = {}
    failures: dict[str, str] = {}
    latencies: list[float] = []
    errors = invalid = 0
    running = MetricCounts()
    for done, sample in enumerate(samples, 1):
        graph: ToolGraph | None = None
        start = time.perf_counter()
        try:
            graph = _given_plan(planner, sample, tools) if oracle_nodes else planner.plan(sample.instruction, tools)
        except PlanError as exc:
            failures[sample.id] = f"no plan: {exc}"
        except Exception as exc:  # a planner bug must not end the whole evaluation; it is counted
            failures[sample.id] = f"{type(exc).__name__}: {exc}"
        latencies.append((time.perf_counter() - start) * 1000)
        if graph is None:
            errors += 1
        else:
            problems = graph_problems(graph, tools) if graph.nodes else ["the plan has no task"]
            if problems:
                invalid += 1
                failures[sample.id] = "invalid plan: " + "; ".join(problems)
                graph = None
        predictions[sample.id] = graph
        running += sample_counts(sample, graph, tools)
        if on_progress is not None:
            on_progress(done, len(samples), running)
    return Report(
        planner=str(getattr(planner, "name", type(planner).__name__)),
        label=label,
        scores=score(samples, predictions, tools),
        samples=len(samples),
        valid=len(samples) - errors - invalid,
        errors=errors,
        invalid_graphs=invalid,
        latencies_ms=tuple(latencies),
        peak_rss_mb=peak_rss_mb(),
        predictions=predictions,
        failures=failures,
        oracle_nodes=oracle_nodes,
    )


def _given_plan(planner: ToolPlanner, sample: Sample, tools: ToolSet) -> ToolGraph:
    names = list(dict.fromkeys(str(n["task"]) for n in sample.task_nodes if tools.get(str(n["task"])) is not None))
    if not names:
        raise PlanError("no gold tool of this sample is in the tool set")
    if isinstance(planner, GivenToolsPlanner):
        return planner.plan_with(sample.instruction, tools, names)
    given = tuple(t for t in tools.tools if t.name in names)
    return planner.plan(sample.instruction, ToolSet(given, tuple(k for k in tools.links if set(k) <= set(names))))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def format_report(report: Report) -> str:
    """A plain-text table: F1s by sample type and overall, validity, latency, memory, and the targets."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.2f}"

    head = (
        f"TaskBench evaluation: planner {report.planner}"
        + (f", {report.label} part" if report.label else "")
        + (", gold tools given (oracle nodes)" if report.oracle_nodes else "")
    )
    header = f"{'type':<8} {'samples':>7} " + " ".join(f"{METRIC_LABELS[m]:>12}" for m in METRICS)
    lines = [head, "", header, "-" * len(header)]
    rows = [*report.scores.by_type.items(), ("overall", report.scores.overall)]
    for name, counts in rows:
        lines.append(f"{name:<8} {counts.samples:>7} " + " ".join(f"{pct(counts.f1(m)):>12}" for m in METRICS))
    median, p95 = report.latency_median_ms, report.latency_p95_ms
    lines += [
        "",
        f"valid plans: {report.valid}/{report.samples} ({report.validity:.1%}); "
        f"{report.errors} raised, {report.invalid_graphs} invalid graphs",
        "planning latency: " + ("-" if median is None or p95 is None else f"median {median:.1f} ms, p95 {p95:.1f} ms"),
        f"peak RSS: {report.peak_rss_mb:.0f} MB",
        "",
        f"{'target':<24} {'wanted':>12} {'measured':>12}  met",
    ]
    values = report.metrics()
    for target in TARGETS:
        value = values[target.key]
        if value is None:
            shown = "-"
        elif target.key.endswith("_f1"):
            shown = pct(value)
        elif target.key == "validity":
            shown = f"{value:.1%}"
        else:
            shown = f"{value:.1f}"
        wanted = target.describe()
        if target.key.endswith("_f1"):
            wanted = f">= {target.threshold * 100:.0f}"
        lines.append(f"{target.label:<24} {wanted:>12} {shown:>12}  {'yes' if target.met(value) else 'NO'}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# predictions in TaskBench's format


def write_predictions(path: Path, samples: Sequence[Sample], predictions: Mapping[str, ToolGraph | None]) -> None:
    """One JSON line per sample, in the samples' order: `{"id", "task_nodes", "task_links"}` (an invalid or
    missing plan is an empty graph). The same graph is repeated under `result`, where TaskBench's
    evaluate.py reads predictions."""
    with path.open("w", encoding="utf-8") as out:
        for sample in samples:
            graph = predictions.get(sample.id) or ToolGraph(())
            links = list(graph.links or ToolGraph.links_from_arguments(graph.nodes))
            nodes = list(graph.nodes)
            row = {
                "id": sample.id,
                "task_nodes": nodes,
                "task_links": links,
                "result": {"task_steps": [], "task_nodes": nodes, "task_links": links},
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_predictions(path: Path) -> dict[str, ToolGraph | None]:
    """Predictions from a JSON Lines file, flat (`task_nodes` at the top) or under `result`; an empty
    graph reads as None (no plan)."""
    out: dict[str, ToolGraph | None] = {}
    for number, line in json_lines(path):
        try:
            row = json.loads(line)
            body: dict[str, Any] = row if "task_nodes" in row else row.get("result", {})
            nodes = tuple(body.get("task_nodes") or ())
            links = tuple(body.get("task_links") or ())
            out[str(row["id"])] = ToolGraph(nodes, links) if nodes else None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{path} line {number} is not a prediction: {exc}") from exc
    return out
