"""Reading the files a task is given and writing the files it produces, with errors that say what
is wrong with the file rather than crashing the run."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from math import gcd
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall

AUDIO_RATE = 16000  # what the speech models expect


def need_file(call: ExpertCall, kind: str) -> Path:
    path = call.files.get(kind)  # type: ignore[call-overload]
    if path is None:
        raise ExpertError(f"{call.task} needs an {kind} file, and none was given")
    return path  # type: ignore[no-any-return]


def need_text(call: ExpertCall) -> str:
    if not call.text or not call.text.strip():
        raise ExpertError(f"{call.task} needs a text, and none was given")
    return call.text


def load_image(path: Path) -> Any:
    """The image as an OpenCV BGR array."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ExpertError(f"{path.name} is not an image OpenCV can read (corrupt, or not PNG/JPEG/BMP/WebP/TIFF)")
    return image


def save_image(path: Path, image: Any) -> Path:
    import cv2

    if not cv2.imwrite(str(path), image):
        raise ExpertError(f"cannot write the image {path}")
    return path


def load_audio(path: Path, rate: int = AUDIO_RATE) -> Any:
    """The audio as mono float32 samples in -1..1 at `rate` Hz. Formats libsndfile cannot read are
    converted with ffmpeg when it is installed."""
    import numpy as np
    import soundfile

    try:
        samples, source_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        converted = _ffmpeg_to_wav(path)
        if converted is None:
            raise ExpertError(
                f"{path.name} is not audio this machine can read ({exc}); convert it to WAV or FLAC, or install ffmpeg"
            ) from exc
        try:
            samples, source_rate = soundfile.read(str(converted), dtype="float32", always_2d=True)
        finally:
            converted.unlink(missing_ok=True)
    if samples.size == 0:
        raise ExpertError(f"{path.name} holds no audio samples")
    mono = samples.mean(axis=1)
    if source_rate != rate:
        from scipy.signal import resample_poly

        common = gcd(int(source_rate), rate)
        mono = resample_poly(mono, rate // common, int(source_rate) // common).astype(np.float32)
    return mono


def save_wav(path: Path, samples: Any, rate: int = AUDIO_RATE) -> Path:
    import numpy as np
    import soundfile

    soundfile.write(str(path), np.asarray(samples, dtype=np.float32), rate, subtype="PCM_16")
    return path


def output_path(call: ExpertCall, extension: str) -> Path:
    call.output_dir.mkdir(parents=True, exist_ok=True)
    return call.output_dir / f"{call.output_stem}{extension}"


def _ffmpeg_to_wav(path: Path) -> Path | None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    target = Path(tempfile.mkstemp(suffix=".wav")[1])
    done = subprocess.run(
        [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(path), "-ac", "1", str(target)],
        capture_output=True,
        timeout=120,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        return None
    return target
