"""Where a run's files come from (uploads, earlier turns, URLs) and where they go (the run folder)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugginggpt.errors import ResourceError
from hugginggpt.tasks import kind_of_file
from hugginggpt.url_inputs import UrlPolicy, download


def new_run_id() -> str:
    """Sortable by time, unique without coordination."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def display_path(path: Path) -> str:
    """The path as the user should type it: relative to the working directory when inside it.

    Lexical (no symlink resolution): it runs for every produced file, and resolve() costs a system
    call per path component."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(os.getcwd()))
    except ValueError:
        return str(absolute)


@dataclass
class Resources:
    """The files the controller may name in a plan, by the name it sees, mapped to local paths.

    A chat keeps one across turns so that earlier uploads and outputs stay usable."""

    files: dict[str, Path] = field(default_factory=dict)

    def add(self, path: Path, name: str | None = None) -> str:
        name = name or path.name
        if name in self.files and self.files[name] != path:
            name = display_path(path)
        self.files[name] = path
        return name

    def names(self) -> list[str]:
        return list(self.files)

    def resolve(self, name: str) -> Path | None:
        return self.files.get(name)

    def describe(self) -> str:
        if not self.files:
            return "none"
        return ", ".join(f"{name} ({kind_of_file(name) or 'file'})" for name in self.files)


class RunFolder:
    """`runs/<id>/`: inputs/ (copies of what the user gave), one file per task output, trace.json."""

    def __init__(self, root: Path, run_id: str) -> None:
        self.run_id = run_id
        self.path = root / run_id
        self.inputs = self.path / "inputs"
        self.path.mkdir(parents=True, exist_ok=True)

    def add_input(self, source: Path) -> Path:
        if not source.is_file():
            raise ResourceError(f"the file {source} does not exist or is not a file")
        self.inputs.mkdir(exist_ok=True)
        target = self.inputs / _safe_name(source.name)
        shutil.copyfile(source, target)
        return target

    def fetch_url(self, url: str, policy: UrlPolicy | None = None) -> Path:
        """Download an http(s) URL named in a plan into inputs/ (see `url_inputs`: internal addresses are
        refused unless the policy names their host; size and time are limited)."""
        self.inputs.mkdir(exist_ok=True)
        target = self.inputs / _safe_name(Path(urllib.parse.urlsplit(url).path).name or "download")
        return download(url, target, policy or UrlPolicy())

    def write_trace(self, trace: dict[str, Any]) -> Path:
        path = self.path / "trace.json"
        tmp = path.with_suffix(".tmp")
        # No indent: json's C encoder only runs without it, and this write ends every run.
        tmp.write_text(json.dumps(trace, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, path)  # a reader never sees half a trace
        return path


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    return cleaned or "file"
