"""Task plans: parse a controller reply, validate it, repair what is safe to repair.

A plan is the paper's JSON list `[{"task", "id", "dep", "args"}]`. `"<GENERATED>-k"` in an argument
means the output of task k; `dep: [-1]` means no dependency; `[]` means no task is needed. An invalid
plan raises `PlanError` whose message lists every problem, so the controller can fix them all at once.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.errors import PlanError
from hugginggpt.tasks import KINDS, TASK_TYPES, Kind, kind_of_file, normalize_task_name

GENERATED = re.compile(r"<GENERATED>-(-?\d+)", re.IGNORECASE)
DEFAULT_MAX_TASKS = 50


@dataclass(frozen=True)
class Task:
    id: int
    task: str
    dep: tuple[int, ...]
    args: dict[str, str]

    def references(self) -> Iterator[tuple[str, int]]:
        """(argument name, task id) for every `<GENERATED>-k` in the arguments."""
        for name, value in self.args.items():
            for match in GENERATED.finditer(value):
                yield name, int(match.group(1))

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "id": self.id, "dep": list(self.dep) or [-1], "args": dict(self.args)}


@dataclass(frozen=True)
class Plan:
    tasks: tuple[Task, ...]
    repairs: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.tasks)

    def by_id(self) -> dict[int, Task]:
        return {t.id: t for t in self.tasks}

    def order(self) -> list[Task]:
        """Tasks in a dependency-respecting order (validation guarantees there is one)."""
        ordered = _topological_order({t.id: t.dep for t in self.tasks})
        assert ordered is not None, "a validated plan has no cycle"
        tasks = self.by_id()
        return [tasks[i] for i in ordered]

    def to_json(self) -> list[dict[str, Any]]:
        return [t.to_dict() for t in self.tasks]


# --- parsing -------------------------------------------------------------------------------------

# Possessive quantifiers: an unclosed fence followed by much whitespace must not backtrack quadratically.
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*+\s*+(.*?)```", re.DOTALL)
_MAX_SPANS_TRIED = 32
# Characters examined (per chunk) while looking for balanced groups; a reply full of unclosed brackets
# would otherwise cost one scan to the end of the text per bracket.
_MAX_SCAN_STEPS = 1_000_000
_OBJECT_START = re.compile(r"(\[\s*)?\{\s*[\"']")
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}


def extract_json(text: str) -> Any:
    """The first JSON value (list or object) in a reply: bare, in a code fence, or inside prose.

    Tolerates what controllers often get wrong: single quotes, trailing commas, Python literals.
    """
    if not isinstance(text, str):
        raise PlanError(f"the reply must be text, got {type(text).__name__}")
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):  # the usual case, structured output: no scan needed
        try:
            return json.loads(stripped, strict=False)
        except (ValueError, RecursionError):
            pass
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    broken: str | None = None
    for chunk in candidates:
        tried = 0
        for start, end, balanced in _bracketed_spans(chunk):
            if balanced:
                value = _lenient_loads(chunk[start:end])
                if value is not None:
                    return value
                tried += 1
            if _OBJECT_START.match(chunk, start):
                broken = broken or chunk[start : min(end, start + 60)]
                if not balanced:
                    # An unclosed object or list of objects (say, a stray quote): what follows is
                    # likely inside it, and one of its tasks must not pass for the whole plan.
                    break
            # Bounded so that a long reply full of stray brackets cannot make parsing quadratic.
            if tried >= _MAX_SPANS_TRIED:
                break
    hint = f" (the text starting {broken!r} is not valid JSON)" if broken else ""
    raise PlanError(
        f"no JSON list of tasks was found in the reply{hint}; answer with a JSON list such as "
        '[{"task": "image-to-text", "id": 0, "dep": [-1], "args": {"image": "e1.jpg"}}], or [] when no '
        "task is needed"
    )


def _bracketed_spans(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, balanced) of top-level [...] or {...} groups, skipping brackets inside strings.

    Groups nested in a balanced group are not spans of their own: when a list of tasks is malformed,
    one of its tasks (or a `dep` list) must not be taken for the whole plan. An unbalanced group
    ends where the scan gave up.
    """
    budget = max(_MAX_SCAN_STEPS, 2 * len(text))
    i = 0
    while i < len(text) and budget > 0:
        if text[i] in "[{":
            end, scanned = _matching_end(text, i, budget)
            budget -= scanned
            if end is not None:
                yield i, end, True
                i = end
                continue
            yield i, i + scanned, False
        i += 1


def _matching_end(text: str, start: int, limit: int) -> tuple[int | None, int]:
    """(end of the group opened at `start` or None, characters examined); gives up after `limit`."""
    stack: list[str] = []
    quote: str | None = None
    i = start
    stop = min(len(text), start + limit)
    while i < stop:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif ch in "]}":
            if not stack or stack.pop() != ch:
                return None, i + 1 - start
            if not stack:
                return i + 1, i + 1 - start
        i += 1
    return None, max(i - start, 1)


def _lenient_loads(chunk: str) -> Any:
    try:
        return json.loads(chunk, strict=False)  # strict=False: raw newlines inside strings
    except (ValueError, RecursionError):
        pass
    try:
        return json.loads(_repair_json(chunk), strict=False)
    except (ValueError, RecursionError):
        return None


def _repair_json(text: str) -> str:
    """Rewrite single-quoted strings, trailing commas and Python literals into strict JSON."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j, chars = i + 1, []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    # \' is not a JSON escape; other pairs are kept whole (\\' is a backslash, a quote).
                    chars.append("'" if text[j + 1] == "'" else text[j : j + 2])
                    j += 2
                    continue
                chars.append('\\"' if text[j] == '"' else text[j])
                j += 1
            out.append('"' + "".join(chars) + '"')
            i = j + 1
        elif ch == ",":
            k = i + 1
            while k < n and text[k].isspace():
                k += 1
            if k < n and text[k] in "]}":
                i += 1  # trailing comma
            else:
                out.append(ch)
                i += 1
        elif ch.isalpha():
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            out.append(_PY_LITERALS.get(word, word))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# --- validation ----------------------------------------------------------------------------------


def parse_plan(
    reply: str,
    files: Collection[str] = (),
    *,
    max_tasks: int = DEFAULT_MAX_TASKS,
) -> Plan:
    """Parse and validate a controller reply into a Plan, or raise PlanError listing every problem.

    `files` are the resource names the user made available (uploads, earlier turns' outputs).
    """
    return validate_plan(task_list(extract_json(reply)), files, max_tasks=max_tasks)


def task_list(raw: Any) -> list[Any]:
    """The tasks of a parsed plan: a JSON list, {"tasks": [...]}, or one task object."""
    if isinstance(raw, dict):
        if isinstance(raw.get("tasks"), list):
            return list(raw["tasks"])
        if "task" in raw:
            return [raw]
        raise PlanError('expected a JSON list of tasks (or {"tasks": [...]}), got an object')
    if not isinstance(raw, list):
        raise PlanError(f"expected a JSON list of tasks, got {type(raw).__name__}")
    return raw


def validate_plan(raw: list[Any], files: Collection[str] = (), *, max_tasks: int = DEFAULT_MAX_TASKS) -> Plan:
    if len(raw) > max_tasks:
        raise PlanError(f"the plan has {len(raw)} tasks; at most {max_tasks} are allowed, merge or drop some")
    problems: list[str] = []
    repairs: list[str] = []
    drafts: list[tuple[int, str, list[int], dict[str, str]]] = []
    seen: set[int] = set()
    for position, item in enumerate(raw):
        draft = _read_task(item, position, problems)
        if draft is None:
            continue
        if draft[0] in seen:
            problems.append(f"task id {draft[0]} is used twice; give every task its own id")
            continue
        seen.add(draft[0])
        drafts.append(draft)

    produces = {tid: TASK_TYPES[name].produces for tid, name, _, _ in drafts}
    tasks: list[Task] = []
    for tid, name, dep, args in drafts:
        label = f"task {tid} ({name})"
        for key, value in args.items():
            refs = [m.group(1) for m in GENERATED.finditer(value)]
            for digits in refs:
                ref = _as_int(digits)
                if ref == tid:
                    problems.append(f"{label} uses its own output <GENERATED>-{ref}")
                elif ref is None or ref not in produces:
                    problems.append(f"{label} refers to <GENERATED>-{digits} but there is no task {digits}")
                elif key not in produces[ref]:
                    problems.append(
                        f"{label} needs {key} for '{key}' but task {ref} produces "
                        f"{' and '.join(produces[ref])}, not {key}"
                    )
                elif ref not in dep:
                    dep.append(ref)
                    repairs.append(f"added dependency {ref} to task {tid} because it uses <GENERATED>-{ref}")
            if not refs and key != "text":
                problems.extend(_check_resource(label, key, value, files))
        for d in dep:
            if d == tid:
                problems.append(f"{label} depends on itself")
            elif d not in produces:
                problems.append(f"{label} depends on task {d}, which does not exist")
        tasks.append(Task(id=tid, task=name, dep=tuple(dict.fromkeys(dep)), args=args))

    if not problems:
        graph = {t.id: t.dep for t in tasks}
        if _topological_order(graph) is None:
            cyclic = sorted(_cycle_members(graph))
            problems.append(f"tasks {cyclic} depend on each other in a cycle; dependencies must form a DAG")
    if problems:
        raise PlanError("the plan is invalid:\n" + "\n".join(f"- {p}" for p in problems))
    return Plan(tasks=tuple(tasks), repairs=tuple(repairs))


def _read_task(item: Any, position: int, problems: list[str]) -> tuple[int, str, list[int], dict[str, str]] | None:
    where = f"item {position}"
    if not isinstance(item, dict):
        problems.append(f"{where} is not an object with task, id, dep and args")
        return None
    name = item.get("task")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where} has no 'task' name")
        return None
    name = normalize_task_name(name)
    if name not in TASK_TYPES:
        close = difflib.get_close_matches(name, TASK_TYPES, n=2)
        hint = f" (did you mean {' or '.join(close)}?)" if close else f"; known tasks: {', '.join(TASK_TYPES)}"
        problems.append(f"{where}: unknown task '{name}'{hint}")
        return None
    tid = _as_int(item.get("id"))
    if tid is None or tid < 0:
        problems.append(f"{where} ({name}) needs a whole-number 'id' of 0 or more")
        return None
    label = f"task {tid} ({name})"
    dep_raw = item.get("dep", [])
    dep_items = dep_raw if isinstance(dep_raw, list) else [dep_raw]
    dep: list[int] = []
    for d in dep_items:
        value = _as_int(d)
        if value is None:
            problems.append(f"{label} has a dependency {d!r} that is not a task id")
        elif value != -1:
            dep.append(value)
    args_raw = item.get("args", {})
    if not isinstance(args_raw, dict):
        problems.append(f'{label}: \'args\' must be an object such as {{"text": "..."}}')
        return None
    spec = TASK_TYPES[name]
    args: dict[str, str] = {}
    for key, value in args_raw.items():
        key = str(key).strip().lower()
        if key not in spec.accepts:
            problems.append(f"{label} does not take '{key}'; it takes {', '.join(spec.accepts)}")
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            args[key] = str(value)
        else:
            problems.append(f"{label}: argument '{key}' must be a string")
    missing = [k for k in spec.requires if k not in args and k not in {str(a).lower() for a in args_raw}]
    if missing:
        problems.append(f"{label} needs {' and '.join(repr(m) for m in missing)} in its args")
    return tid, name, dep, args


def _check_resource(label: str, key: str, value: str, files: Collection[str]) -> list[str]:
    assert key in KINDS
    if value.startswith(("http://", "https://")):
        return []
    if value not in files:
        given = ", ".join(sorted(files)) or "none"
        return [f"{label} uses the file '{value}', which the user did not give (files: {given})"]
    kind: Kind | None = kind_of_file(value)
    if kind is not None and kind != key:
        return [f"{label} passes the {kind} file '{value}' as its '{key}'"]
    return []


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # At most 18 digits: int() refuses very long digit strings (ValueError), and no plan has such ids.
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    return None


def _topological_order(graph: dict[int, tuple[int, ...]]) -> list[int] | None:
    """Kahn's algorithm; None when there is a cycle. Ties keep the plan's own order."""
    indegree = {node: len(deps) for node, deps in graph.items()}
    dependents: dict[int, list[int]] = {node: [] for node in graph}
    for node, deps in graph.items():
        for d in deps:
            dependents[d].append(node)
    ready = deque(n for n in graph if indegree[n] == 0)
    order: list[int] = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for nxt in dependents[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return order if len(order) == len(graph) else None


def _cycle_members(graph: dict[int, tuple[int, ...]]) -> set[int]:
    """Nodes left after repeatedly removing nodes with no remaining dependencies or dependents."""
    remaining = dict(graph)
    changed = True
    while changed:
        changed = False
        users = {d for deps in remaining.values() for d in deps if d in remaining}
        for node in list(remaining):
            if not any(d in remaining for d in remaining[node]) or node not in users:
                del remaining[node]
                changed = True
    return set(remaining)
