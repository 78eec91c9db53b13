"""The echo backend: runs no model, returns a small output of the right kind for any catalog model.

For tests, benchmarks and dry runs of a plan (`--experts echo`); its outputs say they are echoes.
`delay` imitates model time; `fail` names task types or model ids that raise.
"""

from __future__ import annotations

import asyncio
import struct
import wave
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hugginggpt.catalog import ModelCard
from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput, OutputFile
from hugginggpt.tasks import TASK_TYPES


@dataclass
class EchoExperts:
    name: str = "echo"
    delay: float | Mapping[str, float] = 0.0  # seconds per task, or per task type
    fail: Collection[str] = field(default_factory=frozenset)

    def can_run(self, card: ModelCard) -> bool:
        return True

    def cards(self) -> list[ModelCard]:
        return []

    def unavailable(self, task: str) -> str | None:
        return None

    async def run(self, call: ExpertCall) -> ExpertOutput:
        delay = self.delay if isinstance(self.delay, int | float) else self.delay.get(call.task, 0.0)
        if delay:
            await asyncio.sleep(delay)
        if call.task in self.fail or call.model in self.fail:
            raise ExpertError(f"echo backend was told to fail {call.task} with {call.model}")
        inputs = ", ".join(
            ([f"text={call.text!r}"] if call.text else []) + [f"{k}={p.name}" for k, p in call.files.items()]
        )
        files: list[OutputFile] = []
        for kind in TASK_TYPES[call.task].produces:
            if kind != "text":
                call.output_dir.mkdir(parents=True, exist_ok=True)
                path = call.output_dir / f"{call.output_stem}{_EXTENSION[kind]}"
                _WRITERS[kind](path)
                files.append(OutputFile(path, kind))
        text = f"[echo of {call.task} by {call.model}: {inputs}]"
        return ExpertOutput(text=text, files=tuple(files), data={"echo": True})


def write_png(path: Path) -> None:
    """A valid 1x1 white PNG, written without an imaging library."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def _write_wav(path: Path) -> None:
    """A tenth of a second of silence."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 1600)


def _write_video(path: Path) -> None:
    # An MP4 header box only: enough for a file of the right kind in tests, not a playable video.
    path.write_bytes(struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2")


_EXTENSION = {"image": ".png", "audio": ".wav", "video": ".mp4"}
_WRITERS = {"image": write_png, "audio": _write_wav, "video": _write_video}
