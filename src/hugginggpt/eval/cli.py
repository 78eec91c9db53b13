"""`hugginggpt eval`: measure planners on benchmark data."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import click

from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError
from hugginggpt.eval.taskbench import (
    MetricCounts,
    ProgressCallback,
    Report,
    evaluate,
    format_report,
    write_predictions,
)
from hugginggpt.eval.toolset import Sample, ToolSet, load_samples, split_samples
from hugginggpt.planning.base import ToolGraph, ToolPlanner

if TYPE_CHECKING:
    from hugginggpt.eval.requests import CaseResult

CONTROLLERS = ("fast", "llm", "openai", "scripted")


@runtime_checkable
class _HasSettings(Protocol):
    """The main group's context object (hugginggpt.cli.Options), named by shape to avoid an import cycle."""

    def settings(self) -> Settings: ...


def build_tool_planner(name: str, settings: Settings) -> ToolPlanner:
    """The planner a `--controller` name stands for. Imports are lazy: each planner pulls in its own
    dependencies (the local model, an HTTP client) only when it is chosen."""
    if name == "fast":
        from hugginggpt.planning.fast import FastPlanner

        return FastPlanner.default()
    from hugginggpt.planning.llm import LlmToolPlanner

    if name == "llm":
        from hugginggpt.llm import build_chat_model

        return LlmToolPlanner(build_chat_model(dataclasses.replace(settings, llm_backend="llamacpp")))
    if name == "openai":
        from hugginggpt.llm.openai_compat import OpenAIChatModel

        return LlmToolPlanner(OpenAIChatModel.from_settings(settings))
    if name == "scripted":
        from hugginggpt.llm.scripted import ScriptedModel

        if settings.llm_script is None:
            raise ConfigError("the scripted controller needs HUGGINGGPT_LLM_SCRIPT, a JSON list of replies")
        return LlmToolPlanner(ScriptedModel.from_file(settings.llm_script))
    raise ConfigError(f"unknown controller {name!r}; choose one of {', '.join(CONTROLLERS)}")


@click.group("eval")
def eval_group() -> None:
    """Measure planners on benchmark data."""


@eval_group.command()
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A TaskBench-format folder: data.json, tool_desc.json, optional graph_desc.json.",
)
@click.option(
    "--controller",
    type=click.Choice(CONTROLLERS),
    default="fast",
    show_default=True,
    help="fast: the embedded controller's planner; llm: the local Qwen model; openai: an OpenAI-compatible server "
    "(--base-url, --model); scripted: replies from HUGGINGGPT_LLM_SCRIPT.",
)
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all", "whole"]),
    default="test",
    show_default=True,
    help="Which part of the fixed split to measure (all: the development part, then the test part; whole: every "
    "sample as one part, for a tool set the planner was not trained on).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N samples of each part.")
@click.option(
    "--predictions",
    "predictions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plans here, as TaskBench JSON Lines.",
)
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--seed", default="hugginggpt", show_default=True, help="Seed of the development / test split.")
@click.option(
    "--oracle-nodes",
    is_flag=True,
    help="Give the planner each sample's gold tools: it only orders and wires them (splits the loss between "
    "choosing tools and wiring them).",
)
@click.pass_context
def taskbench(
    ctx: click.Context,
    data_dir: Path,
    controller: str,
    split: str,
    limit: int | None,
    predictions_file: Path | None,
    json_file: Path | None,
    seed: str,
    oracle_nodes: bool,
) -> None:
    """Plan every request of a TaskBench-format folder and report node, edge and argument F1, plan
    validity and planning latency (the report on stdout, progress on stderr)."""
    tools = ToolSet.load(data_dir)
    samples, skipped = load_samples(data_dir / "data.json")
    if not samples:
        raise ConfigError(f"{data_dir / 'data.json'} has no usable sample")
    _say(f"{data_dir / 'data.json'}: {len(samples)} samples, {len(skipped)} lines skipped")
    for note in skipped[:10]:
        _say(f"  skipped {note}")
    if len(skipped) > 10:
        _say(f"  ... and {len(skipped) - 10} more")
    dev, test = split_samples(samples, seed=seed)
    parts = {"whole": samples} if split == "whole" else {"dev": dev, "test": test}
    chosen = {name: part[:limit] for name, part in parts.items() if split in (name, "all") and part}
    for name in ("dev", "test"):
        if split in (name, "all") and not parts[name]:
            _say(f"the {name} part is empty (a small data set?)")
    if not chosen:
        raise ConfigError(f"no sample to measure in the {split} part; try --split all")

    # Under the main group the context object carries its --config / --model flags; alone, the environment.
    settings = ctx.obj.settings() if isinstance(ctx.obj, _HasSettings) else Settings.load()
    planner = build_tool_planner(controller, settings)
    _say(f"planner {getattr(planner, 'name', controller)}; tools: {len(tools.tools)}; " + _sizes(chosen, parts))

    reports: dict[str, Report] = {}
    for name, part in chosen.items():
        with _progress(name) as on_progress:
            reports[name] = evaluate(
                planner, part, tools, on_progress=on_progress, label=name, oracle_nodes=oracle_nodes
            )
    click.echo("\n\n".join(format_report(r) for r in reports.values()))

    if predictions_file is not None:
        predictions: dict[str, ToolGraph | None] = {}
        for report in reports.values():
            predictions.update(report.predictions)
        every: list[Sample] = [s for part in chosen.values() for s in part]
        write_predictions(predictions_file, every, predictions)
        _say(f"predictions: {predictions_file}")
    if json_file is not None:
        body = {
            "data": str(data_dir),
            "controller": controller,
            "seed": seed,
            "oracle_nodes": oracle_nodes,
            "skipped": skipped,
            "reports": {name: r.to_dict() for name, r in reports.items()},
        }
        json_file.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _say(f"report: {json_file}")


def _sizes(chosen: dict[str, list[Sample]], parts: dict[str, list[Sample]]) -> str:
    return ", ".join(f"{name}: {len(chosen[name])} of {len(parts[name])} samples" for name in chosen)


@contextmanager
def _progress(label: str) -> Iterator[ProgressCallback]:
    """A progress bar on a terminal; elsewhere (logs, CI) a line every few samples."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=None)

            def update(done: int, total: int, running: MetricCounts) -> None:
                bar.update(task, completed=done, total=total, description=f"{label} {_running(running)}")

            yield update
        return

    def line(done: int, total: int, running: MetricCounts) -> None:
        every = max(1, min(50, total // 10))
        if done % every == 0 or done == total:
            _say(f"{label}: {done}/{total} {_running(running)}")

    yield line


def _running(counts: MetricCounts) -> str:
    f1 = counts.node.f1
    return "node F1 " + ("-" if f1 is None else f"{f1 * 100:.1f}")


def _say(text: str) -> None:
    click.echo(text, err=True)


@eval_group.command("requests")
@click.option(
    "--split",
    type=click.Choice(["train", "test", "all"]),
    default="test",
    show_default=True,
    help="Which part of the request benchmark to measure.",
)
@click.option("--e2e", is_flag=True, help="Also run each request on the offline experts and check its answer's facts.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N requests.")
@click.option(
    "--files",
    "files_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the benchmark's input files are made (default: a folder under the runs folder).",
)
@click.option("--failures", is_flag=True, help="Print each request whose plan or answer is wrong, with the gold plan.")
@click.option(
    "--data",
    "data_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder with train.jsonl and test.jsonl in the benchmark's format (default: the bundled benchmark).",
)
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the figures here.")
@click.pass_context
def requests_command(
    ctx: click.Context,
    split: str,
    e2e: bool,
    limit: int | None,
    files_dir: Path | None,
    failures: bool,
    data_folder: Path | None,
    json_file: Path | None,
) -> None:
    """Plan (and with --e2e, run and answer) the request benchmark's everyday requests; report plan
    exact-match, node F1, argument accuracy, end-to-end pass rate and latency."""
    from hugginggpt.eval.requests import RequestReport, load_cases, plan_cases
    from hugginggpt.planning.everyday import EverydayPlanner

    settings = ctx.obj.settings() if isinstance(ctx.obj, _HasSettings) else Settings.load()
    cases = load_cases(split, data_folder)[:limit]
    planner = EverydayPlanner()
    results = plan_cases(lambda request, files: planner.plan(request, files), cases)
    if e2e:
        from hugginggpt.eval.request_run import run_cases

        folder = files_dir or settings.runs_dir / "request-benchmark-files"
        run_cases(settings, results, folder, on_progress=lambda done, total: _say(f"e2e: {done}/{total}"))
    figures = RequestReport(results).figures()
    click.echo(_format_figures(split, figures))
    if failures:
        click.echo(_format_failures(results))
    if json_file is not None:
        json_file.write_text(json.dumps({"split": split, **figures}, indent=2) + "\n", encoding="utf-8")
        _say(f"figures: {json_file}")


def _format_figures(split: str, figures: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.1f}%"

    lines = [
        f"request benchmark, {split} part: {figures['requests']} requests",
        f"  plan exact-match   {pct(figures['plan_exact'])}",
        f"  node F1            {pct(figures['node_f1'])}",
        f"  argument accuracy  {pct(figures['args_accuracy'])}",
        f"  planning latency   median {figures['median_plan_ms']} ms, p95 {figures['p95_plan_ms']} ms",
    ]
    if figures.get("e2e_runs"):
        lines.append(
            f"  end to end         {pct(figures['e2e_pass'])} of {figures['e2e_runs']} runs hold their facts; "
            f"median run {figures.get('median_run_s')} s"
        )
    return "\n".join(lines)


def _format_failures(results: list[CaseResult]) -> str:
    out = []
    for r in results:
        wrong_plan = not r.comparison.exact
        wrong_answer = r.answer is not None and bool(r.missing_facts)
        if not (wrong_plan or wrong_answer):
            continue
        out.append(f"\n[{r.case.id}] {r.case.request!r} files={list(r.case.files)}")
        if wrong_plan:
            out.append(
                f"  predicted: {json.dumps(r.predicted, ensure_ascii=False) if r.predicted is not None else r.error}"
            )
            out.append(f"  gold:      {json.dumps(list(r.case.plan), ensure_ascii=False)}")
        if wrong_answer:
            out.append(f"  missing facts {r.missing_facts} in: {r.answer!r}")
    return "\n".join(out)
