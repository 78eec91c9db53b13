"""The runs a server started. Each executes on the run loop, detached from the request that started
it (a client that goes away neither stops it nor loses its results), and keeps its events so that
any number of clients, late or reconnecting, can replay them from any point."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import json
import os
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from hugginggpt.controller import HuggingGPT, RunResult
from hugginggpt.errors import HuggingGPTError
from hugginggpt.events import Event, EventSink
from hugginggpt.llm.base import Message, Reply, Usage
from hugginggpt.planner import PlanOutcome
from hugginggpt.responder import TaskReport
from hugginggpt.server.run_loop import RunLoop
from hugginggpt.server.uploads import check_plan, check_request
from hugginggpt.session import ChatSession

TERMINAL = ("run_finished", "run_failed")
KEEP_RUNS = 1000  # finished runs (and idle conversations) kept in memory; their folders stay on disk
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")  # as artifacts.new_run_id makes them
META = "server.json"  # in a run's folder: who started it and which process runs it
EVENTS = "events.jsonl"  # in a run's folder: its events as they come, for any worker process to read
INTERRUPTED = "the server stopped while this run was going; start it again"


class NotFound(HuggingGPTError):
    """No such run, conversation or file for this caller (another key's runs look absent too)."""


class Busy(HuggingGPTError):
    """The conversation is still answering its previous request."""


class Overloaded(HuggingGPTError):
    """As many runs as the server admits are going: the client should try again later (429)."""

    retry_after_s = 1


@dataclass
class Run:
    owner: str | None
    request: str
    conversation_id: str | None
    runs_dir: Path
    id: str = ""  # known from the run's first event
    created: float = field(default_factory=time.time)
    events: list[dict[str, Any]] = field(default_factory=list)
    status: str = "running"  # running | finished | failed | interrupted
    answer: str | None = None
    error: str | None = None
    result: RunResult | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _log: TextIO | None = field(default=None, repr=False)  # events.jsonl, while this process runs it

    @property
    def run_dir(self) -> Path:
        return self.runs_dir / self.id

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def url(self, path: str) -> str:
        return f"/v1/runs/{self.id}/files/{path}"

    def publish(self, event: dict[str, Any]) -> None:
        if not self.id:
            self.id = event["run_id"]
        if event.get("files"):
            event["urls"] = [self.url(self._relative(f)) for f in event["files"]]
        if event["type"] == "run_finished":
            self.status, self.answer = "finished", event["answer"]
        elif event["type"] == "run_failed":
            self.status, self.error = "failed", event["error"]
        self.events.append(event)
        self._wake()

    def record(self, event: dict[str, Any]) -> None:
        """Publish an event of a run this process executes, and append it to the run's events.jsonl,
        where another worker process (or this one after a restart) reads it."""
        self.publish(event)
        if self._log is None:
            self._log = (self.run_dir / EVENTS).open("a", encoding="utf-8", buffering=1)  # a line at a time
        self._log.write(json.dumps(event, ensure_ascii=False) + "\n")

    def finish(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        self._done.set()
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _relative(self, shown: str) -> str:
        # Events show paths relative to the working folder (runs/<id>/t0-x.png) or, for a run_started
        # event, the input's name; both are relative to the run folder in its URL.
        absolute = os.path.abspath(shown)
        base = os.path.abspath(self.run_dir)
        if absolute.startswith(base + os.sep):
            return absolute[len(base) + 1 :]
        return "inputs/" + Path(shown).name

    async def follow(self, start: int = 0, keepalive: float = 15.0) -> AsyncIterator[tuple[int, dict[str, Any]] | None]:
        """(index, event) from `start` on, as they come, until the run is over; None after `keepalive`
        seconds without one (so a stream can prove it is alive through proxies)."""
        sent = start
        while True:
            while sent < len(self.events):
                yield sent, self.events[sent]
                sent += 1
            if self.done:
                return
            try:
                await asyncio.wait_for(self._changed.wait(), keepalive)
            except TimeoutError:
                yield None

    async def wait(self) -> None:
        await self._done.wait()

    def file(self, relative: str) -> Path:
        """A file inside this run's folder; anything else (`..`, absolute paths, links leading out,
        folders) is reported as absent."""
        base = self.run_dir.resolve()
        target = (base / relative).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            raise NotFound(f"run {self.id} has no file {relative!r}; GET /v1/runs/{self.id}/files lists its files")
        return target

    def files(self) -> list[str]:
        if not self.run_dir.is_dir():
            return []
        return sorted(str(p.relative_to(self.run_dir)) for p in self.run_dir.rglob("*") if p.is_file())


@dataclass
class Conversation:
    owner: str | None
    session: ChatSession = field(default_factory=ChatSession)
    busy: bool = False


class _NoAnswer:
    """The response stage of a results-only run: the caller wants the task results, not prose."""

    async def respond(
        self,
        request: str,
        reports: list[TaskReport],
        history: list[Message],
        emit: EventSink,
        files: Sequence[str] = (),
    ) -> Reply:
        return Reply(text="", usage=Usage())


class RunManager:
    def __init__(self, controller: HuggingGPT, keep: int = KEEP_RUNS, max_active: int = 64) -> None:
        self.controller = controller
        # Bounded admission: past this many runs at once a new one is refused with 429 and Retry-After,
        # instead of queueing behind the others into seconds of latency.
        self.max_active = max_active
        self._running = 0
        self._idle = asyncio.Event()  # set whenever no run is going
        self._idle.set()
        self._process = _this_process()  # the same for every run: not read from /proc per run
        # The controller holds no per-run state, so a shallow copy can share every stage but one.
        self._results_only = copy.copy(controller)
        self._results_only.responder = _NoAnswer()
        self._keep = keep
        self._runs: dict[str, Run] = {}
        self._conversations: dict[str, Conversation] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self._loop = RunLoop()

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    @property
    def active(self) -> int:
        return self._running

    async def drain(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the runs still going to finish (a server told to stop lets
        them end; `stop` then cancels the rest, whose traces say so)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    def get(self, run_id: str, owner: str | None) -> Run:
        """A run of this caller's: in memory, or from its folder (a run of an earlier server process, or
        one forgotten to keep memory bounded)."""
        run = self._runs.get(run_id)
        if run is None:
            run = _from_disk(self.controller.settings.runs_dir, run_id)
            if run is not None and run.done:  # one still going in another process is read afresh each time
                self._runs[run_id] = run
                self._forget_old()
        if run is None or run.owner != owner:
            raise NotFound(f"no run {run_id!r}; runs are known by the id that POST /v1/runs returned")
        return run

    def conversation(self, conversation_id: str | None, owner: str | None) -> tuple[str, Conversation]:
        """The conversation with this id, or a new one (with this id, or a fresh one when None)."""
        cid = conversation_id or secrets.token_hex(8)
        found = self._conversations.get(cid)
        if found is None:
            found = self._conversations[cid] = Conversation(owner)
        elif found.owner != owner:
            raise NotFound(f"no conversation {cid!r}; leave conversation_id out to start one")
        return cid, found

    async def create(
        self,
        request: str,
        files: Sequence[Path],
        owner: str | None,
        conversation_id: str | None = None,
        session: ChatSession | None = None,
        plan: str | None = None,
        results_only: bool = False,
    ) -> Run:
        """Start a run and return it once it has an id (its inputs are then copied: the caller may
        delete `files`). With `conversation_id`, the run continues that conversation; else `session`
        (earlier turns given by the client) or none."""
        settings = self.controller.settings
        check_request(request, settings.max_request_chars, with_files=bool(files))
        if plan is not None:
            check_plan(plan, settings.max_tasks)
        if self._running >= self.max_active:
            raise Overloaded(
                f"the server is running {self._running} runs, as many as it admits (HUGGINGGPT_MAX_ACTIVE_RUNS); "
                f"try again in {Overloaded.retry_after_s} s"
            )
        conversation: Conversation | None = None
        if conversation_id is not None:
            _, conversation = self.conversation(conversation_id, owner)
            if conversation.busy:
                raise Busy(f"conversation {conversation_id} is still answering; send the next request when it is done")
            conversation.busy = True
            session = conversation.session
        run = Run(owner, request, conversation_id, self.controller.settings.runs_dir)
        http_loop = asyncio.get_running_loop()

        def sink(event: Event) -> None:  # called on the run loop
            http_loop.call_soon_threadsafe(run.record, event.to_dict())

        controller = self._results_only if results_only else self.controller
        self._running += 1  # counted down by _watch, whatever becomes of the run
        self._idle.clear()
        future = self._loop.submit(controller.run(request, files, session=session, emit=sink, plan=plan))
        watcher = asyncio.create_task(self._watch(run, future, conversation))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        await self._first_event(run)
        _write_meta(run, self._process)
        self._runs[run.id] = run
        self._forget_old()
        return run

    async def plan(self, request: str, files: Sequence[Path], session: ChatSession) -> PlanOutcome:
        """Planning only (no run folder); on the run loop like runs."""
        return await asyncio.wrap_future(self._loop.submit(self.controller.plan(request, files, session)))

    async def _watch(self, run: Run, future: concurrent.futures.Future[RunResult], conv: Conversation | None) -> None:
        try:
            run.result = await asyncio.wrap_future(future)
        except Exception as exc:  # a bug, not a failed run (those end normally): tell the clients
            error = f"internal error: {exc!r}"
            if run.id:
                run.publish({"type": "run_failed", "run_id": run.id, "error": error})
            else:
                run.status, run.error = "failed", error
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()
            if conv is not None:
                conv.busy = False
            run.finish()

    @staticmethod
    async def _first_event(run: Run) -> None:
        async for _ in run.follow(keepalive=60.0):
            if run.id:
                return
        raise HuggingGPTError(f"the run could not start: {run.error}")

    def _forget_old(self) -> None:
        for run_id in list(self._runs)[: max(len(self._runs) - self._keep, 0)]:
            if self._runs[run_id].done:
                del self._runs[run_id]
        for cid in list(self._conversations)[: max(len(self._conversations) - self._keep, 0)]:
            if not self._conversations[cid].busy:
                del self._conversations[cid]


def _this_process() -> dict[str, Any]:
    """Which process runs a run: its host, pid and the pid's start time (read once per RunManager)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "process_start": _process_start(os.getpid())}


def _write_meta(run: Run, process: dict[str, Any]) -> None:
    """Who started the run, what it asked and which process runs it, beside its files: enough for any
    worker, or this one after a restart, to answer for it."""
    meta = {"owner": run.owner, "request": run.request, "conversation_id": run.conversation_id,
            "created": run.created, **process}  # fmt: skip
    (run.run_dir / META).write_text(json.dumps(meta), encoding="utf-8")


def _from_disk(runs_dir: Path, run_id: str) -> Run | None:
    """A run that a server process started, read from its folder: its events from events.jsonl (or its
    trace); still going when the process that runs it is alive (then it is followed as the file grows),
    else ended, or interrupted when that process stopped before the run ended."""
    if not RUN_ID.fullmatch(run_id):
        return None
    folder = runs_dir / run_id
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # not a server's run, or not one at all
    run = ForeignRun(meta.get("owner"), str(meta.get("request", "")), meta.get("conversation_id"), runs_dir, id=run_id)
    run.created = float(meta.get("created", 0.0))
    run.process = (str(meta.get("host", "")), int(meta.get("pid", 0)), meta.get("process_start"))
    run.catch_up()
    if not run.done and not run.process_alive():
        run.interrupt()
    return run


def _process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), or None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22, counted after the command name


class ForeignRun(Run):
    """A run this process does not execute: what its folder says, followed by polling its events.jsonl."""

    process: tuple[str, int, str | None] = ("", 0, None)  # host, pid, the pid's start time
    _offset: int = 0
    _poll_s = 0.05

    def catch_up(self) -> None:
        """Read the events written since the last call; a terminal one ends the run."""
        path = self.run_dir / EVENTS
        if not path.is_file():
            if (self.run_dir / "trace.json").is_file():  # a run of a server before events.jsonl, or cut short
                self._from_trace()
            return
        with path.open("rb") as log:
            log.seek(self._offset)
            data = log.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits for the next call
        self._offset += len(complete)
        for line in complete.splitlines():
            self.publish(json.loads(line))
            if self.events[-1]["type"] in TERMINAL:
                self.finish()

    def _from_trace(self) -> None:
        try:
            trace = json.loads((self.run_dir / "trace.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for event in trace.get("events", []):
            event.pop("t", None)
            self.publish(event)
        if trace.get("status") in ("finished", "failed"):
            self.finish()
        else:
            self.interrupt()

    def process_alive(self) -> bool:
        host, pid, started = self.process
        if host != socket.gethostname():
            return not (self.run_dir / "trace.json").is_file()  # another machine's: going until its trace is written
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        # A restarted server may have the old one's pid (pid 1 in a container): the start time tells them apart.
        return started is None or _process_start(pid) == started

    def interrupt(self) -> None:
        self.publish({"type": "run_failed", "run_id": self.id, "error": INTERRUPTED})
        self.status = "interrupted"
        self.finish()

    async def follow(self, start: int = 0, keepalive: float = 15.0) -> AsyncIterator[tuple[int, dict[str, Any]] | None]:
        sent, quiet, checked = start, 0.0, time.monotonic()
        while True:
            while sent < len(self.events):
                yield sent, self.events[sent]
                sent, quiet = sent + 1, 0.0
            if self.done:
                return
            await asyncio.sleep(self._poll_s)
            quiet += self._poll_s
            self.catch_up()
            if not self.done and time.monotonic() - checked > 1.0:
                checked = time.monotonic()
                if not self.process_alive():
                    self.catch_up()
                    if not self.done:
                        self.interrupt()
            if quiet >= keepalive:
                quiet = 0.0
                yield None
