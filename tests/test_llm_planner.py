"""Tests for the LLM tool planner (schema, prompt, repair).

Most use a ScriptedModel, which records the schema it is given and ignores it; two use the real local
Qwen GGUF on a small tool set, skipped when it is not prepared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hugginggpt.errors import PlanError
from hugginggpt.eval.toolset import Tool, ToolSet
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.llm.llamacpp import LlamaCppChatModel
from hugginggpt.llm.scripted import ScriptedModel
from hugginggpt.planning.base import ToolGraph, graph_problems
from hugginggpt.planning.llm import LlmToolPlanner, Resources

TOOLS = ToolSet(
    (
        Tool("Image Classification", "Assigns a label to an image.", ("image",), ("text",)),
        Tool("Object Detection", "Finds the objects in an image.", ("image",), ("text",)),
        Tool("Text-to-Speech", "Reads a text aloud.", ("text",), ("audio",)),
        Tool("Automatic Speech Recognition", "Transcribes speech in an audio file.", ("audio",), ("text",)),
        Tool("Translation", "Translates a text into another language.", ("text",), ("text",)),
        Tool("Visual Question Answering", "Answers a question about an image.", ("image", "text"), ("text",)),
        Tool("Sentence Similarity", "How similar two texts are.", ("text", "text"), ()),
    )
)
API_TOOLS = ToolSet(
    (
        Tool(
            "get_weather",
            "The weather forecast for a city on a date.",
            (),
            (),
            ({"name": "city", "type": "string", "desc": "city"}, {"name": "date", "type": "string", "desc": "day"}),
        ),
        Tool(
            "send_email",
            "Sends an email.",
            (),
            (),
            ({"name": "to", "type": "string", "desc": "address"}, {"name": "body", "type": "string", "desc": "text"}),
        ),
    )
)
REQUEST = "Please describe 'photo.jpg' and read the result aloud, then translate 'Good morning to all of you, friends'."


def reply(*nodes: dict[str, Any]) -> str:
    return json.dumps(list(nodes))


def node(task: str, *arguments: Any) -> dict[str, Any]:
    return {"task": task, "arguments": list(arguments)}


def plan_with(text: str, request: str = REQUEST, tools: ToolSet = TOOLS, **options: Any) -> ToolGraph:
    graph = LlmToolPlanner(ScriptedModel([text]), **options).plan(request, tools)
    assert graph_problems(graph, tools) == []
    return graph


def node_schema(schema: dict[str, Any], i: int) -> dict[str, Any]:
    return schema["$defs"][f"node{i}"]  # type: ignore[no-any-return]


def variants(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Tool name -> that tool's object schema, in a typed node schema."""
    options = schema.get("anyOf", [schema])
    return {o["properties"]["task"]["const"]: o for o in options}


# --- the schema ---------------------------------------------------------------------------------------------


def test_the_schema_limits_tasks_to_the_tool_set_and_arguments_to_resources_and_earlier_nodes() -> None:
    model = ScriptedModel([reply(node("Image Classification", "photo.jpg"))])
    LlmToolPlanner(model, max_nodes=3).plan(REQUEST, TOOLS)
    schema = model.calls[0].schema
    assert schema is not None
    lengths = schema["anyOf"]
    assert [len(option["prefixItems"]) for option in lengths] == [1, 2, 3]
    assert [item["$ref"] for item in lengths[2]["prefixItems"]] == ["#/$defs/node0", "#/$defs/node1", "#/$defs/node2"]
    first, third = variants(node_schema(schema, 0)), variants(node_schema(schema, 2))
    assert set(third) <= set(TOOLS.names)
    # An image tool may take the image file, or an earlier node's output; never a later one or itself.
    assert first["Image Classification"]["properties"]["arguments"]["prefixItems"] == [{"enum": ["photo.jpg"]}]
    image_slot = third["Object Detection"]["properties"]["arguments"]["prefixItems"][0]["enum"]
    assert image_slot == ["photo.jpg", "<node-0>", "<node-1>"]
    text_slot = third["Translation"]["properties"]["arguments"]["prefixItems"][0]["enum"]
    assert "Good morning to all..." in text_slot and "<node-2>" not in text_slot
    # Sentence Similarity takes two texts: a tuple of two.
    pair = third["Sentence Similarity"]["properties"]["arguments"]
    assert pair["minItems"] == pair["maxItems"] == 2


def test_a_tool_whose_input_cannot_be_given_is_left_out_of_the_first_node() -> None:
    model = ScriptedModel([reply(node("Image Classification", "photo.jpg"))])
    LlmToolPlanner(model).plan("Classify 'photo.jpg'.", TOOLS)
    schema = model.calls[0].schema
    assert schema is not None
    first = variants(node_schema(schema, 0))
    assert "Automatic Speech Recognition" not in first  # no audio file and no earlier node
    assert "Automatic Speech Recognition" in variants(node_schema(schema, 1))  # node 0 may produce audio


def test_untyped_schema_uses_one_enum_of_all_resources() -> None:
    model = ScriptedModel([reply(node("Image Classification", "photo.jpg"))])
    LlmToolPlanner(model, typed=False).plan(REQUEST, TOOLS)
    schema = model.calls[0].schema
    assert schema is not None
    second = node_schema(schema, 1)["properties"]
    assert second["task"]["enum"] == TOOLS.names
    assert second["arguments"]["items"]["enum"] == ["photo.jpg", "Good morning to all...", "<node-0>"]


def test_top_k_keeps_only_the_most_relevant_tools() -> None:
    planner = LlmToolPlanner(ScriptedModel([]), top_k=2)
    names = planner.relevant_tools("Translate this text into French and read it aloud as speech", TOOLS)
    assert set(names) == {"Translation", "Text-to-Speech"}


def test_long_quoted_texts_are_written_short_and_read_back_in_full() -> None:
    long_text = "Good morning to all of you, friends"
    resources = Resources.of(REQUEST)
    assert resources.files == ("photo.jpg",)
    assert resources.shown() == {"photo.jpg": "photo.jpg", "Good morning to all...": long_text}
    graph = plan_with(reply(node("Translation", "Good morning to all...")))
    assert graph.nodes[0]["arguments"] == [long_text]


def test_a_request_with_nothing_quoted_is_itself_the_text() -> None:
    request = "I feel a little sad today, can you cheer me up?"
    assert Resources.of(request).texts == (request,)


# --- the prompt ---------------------------------------------------------------------------------------------


def test_the_prompt_prefix_is_the_same_for_every_request() -> None:
    model = ScriptedModel([reply(node("Translation", "Hi")), reply(node("Object Detection", "a.png"))])
    planner = LlmToolPlanner(model)
    planner.plan("Translate 'Hi' into German.", TOOLS)
    planner.plan("What objects are in 'a.png'?", TOOLS)
    first, second = (call.messages for call in model.calls)
    assert first[:-1] == second[:-1]
    assert first[-1] != second[-1] and "a.png" in second[-1]["content"]
    system = first[0]["content"]
    assert all(name in system for name in TOOLS.names)
    assert "(image, text -> text)" in system  # input and output types
    # Only demonstrations whose tools are all in the tool set are shown.
    demos = [json.loads(m["content"]) for m in first[1:-1] if m["role"] == "assistant"]
    assert demos and all({n["task"] for n in demo} <= set(TOOLS.names) for demo in demos)


def test_a_tool_set_the_demonstrations_do_not_cover_gets_one_made_from_its_tools() -> None:
    tools = ToolSet(
        (
            Tool("Scan", "Reads a barcode in an image.", ("image",), ("text",)),
            Tool("Lookup", "Finds a product by its code.", ("text",), ("text",)),
        )
    )
    model = ScriptedModel([reply(node("Scan", "code.png"))])
    LlmToolPlanner(model).plan("What product is 'code.png'?", tools)
    messages = model.calls[0].messages
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user"]
    assert json.loads(messages[2]["content"]) == [node("Scan", "example.jpg"), node("Lookup", "<node-0>")]


# --- reading and repairing answers --------------------------------------------------------------------------


def test_unknown_tools_are_matched_by_spelling_or_dropped() -> None:
    graph = plan_with(
        reply(
            node("image classification", "photo.jpg"),
            node("Teleportation", "<node-0>"),
            node("Text-to-Speech", "<node-0>"),
        )
    )
    assert [n["task"] for n in graph.nodes] == ["Image Classification", "Text-to-Speech"]
    assert graph.nodes[1]["arguments"] == ["<node-0>"]
    assert graph.links == ({"source": "Image Classification", "target": "Text-to-Speech"},)


def test_a_forward_reference_is_fixed_by_reordering() -> None:
    graph = plan_with(reply(node("Text-to-Speech", "<node-1>"), node("Image Classification", "photo.jpg")))
    assert [n["task"] for n in graph.nodes] == ["Image Classification", "Text-to-Speech"]
    assert graph.nodes[1]["arguments"] == ["<node-0>"]


def test_self_references_and_cycles_are_dropped() -> None:
    graph = plan_with(
        reply(
            node("Translation", "<node-0>", "<node-1>"),
            node("Text-to-Speech", "<node-0>"),
        )
    )
    assert graph.nodes[0]["arguments"] == []  # its self-reference, and the cycle with node 1, are gone
    assert graph.nodes[1]["arguments"] == ["<node-0>"]


def test_references_to_dropped_nodes_go_and_the_rest_is_renumbered() -> None:
    graph = plan_with(
        reply(node("Nonsense", "x"), node("Translation", "<node-0>", "Hi"), node("Text-to-Speech", "<node-1>"))
    )
    assert graph.nodes == (
        {"task": "Translation", "arguments": ["Hi"]},
        {"task": "Text-to-Speech", "arguments": ["<node-0>"]},
    )


def test_free_text_with_prose_fences_and_other_spellings_is_read() -> None:
    text = (
        "Sure! Here is the plan:\n```json\n{'tasks': [{'task': 'Object Detection', 'args': {'image': 'photo.jpg'}},"
        " {'task': 'Text-to-Speech', 'arguments': '<GENERATED>-0'},]}\n```"
    )
    graph = plan_with(text)
    assert graph.nodes == (
        {"task": "Object Detection", "arguments": ["photo.jpg"]},
        {"task": "Text-to-Speech", "arguments": ["<node-0>"]},
    )


def test_a_plan_longer_than_max_nodes_is_cut_without_dangling_references() -> None:
    text = reply(
        node("Translation", "Hi"), node("Text-to-Speech", "<node-0>"), node("Automatic Speech Recognition", "<node-1>")
    )
    graph = plan_with(text, max_nodes=2)
    assert len(graph.nodes) == 2


@pytest.mark.parametrize("text", ["[]", "no plan at all", reply(node("Teleportation", "x")), '{"answer": 42}'])
def test_an_answer_with_no_usable_node_is_a_plan_error(text: str) -> None:
    with pytest.raises(PlanError):
        LlmToolPlanner(ScriptedModel([text])).plan(REQUEST, TOOLS)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*TOOLS.names, "Unknown Tool", "text-to-speech"]),
            st.lists(st.one_of(st.integers(-2, 7).map(lambda k: f"<node-{k}>"), st.sampled_from(["photo.jpg", "Hi"]))),
        ),
        max_size=9,
    )
)
def test_any_answer_gives_a_valid_graph_or_a_plan_error(raw: list[tuple[str, list[str]]]) -> None:
    text = reply(*(node(task, *args) for task, args in raw))
    try:
        graph = LlmToolPlanner(ScriptedModel([text]), max_nodes=5).plan(REQUEST, TOOLS)
    except PlanError:
        return
    assert graph.nodes and len(graph.nodes) <= 5
    assert graph_problems(graph, TOOLS) == []


def test_a_model_past_its_deadline_is_a_plan_error() -> None:
    model = ScriptedModel([reply(node("Translation", "Hi"))], latency=0.05)
    with pytest.raises(PlanError, match="within"):
        LlmToolPlanner(model, deadline_s=0.01).plan(REQUEST, TOOLS)
    assert model.calls[0].streamed


# --- API-style tool sets ------------------------------------------------------------------------------------


def test_api_tools_get_name_value_arguments_and_links() -> None:
    answer = {
        "nodes": [
            {
                "task": "get_weather",
                "arguments": [{"name": "city", "value": "Paris"}, {"name": "date", "value": "today"}],
            },
            {
                "task": "send_email",
                "arguments": [{"name": "to", "value": "a@b.c"}, {"name": "body", "value": "<node-0>"}],
            },
        ],
        "links": [{"source": "get_weather", "target": "send_email"}, {"source": "get_weather", "target": "nowhere"}],
    }
    model = ScriptedModel([json.dumps(answer)])
    graph = LlmToolPlanner(model).plan("Email a@b.c the weather in Paris today.", API_TOOLS)
    assert graph_problems(graph, API_TOOLS) == []
    assert graph.nodes[1]["arguments"][1] == {"name": "body", "value": "<node-0>"}
    assert graph.links == ({"source": "get_weather", "target": "send_email"},)
    schema = model.calls[0].schema
    assert schema is not None and set(schema["required"]) == {"nodes", "links"}
    second = variants(schema["$defs"]["node1"])
    argument = second["send_email"]["properties"]["arguments"]["items"]
    assert argument["properties"]["name"]["enum"] == ["to", "body"]
    assert {"enum": ["<node-0>"]} in argument["properties"]["value"]["anyOf"]
    system = model.calls[0].messages[0]["content"]
    assert "get_weather(city, date)" in system


def test_api_arguments_given_as_an_object_are_read() -> None:
    answer = {"nodes": [{"task": "get_weather", "arguments": {"city": "Oslo"}}], "links": []}
    graph = plan_with(json.dumps(answer), "Weather in Oslo?", API_TOOLS)
    assert graph.nodes == ({"task": "get_weather", "arguments": [{"name": "city", "value": "Oslo"}]},)


# --- the real local model -----------------------------------------------------------------------------------

ASSETS = Assets(default_models_dir())
needs_gguf = pytest.mark.skipif(not ASSETS.gguf_ready(), reason="the Qwen GGUF is not prepared; run `make install`")


@pytest.fixture(scope="module")
def local_model() -> Iterator[LlamaCppChatModel]:
    loaded = LlamaCppChatModel(ASSETS.gguf, max_tokens=96, slots=1).load()
    yield loaded
    loaded.close()


@needs_gguf
@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("Please transcribe the recording 'meeting.wav' for me.", [("Automatic Speech Recognition", ["meeting.wav"])]),
        (
            "Translate 'I love this city' into Spanish and then read the translation aloud.",
            [("Translation", ["I love this city"]), ("Text-to-Speech", ["<node-0>"])],
        ),
    ],
)
def test_the_local_model_plans_easy_requests(
    local_model: LlamaCppChatModel, request_text: str, expected: list[tuple[str, list[str]]]
) -> None:
    graph = LlmToolPlanner(local_model, max_nodes=3).plan(request_text, TOOLS)
    assert graph_problems(graph, TOOLS) == []
    assert [(n["task"], n["arguments"]) for n in graph.nodes] == expected
