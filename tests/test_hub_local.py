"""The local backend on tiny models built here (random weights), loaded from a pre-filled Hugging Face
cache with downloads off: the same path as a downloaded Hub model, with no network."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from hub_models import AUDIO_MODEL, IMAGE_MODEL, TEXT_MODEL, fill_cache
from hugginggpt.catalog import ModelCard
from hugginggpt.config import Settings
from hugginggpt.errors import ExpertError
from hugginggpt.experts import build_backends
from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.hub import HybridExperts, LocalExperts, RemoteExperts
from hugginggpt.experts.hub.cache import HubCache
from hugginggpt.experts.offline.pool import ModelPool


@pytest.fixture(scope="session")
def hub_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill_cache(tmp_path_factory.mktemp("hf-cache"))


def local(cache: Path, budget_mb: int = 6000, **more: object) -> LocalExperts:
    return LocalExperts(HubCache(cache, allow_downloads=False), "cpu", ModelPool(budget_mb), **more)  # type: ignore[arg-type]


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), "orange").save(path)
    return path


@pytest.fixture
def sound(tmp_path: Path) -> Path:
    path = tmp_path / "sound.wav"
    tone = 0.3 * np.sin(np.linspace(0, 2 * np.pi * 440, 22050)).astype(np.float32)
    soundfile.write(path, tone, 22050)  # resampled to 16 kHz on the way in
    return path


def _labels(data: object) -> set[str]:
    assert isinstance(data, list)
    return {item["label"] for item in data}


async def test_text_model_labels_a_text(hub_cache: Path, tmp_path: Path) -> None:
    out = await local(hub_cache).run(ExpertCall("text-classification", TEXT_MODEL, "a good movie", output_dir=tmp_path))
    assert _labels(out.data) == {"positive", "negative"}
    assert all(0 <= item["score"] <= 1 for item in out.data)
    assert out.text and "positive (" in out.text and not out.files


async def test_image_model_labels_an_image(hub_cache: Path, photo: Path, tmp_path: Path) -> None:
    call = ExpertCall("image-classification", IMAGE_MODEL, files={"image": photo}, output_dir=tmp_path)
    out = await local(hub_cache).run(call)
    assert _labels(out.data) == {"cat", "dog"}
    assert abs(sum(item["score"] for item in out.data) - 1) < 1e-4


async def test_audio_model_labels_a_sound(hub_cache: Path, sound: Path, tmp_path: Path) -> None:
    call = ExpertCall("audio-classification", AUDIO_MODEL, files={"audio": sound}, output_dir=tmp_path)
    out = await local(hub_cache).run(call)
    assert _labels(out.data) == {"speech", "music"}


async def test_pool_loads_once_and_reuses_across_calls(hub_cache: Path, tmp_path: Path) -> None:
    backend = local(hub_cache)
    calls = [ExpertCall("text-classification", TEXT_MODEL, f"the movie {i}", output_dir=tmp_path) for i in range(4)]
    await asyncio.gather(*(backend.run(c) for c in calls))  # concurrent: one load, the others wait for it
    await backend.run(calls[0])
    stats = backend.pool.stats[f"text-classification:{TEXT_MODEL}"]
    assert stats.loads == 1 and stats.hits == 4


async def test_budget_for_one_model_evicts_the_least_recently_used(
    hub_cache: Path, photo: Path, tmp_path: Path
) -> None:
    backend = local(hub_cache, budget_mb=40)  # each tiny model counts ~31 MB (weights + overhead)
    text = ExpertCall("text-classification", TEXT_MODEL, "a bad movie", output_dir=tmp_path)
    image = ExpertCall("image-classification", IMAGE_MODEL, files={"image": photo}, output_dir=tmp_path)
    await backend.run(text)
    await backend.run(image)
    assert backend.pool.loaded() == [f"image-classification:{IMAGE_MODEL}"]
    again = await backend.run(text)  # evicted, then served again by a new load
    assert again.text and backend.pool.stats[f"text-classification:{TEXT_MODEL}"].loads == 2
    assert backend.pool.used_mb() <= 40


def test_availability_follows_the_cache_when_downloads_are_off(hub_cache: Path) -> None:
    backend = local(hub_cache)
    assert backend.can_run(ModelCard(TEXT_MODEL, "text-classification"))
    assert not backend.can_run(ModelCard("someone/not-cached", "text-classification"))
    assert not backend.can_run(ModelCard(TEXT_MODEL, "tabular-classification"))
    assert "models pull" in (backend.unavailable("summarization") or "")
    assert "remote" in (backend.unavailable("audio-to-audio") or "")
    assert (
        local(hub_cache, task_backends={"text-classification": "remote"}).can_run(
            ModelCard(TEXT_MODEL, "text-classification")
        )
        is False
    )


async def test_a_model_missing_from_the_cache_says_how_to_get_it(hub_cache: Path, tmp_path: Path) -> None:
    call = ExpertCall("text-classification", "someone/not-cached", "hi", output_dir=tmp_path)
    with pytest.raises(ExpertError, match="models pull someone/not-cached"):
        await local(hub_cache).run(call)


async def test_a_model_saved_in_a_folder_runs_by_its_path(hub_cache: Path, tmp_path: Path) -> None:
    folder = next((hub_cache / "models--tiny--bert-sentiment" / "snapshots").iterdir())
    out = await local(tmp_path / "empty-cache").run(
        ExpertCall("text-classification", str(folder), "good", output_dir=tmp_path)
    )
    assert _labels(out.data) == {"positive", "negative"}


def test_hybrid_prefers_cached_models_and_sends_the_rest_to_the_service(hub_cache: Path) -> None:
    hybrid = HybridExperts(local(hub_cache), RemoteExperts())
    assert hybrid.runs_locally("text-classification", TEXT_MODEL)
    assert not hybrid.runs_locally("text-classification", "someone/not-cached")
    assert not hybrid.runs_locally("tabular-classification", TEXT_MODEL)  # transformers cannot run it
    pinned = HybridExperts(local(hub_cache), RemoteExperts(task_backends={"text-classification": "local"}))
    assert pinned.can_run(ModelCard("someone/not-cached", "text-classification")) is False
    remote_only = {"text-classification": "remote"}
    pinned = HybridExperts(local(hub_cache, task_backends=remote_only), RemoteExperts(task_backends=remote_only))
    assert not pinned.runs_locally("text-classification", TEXT_MODEL)


def test_settings_name_the_backends(hub_cache: Path) -> None:
    settings = Settings.load(env={}, experts="local,echo", hf_cache_dir=str(hub_cache), allow_downloads="false",
                             device="cpu", task_backends="text-to-image=remote")  # fmt: skip
    backends = build_backends(settings)
    assert [b.name for b in backends] == ["local", "echo"]
    hub = backends[0]
    assert isinstance(hub, LocalExperts) and hub.device == "cpu" and not hub.cache.downloads_on()
    assert hub.task_backends == {"text-to-image": "remote"}
    assert [b.name for b in build_backends(Settings.load(env={}, experts="remote,hybrid"))] == ["remote", "hybrid"]
