from __future__ import annotations

from pathlib import Path

import pytest

from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError
from hugginggpt.experts import build_backends
from hugginggpt.llm import build_chat_model
from hugginggpt.llm.scripted import ScriptedModel


def test_precedence_defaults_file_env_overrides(tmp_path: Path) -> None:
    config = tmp_path / "h.toml"
    config.write_text('top_k = 2\nconcurrency = 3\n[llm]\nmodel = "from-file"\ntimeout = 9\n')
    env = {"HUGGINGGPT_CONCURRENCY": "4", "HUGGINGGPT_EXPERTS": "echo, other"}
    s = Settings.load(env=env, config_file=config, top_k=7)
    assert (s.top_k, s.concurrency, s.llm_model, s.llm_timeout) == (7, 4, "from-file", 9.0)
    assert s.experts == ("echo", "other") and s.plan_retries == 2


def test_config_file_from_environment(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('runs_dir = "~/x"\n')
    s = Settings.load(env={"HUGGINGGPT_CONFIG": str(tmp_path / "c.toml")})
    assert s.runs_dir == Path("~/x").expanduser()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HUGGINGGPT_TOP_K": "many"}, "top_k has an unusable value"),
        ({"HUGGINGGPT_SELECTION": "random"}, "selection must be one of llm, top"),
        ({"HUGGINGGPT_CONCURRENCY": "0"}, "concurrency must be at least 1"),
        ({"HUGGINGGPT_CONFIG": "/nonexistent.toml"}, "cannot read the config file"),
    ],
)
def test_bad_settings_say_what_is_wrong(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env)


def test_unknown_key_in_file(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("colour = 1\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load(env={}, config_file=tmp_path / "c.toml")


def test_openai_key_is_a_fallback() -> None:
    assert Settings.load(env={"OPENAI_API_KEY": "k"}).llm_api_key == "k"
    assert Settings.load(env={"OPENAI_API_KEY": "k", "HUGGINGGPT_LLM_API_KEY": "mine"}).llm_api_key == "mine"


def test_controller_choice(tmp_path: Path) -> None:
    empty = {"HUGGINGGPT_MODELS_DIR": str(tmp_path)}  # no local model prepared there
    with pytest.raises(ConfigError, match="no controller LLM is configured"):
        build_chat_model(Settings.load(env=empty))
    script = tmp_path / "s.json"
    script.write_text('["[]", {"a": 1}]')
    model = build_chat_model(Settings.load(env={"HUGGINGGPT_LLM_SCRIPT": str(script)}))
    assert isinstance(model, ScriptedModel) and model.script == ["[]", '{"a": 1}']


def test_unknown_expert_backend() -> None:
    with pytest.raises(ConfigError, match="unknown expert backend 'gpu'; available: echo"):
        build_backends(Settings(experts=("gpu",)))


def test_settings_pass_through_the_environment() -> None:
    """`serve --workers N` hands its settings to its workers as HUGGINGGPT_* variables."""
    settings = Settings.load(env={}, experts=("echo", "offline"), max_tasks=7, allow_downloads=False,
                             task_backends={"text-to-image": "remote"}, runs_dir="elsewhere")  # fmt: skip
    env = settings.environment()
    assert env["HUGGINGGPT_EXPERTS"] == "echo,offline" and "HUGGINGGPT_TOP_K" not in env  # defaults stay out
    assert Settings.load(env=env) == settings
