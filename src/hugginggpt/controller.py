"""The whole pipeline: plan -> select -> execute -> respond, with events, a run folder and a trace."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hugginggpt.artifacts import Resources, RunFolder, display_path, new_run_id
from hugginggpt.catalog import Catalog
from hugginggpt.config import Settings
from hugginggpt.errors import ControllerError, ExpertError, PlanError, PlanningFailed, ResourceError
from hugginggpt.events import (
    AnswerDelta,
    Event,
    EventSink,
    PlanReady,
    RunFailed,
    RunFinished,
    RunStarted,
    StageStarted,
    TaskFailed,
    TaskFinished,
    TaskRetried,
    TaskSkipped,
    TaskStarted,
    ignore,
)
from hugginggpt.experts import build_backends
from hugginggpt.experts.base import ExpertBackend, ExpertCall, ExpertOutput
from hugginggpt.llm import build_chat_model, controller_kind
from hugginggpt.llm.base import ChatModel
from hugginggpt.plan import GENERATED, Plan, Task, parse_plan
from hugginggpt.planner import Planner, PlanOutcome, PlanStage
from hugginggpt.prompts import Prompts
from hugginggpt.responder import Responder, ResponseStage, TaskReport, fallback_answer, missing_mentions
from hugginggpt.roles import split_roles, with_roles
from hugginggpt.scheduler import DagScheduler, Outcome
from hugginggpt.selector import Choice, Selection, Selector
from hugginggpt.session import ChatSession
from hugginggpt.tasks import Kind, kind_of_file
from hugginggpt.trace import TraceRecorder
from hugginggpt.url_inputs import UrlPolicy

if TYPE_CHECKING:
    from hugginggpt.embedded import EmbeddedStages


@dataclass
class RunResult:
    run_id: str
    ok: bool
    answer: str
    run_dir: Path
    plan: Plan | None = None
    choices: dict[int, Choice] = field(default_factory=dict)
    reports: list[TaskReport] = field(default_factory=list)
    error: str | None = None

    @property
    def trace_path(self) -> Path:
        return self.run_dir / "trace.json"


class HuggingGPT:
    """A configured controller with its expert backends. Holds no per-run state: runs may overlap."""

    def __init__(
        self,
        settings: Settings,
        model: ChatModel,
        backends: Sequence[ExpertBackend],
        catalog: Catalog | None = None,
        prompts: Prompts | None = None,
        stages: EmbeddedStages | None = None,
    ) -> None:
        """`stages` replaces the LLM-driven plan and response stages (the embedded controller)."""
        self.settings = settings
        self.urls = UrlPolicy.from_settings(settings)
        self.model = model
        self.backends = list(backends)
        self.catalog = build_catalog(settings, self.backends, catalog)
        prompts = prompts or Prompts.bundled()
        self.planner: PlanStage = Planner(model, prompts, settings.plan_retries, settings.max_tasks)
        self.responder: ResponseStage = Responder(model, prompts, settings.result_tokens)
        ask_controller = settings.selection == "llm"
        if stages is not None:
            self.planner, self.responder, ask_controller = stages.planner, stages.responder, False
        self.selector = Selector(model, prompts, self.catalog, self.backends, settings.top_k, ask_controller)
        self.scheduler = DagScheduler(settings.concurrency, settings.task_timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> HuggingGPT:
        backends = build_backends(settings)
        if controller_kind(settings) == "embedded":
            from hugginggpt.embedded import embedded_stages

            stages = embedded_stages(settings, backends)
            return cls(settings, stages.model, backends, stages=stages)
        return cls(settings, build_chat_model(settings, backends), backends)

    async def plan(
        self, request: str, files: Sequence[Path] = (), session: ChatSession | None = None, emit: EventSink = ignore
    ) -> PlanOutcome:
        """Plan only (no run folder, nothing executed)."""
        session = session or ChatSession()
        resources = Resources(dict(session.resources.files))
        for path in files:
            resources.add(path)
        return await self.planner.plan(request, resources, session.history(self.settings.history_tokens), emit)

    async def run(
        self,
        request: str,
        files: Sequence[Path] = (),
        session: ChatSession | None = None,
        emit: EventSink = ignore,
        plan: str | None = None,
    ) -> RunResult:
        """Run `request`. With `plan` (a JSON task list, as `hugginggpt plan` prints it), that plan is
        validated and executed instead of asking the controller for one."""
        session = session if session is not None else ChatSession()
        folder = RunFolder(self.settings.runs_dir, new_run_id())
        trace = TraceRecorder(folder.run_id, request, self.model.name, self.settings.describe())

        def sink(event: Event) -> None:
            trace.record(event)
            emit(event)

        result = RunResult(folder.run_id, ok=False, answer="", run_dir=folder.path)
        try:
            for source in files:
                session.resources.add(folder.add_input(source), name=source.name)
                trace.files.append(source.name)
            sink(RunStarted(folder.run_id, request, list(trace.files)))
            history = session.history(self.settings.history_tokens)

            stage_start = self._stage("plan", trace, sink)
            if plan is not None:
                trace.plan_attempts = [{"reply": plan, "error": None, "given": True}]
                try:
                    given = parse_plan(plan, session.resources.names(), max_tasks=self.settings.max_tasks)
                except PlanError as exc:
                    raise PlanningFailed(f"the given plan is invalid: {exc}", trace.plan_attempts) from exc
                result.plan = task_plan = given
            else:
                outcome = await self.planner.plan(request, session.resources, history, sink)
                trace.plan_attempts = [{"reply": a.reply, "error": a.error} for a in outcome.attempts]
                trace.add_usage("plan", outcome.usage)
                result.plan = task_plan = outcome.plan
            trace.plan, trace.repairs = task_plan.to_json(), list(task_plan.repairs)
            sink(PlanReady(task_plan.to_json(), list(task_plan.repairs)))
            trace.timings["plan"] = time.perf_counter() - stage_start

            reports: list[TaskReport] = []
            if task_plan.tasks:
                stage_start = self._stage("select", trace, sink)
                selection = await self.selector.select(request, task_plan, sink)
                trace.add_usage("select", selection.usage)
                result.choices = selection.choices
                trace.choices = [c.to_dict() for c in selection.choices.values()]
                trace.timings["select"] = time.perf_counter() - stage_start

                stage_start = self._stage("execute", trace, sink)
                reports = await self._execute(task_plan, selection, folder, session.resources, sink)
                result.reports = reports
                trace.tasks = [r.to_dict() | {"seconds": round(r.seconds, 6)} for r in reports]
                trace.timings["execute"] = time.perf_counter() - stage_start

            stage_start = self._stage("respond", trace, sink)
            try:
                reply = await self.responder.respond(request, reports, history, sink, files=trace.files)
                trace.add_usage("respond", reply.usage)
                footer = missing_mentions(reply.text, reports)
                if footer:
                    sink(AnswerDelta(footer))
                answer = reply.text + footer
            except ControllerError as exc:
                trace.errors.append(f"respond: {exc}")
                answer = fallback_answer(reports, str(exc))
            trace.timings["respond"] = time.perf_counter() - stage_start

            for report in reports:
                for name in report.files:
                    session.resources.add(Path(name).resolve(), name=name)
            session.add_turn(request, answer)
            result.ok, result.answer = True, answer
            trace.status, trace.answer = "finished", answer
            sink(RunFinished(folder.run_id, answer, display_path(folder.path), trace.elapsed()))
        except PlanningFailed as exc:
            trace.plan_attempts = list(exc.attempts)
            self._fail(result, trace, sink, str(exc))
        except (ResourceError, ControllerError) as exc:
            self._fail(result, trace, sink, str(exc))
        except asyncio.CancelledError:
            trace.status = "cancelled"
            trace.errors.append("the run was cancelled")
            raise
        finally:
            folder.write_trace(trace.to_dict())
        return result

    @staticmethod
    def _stage(stage: str, trace: TraceRecorder, sink: EventSink) -> float:
        sink(StageStarted(stage))
        return time.perf_counter()

    @staticmethod
    def _fail(result: RunResult, trace: TraceRecorder, sink: EventSink, error: str) -> None:
        result.error = error
        trace.status = "failed"
        trace.errors.append(error)
        sink(RunFailed(result.run_id, error, display_path(result.run_dir)))

    async def _execute(
        self, plan: Plan, selection: Selection, folder: RunFolder, resources: Resources, sink: EventSink
    ) -> list[TaskReport]:
        tasks = plan.by_id()
        backends = {b.name: b for b in self.backends}
        outputs: dict[int, ExpertOutput] = {}

        async def job(tid: int) -> ExpertOutput:
            task, choice = tasks[tid], selection.choices[tid]
            if choice.model is None or choice.backend is None:
                raise ExpertError(choice.reason)
            text, files = await _resolve_inputs(task, outputs, resources, folder, self.urls)
            sink(TaskStarted(tid, task.task, choice.model))
            model = choice.model

            def retried(attempt: int, error: str) -> None:
                sink(TaskRetried(tid, task.task, model, attempt, error))

            call = ExpertCall(task.task, model, text, files, folder.path, f"t{tid}-{task.task}", retried)
            output = await backends[choice.backend].run(call)
            outputs[tid] = output
            return output

        def on_outcome(tid: int, outcome: Outcome[ExpertOutput]) -> None:
            task, model = tasks[tid], selection.choices[tid].model
            if outcome.status == "done" and outcome.value is not None:
                files = [display_path(f.path) for f in outcome.value.files]
                sink(TaskFinished(tid, task.task, model or "", outcome.seconds, outcome.value.text, files))
            elif outcome.status == "failed":
                sink(TaskFailed(tid, task.task, model, outcome.seconds, outcome.error or "failed"))
            else:
                sink(TaskSkipped(tid, task.task, outcome.error or "skipped"))

        outcomes = await self.scheduler.run({t.id: t.dep for t in plan.tasks}, job, on_outcome)
        return [_report(task, selection.choices[task.id], outcomes[task.id]) for task in plan.order()]


def build_catalog(settings: Settings, backends: Sequence[ExpertBackend], base: Catalog | None = None) -> Catalog:
    """The configured catalog (bundled snapshot or `catalog_path`) plus the backends' own models."""
    if base is None:
        base = Catalog.from_file(settings.catalog_path) if settings.catalog_path else Catalog.bundled()
    return base.extended(card for b in backends for card in b.cards())


async def _resolve_inputs(
    task: Task, outputs: dict[int, ExpertOutput], resources: Resources, folder: RunFolder, urls: UrlPolicy
) -> tuple[str | None, dict[Kind, Path]]:
    """Turn a task's arguments into the text and files its expert gets."""
    text: str | None = None
    files: dict[Kind, Path] = {}
    for key, value in task.args.items():
        if key == "text":
            roles, content = split_roles(value)
            named = resources.resolve(content.strip())
            if named is not None and kind_of_file(content.strip()) == "text":
                content = _read_text_file(named)  # the plan names a text file the user gave: use its content
            else:
                content = GENERATED.sub(lambda m: _output_text(int(m.group(1)), outputs), content)
            roles = {k: GENERATED.sub(lambda m: _output_text(int(m.group(1)), outputs), v) for k, v in roles.items()}
            text = with_roles(content, **roles)
            continue
        kind: Kind = key  # type: ignore[assignment]  # validation allows only the four kinds
        ref = GENERATED.search(value)
        if ref is not None:
            produced = outputs[int(ref.group(1))].file_of(kind)
            if produced is None:
                raise ExpertError(f"task {ref.group(1)} produced no {kind} for task {task.id}")
            files[kind] = produced
        elif value.startswith(("http://", "https://")):
            files[kind] = await asyncio.to_thread(folder.fetch_url, value, urls)
        else:
            path = resources.resolve(value)
            if path is None:
                raise ResourceError(f"task {task.id} names the file {value!r}, which this run does not have")
            files[kind] = path
    return text, files


MAX_TEXT_FILE_CHARS = 200_000


def _read_text_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ResourceError(f"cannot read the text file {path.name}: {exc.strerror}") from exc
    if len(text) > MAX_TEXT_FILE_CHARS:
        raise ResourceError(
            f"the text file {path.name} has over {MAX_TEXT_FILE_CHARS:,} characters; give a shorter one"
        )
    return text


def _output_text(tid: int, outputs: dict[int, ExpertOutput]) -> str:
    text = outputs[tid].text
    if text is None:
        raise ExpertError(f"task {tid} produced no text")
    return text


def _report(task: Task, choice: Choice, outcome: Outcome[ExpertOutput]) -> TaskReport:
    value = outcome.value
    return TaskReport(
        task_id=task.id,
        task=task.task,
        args=dict(task.args),
        model=choice.model,
        reason=choice.reason,
        status=outcome.status,
        text=value.text if value else None,
        files=tuple(display_path(f.path) for f in value.files) if value else (),
        error=outcome.error,
        seconds=outcome.seconds,
        data=value.data if value else None,
    )
