"""The offline vision experts on real models and real pictures (scikit-image's sample photos)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline import OfflineExperts
from hugginggpt.experts.offline.assets import Assets, default_models_dir
from hugginggpt.experts.offline.pool import ModelPool
from hugginggpt.experts.offline.vision import (
    COCO_LABELS,
    OPERATIONS,
    Detection,
    _count_phrase,
    apply_operation,
    choose_operation,
    experts,
)

cv2 = pytest.importorskip("cv2")
EXPERTS = {e.card.id: e for e in experts(Assets(default_models_dir()))}
CAT_CLASSES = {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat", "lynx"}


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    """One pool for the module, so that each model loads once, as it would in a long-running app."""
    return ModelPool()


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = pytest.importorskip("skimage.data", reason="the sample photos come from scikit-image")
    folder = tmp_path_factory.mktemp("photos")
    paths = {}
    for name in ("chelsea", "coffee", "astronaut"):  # a cat; a cup of coffee; a person's face
        paths[name] = folder / f"{name}.png"
        cv2.imwrite(str(paths[name]), cv2.cvtColor(getattr(data, name)(), cv2.COLOR_RGB2BGR))
    paths["blank"] = folder / "blank.png"
    cv2.imwrite(str(paths["blank"]), _blank())
    return paths


def _blank() -> Any:
    import numpy as np

    return np.full((240, 320, 3), 255, np.uint8)


def run(pool: ModelPool, model: str, image: Path, tmp_path: Path, text: str | None = None) -> ExpertOutput:
    expert = EXPERTS[model]
    assert not expert.missing(), expert.missing()
    call = ExpertCall(expert.card.task, model, text, {"image": image}, tmp_path, "out")
    return expert.run(pool, call)


def test_ocr_reads_a_rendered_word(pool: ModelPool, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (640, 160), "white")
    ImageDraw.Draw(page).text((30, 40), "HELLO OFFLINE", fill="black", font=ImageFont.load_default(size=64))
    page.save(tmp_path / "note.png")
    out = run(pool, "builtin/pp-ocr", tmp_path / "note.png", tmp_path)
    assert "HELLO" in (out.text or "").upper()
    assert out.data["lines"] and all(0 < line["score"] <= 1 for line in out.data["lines"])


def test_ocr_says_when_there_is_no_text(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/pp-ocr", photos["blank"], tmp_path)
    assert out.text == "no text found in the image" and out.data == {"lines": []}


def test_detector_finds_the_cat_and_draws_it(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/ssd-mobilenet-v2-coco", photos["chelsea"], tmp_path)
    assert out.text is not None and out.text.startswith("cat (")
    cat = out.data["objects"][0]
    assert cat["label"] == "cat" and cat["score"] > 0.8
    x1, y1, x2, y2 = cat["box"]
    assert 0 <= x1 < x2 <= 451 and 0 <= y1 < y2 <= 300  # pixels of the 451x300 photo
    drawn = out.file_of("image")
    assert drawn is not None and drawn.suffix == ".png"
    before, after = cv2.imread(str(photos["chelsea"])), cv2.imread(str(drawn))
    assert after.shape == before.shape and (after != before).any()


def test_detector_finds_nothing_on_a_blank_image(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/ssd-mobilenet-v2-coco", photos["blank"], tmp_path)
    assert out.data["objects"] == [] and "person" in out.data["classes"]
    assert out.text is not None and out.text.startswith("no objects")
    drawn = out.file_of("image")
    assert drawn is not None and drawn.is_file()


def test_detector_names_several_objects(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/ssd-mobilenet-v2-coco", photos["coffee"], tmp_path)
    assert "cup" in [o["label"] for o in out.data["objects"]]


def test_classifier_names_the_cat_and_the_coffee(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    cat = run(pool, "builtin/efficientnet-lite3", photos["chelsea"], tmp_path)
    labels = [item["label"] for item in cat.data["labels"]]
    assert len(labels) == 5 and labels[0] in CAT_CLASSES
    coffee = run(pool, "builtin/efficientnet-lite3", photos["coffee"], tmp_path)
    assert coffee.data["labels"][0]["label"] in {"espresso", "cup", "coffee mug"}
    assert coffee.text is not None and coffee.text.startswith(coffee.data["labels"][0]["label"] + " (0.")


def test_face_detector_finds_the_astronauts_face(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/opencv-haar-faces", photos["astronaut"], tmp_path)
    assert out.text is not None and out.text.startswith("1 face found")
    (face,) = out.data["objects"]
    x1, y1, x2, y2 = face["box"]
    assert 150 < x1 < x2 < 300 and 40 < y1 < y2 < 200  # her face, not the flag or the suit
    assert out.file_of("image") is not None
    assert run(pool, "builtin/opencv-haar-faces", photos["blank"], tmp_path).data == {"objects": []}


def test_describer_mentions_the_cat_and_how_it_was_made(
    pool: ModelPool, photos: dict[str, Path], tmp_path: Path
) -> None:
    out = run(pool, "builtin/photo-describer", photos["chelsea"], tmp_path)
    assert out.text is not None and out.text.startswith("A photo that appears to show a cat;")
    # how it was made is said beside the description, so a step after it (a translation) gets only the words
    assert "composed from object-detection and image-classification labels" in out.data["how"]
    assert "composed" not in out.text.lower()
    assert out.data["objects"][0]["label"] == "cat" and len(out.data["labels"]) == 5


def test_describer_on_an_empty_picture_says_so(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/photo-describer", photos["blank"], tmp_path)
    assert (
        out.text is not None and "detector is sure of nothing" in out.text and "not a caption model" in out.data["how"]
    )


def test_count_phrase_reads_naturally() -> None:
    found = [Detection(label, 0.9, (0, 0, 1, 1)) for label in ("person", "dog", "person", "bus", "bus", "skis")]
    assert _count_phrase(found) == "2 people, a dog, 2 buses and a pair of skis"


def test_coco_label_map_has_the_tf_gaps() -> None:
    assert len(COCO_LABELS) == 80 and COCO_LABELS[1] == "person" and COCO_LABELS[90] == "toothbrush"
    assert COCO_LABELS[17] == "cat" and COCO_LABELS[67] == "dining table" and 12 not in COCO_LABELS


@pytest.mark.parametrize("name", [op.name for op in OPERATIONS])
def test_each_filter_keeps_the_size(name: str, pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    op = next(o for o in OPERATIONS if o.name == name)
    out = run(pool, "builtin/opencv-filters", photos["chelsea"], tmp_path, text=f"please apply {op.keywords[0]}")
    assert out.data["operation"] == name
    produced = out.file_of("image")
    assert produced is not None and produced.suffix == ".png"
    before, after = cv2.imread(str(photos["chelsea"])), cv2.imread(str(produced))
    assert after.shape[:2] == before.shape[:2] and (after != before).any()


@pytest.mark.parametrize(
    ("text", "operation"),
    [
        (None, "edges"),
        ("", "edges"),
        ("do something nice", "edges"),
        ("make it a pencil sketch", "sketch"),
        ("a black and white sketch", "sketch"),
        ("make it black and white", "greyscale"),
        ("sharpen the blurry photo", "sharpen"),
        ("blur the edges", "blur"),
        ("turn it into a cartoon", "cartoon"),
        ("give it a vintage sepia look", "sepia"),
        ("invert the colours", "invert"),
        ("extract the pose for a ControlNet", "edges"),
        ("make a depth map", "greyscale"),
    ],
)
def test_operation_is_chosen_from_the_text(text: str | None, operation: str) -> None:
    op, why = choose_operation(text)
    assert op.name == operation and why


def test_stand_ins_say_what_they_are_not() -> None:
    _, why = choose_operation("estimate depth")
    assert "NOT a depth map" in why


def test_filter_output_names_the_operation(pool: ModelPool, photos: dict[str, Path], tmp_path: Path) -> None:
    out = run(pool, "builtin/opencv-filters", photos["coffee"], tmp_path)
    assert out.text == "Applied Canny edges to the 600x400 image (the default: no text was given)."
    assert apply_operation("edges", cv2.imread(str(photos["coffee"]))).shape == (400, 600)


@pytest.mark.parametrize("model", sorted(EXPERTS))
def test_a_corrupt_image_is_an_expert_error_naming_the_file(model: str, pool: ModelPool, tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(os.urandom(2048))
    with pytest.raises(ExpertError, match=r"broken\.png"):
        run(pool, model, broken, tmp_path)


@pytest.mark.parametrize("model", sorted(EXPERTS))
def test_a_missing_image_argument_is_an_expert_error(model: str, pool: ModelPool, tmp_path: Path) -> None:
    call = ExpertCall(EXPERTS[model].card.task, model, "hello", {}, tmp_path)
    with pytest.raises(ExpertError, match="needs an image"):
        EXPERTS[model].run(pool, call)


async def test_every_vision_expert_runs_through_the_backend(photos: dict[str, Path], tmp_path: Path) -> None:
    backend = OfflineExperts(Assets(default_models_dir()))
    for model, expert in EXPERTS.items():
        assert backend.can_run(expert.card), backend.missing[model]
        stem = model.split("/")[1]
        out = await backend.run(ExpertCall(expert.card.task, model, None, {"image": photos["chelsea"]}, tmp_path, stem))
        assert out.text
        if expert.card.task in ("object-detection", "image-to-image"):
            produced = out.file_of("image")
            assert produced is not None and produced.is_file()


def test_segmentation_separates_the_astronaut_from_the_background(
    pool: ModelPool, photos: dict[str, Path], tmp_path: Path
) -> None:
    import numpy as np

    from hugginggpt.experts.offline.segmentation import experts as segmentation_experts

    expert = segmentation_experts(Assets(default_models_dir()))[0]
    assert not expert.missing(), expert.missing()
    call = ExpertCall("image-segmentation", expert.card.id, None, {"image": photos["astronaut"]}, tmp_path, "seg")
    output = expert.run(pool, call)
    mask_file, subject_file = (f.path for f in output.files)
    mask = cv2.imread(str(mask_file), cv2.IMREAD_GRAYSCALE)
    assert mask.shape == (512, 512) and subject_file.is_file()
    assert mask[100:140, 200:260].mean() > 200  # her face is the subject
    assert mask[10:60, 420:500].mean() < 50  # the grey backdrop at the top right is not
    assert 0.3 < output.data["foreground_share"] < 0.8
    assert "names no classes" in (output.text or "")
    blank = expert.run(
        pool, ExpertCall("image-segmentation", expert.card.id, None, {"image": photos["blank"]}, tmp_path, "b")
    )
    assert np.isfinite(blank.data["foreground_share"])
