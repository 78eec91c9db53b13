"""Files made from model results: boxes and masks drawn on the input image, a depth map as an image,
audio as WAV, with Pillow and soundfile (what the Hub pipelines themselves use)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.offline.media import save_wav

# Distinct, readable colours for boxes and masks (cycled).
PALETTE = ((230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240),
           (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128))  # fmt: skip


def open_image(path: Path) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise ExpertError(f"{path.name} is not an image Pillow can read ({exc})") from exc


def as_image(value: Any) -> Any:
    """A PIL image from what a pipeline or the service returns (PIL image, array, or encoded bytes)."""
    from PIL import Image

    if isinstance(value, Image.Image):
        return value
    if isinstance(value, bytes | bytearray):
        return Image.open(io.BytesIO(value))
    import numpy as np

    return Image.fromarray(np.asarray(value))


def save_png(image: Any, path: Path) -> Path:
    as_image(image).save(path, format="PNG")
    return path


def draw_boxes(image_path: Path, detections: Sequence[Mapping[str, Any]], target: Path) -> Path:
    from PIL import ImageDraw

    image = open_image(image_path)
    pen = ImageDraw.Draw(image)
    for i, found in enumerate(detections):
        box = found["box"]
        colour = PALETTE[i % len(PALETTE)]
        corners = (box["xmin"], box["ymin"], box["xmax"], box["ymax"])
        pen.rectangle(corners, outline=colour, width=max(2, image.width // 200))
        pen.text((corners[0] + 3, corners[1] + 2), f"{found['label']} {found.get('score', 0):.2f}", fill=colour)
    return save_png(image, target)


def overlay_masks(image_path: Path, segments: Sequence[Mapping[str, Any]], target: Path) -> Path:
    """Each segment's mask tinted in its own colour over the input image."""
    from PIL import Image

    image = open_image(image_path)
    for i, segment in enumerate(segments):
        mask = as_image(segment["mask"]).convert("L").resize(image.size)
        tint = Image.new("RGB", image.size, PALETTE[i % len(PALETTE)])
        image = Image.composite(Image.blend(image, tint, 0.5), image, mask)
    return save_png(image, target)


def depth_png(depth: Any, target: Path) -> Path:
    """A depth map scaled to 0..255 grey levels (nearest is brightest, as the Hub's depth models draw it)."""
    from PIL import Image

    if isinstance(depth, Image.Image) and depth.mode in ("L", "RGB"):
        return save_png(depth, target)
    import numpy as np

    values = np.asarray(depth, dtype=np.float32).squeeze()
    if values.ndim != 2:
        raise ExpertError(f"a depth map must be two-dimensional, not of shape {values.shape}")
    span = float(values.max() - values.min()) or 1.0
    grey = ((values - values.min()) / span * 255).astype(np.uint8)
    return save_png(Image.fromarray(grey), target)


def save_audio(audio: Any, target: Path, rate: int | None = None) -> Path:
    """Samples (with their rate) or an encoded audio file (bytes) as a 16-bit WAV file."""
    import numpy as np

    if isinstance(audio, bytes | bytearray):
        import soundfile

        try:
            samples, rate = soundfile.read(io.BytesIO(audio), dtype="float32")
        except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
            raise ExpertError(f"the model returned audio this machine cannot decode ({exc})") from exc
        return save_wav(target, samples, rate)
    if rate is None:
        raise ExpertError("the model returned audio samples without their sampling rate")
    samples = np.asarray(audio, dtype=np.float32).squeeze()
    if samples.ndim == 2:  # (channels, samples) from the pipelines; soundfile wants (samples, channels)
        samples = samples.T
    return save_wav(target, samples, rate)
