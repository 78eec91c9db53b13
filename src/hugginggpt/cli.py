"""The `hugginggpt` command."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from hugginggpt import __version__
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT, RunResult, build_catalog
from hugginggpt.errors import ConfigError, HuggingGPTError, PlanningFailed
from hugginggpt.eval.cli import eval_group
from hugginggpt.events import EventSink
from hugginggpt.experts import BACKENDS, build_backends
from hugginggpt.render import ProgressPrinter, json_lines, plan_tree
from hugginggpt.session import ChatSession
from hugginggpt.tasks import TASK_TYPES

T = TypeVar("T")


@dataclass
class Options:
    """What the group's options say; settings are loaded only by the commands that need them."""

    config: Path | None
    overrides: dict[str, Any]

    def settings(self, **more: Any) -> Settings:
        """The settings, with this command's own options (`more`) over the group's."""
        return Settings.load(config_file=self.config, **{**self.overrides, **more})


files_option = click.option(
    "--file",
    "-f",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file the request refers to (image, audio, video); repeatable.",
)


executor_option = click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    help="Where experts run: in this process, or on the Ray cluster at HUGGINGGPT_RAY_ADDRESS [HUGGINGGPT_EXECUTOR].",
)


class _Failure(click.ClickException):
    exit_code = 1


class _SettingsFailure(_Failure):
    exit_code = 2


class _Group(click.Group):
    """Turns the package's own errors into a clean message and an exit code (2: settings, 1: other)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise _SettingsFailure(str(exc)) from exc
        except HuggingGPTError as exc:
            raise _Failure(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hugginggpt")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="A TOML settings file.")
@click.option("--base-url", help="OpenAI-compatible server of the controller [HUGGINGGPT_LLM_BASE_URL].")
@click.option("--model", "llm_model", help="Controller model name [HUGGINGGPT_LLM_MODEL].")
@click.option("--experts", help=f"Expert backends, comma-separated ({', '.join(BACKENDS)}) [HUGGINGGPT_EXPERTS].")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), help="Where run folders go.")
@click.pass_context
def cli(
    ctx: click.Context,
    config: Path | None,
    base_url: str | None,
    llm_model: str | None,
    experts: str | None,
    runs_dir: Path | None,
) -> None:
    """HuggingGPT: a language model plans your request, runs expert models, and answers.

    Configure the controller with HUGGINGGPT_LLM_BASE_URL and HUGGINGGPT_LLM_MODEL (any
    OpenAI-compatible server), then try:  hugginggpt run "Describe e1.jpg" --file e1.jpg
    """
    overrides = {"llm_base_url": base_url, "llm_model": llm_model, "experts": experts, "runs_dir": runs_dir}
    ctx.obj = Options(config, overrides)


@cli.command()
@click.argument("request")
@files_option
@click.option("--json", "as_json", is_flag=True, help="Print events as JSON lines instead of progress.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Execute this plan (JSON, as `hugginggpt plan` prints it) instead of asking the controller for one.",
)
@executor_option
@click.pass_obj
def run(
    options: Options,
    request: str,
    files: tuple[Path, ...],
    as_json: bool,
    plan_file: Path | None,
    executor: str | None,
) -> None:
    """Plan, select models, execute and answer REQUEST."""
    controller = HuggingGPT.from_settings(options.settings(executor=executor))
    sink: EventSink = json_lines(sys.stdout) if as_json else ProgressPrinter()
    given = plan_file.read_text(encoding="utf-8") if plan_file else None
    result = _run_async(controller.run(request, files, emit=sink, plan=given))
    if not result.ok:
        sys.exit(1)


@cli.command()
@click.argument("request")
@files_option
@click.option("--format", "fmt", type=click.Choice(["json", "tree"]), default="json", show_default=True)
@click.pass_obj
def plan(options: Options, request: str, files: tuple[Path, ...], fmt: str) -> None:
    """Show the task graph for REQUEST without running it."""
    controller = HuggingGPT.from_settings(options.settings())
    try:
        outcome = _run_async(controller.plan(request, files, emit=ProgressPrinter()))
    except PlanningFailed as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(outcome.plan.to_json(), indent=2, ensure_ascii=False))
    else:
        Console(highlight=False).print(plan_tree(outcome.plan.to_json()))


@cli.command()
@files_option
@click.pass_obj
def chat(options: Options, files: tuple[Path, ...]) -> None:
    """A conversation: earlier turns and their files stay usable.

    Type a request per line. /file PATH attaches a file to the next request, /files lists the files
    the conversation knows, /exit (or Ctrl-D) ends it.
    """
    controller = HuggingGPT.from_settings(options.settings())
    session = ChatSession()
    pending = list(files)
    err = Console(stderr=True, highlight=False)
    err.print("[dim]chat: /file PATH attaches a file, /files lists files, /exit ends[/]")
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            break
        if not line:
            continue
        if line in ("/exit", "/quit"):
            break
        if line.startswith("/file "):
            path = Path(line[6:].strip()).expanduser()
            if path.is_file():
                pending.append(path)
                err.print(f"[dim]attached {path.name}[/]")
            else:
                err.print(f"[red]no such file: {path}[/]")
            continue
        if line == "/files":
            err.print(
                session.resources.describe() + ("; next: " + ", ".join(p.name for p in pending) if pending else "")
            )
            continue
        result: RunResult = _run_async(controller.run(line, pending, session=session, emit=ProgressPrinter()))
        if result.ok:
            pending = []


@cli.group(invoke_without_command=True)
@click.option("--task", type=click.Choice(list(TASK_TYPES)), help="Only models of this task type.")
@click.option("--limit", type=int, default=10, show_default=True, help="Models per task.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def models(ctx: click.Context, task: str | None, limit: int, as_json: bool) -> None:
    """The catalog of expert models, most downloaded first (`pull` and `refresh`: Hub models)."""
    if ctx.invoked_subcommand is not None:
        return
    options: Options = ctx.obj
    settings = options.settings()
    backends = build_backends(settings)
    catalog = build_catalog(settings, backends)
    rows = []
    for name in [task] if task else list(TASK_TYPES):
        for card in catalog.for_task(name)[:limit]:
            runner = next((b.name for b in backends if b.can_run(card)), None)
            rows.append((card, runner))
    if as_json:
        for card, runner in rows:
            click.echo(
                json.dumps({**vars(card), "language": list(card.language), "tags": list(card.tags), "backend": runner})
            )
        return
    table = Table("task", "model", "downloads", "likes", "runs on")
    for card, runner in rows:
        popularity = ("[dim]built in[/]", "") if card.offline else (f"{card.downloads:,}", str(card.likes))
        table.add_row(card.task, card.id, *popularity, runner or "[dim]-[/]")
    Console().print(table)
    if not backends:
        Console(stderr=True).print("[dim]no expert backend is configured (--experts); no model can run yet[/]")


@models.command()
@click.argument("model_ids", nargs=-1, required=True, metavar="ID...")
@click.pass_obj
def pull(options: Options, model_ids: tuple[str, ...]) -> None:
    """Download Hub models into the Hugging Face cache now, so the local backend finds them offline."""
    from hugginggpt.experts.hub.cache import HubCache

    settings = options.settings()
    cache = HubCache(settings.hf_cache_dir, settings.allow_downloads, settings.hf_token)
    for model_id in model_ids:
        click.echo(f"{model_id}: {cache.pull(model_id)}")


@models.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="The catalog file to write.")
@click.option("--per-task", type=int, default=30, show_default=True, help="Most downloaded models kept per task.")
@click.pass_obj
def refresh(options: Options, output: Path | None, per_task: int) -> None:
    """Rebuild the catalog from the Hub API (HUGGINGGPT_CATALOG_PATH, else hub_models.jsonl here)."""
    from hugginggpt.experts.hub.refresh import refresh_catalog

    settings = options.settings()
    target = output or settings.catalog_path or Path("hub_models.jsonl")
    count = refresh_catalog(target, per_task)
    click.echo(f"{count} models written to {target}")
    if target != settings.catalog_path:
        click.echo(f"use it with HUGGINGGPT_CATALOG_PATH={target}", err=True)


@cli.command()
@click.option(
    "--check",
    type=click.Choice(["whisper", "qwen"]),
    help="Only say (by the exit code) whether these weights are prepared.",
)
@click.pass_obj
def setup(options: Options, check: str | None) -> None:
    """Prepare the offline models (join and verify split weights) and show which experts can run."""
    from hugginggpt.experts.offline import OfflineExperts
    from hugginggpt.experts.offline.assets import Assets, default_models_dir

    settings = options.settings()
    assets = Assets(settings.models_dir or default_models_dir())
    if check is not None:
        sys.exit(0 if (assets.whisper_ready() if check == "whisper" else assets.gguf_ready()) else 1)
    assets.prepare(say=lambda line: click.echo(line, err=True))
    backend = OfflineExperts(assets)
    table = Table("task", "offline model", "status")
    for card in sorted(backend.cards(), key=lambda c: (c.task, c.id)):
        problems = backend.missing[card.id, card.task]
        table.add_row(card.task, card.id, "[red]" + "; ".join(problems) + "[/]" if problems else "[green]ready[/]")
    Console().print(table)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes sharing the port; any of them answers for any run (each loads its own models).",
)
@executor_option
@click.pass_obj
def serve(options: Options, host: str, port: int, workers: int, executor: str | None) -> None:
    """The HTTP API (OpenAI-style chat, runs with live events) and the web page at http://HOST:PORT/."""
    try:
        import uvicorn

        from hugginggpt.server import create_app
    except ImportError as exc:
        raise ConfigError("the server needs the `server` extra: .venv/bin/pip install -e '.[server]'") from exc
    settings = options.settings(executor=executor)
    if not settings.api_keys and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: no API key is set; anyone who can reach {host}:{port} can run requests "
                   "(set HUGGINGGPT_API_KEYS)", err=True)  # fmt: skip
    # SIGTERM: uvicorn stops accepting, waits for open connections (event streams end with their runs) at
    # most drain_timeout, then the app gives the runs still going as long before cancelling them.
    grace = int(settings.drain_timeout)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, timeout_graceful_shutdown=grace)
        return
    # Worker processes build the app themselves, from the environment: this command's options go there.
    for name, value in settings.environment().items():
        os.environ[name] = value
    uvicorn.run(
        "hugginggpt.server.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=grace,
    )


@cli.command("config")
@click.pass_obj
def show_config(options: Options) -> None:
    """The effective settings (defaults < config file < environment < flags)."""
    click.echo(json.dumps(options.settings().describe(), indent=2))


cli.add_command(eval_group)


def _run_async(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        click.echo("\ncancelled; what was done so far is in the run folder's trace.json", err=True)
        sys.exit(130)


def main() -> None:
    cli()
