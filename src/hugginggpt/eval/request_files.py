"""The real input files of the request benchmark, made on this machine: rendered text, speech from the
offline voices, scikit-image's public-domain photos, plain text files and a CSV. Nothing is downloaded;
`make_request_files` is idempotent (a file already there is kept)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Rendered onto white images (one line each).
TEXT_IMAGES: dict[str, tuple[str, ...]] = {
    "note.png": ("The new library is wonderful and the staff are friendly.",),
    "complaint.png": ("The delivery was late and the box arrived damaged.",),
    "sign.png": ("NO PARKING ON SUNDAYS",),
    "receipt.png": ("CORNER CAFE", "Coffee 3.50", "Croissant 2.75", "Orange juice 4.00", "TOTAL 10.25"),
    "invite.png": ("Lunch with Alice Martin at the Louvre in Paris on Monday.",),
    "menu_es.png": ("El gato duerme en la casa.",),
}
# scikit-image's bundled photos (public domain / CC0, see skimage/data/README.txt).
PHOTOS: dict[str, str] = {"coffee.png": "coffee", "cat.png": "chelsea", "astronaut.png": "astronaut"}
# Spoken by the Piper voice (English) or eSpeak NG (Spanish).
SPEECH: dict[str, tuple[str, str]] = {
    "memo.wav": ("en", "Please send the quarterly report to Maria before Friday."),
    "meeting.wav": ("en", "John and Sarah will meet the client from Google in London next Tuesday."),
    "complaint.wav": ("en", "I am very unhappy with the service, it was slow and the food was terrible."),
    "spanish.wav": ("es", "Buenos días, me llamo Carlos y vivo en Madrid."),
}
TEXT_FILES: dict[str, str] = {
    "review.txt": (
        "I had dinner at Luigi's last night and it was fantastic. The pasta was fresh, the staff were warm "
        "and attentive, and the tiramisu was the best I have ever had. I will definitely come back.\n"
    ),
    "article.txt": (
        "The new Riverside Bridge opened to traffic on 3 March 2025 after four years of construction. "
        "The bridge is 1.2 kilometres long and cost 180 million euros. Mayor Helen Brooks said it will cut "
        "the commute between the north and south districts by twenty minutes. Cyclists get a separate lane "
        "on both sides, and pedestrians can reach the riverside park from the middle of the bridge.\n"
    ),
    "email.txt": (
        "Hi team, David Chen from Microsoft will visit our Berlin office on 12 June to discuss the new "
        "contract. Please prepare the budget figures and book a meeting room. Thanks, Laura\n"
    ),
    "flowers.csv": (
        "sepal_length,sepal_width,petal_length,petal_width,species\n"
        "5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n"
        "6.4,3.2,4.5,1.5,versicolor\n6.3,3.3,6.0,2.5,virginica\n5.8,2.7,5.1,1.9,virginica\n"
        "5.0,3.4,1.5,0.2,\n6.7,3.1,4.4,1.4,\n"
    ),
}
NOISE = "noise.wav"  # three seconds of quiet white noise: no speech


@dataclass(frozen=True)
class RequestFile:
    name: str
    make: Callable[[Path], None]


def _text_image(lines: tuple[str, ...]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.load_default(size=34)
        width = 60 + max(int(font.getlength(line)) for line in lines)
        image = Image.new("RGB", (max(width, 400), 60 + 56 * len(lines)), "white")
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((30, 30 + 56 * i), line, fill="black", font=font)
        image.save(path)

    return make


def _photo(name: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        from PIL import Image
        from skimage import data

        Image.fromarray(getattr(data, name)()).save(path)

    return make


def _speech(language: str, text: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        if language != "en":
            if shutil.which("espeak-ng") is None:
                raise RuntimeError(f"{path.name} needs espeak-ng (Debian: apt install espeak-ng)")
            subprocess.run(["espeak-ng", "-v", language, "-s", "140", "-w", str(path), text], check=True)
            return
        from hugginggpt.experts.base import ExpertCall
        from hugginggpt.experts.offline import OfflineExperts
        from hugginggpt.experts.offline.assets import Assets, default_models_dir

        backend = OfflineExperts(Assets(default_models_dir()))
        call = ExpertCall(
            "text-to-speech", "builtin/piper-joe-medium", text, output_dir=path.parent, output_stem=path.stem
        )
        output = asyncio.run(backend.run(call))
        produced = output.file_of("audio")
        if produced is not None and produced != path:
            produced.replace(path)

    return make


def _noise(path: Path) -> None:
    import numpy as np

    samples = (np.random.default_rng(7).normal(0, 0.01, 48000) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())


def _text_file(content: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_text(content, encoding="utf-8")

    return make


def request_files() -> list[RequestFile]:
    found = [RequestFile(name, _text_image(lines)) for name, lines in TEXT_IMAGES.items()]
    found += [RequestFile(name, _photo(source)) for name, source in PHOTOS.items()]
    found += [RequestFile(name, _speech(lang, text)) for name, (lang, text) in SPEECH.items()]
    found.append(RequestFile(NOISE, _noise))
    found += [RequestFile(name, _text_file(content)) for name, content in TEXT_FILES.items()]
    return found


def make_request_files(folder: Path) -> Path:
    """Every benchmark file in `folder` (made when missing); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in request_files():
        target = folder / item.name
        if not target.exists():
            item.make(target)
    return folder
