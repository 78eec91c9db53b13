"""Tests for hugginggpt.plan: parsing, validating and repairing controller task plans."""

from __future__ import annotations

import contextlib
import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hugginggpt.errors import PlanError
from hugginggpt.plan import DEFAULT_MAX_TASKS, GENERATED, Plan, Task, extract_json, parse_plan, validate_plan
from hugginggpt.tasks import KINDS, TASK_TYPES

FILES = ("e1.jpg", "e2.png", "a.wav", "b.mp3", "clip.mp4", "notes.txt")


def task(name: str, tid: Any, dep: Any = -1, **args: Any) -> dict[str, Any]:
    """A controller task item; `dep` is wrapped in a list unless it already is one."""
    return {"task": name, "id": tid, "dep": dep if isinstance(dep, list) else [dep], "args": args}


def dumps(*items: Any) -> str:
    return json.dumps(list(items))


@dataclass(frozen=True)
class Ok:
    tasks: list[tuple[int, str, tuple[int, ...], dict[str, str]]]
    repairs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Err:
    needles: tuple[str, ...]

    def __init__(self, *needles: str) -> None:
        object.__setattr__(self, "needles", needles)


CAPTION = task("image-to-text", 0, image="e1.jpg")
CAPTION_OK = (0, "image-to-text", (), {"image": "e1.jpg"})
SPEAK = task("text-to-speech", 1, 0, text="<GENERATED>-0")
SPEAK_OK = (1, "text-to-speech", (0,), {"text": "<GENERATED>-0"})
CAPTION_SINGLE_QUOTED = "[{'task': 'image-to-text', 'id': 0, 'dep': [-1], 'args': {'image': 'e1.jpg'}}]"


def _many(n: int) -> str:
    return dumps(*(task("text-generation", i, text=f"line {i}") for i in range(n)))


def _many_ok(n: int) -> Ok:
    return Ok([(i, "text-generation", (), {"text": f"line {i}"}) for i in range(n)])


# (reply, files, max_tasks, expected)
CASES = [
    pytest.param(dumps(CAPTION), FILES, DEFAULT_MAX_TASKS, Ok([CAPTION_OK]), id="plain-valid-list"),
    pytest.param(dumps(CAPTION, SPEAK), FILES, 50, Ok([CAPTION_OK, SPEAK_OK]), id="valid-two-task-chain"),
    pytest.param(
        f"Sure! Here is the plan:\n{dumps(CAPTION, SPEAK)}\nLet me know if you need more.",
        FILES,
        50,
        Ok([CAPTION_OK, SPEAK_OK]),
        id="prose-around-json",
    ),
    pytest.param(
        f"The plan:\n```json\n{dumps(CAPTION)}\n```\nDone.", FILES, 50, Ok([CAPTION_OK]), id="json-code-fence"
    ),
    pytest.param(f"```\n{dumps(CAPTION)}\n```", FILES, 50, Ok([CAPTION_OK]), id="fence-without-language"),
    pytest.param(
        '[{"task": "image-to-text", "id": 0, "dep": [-1,], "args": {"image": "e1.jpg",},},]',
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="trailing-commas",
    ),
    pytest.param(CAPTION_SINGLE_QUOTED, FILES, 50, Ok([CAPTION_OK]), id="single-quotes"),
    pytest.param(
        "[{'task': 'image-to-text', 'id': 0, 'dep': [-1], 'args': {'image': 'e1.jpg'},"
        " 'stream': True, 'note': None, 'cached': False}]",
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="python-true-none-false",
    ),
    pytest.param(json.dumps({"tasks": [CAPTION, SPEAK]}), FILES, 50, Ok([CAPTION_OK, SPEAK_OK]), id="tasks-wrapper"),
    pytest.param(json.dumps(CAPTION), FILES, 50, Ok([CAPTION_OK]), id="single-task-object"),
    pytest.param("[]", FILES, 50, Ok([]), id="empty-list-empty-plan"),
    pytest.param("No task is needed for a greeting: []", (), 50, Ok([]), id="empty-list-in-prose"),
    pytest.param(
        dumps(task("summarization", 0, [-1], text="a long text")),
        (),
        50,
        Ok([(0, "summarization", (), {"text": "a long text"})]),
        id="dep-minus-one-means-none",
    ),
    pytest.param(
        dumps(CAPTION, {"task": "text-to-speech", "id": 1, "dep": 0, "args": {"text": "<GENERATED>-0"}}),
        FILES,
        50,
        Ok([CAPTION_OK, SPEAK_OK]),
        id="dep-as-single-int",
    ),
    pytest.param(
        dumps(task("image-to-text", "0", image="e1.jpg"), task("text-to-speech", "1", ["0"], text="<GENERATED>-0")),
        FILES,
        50,
        Ok([CAPTION_OK, SPEAK_OK]),
        id="numeric-string-ids",
    ),
    pytest.param(
        dumps(task("image-to-text", 0.0, image="e1.jpg"), task("text-to-speech", 1, [-1, 0.0], text="<GENERATED>-0")),
        FILES,
        50,
        Ok([CAPTION_OK, SPEAK_OK]),
        id="whole-float-ids-and-minus-one-among-deps",
    ),
    pytest.param(
        dumps(task("Image_To_Text", 0, image="e1.jpg"), task(" TEXT to speech ", 1, 0, text="<GENERATED>-0")),
        FILES,
        50,
        Ok([CAPTION_OK, SPEAK_OK]),
        id="task-names-normalised",
    ),
    pytest.param(
        dumps({"task": "image-to-text", "id": 0, "dep": [-1], "args": {" Image ": "e1.jpg"}}),
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="arg-keys-normalised",
    ),
    pytest.param(
        dumps(task("image-to-txt", 0, image="e1.jpg")),
        FILES,
        50,
        Err("unknown task 'image-to-txt'", "did you mean image-to-text"),
        id="unknown-task-did-you-mean",
    ),
    pytest.param(
        dumps(task("brew-coffee", 0, text="strong")),
        FILES,
        50,
        Err("unknown task 'brew-coffee'", "known tasks:", "text-to-speech"),
        id="unknown-task-lists-known",
    ),
    pytest.param(
        dumps(task("summarization", 0, 1, text="t"), task("translation", 1, 0, text="t")),
        (),
        50,
        Err("tasks [0, 1] depend on each other in a cycle"),
        id="cycle-of-2",
    ),
    pytest.param(
        dumps(
            task("summarization", 0, 2, text="t"),
            task("translation", 1, 0, text="t"),
            task("text-generation", 2, 1, text="t"),
        ),
        (),
        50,
        Err("tasks [0, 1, 2] depend on each other in a cycle"),
        id="cycle-of-3",
    ),
    pytest.param(
        dumps(
            task("summarization", 0, 1, text="t"),
            task("translation", 1, 0, text="t"),
            task("text-generation", 2, 0, text="t"),
            task("text-generation", 3, text="t"),
        ),
        (),
        50,
        Err("tasks [0, 1] depend on each other in a cycle"),
        id="cycle-names-only-its-members",
    ),
    pytest.param(
        dumps(task("summarization", 0, 0, text="t")),
        (),
        50,
        Err("task 0 (summarization) depends on itself"),
        id="self-dependency",
    ),
    pytest.param(
        dumps(task("summarization", 0, text="<GENERATED>-0")),
        (),
        50,
        Err("task 0 (summarization) uses its own output <GENERATED>-0"),
        id="self-reference",
    ),
    pytest.param(
        dumps(CAPTION, task("text-to-speech", 1, 0, text="<GENERATED>-9")),
        FILES,
        50,
        Err("refers to <GENERATED>-9 but there is no task 9"),
        id="dangling-generated",
    ),
    pytest.param(
        dumps(task("summarization", 0, 5, text="t")),
        (),
        50,
        Err("task 0 (summarization) depends on task 5, which does not exist"),
        id="dependency-on-missing-task",
    ),
    pytest.param(
        dumps(task("summarization", 0, ["first"], text="t")),
        (),
        50,
        Err("has a dependency 'first' that is not a task id"),
        id="dependency-not-an-id",
    ),
    pytest.param(
        dumps(CAPTION, task("summarization", 0, text="t")),
        FILES,
        50,
        Err("task id 0 is used twice"),
        id="duplicate-ids",
    ),
    pytest.param(
        dumps(task("summarization", -3, text="t")),
        (),
        50,
        Err("needs a whole-number 'id' of 0 or more"),
        id="negative-id",
    ),
    pytest.param(
        dumps({"task": "summarization", "dep": [-1], "args": {"text": "t"}}),
        (),
        50,
        Err("item 0 (summarization) needs a whole-number 'id'"),
        id="missing-id",
    ),
    pytest.param(
        dumps({"id": 0, "dep": [-1], "args": {"text": "t"}}), (), 50, Err("item 0 has no 'task' name"), id="no-name"
    ),
    pytest.param(
        dumps(task("image-to-text", 0, image="e9.jpg")),
        ("e1.jpg",),
        50,
        Err("uses the file 'e9.jpg', which the user did not give (files: e1.jpg)"),
        id="missing-file",
    ),
    pytest.param(
        dumps(task("image-to-text", 0, image="https://example.com/cat.png")),
        (),
        50,
        Ok([(0, "image-to-text", (), {"image": "https://example.com/cat.png"})]),
        id="https-url-allowed",
    ),
    pytest.param(
        dumps(task("automatic-speech-recognition", 0, audio="http://example.com/talk.flac")),
        (),
        50,
        Ok([(0, "automatic-speech-recognition", (), {"audio": "http://example.com/talk.flac"})]),
        id="http-url-allowed",
    ),
    pytest.param(
        dumps(task("image-to-text", 0, image="a.wav")),
        FILES,
        50,
        Err("passes the audio file 'a.wav' as its 'image'"),
        id="wrong-kind-file",
    ),
    pytest.param(
        dumps(
            task("text-to-speech", 0, text="hello"),
            task("summarization", 1, 0, text="<GENERATED>-0"),
        ),
        (),
        50,
        Err("task 1 (summarization) needs text for 'text' but task 0 produces audio, not text"),
        id="wrong-kind-reference-audio-as-text",
    ),
    pytest.param(
        dumps(task("text-to-image", 0, text="a cat"), task("image-classification", 1, 0, image="<GENERATED>-0")),
        (),
        50,
        Ok(
            [(0, "text-to-image", (), {"text": "a cat"}), (1, "image-classification", (0,), {"image": "<GENERATED>-0"})]
        ),
        id="right-kind-reference-image",
    ),
    pytest.param(
        dumps(
            task("object-detection", 0, image="e1.jpg"),
            task("image-to-image", 1, 0, image="<GENERATED>-0", text="<GENERATED>-0 as a sketch"),
        ),
        FILES,
        50,
        Ok(
            [
                (0, "object-detection", (), {"image": "e1.jpg"}),
                (1, "image-to-image", (0,), {"image": "<GENERATED>-0", "text": "<GENERATED>-0 as a sketch"}),
            ]
        ),
        id="task-with-two-output-kinds-and-optional-arg",
    ),
    pytest.param(
        dumps(task("visual-question-answering", 0, image="e1.jpg")),
        FILES,
        50,
        Err("task 0 (visual-question-answering) needs 'text' in its args"),
        id="required-arg-missing",
    ),
    pytest.param(
        dumps(task("summarization", 0, text="t", image="e1.jpg")),
        FILES,
        50,
        Err("task 0 (summarization) does not take 'image'; it takes text"),
        id="unsupported-arg-key",
    ),
    pytest.param(
        dumps({"task": "image-to-text", "id": 0, "dep": [-1], "args": "e1.jpg"}),
        FILES,
        50,
        Err("task 0 (image-to-text): 'args' must be an object"),
        id="args-not-an-object",
    ),
    pytest.param(
        dumps(task("summarization", 0, text=["a", "b"])),
        (),
        50,
        Err("argument 'text' must be a string"),
        id="arg-value-not-a-string",
    ),
    pytest.param(_many(200), (), 50, Err("the plan has 200 tasks; at most 50 are allowed"), id="200-tasks"),
    pytest.param(_many(50), (), 50, _many_ok(50), id="exactly-max-tasks"),
    pytest.param(_many(3), (), 2, Err("the plan has 3 tasks; at most 2 are allowed"), id="custom-max-tasks"),
    pytest.param(
        dumps(CAPTION, task("translation", 1, 0, text="Translate <GENERATED>-0 into French, please")),
        FILES,
        50,
        Ok([CAPTION_OK, (1, "translation", (0,), {"text": "Translate <GENERATED>-0 into French, please"})]),
        id="embedded-generated-in-text",
    ),
    pytest.param(
        dumps(CAPTION, task("text-to-speech", 1, -1, text="<GENERATED>-0")),
        FILES,
        50,
        Ok([CAPTION_OK, SPEAK_OK], ("added dependency 0 to task 1 because it uses <GENERATED>-0",)),
        id="repair-adds-dependency",
    ),
    pytest.param(
        dumps(
            CAPTION,
            task("image-classification", 1, [0, 0], image="<GENERATED>-0"),
        ),
        FILES,
        50,
        Err("task 1 (image-classification) needs image for 'image' but task 0 produces text, not image"),
        id="text-output-used-as-image",
    ),
    pytest.param(
        dumps(
            task("imag-to-text", 0, image="e1.jpg"),
            task("summarization", 1, 7, text="<GENERATED>-4"),
            task("image-classification", 2, image="missing.png"),
            task("summarization", 1, text="t"),
        ),
        FILES,
        50,
        Err(
            "unknown task 'imag-to-text'",
            "refers to <GENERATED>-4 but there is no task 4",
            "depends on task 7, which does not exist",
            "uses the file 'missing.png'",
            "task id 1 is used twice",
        ),
        id="multiple-problems-in-one-message",
    ),
    pytest.param("I'm sorry, I cannot help with that.", (), 50, Err("no JSON list of tasks"), id="no-json"),
    pytest.param("42", (), 50, Err("no JSON list of tasks"), id="json-number"),
    pytest.param('"image-to-text"', (), 50, Err("no JSON list of tasks"), id="json-string"),
    pytest.param("", (), 50, Err("no JSON list of tasks"), id="empty-reply"),
    pytest.param("[1, 2]", (), 50, Err("item 0 is not an object"), id="list-of-numbers"),
    pytest.param('{"answer": "hi"}', (), 50, Err("got an object"), id="object-without-tasks"),
    pytest.param(
        dumps(task("text-generation", 0, text="brackets ] } [ { and quotes ' \" inside a string")),
        (),
        50,
        Ok([(0, "text-generation", (), {"text": "brackets ] } [ { and quotes ' \" inside a string"})]),
        id="nested-brackets-inside-strings",
    ),
    pytest.param(
        f"Plan A: {dumps(CAPTION)}\nPlan B: {dumps(task('text-generation', 0, text='x'))}",
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="two-json-blocks-first-wins",
    ),
    pytest.param(
        f"```json\n{dumps(CAPTION)}\n```\nor\n```json\n{dumps(task('text-generation', 0, text='x'))}\n```",
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="two-fences-first-wins",
    ),
    pytest.param(
        f"[step one, step two] and then {dumps(CAPTION)}",
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="non-json-brackets-before-plan",
    ),
    pytest.param(
        dumps(CAPTION)[:-1] + " " + json.dumps(SPEAK) + "]",
        FILES,
        50,
        Err("no JSON list of tasks", "is not valid JSON"),
        id="missing-comma-is-not-truncated-to-first-task",
    ),
    pytest.param(
        '[{"task": "summarization", "id": 0, "dep": -1, "args": {"text": "a 5" tall man"}}, '
        '{"task": "translation", "id": 1, "dep": -1, "args": {"text": "x"}}]',
        (),
        50,
        Err("no JSON list of tasks", "is not valid JSON"),
        id="stray-quote-does-not-drop-a-task",
    ),
    pytest.param(
        f'First try: [{{"task": "image-to-text" "id": 0}}]\nFixed: {dumps(CAPTION)}',
        FILES,
        50,
        Ok([CAPTION_OK]),
        id="broken-block-then-valid-list",
    ),
    pytest.param(
        "[{'task': 'summarization', 'id': 0, 'dep': [-1], 'args': {'text': 'it's'}}]",
        (),
        50,
        Err("no JSON list of tasks", "is not valid JSON"),
        id="broken-quotes-do-not-fall-back-to-dep-list",
    ),
    pytest.param(
        '[{"task": "summarization", "id": 0, "dep": [-1], "args": {"text": "line one\nline two"}}]',
        (),
        50,
        Ok([(0, "summarization", (), {"text": "line one\nline two"})]),
        id="raw-newline-inside-string",
    ),
    pytest.param(
        "[{'task': 'summarization', 'id': 0, 'dep': [-1], 'args': {'text': \"a\\\\'b \\\"c\\\" don\\'t\"}}]",
        (),
        50,
        Ok([(0, "summarization", (), {"text": "a\\'b \"c\" don't"})]),
        id="python-escapes-backslash-quote",
    ),
    pytest.param(
        '[{"task": "summarization", "id": 0, "dep": [-1], "args": {"text": "<GENERATED>-' + "7" * 5000 + '"}}]',
        (),
        50,
        Err("there is no task 777"),
        id="huge-generated-number",
    ),
    pytest.param(
        '[{"task": "summarization", "id": "' + "1" * 5000 + '", "dep": [-1], "args": {"text": "t"}}]',
        (),
        50,
        Err("needs a whole-number 'id'"),
        id="huge-numeric-string-id",
    ),
]


@pytest.mark.parametrize(("reply", "files", "max_tasks", "expected"), CASES)
def test_controller_outputs(reply: str, files: tuple[str, ...], max_tasks: int, expected: Ok | Err) -> None:
    if isinstance(expected, Err):
        with pytest.raises(PlanError) as info:
            parse_plan(reply, files, max_tasks=max_tasks)
        message = str(info.value)
        for needle in expected.needles:
            assert needle in message, f"{needle!r} not in {message!r}"
        return
    plan = parse_plan(reply, files, max_tasks=max_tasks)
    assert [(t.id, t.task, t.dep, t.args) for t in plan.tasks] == expected.tasks
    assert plan.repairs == expected.repairs
    assert len(plan) == len(expected.tasks)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 35


def test_multiple_problems_are_listed_one_per_line() -> None:
    reply = dumps(task("nope", 0, text="t"), task("summarization", 1, 1, text="t"), task("summarization", 1))
    with pytest.raises(PlanError) as info:
        parse_plan(reply)
    lines = str(info.value).splitlines()
    assert lines[0] == "the plan is invalid:"
    assert len([line for line in lines if line.startswith("- ")]) == 4  # 2nd id 1 also lacks text


def test_to_json_writes_minus_one_for_no_dependency() -> None:
    plan = parse_plan(dumps(CAPTION, task("text-to-speech", 1, -1, text="<GENERATED>-0")), FILES)
    assert plan.to_json() == [
        {"task": "image-to-text", "id": 0, "dep": [-1], "args": {"image": "e1.jpg"}},
        {"task": "text-to-speech", "id": 1, "dep": [0], "args": {"text": "<GENERATED>-0"}},
    ]
    assert plan.repairs == ("added dependency 0 to task 1 because it uses <GENERATED>-0",)
    assert list(plan.tasks[1].references()) == [("text", 0)]


def test_order_puts_dependencies_first() -> None:
    reply = dumps(
        task("text-to-speech", 5, 2, text="<GENERATED>-2"),
        task("translation", 2, 0, text="<GENERATED>-0"),
        CAPTION,
    )
    plan = parse_plan(reply, FILES)
    assert [t.id for t in plan.order()] == [0, 2, 5]
    assert plan.by_id()[5].dep == (2,)


def test_extract_json_rejects_non_text() -> None:
    with pytest.raises(PlanError):
        extract_json(b"[]")  # type: ignore[arg-type]


def test_validate_plan_accepts_python_objects() -> None:
    plan = validate_plan([CAPTION, SPEAK], FILES)
    assert plan == Plan(tasks=(Task(*CAPTION_OK), Task(*SPEAK_OK)))


# --- long garbage -------------------------------------------------------------------------------

GARBAGE = {
    "open-brackets": "[" * 100_000,
    "open-braces-and-brackets": "{[" * 50_000,
    "bracket-quote": "['" * 50_000,
    "bracket-double-quote": '["' * 50_000,
    "mismatched": "[}" * 50_000,
    "unclosed-items": "[1, " * 25_000,
    "deep-nesting": "[" * 50_000 + "x" + "]" * 50_000,
    "fence-then-spaces": "```" + " " * 100_000,
    "fence-then-newlines": "```json" + "\n" * 100_000,
    "many-fences": "```[{" * 20_000,
    "prose-with-brackets": ("see [note {a, and 'b [c " * 5_000)[:100_000],
}


@pytest.mark.parametrize("reply", list(GARBAGE.values()), ids=list(GARBAGE))
def test_long_garbage_is_rejected(reply: str) -> None:
    assert len(reply) >= 100_000
    with pytest.raises(PlanError):
        parse_plan(reply)


def test_long_random_garbage_finishes() -> None:
    rng = random.Random(1234)
    reply = "".join(rng.choice("[[[{{{]}'\"`,:x 1\n\\") for _ in range(100_000))
    with contextlib.suppress(PlanError):
        parse_plan(reply)


def test_plan_after_long_garbage_prefix_is_still_found() -> None:
    reply = "intro " + "x" * 100_000 + " plan: " + dumps(CAPTION)
    assert parse_plan(reply, FILES).tasks == (Task(*CAPTION_OK),)


# --- properties ---------------------------------------------------------------------------------

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_plan_error(reply: str, files: tuple[str, ...] = FILES) -> Plan | None:
    try:
        plan = parse_plan(reply, files)
    except PlanError:
        return None
    assert isinstance(plan, Plan)
    return plan


@FAST
@given(st.text())
def test_arbitrary_text_gives_plan_or_plan_error(reply: str) -> None:
    _parse_or_plan_error(reply)


@FAST
@given(st.text(alphabet="[]{}'\",:\\ \n`-<>GENERATED0123456789truefalsnoTNF", max_size=200))
def test_bracket_soup_gives_plan_or_plan_error(reply: str) -> None:
    _parse_or_plan_error(reply)


JSON_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["<GENERATED>-0", "<GENERATED>-1", "e1.jpg", "a.wav", "-1", "0", "text-to-speech"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["task", "id", "dep", "args", "tasks", *KINDS]) | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@FAST
@given(JSON_LIKE, st.sampled_from(["json", "repr", "fenced", "prose"]))
def test_arbitrary_json_values_give_plan_or_plan_error(value: Any, form: str) -> None:
    text = repr(value) if form == "repr" else json.dumps(value)
    if form == "fenced":
        text = f"```json\n{text}\n```"
    elif form == "prose":
        text = f"Here you go: {text} -- hope it helps!"
    _parse_or_plan_error(text)


ID_LIKE = (
    st.integers(-3, 12)
    | st.sampled_from(["0", "1", " 2 ", "x", "", "-1", "1.5"])
    | st.floats(allow_nan=True)
    | st.none()
    | st.booleans()
)
ARG_VALUE = (
    st.sampled_from([*FILES, "missing.gif", "https://x.org/a.mp3", "<GENERATED>-0", "see <GENERATED>-2 now"])
    | st.builds(lambda k: f"<GENERATED>-{k}", st.integers(-2, 12))
    | st.text(max_size=10)
    | st.integers()
    | st.none()
    | st.lists(st.text(max_size=3), max_size=2)
)
TASK_NAME = (
    st.sampled_from(sorted(TASK_TYPES)) | st.sampled_from(["Image_To_Text", "imag-to-text", ""]) | st.text(max_size=12)
)


@st.composite
def plan_shaped_item(draw: st.DrawFn) -> Any:
    item: dict[str, Any] = {}
    if draw(st.booleans()) or draw(st.booleans()):
        item["task"] = draw(TASK_NAME | st.integers() | st.none())
    if draw(st.integers(0, 3)):
        item["id"] = draw(ID_LIKE)
    if draw(st.integers(0, 3)):
        item["dep"] = draw(st.lists(ID_LIKE, max_size=4) | ID_LIKE | st.dictionaries(st.text(max_size=2), ID_LIKE))
    if draw(st.integers(0, 4)):
        keys = st.sampled_from([*KINDS, "Image", " text ", "prompt"]) | st.text(max_size=5)
        item["args"] = draw(st.dictionaries(keys, ARG_VALUE, max_size=3) | ARG_VALUE)
    if draw(st.integers(0, 5)) == 0:
        item[draw(st.text(max_size=5))] = draw(JSON_LIKE)
    return item if draw(st.integers(0, 9)) else draw(JSON_LIKE)


@FAST
@given(st.lists(plan_shaped_item(), max_size=6), st.sampled_from(["json", "repr", "wrapped", "direct"]))
def test_plan_shaped_dicts_give_plan_or_plan_error(items: list[Any], form: str) -> None:
    if form == "direct":
        with contextlib.suppress(PlanError):
            validate_plan(items, FILES)
        return
    texts = {"wrapped": json.dumps({"tasks": items}), "repr": repr(items), "json": json.dumps(items)}
    text = texts[form]
    plan = _parse_or_plan_error(text)
    if plan is not None:
        _assert_consistent(plan)


def _producers(kind: str) -> set[str]:
    return {name for name, spec in TASK_TYPES.items() if kind in spec.produces}


PLAIN_TEXT = st.text(max_size=15).filter(lambda s: not GENERATED.search(s))
FILES_OF_KIND = {"image": ["e1.jpg", "e2.png"], "audio": ["a.wav", "b.mp3"], "video": ["clip.mp4"]}


@st.composite
def valid_plans(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[int]]:
    """A random valid DAG plan (shuffled), and the ids whose `<GENERATED>` uses are missing from dep."""
    n = draw(st.integers(0, 8))
    ids = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n, unique=True))
    names: list[str] = []
    items: list[dict[str, Any]] = []
    missing_dep: list[int] = []
    for position, tid in enumerate(ids):
        name = draw(st.sampled_from(sorted(TASK_TYPES)))
        spec = TASK_TYPES[name]
        optional = [k for k in spec.accepts if k not in spec.requires]
        kinds = list(spec.requires) + [k for k in optional if draw(st.booleans())]
        args: dict[str, str] = {}
        refs: list[int] = []
        for kind in kinds:
            earlier = [ids[j] for j in range(position) if kind in TASK_TYPES[names[j]].produces]
            use_reference: bool = draw(st.booleans())
            if earlier and use_reference:
                ref = draw(st.sampled_from(earlier))
                refs.append(ref)
                args[kind] = f"<GENERATED>-{ref}"
                if kind == "text" and draw(st.booleans()):
                    args[kind] = f"{draw(PLAIN_TEXT)} <GENERATED>-{ref} {draw(PLAIN_TEXT)}"
            elif kind == "text":
                args[kind] = draw(PLAIN_TEXT)
            else:
                args[kind] = draw(st.sampled_from([*FILES_OF_KIND[kind], f"https://example.org/x.{kind}"]))
        extra = draw(st.lists(st.sampled_from(ids[:position]), max_size=2)) if position else []
        dep = list(dict.fromkeys(refs + extra))
        if refs and draw(st.integers(0, 4)) == 0:
            dropped = refs[0]
            dep.remove(dropped)
            missing_dep.append(tid)
        names.append(name)
        items.append({"task": name, "id": tid, "dep": dep or [-1], "args": args})
    order = draw(st.permutations(range(n)))
    return [items[i] for i in order], missing_dep


def _assert_consistent(plan: Plan) -> None:
    ids = [t.id for t in plan.tasks]
    assert len(set(ids)) == len(ids)
    ordered = plan.order()
    assert sorted(t.id for t in ordered) == sorted(ids)
    position = {t.id: i for i, t in enumerate(ordered)}
    for t in plan.tasks:
        for d in t.dep:
            assert position[d] < position[t.id]
        for kind, ref in t.references():
            assert ref in t.dep
            assert kind in TASK_TYPES[plan.by_id()[ref].task].produces


@FAST
@given(valid_plans())
def test_valid_plans_round_trip_and_order_respects_dependencies(generated: tuple[list[Any], list[int]]) -> None:
    items, missing_dep = generated
    plan = parse_plan(json.dumps(items), FILES)
    assert len(plan) == len(items)
    assert len(plan.repairs) == len(missing_dep)
    _assert_consistent(plan)
    again = parse_plan(json.dumps(plan.to_json()), FILES)
    assert again.tasks == plan.tasks
    assert again.repairs == ()
    if not missing_dep:
        assert again == plan
        assert plan.to_json() == items
    # The Python spelling (single quotes, repr escapes) gives the same tasks, or, where repr writes
    # \x/\U escapes that JSON lacks, a PlanError: never a different (e.g. truncated) plan.
    printable = all(c.isprintable() or c in "\t\n\r" for t in plan.tasks for v in t.args.values() for c in v)
    try:
        assert parse_plan(repr(plan.to_json()), FILES).tasks == plan.tasks
    except PlanError:
        assert not printable


@FAST
@given(valid_plans(), st.text(alphabet=st.characters(blacklist_characters="[]{}'\"`\\"), max_size=40))
def test_valid_plan_inside_prose_is_found(generated: tuple[list[Any], list[int]], prose: str) -> None:
    items, _ = generated
    plan = parse_plan(json.dumps(items), FILES)
    assert parse_plan(f"{prose}\n{json.dumps(items)}\n{prose}", FILES) == plan
    assert parse_plan(f"{prose}\n```json\n{json.dumps(items, indent=2)}\n```\n{prose}", FILES) == plan
