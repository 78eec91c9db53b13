"""TaskBench metrics on hand-made cases with known F1 values, the evaluation runner, predictions files
and the `eval taskbench` command."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hugginggpt.errors import PlanError
from hugginggpt.eval import cli as eval_cli
from hugginggpt.eval.taskbench import (
    Counts,
    content_type,
    evaluate,
    format_report,
    percentile,
    read_predictions,
    sample_counts,
    score,
    write_predictions,
)
from hugginggpt.eval.toolset import Sample, Tool, ToolSet, load_samples, split_samples
from hugginggpt.planning.base import ToolGraph, graph_problems

MINI = Path(__file__).parent / "data" / "taskbench_mini"
SHARED = Path("/work/shared/taskbench/huggingface")

TOOLS = ToolSet(
    (
        Tool("Text-to-Image", "", ("text",), ("image",)),
        Tool("Image-to-Text", "", ("image",), ("text",)),
        Tool("Translation", "", ("text",), ("text",)),
        Tool("Text-to-Speech", "", ("text",), ("audio",)),
        Tool("Text Generation", "", ("text",), ("text",)),
    )
)

API_TOOLS = ToolSet(
    (
        Tool("get_weather", "", (), (), ({"name": "city", "type": "string", "desc": ""},)),
        Tool(
            "send_email",
            "",
            (),
            (),
            ({"name": "to", "type": "string", "desc": ""}, {"name": "body", "type": "string", "desc": ""}),
        ),
    )
)


def node(task: str, *arguments: Any) -> dict[str, Any]:
    return {"task": task, "arguments": list(arguments)}


def sample(sid: str, kind: str, *nodes: dict[str, Any], links: Sequence[dict[str, str]] = ()) -> Sample:
    return Sample(sid, kind, f"request {sid}", tuple(nodes), tuple(links))


def graph(*nodes: dict[str, Any], links: Sequence[dict[str, str]] = ()) -> ToolGraph:
    return ToolGraph(tuple(nodes), tuple(links) or ToolGraph.links_from_arguments(nodes))


def f1s(gold: Sample, predicted: ToolGraph | None, tools: ToolSet = TOOLS) -> tuple[float | None, ...]:
    counts = sample_counts(gold, predicted, tools)
    return counts.node.f1, counts.edge.f1, counts.arg_name.f1, counts.arg_value.f1


CHAIN = sample("c", "chain", node("Text-to-Image", "a cat"), node("Image-to-Text", "<node-0>"))


# --- metrics ------------------------------------------------------------------------------------------


def test_counts_f1() -> None:
    assert Counts(2, 1, 1).f1 == pytest.approx(2 / 3)
    assert Counts(2, 1, 1).precision == pytest.approx(2 / 3)
    assert Counts(0, 0, 0).f1 is None  # nothing on either side: nothing to measure
    assert Counts(0, 1, 0).f1 == 0.0
    assert Counts.of(["a", "a", "b"], ["a", "c"]) == Counts(1, 1, 1)  # per-sample sets


def test_content_type_follows_evaluate_py() -> None:
    assert content_type("example.jpg") == "image"
    assert content_type("'photo.png'") == "image"
    assert content_type("song.mp3") == "audio"
    assert content_type("clip.mp4") == "video"
    assert content_type("Hello, world") == "text"


def test_perfect_prediction_scores_one() -> None:
    assert f1s(CHAIN, graph(*CHAIN.task_nodes)) == (1.0, 1.0, 1.0, 1.0)


def test_missing_node() -> None:
    node_f1, edge_f1, name_f1, value_f1 = f1s(CHAIN, graph(node("Text-to-Image", "a cat")))
    assert node_f1 == pytest.approx(2 / 3)  # tp 1, fn 1
    assert edge_f1 == 0.0
    assert name_f1 == pytest.approx(2 / 3)
    assert value_f1 == pytest.approx(2 / 3)


def test_extra_node() -> None:
    gold = sample("s", "single", node("Image-to-Text", "example.jpg"))
    predicted = graph(node("Image-to-Text", "example.jpg"), node("Translation", "<node-0>"))
    node_f1, edge_f1, name_f1, value_f1 = f1s(gold, predicted)
    assert node_f1 == pytest.approx(2 / 3)  # tp 1, fp 1
    assert edge_f1 == 0.0  # an edge where the gold has none
    assert name_f1 == pytest.approx(2 / 3)
    assert value_f1 == pytest.approx(2 / 3)


def test_wrong_edge_changes_the_argument_type_too() -> None:
    gold = sample(
        "d",
        "chain",
        node("Text-to-Image", "a dog"),
        node("Image-to-Text", "<node-0>"),
        node("Text-to-Speech", "<node-1>"),
    )
    predicted = graph(
        node("Text-to-Image", "a dog"),
        node("Image-to-Text", "<node-0>"),
        node("Text-to-Speech", "<node-0>"),  # fed the image instead of the caption
    )
    node_f1, edge_f1, name_f1, value_f1 = f1s(gold, predicted)
    assert node_f1 == 1.0
    assert edge_f1 == pytest.approx(0.5)  # tp 1, fp 1, fn 1
    assert name_f1 == pytest.approx(2 / 3)  # Text-to-Speech-image instead of Text-to-Speech-text
    assert value_f1 == pytest.approx(2 / 3)


def test_wrong_argument_value_and_type() -> None:
    gold = sample("t", "single", node("Translation", "Hello"))
    assert f1s(gold, graph(node("Translation", "Bonjour"))) == (1.0, None, 1.0, 0.0)
    gold = sample("i", "single", node("Image-to-Text", "example.jpg"))
    assert f1s(gold, graph(node("Image-to-Text", "example.wav"))) == (1.0, None, 0.0, 0.0)


def test_tool_outside_the_tool_set_is_ignored_for_node_f1_only() -> None:
    gold = sample("s", "single", node("Image-to-Text", "example.jpg"))
    node_f1, _, name_f1, _ = f1s(gold, graph(node("Image-to-Text", "example.jpg"), node("Magic Tool", "x")))
    assert node_f1 == 1.0
    assert name_f1 == pytest.approx(2 / 3)  # "Magic Tool-text" is still a false positive
    noisy_gold = sample("n", "chain", node("Image-to-Text", "example.jpg"), node("Magic Tool", "<node-0>"))
    assert f1s(noisy_gold, graph(node("Image-to-Text", "example.jpg")))[0] == 1.0


def test_resource_arguments_read_like_evaluate_py() -> None:
    # dict arguments by their first value, underscores read as spaces, a self-reference dropped
    gold = sample("g", "single", node("Text Generation", {"text": "a poem"}, "<node-0>"))
    assert f1s(gold, graph(node("Text_Generation", "a poem"))) == (1.0, None, 1.0, 1.0)


def test_missing_prediction_is_an_empty_graph() -> None:
    counts = sample_counts(CHAIN, None, TOOLS)
    assert counts.node == Counts(0, 0, 2)
    assert counts.edge == Counts(0, 0, 1)
    assert counts.node.f1 == 0.0


def test_api_domain_uses_name_value_arguments_and_task_links() -> None:
    assert API_TOOLS.api_style
    link = {"source": "get_weather", "target": "send_email"}
    gold = sample(
        "a",
        "chain",
        node("get_weather", {"name": "city", "value": "Paris"}),
        node("send_email", {"name": "to", "value": "a@b.c"}, {"name": "body", "value": "<node-0>"}),
        links=[link],
    )
    assert f1s(gold, ToolGraph(gold.task_nodes, (link,)), API_TOOLS) == (1.0, 1.0, 1.0, 1.0)
    predicted = ToolGraph(
        (
            node("get_weather", {"name": "city", "value": "Paris"}),
            node("send_email", {"name": "to", "value": "a@b.c"}, {"name": "body", "value": "the weather"}),
        )
    )  # no task_links: in API domains edges come from them, not from the arguments
    node_f1, edge_f1, name_f1, value_f1 = f1s(gold, predicted, API_TOOLS)
    assert node_f1 == 1.0  # API tool names keep their underscores
    assert edge_f1 == 0.0
    assert name_f1 == 1.0
    assert value_f1 == pytest.approx(2 / 3)  # send_email-body-<node-0> vs send_email-body-the weather


def test_micro_average_and_per_type_breakdown() -> None:
    single = sample("s", "single", node("Translation", "Hello"))
    gold = [CHAIN, single]
    scores = score(gold, {"c": graph(*CHAIN.task_nodes)}, TOOLS)  # no prediction for "s"
    assert scores.overall.samples == 2
    assert scores.overall.node == Counts(2, 0, 1)
    assert scores.node_f1 == pytest.approx(0.8)  # micro: 2*2 / (2*2 + 1), not the mean of 1.0 and 0.0
    assert scores.edge_f1 == 1.0
    assert list(scores.by_type) == ["single", "chain"]
    assert scores.by_type["chain"].f1("node") == 1.0
    assert scores.by_type["single"].f1("node") == 0.0
    assert scores.by_type["single"].f1("edge") is None
    assert scores.to_dict()["by_type"]["single"]["node"]["fn"] == 1


def test_percentile() -> None:
    assert percentile([], 0.95) is None
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == pytest.approx(95.05)


# --- the runner ---------------------------------------------------------------------------------------


class GoldPlanner:
    name = "gold"

    def __init__(self, samples: Sequence[Sample]) -> None:
        self.gold = {s.instruction: s for s in samples}

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        found = self.gold[request]
        return ToolGraph(found.task_nodes, found.task_links)


class RefusingPlanner:
    name = "refusing"

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        raise PlanError("no idea")


class CrashingPlanner:
    name = "crashing"

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        raise RuntimeError("bug")


class InventingPlanner:
    name = "inventing"

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        return ToolGraph(({"task": "Magic Tool", "arguments": ["x"]},))


def mini() -> tuple[list[Sample], ToolSet]:
    samples, skipped = load_samples(MINI / "data.json")
    assert skipped == []
    return samples, ToolSet.load(MINI)


def clean_mini() -> tuple[list[Sample], ToolSet]:
    """The mini samples whose gold graph is itself a valid plan: six are not (tools outside the set, and
    "<node-k>" pointing at the node itself or a later one, as TaskBench's data has)."""
    samples, tools = mini()
    return [s for s in samples if not graph_problems(ToolGraph(s.task_nodes, s.task_links), tools)], tools


def test_mini_data_is_a_development_subset() -> None:
    samples, tools = mini()
    assert len(samples) == 30 and len(tools.tools) == 23
    assert {s.type for s in samples} == {"single", "chain", "dag"}
    dev, test = split_samples(samples)
    assert len(dev) == 30 and test == []


def test_gold_planner_scores_one_and_is_always_valid() -> None:
    samples, tools = clean_mini()
    assert len(samples) == 24
    progress: list[int] = []
    report = evaluate(GoldPlanner(samples), samples, tools, on_progress=lambda d, t, c: progress.append(d))
    assert progress == list(range(1, len(samples) + 1))
    assert report.validity == 1.0 and report.errors == 0 and report.invalid_graphs == 0
    for metric in ("node_f1", "edge_f1", "arg_name_f1", "arg_value_f1"):
        assert report.metrics()[metric] == 1.0
    assert set(report.scores.by_type) == {"single", "chain", "dag"}
    assert len(report.latencies_ms) == len(samples)
    assert report.latency_median_ms is not None and report.latency_p95_ms is not None
    assert report.peak_rss_mb > 0
    assert report.targets()["node_f1"] and report.targets()["validity"]
    text = format_report(report)
    assert "overall" in text and "node F1" in text and "p95" in text and "peak RSS" in text


@pytest.mark.parametrize("planner", [RefusingPlanner(), CrashingPlanner()])
def test_a_planner_that_raises_is_counted_invalid(planner: Any) -> None:
    samples, tools = mini()
    report = evaluate(planner, samples[:5], tools)
    assert report.errors == 5 and report.valid == 0 and report.validity == 0.0
    assert report.scores.node_f1 == 0.0
    assert all(p is None for p in report.predictions.values())
    assert len(report.failures) == 5
    assert not report.targets()["validity"]
    assert "NO" in format_report(report)


def test_an_invalid_graph_is_counted_and_scored_as_empty() -> None:
    samples, tools = mini()
    report = evaluate(InventingPlanner(), samples[:4], tools)
    assert report.invalid_graphs == 4 and report.errors == 0 and report.valid == 0
    assert "unknown tool" in next(iter(report.failures.values()))
    assert report.scores.overall.arg_name.fp == 0  # scored as empty: its invented argument is not counted


class GivenToolsSpy:
    """Plans a chain of the tools it is told to use, and records what it was told."""

    name = "spy"

    def __init__(self) -> None:
        self.given: list[list[str]] = []
        self.tool_sets: list[list[str]] = []

    def plan_with(self, request: str, tools: ToolSet, names: Sequence[str], files: Sequence[str] = ()) -> ToolGraph:
        self.given.append(list(names))
        return self.plan(request, ToolSet(tuple(t for t in tools.tools if t.name in names)))

    def plan(self, request: str, tools: ToolSet, files: Sequence[str] = ()) -> ToolGraph:
        self.tool_sets.append(tools.names)
        nodes = [node(name, f"<node-{k - 1}>" if k else "x") for k, name in enumerate(tools.names)]
        return graph(*nodes)


def test_oracle_nodes_give_the_gold_tools() -> None:
    samples, tools = clean_mini()
    spy = GivenToolsSpy()
    report = evaluate(spy, samples, tools, oracle_nodes=True)
    assert spy.given == [list(dict.fromkeys(n["task"] for n in s.task_nodes)) for s in samples]
    assert report.scores.node_f1 == 1.0 and report.oracle_nodes
    assert "oracle nodes" in format_report(report)
    assert report.to_dict()["oracle_nodes"] is True


def test_oracle_nodes_for_a_planner_that_cannot_be_told() -> None:
    """It plans over a tool set of the gold tools alone."""
    samples, tools = clean_mini()
    spy = GivenToolsSpy()

    class Plain:
        name = "plain"
        plan = spy.plan

    evaluate(Plain(), samples[:3], tools, oracle_nodes=True)
    assert spy.given == []
    assert [sorted(names) for names in spy.tool_sets] == [
        sorted({n["task"] for n in s.task_nodes}) for s in samples[:3]
    ]


def test_report_to_dict_is_json() -> None:
    samples, tools = clean_mini()
    data = json.loads(json.dumps(evaluate(GoldPlanner(samples), samples[:3], tools, label="dev").to_dict()))
    assert data["split"] == "dev" and data["samples"] == 3
    assert data["metrics"]["validity"] == 1.0
    assert data["targets"]["node_f1"]["met"] is True


def test_predictions_round_trip(tmp_path: Path) -> None:
    samples, tools = clean_mini()
    predictions: dict[str, ToolGraph | None] = {
        s.id: ToolGraph(s.task_nodes, ToolGraph.links_from_arguments(s.task_nodes)) for s in samples
    }
    predictions[samples[0].id] = None
    path = tmp_path / "predictions.jsonl"
    write_predictions(path, samples, predictions)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(samples)
    assert lines[0]["task_nodes"] == [] and lines[0]["task_links"] == []
    assert {"id", "task_nodes", "task_links"} <= set(lines[1])
    assert lines[1]["task_nodes"] == list(samples[1].task_nodes)
    back = read_predictions(path)
    assert back == predictions
    assert score(samples, back, tools) == score(samples, predictions, tools)


# --- the command --------------------------------------------------------------------------------------


@pytest.fixture
def gold_planner(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`build_tool_planner` replaced by one that plans the gold graphs of the mini data."""
    asked: list[str] = []
    samples, _ = mini()

    def build(name: str, settings: Any) -> GoldPlanner:
        asked.append(name)
        return GoldPlanner(samples)

    monkeypatch.setattr(eval_cli, "build_tool_planner", build)
    return asked


def test_cli_taskbench_prints_the_table_and_writes_predictions(tmp_path: Path, gold_planner: list[str]) -> None:
    predictions, report = tmp_path / "pred.jsonl", tmp_path / "report.json"
    args = ["taskbench", "--data", str(MINI), "--controller", "fast", "--split", "all"]
    args += ["--predictions", str(predictions), "--json", str(report)]
    result = CliRunner().invoke(eval_cli.eval_group, args)
    assert result.exit_code == 0, result.output
    assert gold_planner == ["fast"]
    assert "overall" in result.stdout and "node F1" in result.stdout and "valid plans" in result.stdout
    assert "the test part is empty" in result.stderr
    assert "dev: 30/30 node F1" in result.stderr  # progress lines with the running node F1
    lines = predictions.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30
    assert all({"id", "task_nodes", "task_links"} <= set(json.loads(line)) for line in lines)
    body = json.loads(report.read_text(encoding="utf-8"))
    dev = body["reports"]["dev"]
    assert dev["samples"] == 30 and dev["valid"] == 24 and dev["invalid_graphs"] == 6  # see clean_mini
    assert 0.8 < dev["metrics"]["node_f1"] < 1.0  # the invalid six are scored as empty graphs


def test_cli_taskbench_oracle_nodes(tmp_path: Path, gold_planner: list[str]) -> None:
    report = tmp_path / "report.json"
    args = ["taskbench", "--data", str(MINI), "--split", "dev", "--oracle-nodes", "--json", str(report)]
    result = CliRunner().invoke(eval_cli.eval_group, args)
    assert result.exit_code == 0, result.output
    assert "gold tools given (oracle nodes)" in result.stdout
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["oracle_nodes"] is True and body["reports"]["dev"]["oracle_nodes"] is True


def test_cli_taskbench_whole_measures_every_sample_as_one_part(gold_planner: list[str]) -> None:
    result = CliRunner().invoke(eval_cli.eval_group, ["taskbench", "--data", str(MINI), "--split", "whole"])
    assert result.exit_code == 0, result.output
    assert "whole part" in result.stdout and "overall       30" in result.stdout


def test_cli_taskbench_limit_and_an_empty_part(gold_planner: list[str]) -> None:
    result = CliRunner().invoke(
        eval_cli.eval_group, ["taskbench", "--data", str(MINI), "--split", "dev", "--limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "overall        5" in result.stdout
    result = CliRunner().invoke(eval_cli.eval_group, ["taskbench", "--data", str(MINI)])  # default: the test part
    assert result.exit_code != 0
    assert "no sample to measure" in str(result.exception)


def test_scripted_controller_needs_a_script() -> None:
    from hugginggpt.config import Settings
    from hugginggpt.errors import ConfigError

    with pytest.raises((ConfigError, ImportError)):
        eval_cli.build_tool_planner("scripted", Settings.load(env={}))


@pytest.mark.skipif(not (SHARED / "data.json").is_file(), reason="the TaskBench development file is not here")
def test_the_real_development_file(gold_planner: list[str]) -> None:
    samples, skipped = load_samples(SHARED / "data.json")
    assert len(samples) == 1440 and len(skipped) == 4
    result = CliRunner().invoke(
        eval_cli.eval_group, ["taskbench", "--data", str(SHARED), "--split", "dev", "--limit", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "1440 samples, 4 lines skipped" in result.stderr
    assert "duplicate id" in result.stderr
