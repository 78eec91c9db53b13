from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from helpers import RecordingExperts, build, one_model_per_task, plan_json, task
from hugginggpt.errors import ControllerError
from hugginggpt.events import AnswerDelta, ModelChosen, PlanRejected, TaskFailed, TaskSkipped
from hugginggpt.experts.echo import EchoExperts
from hugginggpt.session import ChatSession

REQUEST = "Describe e1.jpg, then read the description aloud"
CAPTION_TTS = plan_json(task(0, "image-to-text", image="e1.jpg"), task(1, "text-to-speech", [0], text="<GENERATED>-0"))


def image(name: str = "e1.jpg") -> Path:
    path = Path(name)
    path.write_bytes(b"\xff\xd8 not really a jpeg")
    return path


async def test_full_run_events_trace_and_files() -> None:
    choose = json.dumps(
        {"0": {"id": "Salesforce/blip-image-captioning-base", "reason": "captions"}, "1": "microsoft/speecht5_tts"}
    )
    controller, model, experts, events = build([CAPTION_TTS, choose, "A caption, read aloud."])
    result = await controller.run(REQUEST, [image()], emit=events.append)

    assert result.ok and result.answer.startswith("A caption, read aloud.")
    # the controller's answer named neither models nor files: a footer does, and is streamed too
    assert "- task 0 (image-to-text) was done by Salesforce/blip-image-captioning-base" in result.answer
    assert "- file: runs/" in result.answer and result.answer.endswith("t1-text-to-speech.wav")
    types = [e.type for e in events if not isinstance(e, AnswerDelta)]
    assert types == [
        "run_started", "stage_started", "plan_ready", "stage_started", "model_chosen", "model_chosen",
        "stage_started", "task_started", "task_finished", "task_started", "task_finished",
        "stage_started", "run_finished",
    ]  # fmt: skip
    assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == result.answer
    assert len(model.calls) == 3  # plan, one selection call for both tasks, respond

    # task 1 got task 0's text; its audio file is in the run folder
    assert isinstance(experts, RecordingExperts)
    assert experts.calls[0].files["image"].read_bytes() == Path("e1.jpg").read_bytes()
    assert experts.calls[1].text is not None and experts.calls[1].text.startswith("[echo of image-to-text")
    wav = result.run_dir / "t1-text-to-speech.wav"
    assert wav.is_file() and wav.read_bytes()[:4] == b"RIFF"

    trace = json.loads(result.trace_path.read_text())
    assert trace["status"] == "finished" and trace["request"] == REQUEST
    assert trace["plan"][1] == {"task": "text-to-speech", "id": 1, "dep": [0], "args": {"text": "<GENERATED>-0"}}
    assert [c["model"] for c in trace["choices"]] == ["Salesforce/blip-image-captioning-base", "microsoft/speecht5_tts"]
    assert trace["choices"][0]["reason"] == "captions"
    assert [t["status"] for t in trace["tasks"]] == ["done", "done"]
    assert trace["tasks"][1]["files"] == [str(wav)]  # runs/<id>/..., relative to the working folder
    assert trace["usage"]["total"]["calls"] == 3
    assert set(trace["timings"]) == {"plan", "select", "execute", "respond", "total"}
    # the prompt of the response stage carried the results and the file name
    assert "t1-text-to-speech.wav" in model.calls[2].messages[-1]["content"]


async def test_invalid_plan_is_sent_back_and_corrected() -> None:
    broken = plan_json(task(0, "image-to-text", image="nope.jpg"))
    controller, model, _, events = build([broken, CAPTION_TTS, "{}", "done"])
    result = await controller.run(REQUEST, [image()], emit=events.append)
    assert result.ok
    rejected = [e for e in events if isinstance(e, PlanRejected)]
    assert len(rejected) == 1 and "nope.jpg" in rejected[0].error
    correction = model.calls[1].messages
    assert correction[-2] == {"role": "assistant", "content": broken}
    assert "nope.jpg" in correction[-1]["content"]
    trace = json.loads(result.trace_path.read_text())
    assert [a["error"] is None for a in trace["plan_attempts"]] == [False, True]


async def test_planning_gives_up_after_the_retries_and_executes_nothing() -> None:
    experts = RecordingExperts()
    controller, model, _, events = build(["no plan here", "[{]", "still nothing"], experts=experts, plan_retries=2)
    result = await controller.run("do something", emit=events.append)
    assert not result.ok and result.error is not None and "3 attempts" in result.error
    assert len(model.calls) == 3 and experts.calls == []
    assert events[-1].type == "run_failed"
    trace = json.loads(result.trace_path.read_text())
    assert trace["status"] == "failed" and len(trace["plan_attempts"]) == 3 and trace["plan"] is None


async def test_controller_unreachable_fails_the_run_cleanly() -> None:
    controller, _, _, events = build([ControllerError("server down")])
    result = await controller.run("hi", emit=events.append)
    assert not result.ok and "server down" in (result.error or "")
    assert json.loads(result.trace_path.read_text())["status"] == "failed"


async def test_empty_plan_answers_directly_with_two_calls() -> None:
    controller, model, _, events = build(["[]", "Hello! I am HuggingGPT."])
    result = await controller.run("Hello, who are you?", emit=events.append)
    assert result.ok and result.answer == "Hello! I am HuggingGPT."  # no tasks: nothing to add
    assert len(model.calls) == 2
    assert "No expert model was needed" in model.calls[1].messages[-1]["content"]
    assert "select" not in [getattr(e, "stage", None) for e in events]


async def test_single_candidate_needs_no_selection_call() -> None:
    controller, model, _, events = build([CAPTION_TTS, "ok"], catalog=one_model_per_task())
    result = await controller.run(REQUEST, [image()], emit=events.append)
    assert result.ok and len(model.calls) == 2
    chosen = [e for e in events if isinstance(e, ModelChosen)]
    assert [c.reason for c in chosen] == ["the only candidate", "the only candidate"]


async def test_choice_outside_candidates_falls_back_to_top_ranked() -> None:
    controller, _, _, events = build([CAPTION_TTS, '{"0": {"id": "evil/model", "reason": "x"}}', "ok"])
    result = await controller.run(REQUEST, [image()], emit=events.append)
    first, second = [e for e in events if isinstance(e, ModelChosen)]
    assert first.fallback and first.model == first.candidates[0] and "evil/model" in first.reason
    assert second.fallback and "did not choose" in second.reason
    trace = json.loads(result.trace_path.read_text())
    assert [c["fallback"] for c in trace["choices"]] == [True, True]


async def test_top_selection_skips_the_controller() -> None:
    controller, model, _, _ = build([CAPTION_TTS, "ok"], selection="top")
    result = await controller.run(REQUEST, [image()])
    assert result.ok and len(model.calls) == 2
    assert result.choices[0].model == "nlpconnect/vit-gpt2-image-captioning"  # most downloads in the snapshot


async def test_failed_task_skips_dependents_and_the_answer_says_so() -> None:
    plan = plan_json(
        task(0, "image-to-text", image="e1.jpg"),
        task(1, "text-to-speech", [0], text="<GENERATED>-0"),
        task(2, "image-classification", image="e1.jpg"),
    )
    experts = RecordingExperts(fail={"image-to-text"})
    controller, model, _, events = build([plan, "Task 0 failed."], experts=experts, selection="top")
    result = await controller.run(REQUEST, [image()], emit=events.append)
    assert result.ok
    assert {r.task_id: r.status for r in result.reports} == {0: "failed", 1: "skipped", 2: "done"}
    assert any(isinstance(e, TaskFailed) and e.task_id == 0 for e in events)
    assert any(isinstance(e, TaskSkipped) and e.task_id == 1 and e.reason == "task 0 failed" for e in events)
    results = model.calls[-1].messages[-1]["content"]
    assert "echo backend was told to fail" in results and '"status": "skipped"' in results


async def test_no_backend_for_a_task_fails_only_that_task() -> None:
    plan = plan_json(task(0, "summarization", text="long text"))
    controller, _, _, _ = build([plan, "no model could run"], experts=EchoExperts())
    controller.selector.backends = []  # nothing can run anything
    result = await controller.run("summarize: long text")
    assert result.ok
    assert result.reports[0].status == "failed" and "no configured expert backend" in (result.reports[0].error or "")


async def test_respond_failure_falls_back_to_the_results() -> None:
    controller, _, _, _ = build([CAPTION_TTS, ControllerError("respond broke")], selection="top")
    result = await controller.run(REQUEST, [image()])
    assert result.ok and "respond broke" in result.answer and "t1-text-to-speech.wav" in result.answer
    assert "respond: respond broke" in json.loads(result.trace_path.read_text())["errors"]


async def test_generated_image_is_passed_as_a_file() -> None:
    plan = plan_json(task(0, "text-to-image", text="a cat"), task(1, "object-detection", [0], image="<GENERATED>-0"))
    experts = RecordingExperts()
    controller, _, _, _ = build([plan, "ok"], experts=experts, selection="top")
    result = await controller.run("draw a cat and find it")
    assert result.ok
    assert experts.calls[1].files["image"] == result.run_dir / "t0-text-to-image.png"


async def test_chat_turns_keep_history_and_files() -> None:
    session = ChatSession()
    first = plan_json(task(0, "text-to-image", text="a cat"))
    controller, model, _, _ = build([first, "Here is a cat: see the file."], selection="top")
    one = await controller.run("draw a cat", session=session)
    produced = one.reports[0].files[0]
    second = plan_json(task(0, "image-to-image", image=produced, text="make it grey"))
    model.script = [*model.script, second, "Done."]
    two = await controller.run("make that image grey", session=session)
    assert two.ok and two.reports[0].status == "done"
    planning = model.calls[2].messages
    assert {"role": "user", "content": "draw a cat"} in planning
    assert produced in planning[-1]["content"]


async def test_cancelling_a_run_keeps_its_trace() -> None:
    plan = plan_json(task(0, "summarization", text="x"))
    controller, _, _, events = build([plan, "never reached"], experts=RecordingExperts(delay=10), selection="top")
    running = asyncio.create_task(controller.run("summarize x", emit=events.append))
    while not any(e.type == "task_started" for e in events):
        await asyncio.sleep(0.005)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    run_dir = Path("runs") / events[0].run_id  # type: ignore[attr-defined]
    trace = json.loads((run_dir / "trace.json").read_text())
    assert trace["status"] == "cancelled"


async def test_missing_input_file_fails_with_a_clear_message() -> None:
    controller, _, _, _ = build(["[]"])
    result = await controller.run("look", [Path("absent.png")])
    assert not result.ok and "absent.png does not exist" in (result.error or "")


async def test_a_given_plan_is_executed_without_asking_the_controller_for_one() -> None:
    controller, model, experts, events = build(['{"0": "Salesforce/blip-image-captioning-base"}', "ok"])
    result = await controller.run(REQUEST, [image()], emit=events.append, plan=CAPTION_TTS)
    assert result.ok and len(model.calls) == 2  # selection and response only
    assert [c.task for c in experts.calls] == ["image-to-text", "text-to-speech"]  # type: ignore[attr-defined]
    trace = json.loads(result.trace_path.read_text())
    assert trace["plan_attempts"] == [{"reply": CAPTION_TTS, "error": None, "given": True}]


async def test_an_invalid_given_plan_fails_the_run() -> None:
    controller, model, _, _ = build([])
    result = await controller.run(REQUEST, [image()], plan=plan_json(task(0, "image-to-text", image="other.jpg")))
    assert not result.ok and "the given plan is invalid" in (result.error or "")
    assert "other.jpg" in (result.error or "") and model.calls == []


async def test_no_tasks_for_a_request_with_files_does_not_guess_their_content() -> None:
    controller, model, _, _ = build(["[]", "I could not work out which experts to use."])
    await controller.run("What does note.png say?", [image("note.png")])
    prompt = model.calls[1].messages[-1]["content"]
    assert "nothing is known about what these files contain" in prompt and "note.png" in prompt


async def test_a_text_file_named_in_a_plan_gives_its_content() -> None:
    Path("minutes.txt").write_text("The council approved the library budget.")
    plan = plan_json(task(0, "summarization", text="minutes.txt"))
    experts = RecordingExperts()
    controller, _, _, _ = build([plan, "ok"], experts=experts, selection="top")
    result = await controller.run("Summarize minutes.txt", [Path("minutes.txt")])
    assert result.ok and experts.calls[0].text == "The council approved the library budget."
