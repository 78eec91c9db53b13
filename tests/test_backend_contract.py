"""The expert backend contract: the README's example backend runs as written, and every registered
backend has what the selector and scheduler call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpers import plan_json, task
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.experts import BACKENDS
from hugginggpt.experts.base import BaseBackend, ExpertBackend
from hugginggpt.llm.scripted import ScriptedModel

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_backend() -> Any:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Writing an expert backend") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "the README's backend example is gone"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # our own README's example
    return namespace["ShoutBackend"]


async def test_the_readme_backend_runs_in_a_controller() -> None:
    backend = readme_backend()()
    assert isinstance(backend, ExpertBackend) and isinstance(backend, BaseBackend)
    plan = plan_json(task(0, "text-generation", text="good morning"))
    controller = HuggingGPT(Settings(selection="top"), ScriptedModel([plan, "Done."]), [backend])
    result = await controller.run("say good morning loudly")
    assert result.ok and result.reports[0].model == "me/shout" and result.reports[0].text == "GOOD MORNING"


async def test_a_task_the_backend_cannot_run_says_so() -> None:
    backend = readme_backend()()
    assert backend.unavailable("text-generation") is None
    assert backend.unavailable("translation") == "the shout backend has no model for translation"
    plan = plan_json(task(0, "translation", text="target: French\\nhello"))
    controller = HuggingGPT(Settings(selection="top"), ScriptedModel([plan, "Done."]), [backend])
    result = await controller.run("translate hello into French")
    assert result.reports[0].status != "done"
    assert "the shout backend has no model for translation" in str(result.reports[0].error)


def test_base_backend_says_what_a_subclass_must_define() -> None:
    class Half(BaseBackend):
        name = "half"

    with pytest.raises(NotImplementedError, match="half backend must say which models it can run"):
        Half().can_run(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_registered_backend_meets_the_protocol(name: str, tmp_path: Path) -> None:
    if name in ("local", "hybrid"):
        pytest.importorskip("transformers")
    backend = BACKENDS[name](Settings(runs_dir=tmp_path, hf_token="test-token"))
    assert isinstance(backend, ExpertBackend), f"{name} lacks one of name, can_run, cards, unavailable, run"
    assert backend.name and isinstance(backend.cards(), list)
    reason = backend.unavailable("text-generation")
    assert reason is None or isinstance(reason, str)


def test_the_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.chdir(tmp_path)
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Use it from Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    exec(compile(code.group(1), "README.md", "exec"), {})  # our own README's example
    out = capsys.readouterr().out
    assert out.startswith("True Here is your haiku.") and "text-generation" in out and "done" in out


def test_the_public_api_is_importable_and_lazy() -> None:
    import subprocess
    import sys

    import hugginggpt

    for name in hugginggpt.__all__:
        assert getattr(hugginggpt, name) is not None, name
    light = "import sys, hugginggpt; assert 'hugginggpt.controller' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", light], check=True)
