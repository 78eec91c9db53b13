"""The embedded controller's own parts: tool graphs into task plans, template answers, the invention check."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from helpers import RecordingExperts
from hugginggpt.answer import TemplateResponder, invented, template_answer
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.embedded import EmbeddedStages, embedded_stages
from hugginggpt.errors import PlanError
from hugginggpt.eval.toolset import ToolSet
from hugginggpt.events import AnswerDelta, Event
from hugginggpt.llm.scripted import ScriptedModel
from hugginggpt.planning.base import ToolGraph
from hugginggpt.planning.stage import ToolPlanningStage, to_task_plan
from hugginggpt.responder import TaskReport

READ_ALOUD = ToolGraph(
    (
        {"task": "image-to-text", "arguments": ["note.png"]},
        {"task": "text-to-speech", "arguments": ["<node-0>"]},
        {"task": "question-answering", "arguments": ["What is open?", "<node-0>"]},
    )
)


class FixedPlanner:
    """A tool planner that returns one graph (or raises), recording what it was asked."""

    name = "fixed"

    def __init__(self, graph: ToolGraph | None) -> None:
        self.graph = graph
        self.asked: list[tuple[str, list[str]]] = []

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        self.asked.append((request, list(files)))
        if self.graph is None:
            raise PlanError("no idea")
        return self.graph


def test_tool_graph_becomes_a_task_plan() -> None:
    assert to_task_plan(READ_ALOUD) == [
        {"task": "image-to-text", "id": 0, "dep": [-1], "args": {"image": "note.png"}},
        {"task": "text-to-speech", "id": 1, "dep": [0], "args": {"text": "<GENERATED>-0"}},
        {"task": "question-answering", "id": 2, "dep": [0], "args": {"text": "What is open?\n<GENERATED>-0"}},
    ]


def test_object_detection_output_feeds_an_image_argument() -> None:
    graph = ToolGraph(
        ({"task": "object-detection", "arguments": ["a.jpg"]}, {"task": "image-to-image", "arguments": ["<node-0>"]})
    )
    assert to_task_plan(graph)[1]["args"] == {"image": "<GENERATED>-0"}


def report(task_id: int, task: str, text: str, files: tuple[str, ...] = (), status: str = "done") -> TaskReport:
    return TaskReport(task_id, task, {}, f"builtin/{task}", "", status, text, files, None if status == "done" else "x")


def test_template_answer_states_only_the_results() -> None:
    answer = template_answer(
        "Read note.png aloud",
        [report(0, "image-to-text", "OPEN 9-5"), report(1, "text-to-speech", "spoke 2.1 s", ("runs/r/t1.wav",))],
    )
    # The answer first (what was read, the spoken file), then who did it.
    assert answer.startswith("OPEN 9-5\nHere it is read aloud: runs/r/t1.wav.")
    assert answer.endswith("Models: image-to-text by builtin/image-to-text; text-to-speech by builtin/text-to-speech.")
    assert "no model looked at note.png" in template_answer("Read note.png", [], ["note.png"])


@pytest.mark.parametrize(
    ("answer", "bad"),
    [
        ("The note says OPEN 9-5 and the audio is in runs/r/t1.wav.", []),
        ("The shop opens at 10.", ["10"]),
        ("I count 4 people.", ["4"]),  # "4" is not known because "0.04" is: numbers match as whole tokens
        ("Maria wrote the note.", ["Maria"]),
        ("Listen to it in summary.wav", ["summary.wav"]),
    ],
)
def test_invention_check(answer: str, bad: list[str]) -> None:
    sources = ["Read note.png aloud", "- image-to-text: OPEN 9-5 [file: runs/r/t1.wav]", "person (0.04)"]
    assert invented(answer, sources) == bad


async def test_phrased_answer_is_kept_only_when_it_invents_nothing() -> None:
    reports = [report(0, "image-to-text", "OPEN 9-5")]
    events: list[Event] = []
    honest = TemplateResponder(ScriptedModel(["The sign says OPEN 9-5."]))
    assert (await honest.respond("Read it", reports, [], events.append)).text == "The sign says OPEN 9-5."
    liar = TemplateResponder(ScriptedModel(["The sign says OPEN 9-5, written by Maria in 1999."]))
    reply = await liar.respond("Read it", reports, [], events.append)
    assert reply.text.startswith("OPEN 9-5")
    assert isinstance(events[-1], AnswerDelta) and events[-1].text == reply.text


async def test_embedded_stages_run_the_pipeline_without_a_language_model(tmp_path: Path) -> None:
    Path("note.png").write_bytes(b"png")
    planner = FixedPlanner(READ_ALOUD)
    stages = EmbeddedStages(ScriptedModel([]), ToolPlanningStage(planner), TemplateResponder())
    experts = RecordingExperts()
    controller = HuggingGPT(Settings(), stages.model, [experts], stages=stages)
    result = await controller.run("Read note.png aloud and tell me what is open", [Path("note.png")])
    assert result.ok and [c.task for c in experts.calls] == ["image-to-text", "text-to-speech", "question-answering"]
    assert planner.asked == [("Read note.png aloud and tell me what is open", ["note.png"])]
    assert (
        result.answer.startswith("Answer: [echo of question-answering")
        and "Here it is read aloud: runs/" in result.answer
    )
    trace = json.loads(result.trace_path.read_text())
    assert trace["usage"]["total"]["calls"] == 0  # no language model was called at all


async def test_planner_failure_fails_the_run_cleanly() -> None:
    stages = EmbeddedStages(ScriptedModel([]), ToolPlanningStage(FixedPlanner(None)), TemplateResponder())
    controller = HuggingGPT(Settings(), stages.model, [RecordingExperts()], stages=stages)
    result = await controller.run("do something")
    assert not result.ok and "the fixed planner found no plan: no idea" in (result.error or "")


async def test_the_default_embedded_controller_runs_a_request_that_quotes_no_text(tmp_path: Path) -> None:
    """The real fast planner: a text input the request gives only in its own words is filled from it, so
    the plan passes the validator and runs (the benchmark leaves such texts out; the controller cannot)."""
    experts = RecordingExperts()
    settings = Settings(runs_dir=tmp_path, llm_backend="embedded")
    stages = embedded_stages(settings, [experts])
    controller = HuggingGPT(settings, stages.model, [experts], stages=stages)
    result = await controller.run("Write a short poem about the sea and read it aloud")
    assert result.ok, result.error
    assert experts.calls and all(call.text for call in experts.calls if call.task == "text-to-speech")


def data_report(task: str, output: str, data: object, **args: str) -> TaskReport:
    return TaskReport(0, task, dict(args), f"builtin/{task}", "", "done", output, (), None, 0.1, data)


def test_answers_answer_the_question_asked() -> None:
    boxes = {"objects": [{"label": "cup"}, {"label": "bowl"}, {"label": "cup"}]}
    detection = data_report("object-detection", "cup (0.9), bowl (0.8), cup (0.7)", boxes, image="coffee.png")
    assert template_answer("how many cups are there?", [detection]).startswith("I count 2 cups in coffee.png.")
    assert template_answer("is there a dog?", [detection]).startswith("No: the detector found no dog in coffee.png.")
    assert template_answer("Is there a bowl in it?", [detection]).startswith("Yes: the detector found 1 bowl")
    silence = data_report(
        "audio-classification", "no speech (0.91)", {"labels": [{"label": "no speech"}]}, audio="a.wav"
    )
    assert template_answer("is anyone talking?", [silence]).startswith("No, there is no speech in a.wav")
    mood = data_report("text-classification", "negative (-0.6 on a -1 to +1 scale)", {"label": "negative"}, text="it")
    assert template_answer("does she sound happy?", [mood]).startswith("No: the text sounds negative")
    assert template_answer("positive or negative?", [mood]).startswith("The text sounds negative")
    people = {"entities": [{"text": "Maria", "label": "PERSON"}, {"text": "Friday", "label": "DATE"}]}
    ner = data_report("token-classification", "Maria (PERSON), Friday (DATE)", people, text="it")
    assert template_answer("who is mentioned?", [ner]).startswith("It mentions Maria (person) and Friday (date).")


async def test_a_phrased_answer_that_invents_a_count_is_refused() -> None:
    """The local LLM once stated a number of people after only an image classifier ran; "4" is not known
    because "0.04" is."""
    reports = [data_report("image-classification", "person (0.04), suit (0.02)", None, image="group.jpg")]
    liar = TemplateResponder(ScriptedModel(["There are 4 people in group.jpg."]))
    reply = await liar.respond("how many people are there?", reports, [], lambda event: None)
    assert "4 people" not in reply.text and reply.text.startswith("group.jpg most likely shows: person (0.04)")


def test_answers_do_not_misread_the_question_or_repeat_themselves() -> None:
    labels = data_report("image-classification", "missile (0.40), projectile (0.29)", {}, image="r.jpg")
    assert template_answer("what is this a picture of?", [labels]).startswith("r.jpg most likely shows: missile")
    assert template_answer("is this a fox?", [labels]).startswith("Probably not a fox")
    topics = data_report(
        "text-classification", "transport (0.57); others: sports (0.25)", {"label": "transport", "scores": {}}
    )
    assert template_answer("sports or transport?", [topics]).startswith("It is about transport (0.57); others: sports")
    boxes = {"objects": [{"label": "person"}], "classes": ["cup", "person"]}
    detection = data_report("object-detection", "person (0.9)", boxes, image="r.jpg")
    assert "rocket is not one of them" in template_answer("how many rockets are there?", [detection])
    assert template_answer("how many cups?", [detection]).startswith("I count 0 cups")


def test_credits_name_the_engine_that_ran_inside_an_expert() -> None:
    fallback = data_report("translation", "Bonjour", {"engine": "qwen2.5-coder-1.5b"}, text="hello")
    assert "translation by builtin/translation (run by qwen2.5-coder-1.5b)" in template_answer("in french", [fallback])
