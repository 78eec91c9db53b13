"""Hub settings (task_backends, downloads, token) and the `models pull` / `models refresh` commands."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from hugginggpt.catalog import Catalog
from hugginggpt.cli import cli
from hugginggpt.config import Settings
from hugginggpt.errors import CatalogError, ConfigError
from hugginggpt.experts.hub.refresh import refresh_catalog
from hugginggpt.tasks import TASK_TYPES


def test_task_backends_from_the_environment_and_a_toml_table(tmp_path: Path) -> None:
    env = {
        "HUGGINGGPT_TASK_BACKENDS": "text-to-image=remote, depth-estimation=local",
        "HUGGINGGPT_ALLOW_DOWNLOADS": "no",
    }
    settings = Settings.load(env=env)
    assert settings.task_backends == {"text-to-image": "remote", "depth-estimation": "local"}
    assert settings.allow_downloads is False
    config = tmp_path / "settings.toml"
    config.write_text('hf_provider = "together"\n[task_backends]\n"text-to-video" = "remote"\n')
    settings = Settings.load(env={}, config_file=config)
    assert settings.task_backends == {"text-to-video": "remote"} and settings.hf_provider == "together"
    assert Settings.load(env={"HUGGINGGPT_TASK_BACKENDS": '{"summarization": "local"}'}).task_backends == {
        "summarization": "local"
    }


@pytest.mark.parametrize(
    "env",
    [{"HUGGINGGPT_TASK_BACKENDS": "painting=remote"}, {"HUGGINGGPT_TASK_BACKENDS": "text-to-image=cloud"},
     {"HUGGINGGPT_TASK_BACKENDS": "text-to-image"}, {"HUGGINGGPT_ALLOW_DOWNLOADS": "maybe"},
     {"HUGGINGGPT_DEVICE": "tpu"}],
)  # fmt: skip
def test_bad_hub_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.load(env=env)


def test_the_token_is_hidden() -> None:
    assert Settings.load(env={"HUGGINGGPT_HF_TOKEN": "hf_secret"}).describe()["hf_token"] == "***"


def test_pull_downloads_each_model_into_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import huggingface_hub

    asked: list[dict[str, Any]] = []

    def fake_download(repo_id: str, **options: Any) -> str:
        asked.append({"repo_id": repo_id, **options})
        return str(tmp_path / "snapshots" / repo_id)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    result = CliRunner().invoke(
        cli, ["models", "pull", "org/a", "org/b"], env={"HUGGINGGPT_HF_CACHE_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert [a["repo_id"] for a in asked] == ["org/a", "org/b"]
    assert all(a["cache_dir"] == tmp_path and a["local_files_only"] is False for a in asked)
    assert "org/b: " in result.output


def test_pull_with_downloads_off_says_so() -> None:
    result = CliRunner().invoke(cli, ["models", "pull", "org/a"], env={"HUGGINGGPT_ALLOW_DOWNLOADS": "false"})
    assert result.exit_code == 1 and "downloads are switched off" in result.output


def _listing(**query: Any) -> list[Any]:
    task = query["pipeline_tag"]
    card = SimpleNamespace(to_dict=lambda: {"language": ["en"], "license": "mit"})
    return [
        SimpleNamespace(id=f"org/{task}-{n}", pipeline_tag=task, downloads=100 - n, likes=n, tags=["pytorch", "en"],
                        card_data=card if n == 0 else None)
        for n in range(query["limit"])
    ]  # fmt: skip


def test_refresh_writes_a_catalog_of_every_task_type(tmp_path: Path) -> None:
    target = tmp_path / "catalog.jsonl"
    assert refresh_catalog(target, per_task=2, list_models=_listing) == 2 * len(TASK_TYPES)
    catalog = Catalog.from_file(target)
    assert {c.task for c in catalog} == set(TASK_TYPES)
    first = catalog.for_task("summarization")[0]
    assert first.id == "org/summarization-0" and first.language == ("en",) and first.license == "mit"
    assert json.loads(target.read_text().splitlines()[0])["downloads"] == 100


def test_refresh_offline_keeps_the_catalog_in_use(tmp_path: Path) -> None:
    target = tmp_path / "catalog.jsonl"
    target.write_text("kept\n")

    def offline(**query: Any) -> list[Any]:
        raise ConnectionError("no network")

    with pytest.raises(CatalogError, match="the catalog in use is unchanged"):
        refresh_catalog(target, list_models=offline)
    assert target.read_text() == "kept\n" and list(tmp_path.iterdir()) == [target]


def test_models_lists_which_hub_backend_runs_a_model(tmp_path: Path) -> None:
    env = {"HUGGINGGPT_ALLOW_DOWNLOADS": "false", "HUGGINGGPT_HF_CACHE_DIR": str(tmp_path), "HUGGINGGPT_DEVICE": "cpu"}
    result = CliRunner().invoke(
        cli, ["--experts", "local,offline", "models", "--task", "text-classification", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["backend"] for r in rows if r["offline"]} <= {"offline", None}
    assert all(r["backend"] is None for r in rows if not r["offline"])  # nothing cached, no downloads
    remote = CliRunner().invoke(cli, ["--experts", "remote", "models", "--task", "summarization", "--json"])
    assert {json.loads(line)["backend"] for line in remote.output.splitlines()} == {"remote"}
