"""The 24 task types' adapters: a canned backend result (as the pipelines and the inference service
return it) becomes the expected typed output."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.hub.outputs import CONVERTERS, convert
from hugginggpt.tasks import TASK_TYPES


def _png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "blue").save(out, format="PNG")
    return out.getvalue()


def _wav_bytes(rate: int = 22050) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x01" * 2205)
    return out.getvalue()


MASK = Image.new("L", (40, 30), 0)
MASK.paste(255, (0, 0, 20, 15))

# task -> (call text, canned raw result, expected text (a part of it), expected file kinds)
CASES: dict[str, tuple[str | None, Any, str, tuple[str, ...]]] = {
    "text-classification": ("I love it", [{"label": "NEGATIVE", "score": 0.1}, {"label": "POSITIVE", "score": 0.9}],
                            "POSITIVE (0.90), NEGATIVE (0.10)", ()),
    "token-classification": ("Ada lives in Paris", [{"entity_group": "PER", "word": "Ada", "score": 0.99, "start": 0, "end": 3},
                                                    {"entity_group": "LOC", "word": " Paris", "score": 0.98, "start": 13, "end": 18}],
                             "Ada (PER); Paris (LOC)", ()),
    "text2text-generation": ("fix: teh cat", "the cat", "the cat", ()),
    "summarization": ("long text", [{"summary_text": " A short one. "}], "A short one.", ()),
    "translation": ("Hello", [{"translation_text": "Bonjour"}], "Bonjour", ()),
    "question-answering": ("Who? Ada wrote it.", {"answer": "Ada", "score": 0.8, "start": 5, "end": 8}, "Ada", ()),
    "conversational": ("hi", {"choices": [{"message": {"role": "assistant", "content": "Hello there"}}]},
                       "Hello there", ()),
    "text-generation": ("Once", [{"generated_text": "Once upon a time"}], "Once upon a time", ()),
    "sentence-similarity": ("a cat\na dog\na car", [0.8, 0.1], '"a dog": 0.800; "a car": 0.100', ()),
    "tabular-classification": ("a,b\n1,2\n3,4", ["yes", "no"], "row 1: yes; row 2: no", ()),
    "object-detection": (None, [{"label": "cat", "score": 0.9, "box": {"xmin": 2, "ymin": 3, "xmax": 20, "ymax": 25}}],
                         "1 object(s): cat (0.90)", ("image",)),
    "image-classification": (None, [[{"label": "tabby", "score": 0.7}, {"label": "lynx", "score": 0.2}]],
                             "tabby (0.70), lynx (0.20)", ()),
    "image-to-text": (None, [{"generated_text": "a cat on a mat"}], "a cat on a mat", ()),
    "text-to-image": ("a red fox", Image.new("RGB", (16, 16), "red"), "image written", ("image",)),
    "image-to-image": ("make it blue", _png_bytes(), "image written", ("image",)),
    "image-segmentation": (None, [{"label": "sky", "score": 1.0, "mask": MASK}], "1 region(s): sky", ("image",)),
    "depth-estimation": (None, {"predicted_depth": np.arange(12, dtype=np.float32).reshape(3, 4)}, "depth map", ("image",)),
    "visual-question-answering": ("What colour?", [{"answer": "red", "score": 0.3}, {"answer": "blue", "score": 0.6}],
                                  "blue", ()),
    "document-question-answering": ("Total?", [{"answer": "42 EUR", "score": 0.9, "start": 3, "end": 4}], "42 EUR", ()),
    "text-to-speech": ("hello", {"audio": np.zeros((1, 1600), dtype=np.float32), "sampling_rate": 16000},
                       "audio written", ("audio",)),
    "automatic-speech-recognition": (None, {"text": " hello world"}, "hello world", ()),
    "audio-to-audio": (None, [{"label": "speech", "blob": _wav_bytes(), "content-type": "audio/wav"}],
                       "1 audio file(s)", ("audio",)),
    "audio-classification": (None, [{"label": "dog bark", "score": 0.6}], "dog bark (0.60)", ()),
    "text-to-video": ("a dancing robot", b"\x00\x00\x00\x18ftypisom fake mp4", "video written", ("video",)),
}  # fmt: skip


def test_every_task_type_has_an_adapter_and_a_contract_case() -> None:
    assert set(CONVERTERS) == set(TASK_TYPES) == set(CASES)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), "white").save(path)
    return path


@pytest.mark.parametrize("task", list(CASES))
def test_adapter_contract(task: str, photo: Path, tmp_path: Path) -> None:
    text, raw, expected, kinds = CASES[task]
    task_type = TASK_TYPES[task]
    files: dict[Any, Path] = {"image": photo} if "image" in task_type.requires else {}
    call = ExpertCall(task, "org/model", text, files, tmp_path / "out", "t0")
    output = convert(raw, call)
    assert isinstance(output, ExpertOutput)
    assert expected in (output.text or "")
    assert tuple(f.kind for f in output.files) == kinds
    assert set(kinds) <= set(task_type.produces)
    for produced in output.files:
        assert produced.path.is_file() and produced.path.stat().st_size > 0
        assert produced.path.parent == tmp_path / "out" and produced.path.name.startswith("t0")
        if produced.kind == "image":
            with Image.open(produced.path) as image:
                assert image.format == "PNG"
        if produced.kind == "audio":
            with wave.open(str(produced.path)) as audio:
                assert audio.getnframes() > 0


def test_boxes_are_drawn_on_the_input_image(photo: Path, tmp_path: Path) -> None:
    raw = [{"label": "cat", "score": 0.9, "box": {"xmin": 2, "ymin": 3, "xmax": 20, "ymax": 25}}]
    out = convert(raw, ExpertCall("object-detection", "m", files={"image": photo}, output_dir=tmp_path))
    with Image.open(out.files[0].path) as drawn:
        assert drawn.size == (40, 30) and drawn.getpixel((2, 10)) != (255, 255, 255)
        assert drawn.getpixel((30, 28)) == (255, 255, 255)
    assert out.data == raw


def test_depth_map_is_scaled_to_grey_levels(tmp_path: Path) -> None:
    raw = {"predicted_depth": np.array([[0.0, 1.0], [2.0, 4.0]])}
    out = convert(raw, ExpertCall("depth-estimation", "m", output_dir=tmp_path))
    with Image.open(out.files[0].path) as depth:
        assert depth.mode == "L" and depth.getpixel((0, 0)) == 0 and depth.getpixel((1, 1)) == 255


def test_speech_bytes_from_the_service_become_wav(tmp_path: Path) -> None:
    out = convert(_wav_bytes(22050), ExpertCall("text-to-speech", "m", "hi", output_dir=tmp_path))
    with wave.open(str(out.files[0].path)) as audio:
        assert audio.getframerate() == 22050


def test_results_without_text_are_task_errors(tmp_path: Path) -> None:
    with pytest.raises(ExpertError, match="no text"):
        convert({"unexpected": 1}, ExpertCall("summarization", "m", "x", output_dir=tmp_path))
    with pytest.raises(ExpertError, match="2 scores for 1 sentences"):
        convert([0.1, 0.2], ExpertCall("sentence-similarity", "m", "a\nb", output_dir=tmp_path))
