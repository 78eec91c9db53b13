"""The README's main job end to end: real offline experts, a scripted controller, the demo's samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from helpers import plan_json, task
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.experts import build_backends
from hugginggpt.llm.base import Message
from hugginggpt.llm.scripted import ScriptedModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import make_samples

REQUEST = "Read the text in note.png aloud and tell me the sentiment of that text"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    make_samples.main(folder)
    return folder


def results_of(messages: list[Message]) -> str:
    """The scripted response stage echoes the task results it was given, so the test can read them."""
    return messages[-1]["content"]


async def test_demo_request_end_to_end(samples: Path) -> None:
    plan = plan_json(
        task(0, "image-to-text", image="note.png"),
        task(1, "text-to-speech", [0], text="<GENERATED>-0"),
        task(2, "text-classification", [0], text="<GENERATED>-0"),
    )
    choose = json.dumps(
        {
            "0": {"id": "builtin/pp-ocr", "reason": "the image holds text"},
            "1": {"id": "builtin/piper-joe-medium", "reason": "natural voice"},
            "2": {"id": "builtin/vader-sentiment", "reason": "sentiment"},
        }
    )
    model = ScriptedModel([plan, choose, results_of])
    settings = Settings()  # the default experts: offline
    controller = HuggingGPT(settings, model, build_backends(settings))
    result = await controller.run(REQUEST, [samples / "note.png"])

    assert result.ok, result.error
    reports = {r.task_id: r for r in result.reports}
    assert all(r.status == "done" for r in reports.values()), [r.error for r in reports.values()]
    assert "library is wonderful" in (reports[0].text or "").lower()
    wav = Path(reports[1].files[0])
    assert wav.suffix == ".wav" and wav.stat().st_size > 16000
    assert (reports[2].text or "").startswith("positive")
    # the response stage saw the real results
    assert "library is wonderful" in result.answer.lower() and "builtin/vader-sentiment" in result.answer


async def test_task_with_no_offline_model_says_so(samples: Path) -> None:
    plan = plan_json(task(0, "text-to-image", text="a red bicycle"))
    settings = Settings()
    controller = HuggingGPT(settings, ScriptedModel([plan, results_of]), build_backends(settings))
    result = await controller.run("Draw a red bicycle")
    assert result.reports[0].status == "failed"
    assert result.reports[0].error == (
        "no model available offline for text-to-image; configure the Hub backend or a local model"
    )
