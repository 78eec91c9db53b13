"""Offline experts: vision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert
from hugginggpt.experts.offline.pool import ModelPool, Resource


def _load_ocr() -> Any:
    from rapidocr import RapidOCR

    return RapidOCR()


OCR = Resource("pp-ocr", _load_ocr, memory_mb=150)


def read_text(pool: ModelPool, image: Path) -> list[tuple[str, float]]:
    """The lines of text in an image, top to bottom, with the recogniser's confidence."""
    result = pool.get(OCR)(str(image))
    texts = result.txts or ()
    scores = result.scores or ()
    return [(str(t), float(s)) for t, s in zip(texts, scores, strict=False)]


def experts(assets: Assets) -> list[OfflineExpert]:
    return []
