"""Make the demo's sample files: a note with text (rendered here), a photo with objects (scikit-image's
public-domain `coffee` photo) and a WAV spoken by the offline text-to-speech expert."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

NOTE = "The new library is wonderful and the staff are friendly."
SPEECH = "Please send the quarterly report to Maria before Friday."


def note(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 160), "white")
    ImageDraw.Draw(image).text((30, 55), NOTE, fill="black", font=ImageFont.load_default(size=34))
    image.save(path)


def photo(path: Path) -> None:
    from PIL import Image
    from skimage import data

    Image.fromarray(data.coffee()).save(path)


async def speech(folder: Path) -> None:
    from hugginggpt.experts.base import ExpertCall
    from hugginggpt.experts.offline import OfflineExperts
    from hugginggpt.experts.offline.assets import Assets, default_models_dir

    backend = OfflineExperts(Assets(default_models_dir()))
    call = ExpertCall("text-to-speech", "builtin/piper-joe-medium", SPEECH, output_dir=folder, output_stem="speech")
    await backend.run(call)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    note(folder / "note.png")
    photo(folder / "coffee.png")
    asyncio.run(speech(folder))
    print(f"samples in {folder}: note.png, coffee.png, speech.wav", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/samples"))
