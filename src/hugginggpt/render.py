"""How the terminal shows a run: progress on stderr, the answer streamed on stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from hugginggpt.events import (
    AnswerDelta,
    Event,
    EventSink,
    ModelChosen,
    PlanReady,
    PlanRejected,
    RunFailed,
    RunFinished,
    StageStarted,
    TaskFailed,
    TaskFinished,
    TaskRetried,
    TaskSkipped,
    TaskStarted,
)

_STAGES = {"plan": "planning", "select": "choosing models", "execute": "running tasks", "respond": "answering"}


def plan_tree(tasks: Sequence[dict[str, Any]]) -> Tree:
    """Tasks as a tree: each task under the tasks it depends on (a task with several deps shows under
    each of them); tasks with no dependency hang from the root."""
    root = Tree("[bold]plan[/]" if tasks else "[bold]plan[/]: no task needed, answering directly")
    children: dict[int, list[dict[str, Any]]] = {}
    for task in tasks:
        for dep in [d for d in task["dep"] if d != -1] or [-1]:
            children.setdefault(dep, []).append(task)

    def add(parent: Tree, node: int, depth: int) -> None:
        for task in children.get(node, []):
            args = ", ".join(f"{k}={escape(v)}" for k, v in task["args"].items())
            branch = parent.add(f"[cyan]#{task['id']}[/] [bold]{task['task']}[/]  {args}")
            if depth < 50:
                add(branch, task["id"], depth + 1)

    add(root, -1, 0)
    return root


@dataclass
class ProgressPrinter:
    """An event sink for the terminal."""

    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True))
    out: TextIO = field(default_factory=lambda: sys.stdout)
    _answer_started: bool = False

    def __call__(self, event: Event) -> None:
        e = self.err
        match event:
            case StageStarted(stage=stage):
                e.print(f"[dim]── {_STAGES.get(stage, stage)}[/]")
            case PlanRejected(attempt=attempt, error=error):
                e.print(f"[yellow]plan attempt {attempt} rejected, asking again:[/] {escape(error)}")
            case PlanReady(tasks=tasks, repairs=repairs):
                e.print(plan_tree(tasks))
                for repair in repairs:
                    e.print(f"[dim]repaired: {escape(repair)}[/]")
            case ModelChosen(task_id=tid, task=task, model=model, reason=reason, fallback=fallback):
                colour = "yellow" if fallback or model is None else "green"
                e.print(
                    f"[cyan]#{tid}[/] {task} → [{colour}]{escape(model or 'no model')}[/]  [dim]{escape(reason)}[/]"
                )
            case TaskStarted(task_id=tid, task=task, model=model):
                e.print(f"[blue]▶[/] [cyan]#{tid}[/] {task} [dim]({escape(model)})[/]")
            case TaskFinished(task_id=tid, task=task, seconds=seconds, text=text, files=files):
                detail = " ".join(files) or (text or "")[:100].replace("\n", " ")
                e.print(f"[green]✓[/] [cyan]#{tid}[/] {task} [dim]{seconds:.2f}s[/] {escape(detail)}")
            case TaskFailed(task_id=tid, task=task, seconds=seconds, error=error):
                e.print(f"[red]✗[/] [cyan]#{tid}[/] {task} [dim]{seconds:.2f}s[/] [red]{escape(error)}[/]")
            case TaskRetried(task_id=tid, task=task, attempt=attempt, error=error):
                e.print(f"[yellow]↻[/] [cyan]#{tid}[/] {task} retry {attempt}: {escape(error)}")
            case TaskSkipped(task_id=tid, task=task, reason=reason):
                e.print(f"[yellow]↷[/] [cyan]#{tid}[/] {task} skipped: {escape(reason)}")
            case AnswerDelta(text=text):
                self._answer_started = True
                self.out.write(text)
                self.out.flush()
            case RunFinished(answer=answer, run_dir=run_dir, seconds=seconds):
                if not self._answer_started:
                    self.out.write(answer)
                self.out.write("\n")
                self.out.flush()
                self._answer_started = False
                e.print(f"[dim]run folder: {run_dir}/  ({seconds:.2f}s)[/]")
            case RunFailed(error=error, run_dir=run_dir):
                e.print(f"[red]run failed:[/] {escape(error)}\n[dim]trace: {run_dir}/trace.json[/]")


def json_lines(out: TextIO) -> EventSink:
    """An event sink that writes each event as one JSON line (for scripts)."""

    def sink(event: Event) -> None:
        out.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
        out.flush()

    return sink
