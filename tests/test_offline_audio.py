"""The offline audio experts, run on real models and real audio (speech the Piper voice made)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.experts.offline.audio import experts, judge_speech
from hugginggpt.experts.offline.backend import OfflineExperts
from hugginggpt.experts.offline.base import OfflineExpert
from hugginggpt.experts.offline.media import load_audio
from hugginggpt.experts.offline.pool import ModelPool
from hugginggpt.tasks import Kind

SENTENCE = "The quick brown fox jumps over the lazy dog."
RATE = 16000


@pytest.fixture(scope="module")
def catalog() -> dict[str, OfflineExpert]:
    return {e.card.id: e for e in experts(Assets(default_models_dir()))}


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool()


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio")


def run(catalog: dict[str, OfflineExpert], pool: ModelPool, model: str, task: str, **kwargs: Any) -> ExpertOutput:
    expert = catalog[model]
    if missing := expert.missing():
        pytest.skip(f"{model} cannot run here: {'; '.join(missing)}")
    return expert.run(pool, ExpertCall(task, model, **kwargs))


@pytest.fixture(scope="module")
def spoken(catalog: dict[str, OfflineExpert], pool: ModelPool, outdir: Path) -> Path:
    """The sentence read by the Piper voice, synthesised once for the whole module."""
    out = run(
        catalog, pool, "builtin/piper-joe-medium", "text-to-speech", text=SENTENCE, output_dir=outdir, output_stem="fox"
    )
    path = out.file_of("audio")
    assert path is not None
    return path


def write(path: Path, samples: Any, rate: int = RATE) -> Path:
    soundfile.write(str(path), np.asarray(samples, dtype=np.float32), rate, subtype="PCM_16")
    return path


def rms(samples: Any) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def words(text: str) -> set[str]:
    return {w.strip(".,!?;:").lower() for w in text.split()} - {""}


# --- text to speech -------------------------------------------------------------------------------


def test_piper_speaks_a_sentence(spoken: Path) -> None:
    samples, rate = soundfile.read(str(spoken), dtype="float32")
    assert soundfile.info(str(spoken)).subtype == "PCM_16"
    assert 1.5 <= len(samples) / rate <= 6.0
    assert rms(samples) > 0.02


def test_espeak_speaks_a_sentence(catalog: dict[str, OfflineExpert], pool: ModelPool, outdir: Path) -> None:
    text = "-v starts like an option, but is read aloud like any other words here."
    out = run(catalog, pool, "builtin/espeak-ng", "text-to-speech", text=text, output_dir=outdir, output_stem="esp")
    path = out.file_of("audio")
    assert path is not None and path.name == "esp.wav"
    samples, rate = soundfile.read(str(path), dtype="float32")
    assert 2.0 <= len(samples) / rate <= 8.0
    assert rms(samples) > 0.02
    assert out.data["sample_rate"] == rate
    assert out.data["duration_s"] == pytest.approx(len(samples) / rate, abs=0.01)


def test_tts_of_nothing_pronounceable_says_so(catalog: dict[str, OfflineExpert], pool: ModelPool, outdir: Path) -> None:
    with pytest.raises(ExpertError, match="produced no sound"):
        run(
            catalog,
            pool,
            "builtin/piper-joe-medium",
            "text-to-speech",
            text="...",
            output_dir=outdir,
            output_stem="nothing",
        )


def test_tts_without_text_says_so(catalog: dict[str, OfflineExpert], pool: ModelPool, outdir: Path) -> None:
    with pytest.raises(ExpertError, match="needs a text"):
        run(
            catalog,
            pool,
            "builtin/piper-joe-medium",
            "text-to-speech",
            text="  ",
            output_dir=outdir,
            output_stem="blank",
        )


# --- speech recognition ---------------------------------------------------------------------------


def test_whisper_transcribes_piper_speech(catalog: dict[str, OfflineExpert], pool: ModelPool, spoken: Path) -> None:
    out = run(catalog, pool, "builtin/whisper-base", "automatic-speech-recognition", files={"audio": spoken})
    assert out.text is not None
    expected = words(SENTENCE)
    assert len(expected & words(out.text)) >= 0.7 * len(expected)
    assert out.data["language"] == "en"
    duration = soundfile.info(str(spoken)).duration
    assert out.data["segments"]
    assert all(0 <= s["start"] < s["end"] <= duration + 0.1 for s in out.data["segments"])


def test_unreadable_audio_names_the_file(catalog: dict[str, OfflineExpert], pool: ModelPool, outdir: Path) -> None:
    broken = outdir / "broken.wav"
    broken.write_bytes(os.urandom(4096))
    for model, task in [
        ("builtin/whisper-base", "automatic-speech-recognition"),
        ("builtin/silero-vad", "audio-classification"),
        ("builtin/noisereduce", "audio-to-audio"),
    ]:
        with pytest.raises(ExpertError, match=r"broken\.wav"):
            run(catalog, pool, model, task, files={"audio": broken}, output_dir=outdir, output_stem="broken-out")


# --- speech detection -----------------------------------------------------------------------------


def test_vad_finds_speech_inside_the_clip(
    catalog: dict[str, OfflineExpert], pool: ModelPool, spoken: Path, outdir: Path
) -> None:
    # One second of silence on each side: the segment must start and end near the speech.
    speech = load_audio(spoken)
    silence = np.zeros(RATE, dtype=np.float32)
    padded = write(outdir / "padded.wav", np.concatenate([silence, speech, silence]))
    out = run(catalog, pool, "builtin/silero-vad", "audio-classification", files={"audio": padded})
    assert out.data["labels"][0]["label"] == "speech"
    assert out.data["labels"][0]["score"] > 0.5
    segments = out.data["segments"]
    assert segments
    assert 0.8 <= segments[0]["start"] <= 1.3
    assert len(speech) / RATE + 0.7 <= segments[-1]["end"] <= len(speech) / RATE + 1.2
    assert out.text is not None and out.text.startswith("speech")


@pytest.mark.parametrize("name", ["silence", "white noise"])
def test_vad_hears_no_speech_in(catalog: dict[str, OfflineExpert], pool: ModelPool, outdir: Path, name: str) -> None:
    quiet = np.zeros(2 * RATE) if name == "silence" else np.random.default_rng(0).normal(0, 0.01, 2 * RATE)
    path = write(outdir / f"{name.replace(' ', '-')}.wav", quiet)
    out = run(catalog, pool, "builtin/silero-vad", "audio-classification", files={"audio": path})
    assert out.data["labels"][0]["label"] == "no speech"
    assert out.data["segments"] == []
    assert out.text is not None and out.text.startswith("no speech")


def test_vad_drops_blips_and_bridges_short_pauses() -> None:
    step = 512 / RATE
    blip = np.array([0.0] * 10 + [0.9] * 3 + [0.0] * 10)  # 96 ms: under the 250 ms minimum
    assert judge_speech(blip, len(blip) * step).label == "no speech"
    paused = np.array([0.9] * 20 + [0.1] * 2 + [0.9] * 20)  # a 64 ms pause: under the 100 ms minimum
    verdict = judge_speech(paused, len(paused) * step)
    assert verdict.label == "speech" and len(verdict.segments) == 1


# --- denoising ------------------------------------------------------------------------------------


def snr_db(clean: Any, other: Any) -> float:
    return float(10 * np.log10(np.sum(np.square(clean)) / np.sum(np.square(clean - other))))


def test_denoising_raises_the_snr(
    catalog: dict[str, OfflineExpert], pool: ModelPool, spoken: Path, outdir: Path
) -> None:
    clean = load_audio(spoken)
    noisy = clean + np.random.default_rng(1).normal(0, 0.05, len(clean)).astype(np.float32)
    source = write(outdir / "noisy.wav", noisy)
    out = run(
        catalog,
        pool,
        "builtin/noisereduce",
        "audio-to-audio",
        files={"audio": source},
        output_dir=outdir,
        output_stem="denoised",
    )
    path = out.file_of("audio")
    assert path is not None
    assert soundfile.info(str(path)).samplerate == RATE  # the file's own rate is kept
    cleaned, _ = soundfile.read(str(path), dtype="float32")
    assert len(cleaned) == len(clean)  # same timing, so the samples line up
    before, after = snr_db(clean, noisy), snr_db(clean, cleaned)
    assert after >= before + 2.0, f"SNR {before:.1f} dB -> {after:.1f} dB"


# --- through the backend --------------------------------------------------------------------------


async def test_every_audio_expert_runs_through_the_backend(spoken: Path, outdir: Path) -> None:
    backend = OfflineExperts(Assets(default_models_dir()))
    mine = {e.card.id: e.card for e in experts(backend.assets)}
    assert set(mine) == {
        "builtin/whisper-base",
        "builtin/piper-joe-medium",
        "builtin/espeak-ng",
        "builtin/silero-vad",
        "builtin/noisereduce",
    }
    for card in mine.values():
        assert backend.can_run(card), backend.missing[card.id, card.task]
        assert card.offline and card.license and card.description
    audio: dict[Kind, Path] = {"audio": spoken}
    calls: list[tuple[str, str, str | None, dict[Kind, Path]]] = [
        ("builtin/whisper-base", "automatic-speech-recognition", None, audio),
        ("builtin/piper-joe-medium", "text-to-speech", "Hello from the offline backend.", {}),
        ("builtin/espeak-ng", "text-to-speech", "Hello from the offline backend.", {}),
        ("builtin/silero-vad", "audio-classification", None, audio),
        ("builtin/noisereduce", "audio-to-audio", None, audio),
    ]
    for model, task, text, files in calls:
        stem = model.split("/")[1]
        out = await backend.run(ExpertCall(task, model, text, files, outdir, stem))
        assert out.text, model
        if task in ("text-to-speech", "audio-to-audio"):
            assert out.file_of("audio") == outdir / f"{stem}.wav"
