"""The request benchmark: everyday requests with gold plans (`data/requests/`), scored by role.

Two plans are the same when there is a one-to-one matching of their tasks under which every task has
the same type, depends on the matched tasks and gets the same arguments *by role*: the same files and
earlier outputs, the same content, the same question (its content words), labels (as a set), languages,
effect (as the image filter reads it), OCR-or-caption mode and sentences to compare; a prompt matches
when it keeps the gold prompt's content words. See docs/request_benchmark.md.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hugginggpt.errors import ConfigError, PlanError
from hugginggpt.experts.offline.text import LANGUAGES
from hugginggpt.experts.offline.vision import choose_operation
from hugginggpt.plan import GENERATED
from hugginggpt.roles import split_roles

SPLITS = ("train", "test")
_PROMPT_TASKS = {"text-generation", "conversational", "text-to-image", "text-to-video", "text2text-generation"}
_QUESTION_TASKS = {"visual-question-answering", "document-question-answering"}
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "and",
        "or",
        "in",
        "on",
        "for",
        "with",
        "from",
        "by",
        "into",
        "as",
        "is",
        "are",
        "be",
        "it",
        "this",
        "that",
        "me",
        "my",
        "you",
        "your",
        "please",
        "pls",
        "can",
        "could",
        "would",
        "will",
        "i",
        "what",
        "whats",
        "which",
        "who",
        "how",
        "do",
        "does",
        "did",
        "about",
        "some",
    ]
)
_NAMES = {n.lower(): code for code, names in LANGUAGES.items() for n in names}


@dataclass(frozen=True)
class RequestCase:
    id: str
    split: str
    request: str
    files: tuple[str, ...]
    plan: tuple[dict[str, Any], ...]
    facts: tuple[str, ...] = ()
    e2e: bool = True


def data_dir() -> Path:
    return Path(str(resources.files("hugginggpt") / "data" / "requests"))


def load_cases(split: str = "test", folder: Path | None = None) -> list[RequestCase]:
    """The records of one part (`train`, `test`) or of both (`all`)."""
    folder = folder or data_dir()
    parts = SPLITS if split == "all" else (split,)
    cases: list[RequestCase] = []
    for part in parts:
        path = folder / f"{part}.jsonl"
        if not path.is_file():
            raise ConfigError(f"the request benchmark's {part} part is missing: {path}")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                cases.append(
                    RequestCase(
                        str(r["id"]),
                        part,
                        str(r["request"]),
                        tuple(r.get("files", [])),
                        tuple(r["plan"]),
                        tuple(r.get("facts", [])),
                        bool(r.get("e2e", True)),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number} is not a request record ({exc})") from exc
    return cases


# -- comparison by role ----------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    # "what's" and "whats" are one word: the apostrophe's 's is dropped, "whats" is a stop word
    # and a plural or third-person -s is no other word ("says" and "say", "cats" and "cat")
    text = re.sub(r"['’]s\b", "", text.lower())
    return {
        (w[:-1] if len(w) > 3 and w.endswith("s") else w)[:6] for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP
    }


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s<>-]", " ", text.lower()).split())


def _content(value: str, mapping: dict[int, int] | None) -> str:
    refs = GENERATED.findall(value)
    if refs and GENERATED.sub("", value).strip() == "":
        k = int(refs[0])
        return f"<ref {mapping.get(k, -1) if mapping is not None else k}>"
    return _norm(value)


def _language(name: str | None) -> str | None:
    return _NAMES.get(name.strip().lower(), name.strip().lower()) if name else None


def _close(gold: str, predicted: str, share: float) -> bool:
    """Whether `predicted` keeps at least `share` of `gold`'s content words."""
    want = _words(gold)
    return not want or len(want & _words(predicted)) >= share * len(want)


def args_match(task: str, predicted: dict[str, Any], gold: dict[str, Any], mapping: dict[int, int]) -> bool:
    """Whether a predicted task's arguments fill the gold task's roles (`mapping`: predicted id -> gold id)."""
    for kind in ("image", "audio", "video"):
        if (kind in predicted) != (kind in gold):
            return False
        if kind in gold and _content(str(predicted[kind]), mapping) != _content(str(gold[kind]), None):
            return False
    p_text, g_text = str(predicted.get("text", "")), str(gold.get("text", ""))
    if task == "image-to-text":
        return _ocr_mode(p_text) == _ocr_mode(g_text)
    if task == "image-to-image":
        return choose_operation(p_text)[0].name == choose_operation(g_text)[0].name
    if task in _QUESTION_TASKS:
        return _close(g_text, p_text, 0.6)
    if task == "text2text-generation" and "\n" in g_text:
        # "<instruction>\n<content>": the content exactly, the instruction in the request's words
        (g_order, g_body), (p_order, p_body) = (t.split("\n", 1) for t in (g_text, p_text + "\n"))
        return _content(p_body.strip(), mapping) == _content(g_body.strip(), None) and _close(g_order, p_order, 0.6)
    p_roles, p_content = split_roles(p_text)
    g_roles, g_content = split_roles(g_text)
    if task == "sentence-similarity":
        return {_norm(s) for s in p_text.splitlines() if s.strip()} == {
            _norm(s) for s in g_text.splitlines() if s.strip()
        }
    if {k for k, v in p_roles.items() if v} != {k for k, v in g_roles.items() if v}:
        return False
    if "labels" in g_roles and {_norm(x) for x in p_roles["labels"].split(",")} != {
        _norm(x) for x in g_roles["labels"].split(",")
    }:
        return False
    for role in ("target", "source"):
        if role in g_roles and _language(p_roles.get(role)) != _language(g_roles[role]):
            return False
    if "question" in g_roles and not _close(g_roles["question"], p_roles.get("question", ""), 0.6):
        return False
    if task in _PROMPT_TASKS and not GENERATED.search(g_content):
        return _close(g_content, p_content, 0.75)
    return _content(p_content, mapping) == _content(g_content, None)


def _ocr_mode(text: str) -> str:
    return "read" if re.search(r"\b(?:read|text|ocr|written|words)\b", text.lower()) else "describe"


@dataclass(frozen=True)
class Comparison:
    exact: bool
    matched_types: int  # tasks of the same type under the best matching (node F1's true positives)
    args_right: int  # gold tasks matched with their arguments right


def compare(predicted: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]]) -> Comparison:
    types = Counter(t["task"] for t in predicted) & Counter(t["task"] for t in gold)
    matched_types = sum(types.values())
    g_ids = [int(t["id"]) for t in gold]
    p_ids = [int(t["id"]) for t in predicted]
    best_args, exact = 0, False
    if len(predicted) <= 7 and len(gold) <= 7:
        size = min(len(p_ids), len(g_ids))
        for chosen in itertools.permutations(p_ids, size):
            mapping = dict(zip(chosen, g_ids, strict=False))
            right, same = _score(predicted, gold, mapping)
            best_args = max(best_args, right)
            exact = exact or (same and len(predicted) == len(gold))
            if exact:
                break
    return Comparison(exact, matched_types, best_args)


def _score(
    predicted: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]], mapping: dict[int, int]
) -> tuple[int, bool]:
    by_id = {int(t["id"]): t for t in gold}
    right, same = 0, True
    for task in predicted:
        pid = int(task["id"])
        if pid not in mapping:
            same = False
            continue
        g = by_id[mapping[pid]]
        if g["task"] != task["task"]:
            same = False
            continue
        deps = {mapping.get(int(d), -2) for d in task.get("dep", []) if int(d) >= 0}
        if args_match(task["task"], task.get("args", {}), g.get("args", {}), mapping):
            right += 1
            same = same and deps == {int(d) for d in g.get("dep", []) if int(d) >= 0}
        else:
            same = False
    return right, same


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: RequestCase
    predicted: list[dict[str, Any]] | None
    comparison: Comparison
    plan_ms: float
    error: str | None = None
    answer: str | None = None
    missing_facts: list[str] = field(default_factory=list)
    run_s: float | None = None

    @property
    def e2e_passed(self) -> bool:
        return self.answer is not None and not self.missing_facts


@dataclass
class RequestReport:
    results: list[CaseResult]

    def figures(self) -> dict[str, Any]:
        results = self.results
        gold_nodes = sum(len(r.case.plan) for r in results)
        pred_nodes = sum(len(r.predicted or []) for r in results)
        tp = sum(r.comparison.matched_types for r in results)
        precision = tp / pred_nodes if pred_nodes else 0.0
        recall = tp / gold_nodes if gold_nodes else 0.0
        ran = [r for r in results if r.answer is not None or (r.case.e2e and r.run_s is not None)]
        figures: dict[str, Any] = {
            "requests": len(results),
            "plan_exact": _share(sum(r.comparison.exact for r in results), len(results)),
            "node_f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
            "args_accuracy": _share(sum(r.comparison.args_right for r in results), gold_nodes),
            "e2e_pass": _share(sum(r.e2e_passed for r in ran), len(ran)) if ran else None,
            "e2e_runs": len(ran),
            "median_plan_ms": round(statistics.median(r.plan_ms for r in results), 2) if results else None,
            "p95_plan_ms": round(_percentile([r.plan_ms for r in results], 95), 2) if results else None,
        }
        if ran:
            figures["median_run_s"] = round(statistics.median(r.run_s or 0.0 for r in ran), 2)
        return figures


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


Planner = Callable[[str, Sequence[str]], list[dict[str, Any]]]


def plan_cases(planner: Planner, cases: Sequence[RequestCase]) -> list[CaseResult]:
    results = []
    for case in cases:
        start = time.perf_counter()
        try:
            predicted: list[dict[str, Any]] | None = planner(case.request, case.files)
            error = None
        except PlanError as exc:
            predicted, error = None, str(exc)
        ms = (time.perf_counter() - start) * 1000
        comparison = compare(predicted or [], case.plan) if predicted is not None else Comparison(not case.plan, 0, 0)
        results.append(CaseResult(case, predicted, comparison, ms, error))
    return results


def missing_facts(answer: str, facts: Sequence[str]) -> list[str]:
    lowered = answer.lower()
    return [f for f in facts if not any(alt.strip().lower() in lowered for alt in f.split("|") if alt.strip())]
