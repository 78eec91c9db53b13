"""The controller's instructions and demonstrations, kept as data files in `data/prompts/`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Demo:
    request: str
    files: tuple[str, ...]
    plan: list[dict[str, Any]]


@dataclass(frozen=True)
class Prompts:
    plan_system: str
    plan_demos: tuple[Demo, ...]
    select_system: str
    respond_system: str

    @classmethod
    def bundled(cls) -> Prompts:
        folder = resources.files("hugginggpt").joinpath("data/prompts")

        def read(name: str) -> str:
            return folder.joinpath(name).read_text(encoding="utf-8").strip()

        demos = tuple(Demo(d["request"], tuple(d["files"]), d["plan"]) for d in json.loads(read("plan_demos.json")))
        return cls(read("plan_system.txt"), demos, read("select_system.txt"), read("respond_system.txt"))


def request_with_files(request: str, files: list[str]) -> str:
    """The user message of a stage: the request, and the files it may use."""
    return f"{request}\n\nFiles: {', '.join(files) if files else 'none'}"
