"""The request benchmark: plans compared by role, its data valid, and `hugginggpt eval requests` end to end
on real offline experts and real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hugginggpt.eval.requests import args_match, compare, load_cases, missing_facts
from hugginggpt.plan import validate_plan

MINI = Path(__file__).parent / "data" / "requests_mini"


def t(tid: int, task: str, dep: list[int] | None = None, **args: str) -> dict[str, object]:
    return {"task": task, "id": tid, "dep": dep or [-1], "args": args}


def test_plans_match_by_role_not_by_spelling() -> None:
    gold = [
        t(0, "image-to-text", image="a.png", text="read the text"),
        t(1, "translation", [0], text="target: French\n<GENERATED>-0"),
    ]
    same = [
        t(0, "image-to-text", image="a.png", text="Read the text in it"),
        t(1, "translation", [0], text="target: french\n<GENERATED>-0"),
    ]
    assert compare(same, gold).exact
    wrong_language = [gold[0], t(1, "translation", [0], text="target: German\n<GENERATED>-0")]
    result = compare(wrong_language, gold)
    assert not result.exact and result.matched_types == 2 and result.args_right == 1
    # Ids may differ: the matching follows the dependencies.
    swapped = [
        t(0, "translation", [1], text="target: French\n<GENERATED>-1"),
        t(1, "image-to-text", image="a.png", text="ocr"),
    ]
    assert compare(swapped, gold).exact


def test_roles_that_decide_a_match() -> None:
    assert args_match("text-classification", {"text": "labels: b, a\nx"}, {"text": "labels: a, b\nx"}, {})
    assert not args_match("text-classification", {"text": "x"}, {"text": "labels: a, b\nx"}, {})
    assert args_match(
        "image-to-image", {"image": "c.png", "text": "sketch"}, {"image": "c.png", "text": "pencil sketch"}, {}
    )
    assert not args_match(
        "image-to-text",
        {"image": "c.png", "text": "describe the image"},
        {"image": "c.png", "text": "read the text"},
        {},
    )
    qa = {"text": "question: When did the bridge open?\ncontext: article.txt"}
    assert args_match(
        "question-answering", {"text": "question: when did the bridge open\ncontext: article.txt"}, qa, {}
    )
    assert args_match(
        "text-generation", {"text": "write a short poem about the sea"}, {"text": "a short poem about the sea"}, {}
    )


def test_facts_accept_alternatives_case_insensitively() -> None:
    assert missing_facts("I count 1 cup.", ["1|one", "CUP"]) == []
    assert missing_facts("No cups.", ["1|one"]) == ["1|one"]


def test_the_bundled_benchmark_is_valid_and_large_enough() -> None:
    cases = load_cases("all")
    assert len(cases) >= 250 and len({c.id for c in cases}) == len(cases)
    for case in cases:
        validate_plan(list(case.plan), case.files)
    tasks = {task["task"] for case in cases for task in case.plan}
    from hugginggpt.tasks import TASK_TYPES

    assert tasks == set(TASK_TYPES)


def test_eval_requests_plans_and_runs_on_the_offline_experts(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("hugginggpt")
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [str(exe), "eval", "requests", "--data", str(MINI), "--split", "test", "--e2e", "--files", str(tmp_path / "files"),
         "--json", str(out), "--failures"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    assert figures["requests"] == 3 and figures["plan_exact"] == 1.0 and figures["node_f1"] == 1.0
    assert figures["args_accuracy"] == 1.0 and figures["e2e_pass"] == 1.0 and figures["e2e_runs"] == 2
    assert figures["median_plan_ms"] < 1000
    assert "plan exact-match   100.0%" in done.stdout
