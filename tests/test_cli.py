from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import plan_json, task
from hugginggpt.cli import cli

PLAN = plan_json(task(0, "image-to-text", image="e1.jpg"), task(1, "text-to-speech", [0], text="<GENERATED>-0"))


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scripted controller for the CLI, chosen through the environment like a real one."""
    Path("e1.jpg").write_bytes(b"jpeg")
    path = Path("replies.json")
    path.write_text(json.dumps([PLAN, '{"0": "Salesforce/blip-image-captioning-base"}', "It is a caption, spoken."]))
    monkeypatch.setenv("HUGGINGGPT_LLM_SCRIPT", str(path))
    monkeypatch.setenv("HUGGINGGPT_EXPERTS", "echo")
    return path


def test_run_prints_progress_and_answer_and_writes_the_run_folder(script: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "Describe e1.jpg, then read it aloud", "--file", "e1.jpg"])
    assert result.exit_code == 0, result.output
    assert "It is a caption, spoken." in result.stdout
    progress = result.stderr
    for piece in (
        "planning",
        "#0 image-to-text",
        "Salesforce/blip-image-captioning-base",
        "✓ #1 text-to-speech",
        "run folder",
    ):
        assert piece in progress
    (run_dir,) = Path("runs").iterdir()
    trace = json.loads((run_dir / "trace.json").read_text())
    assert trace["status"] == "finished" and (run_dir / "t1-text-to-speech.wav").is_file()
    assert (run_dir / "inputs" / "e1.jpg").read_bytes() == b"jpeg"


def test_run_json_prints_one_event_per_line(script: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "Describe e1.jpg", "-f", "e1.jpg", "--json"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_finished"
    assert events[-1]["answer"].startswith("It is a caption, spoken.")


def test_plan_json_and_tree(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["plan", "Describe e1.jpg", "-f", "e1.jpg"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(PLAN)
    assert not Path("runs").exists()  # planning only: no run folder
    tree = CliRunner().invoke(cli, ["plan", "Describe e1.jpg", "-f", "e1.jpg", "--format", "tree"])
    assert tree.exit_code == 0 and "#1 text-to-speech" in tree.stdout and "text=<GENERATED>-0" in tree.stdout


def test_plan_failure_exits_non_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("bad.json").write_text(json.dumps(["nothing", "nothing", "nothing"]))
    monkeypatch.setenv("HUGGINGGPT_LLM_SCRIPT", "bad.json")
    result = CliRunner().invoke(cli, ["plan", "do it"])
    assert result.exit_code == 1 and "no valid plan in 3 attempts" in result.stderr


def test_chat_keeps_files_across_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("e1.jpg").write_bytes(b"jpeg")
    first = plan_json(task(0, "image-to-text", image="e1.jpg"))
    second = plan_json(task(0, "image-classification", image="e1.jpg"))
    Path("chat.json").write_text(json.dumps([first, "A caption.", second, "A label."]))
    monkeypatch.setenv("HUGGINGGPT_LLM_SCRIPT", "chat.json")
    monkeypatch.setenv("HUGGINGGPT_EXPERTS", "echo")
    monkeypatch.setenv("HUGGINGGPT_SELECTION", "top")
    result = CliRunner().invoke(cli, ["chat"], input="/file e1.jpg\ndescribe it\n/files\nand classify it\n/exit\n")
    assert result.exit_code == 0, result.output
    assert "A caption." in result.stdout and "A label." in result.stdout
    assert len(list(Path("runs").iterdir())) == 2


def test_models_lists_the_catalog() -> None:
    result = CliRunner().invoke(cli, ["models", "--task", "object-detection", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["task"] for r in rows] == ["object-detection"] * 3
    assert [r["id"] for r in rows[:2]] == ["builtin/ssd-mobilenet-v2-coco", "builtin/opencv-haar-faces"]
    assert rows[0]["offline"] and rows[0]["backend"] == "offline"
    hub = CliRunner().invoke(cli, ["--experts", "", "models", "--task", "object-detection", "--limit", "3", "--json"])
    hub_rows = [json.loads(line) for line in hub.stdout.splitlines()]
    assert hub_rows[0]["downloads"] >= hub_rows[1]["downloads"] >= hub_rows[2]["downloads"]
    assert hub_rows[0]["backend"] is None  # no backend configured: nothing can run
    table = CliRunner().invoke(cli, ["--experts", "echo", "models", "--task", "object-detection"])
    assert "facebook/detr-resnet-50" in table.stdout and "echo" in table.stdout


def test_local_controller_not_prepared_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGGPT_MODELS_DIR", str(Path("no-models")))  # the local model is not prepared
    monkeypatch.setenv("HUGGINGGPT_LLM_BACKEND", "llamacpp")
    result = CliRunner().invoke(cli, ["run", "hello"])
    assert result.exit_code == 2
    assert "HUGGINGGPT_LLM_BASE_URL" in result.stderr and "Traceback" not in result.output


def test_config_shows_settings_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGGPT_LLM_API_KEY", "sk-secret")
    Path("c.toml").write_text('top_k = 3\n[llm]\nmodel = "qwen2.5:7b"\n')
    result = CliRunner().invoke(cli, ["--config", "c.toml", "--runs-dir", "out", "config"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["llm_api_key"] == "***" and shown["top_k"] == 3 and shown["llm_model"] == "qwen2.5:7b"
    assert shown["runs_dir"] == "out" and "sk-secret" not in result.output


def test_the_installed_command_runs() -> None:
    exe = Path(sys.executable).with_name("hugginggpt")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("run", "plan", "chat", "models", "config"):
        assert command in out
