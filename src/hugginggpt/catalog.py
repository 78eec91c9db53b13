"""The catalogue of expert models: a bundled snapshot of Hub model metadata plus the models that
expert backends bring themselves. Selection asks it for the ranked candidates of a task."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

from hugginggpt.errors import CatalogError
from hugginggpt.tasks import TASK_TYPES


@dataclass(frozen=True)
class ModelCard:
    id: str
    task: str
    downloads: int = 0
    likes: int = 0
    language: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    license: str | None = None
    description: str = ""
    offline: bool = False  # its weights ship in an installed package: runs with no network

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> ModelCard:
        language = row.get("language") or ()
        return cls(
            id=str(row["id"]),
            task=str(row["task"]),
            downloads=int(row.get("downloads") or 0),
            likes=int(row.get("likes") or 0),
            # YAML model cards read Norwegian's code "no" as false (the snapshot keeps a few such rows)
            language=(language,)
            if isinstance(language, str)
            else tuple("no" if c is False else str(c) for c in language),
            tags=tuple(row.get("tags") or ()),
            license=row.get("license"),
            description=str(row.get("description") or ""),
            offline=bool(row.get("offline", False)),
        )

    def summary(self) -> str:
        """One line for the controller's selection prompt."""
        parts = ["runs offline"] if self.offline else [f"downloads={self.downloads}", f"likes={self.likes}"]
        if self.language:
            parts.append("language=" + ",".join(self.language[:5]))
        if self.tags:
            parts.append("tags=" + ",".join(self.tags[:5]))
        if self.description:
            parts.append(self.description[:200])
        return "; ".join(parts)


@dataclass(frozen=True)
class Catalog:
    cards: tuple[ModelCard, ...] = ()
    _ranked: dict[str, list[ModelCard]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Ranked once: selection asks for every task of every run. Models that run offline come first:
        # they are the ones certain to run here. The sort is stable, so ties keep the order the cards
        # were given in (a backend lists its general model before its specialised ones).
        for card in sorted(self.cards, key=lambda c: (not c.offline, -c.downloads, -c.likes)):
            self._ranked.setdefault(card.task, []).append(card)

    @classmethod
    def bundled(cls) -> Catalog:
        text = resources.files("hugginggpt").joinpath("data/hub_models.jsonl").read_text(encoding="utf-8")
        return cls(tuple(_read_rows(text.splitlines(), "the bundled catalog")))

    @classmethod
    def from_file(cls, path: Path) -> Catalog:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CatalogError(f"cannot read the catalog {path}: {exc.strerror}") from exc
        return cls(tuple(_read_rows(lines, str(path))))

    def extended(self, cards: Iterable[ModelCard]) -> Catalog:
        """This catalog plus `cards`; a card for an id and task already present replaces it."""
        extra = list(cards)
        keys = {(c.id, c.task) for c in extra}
        return Catalog(tuple(c for c in self.cards if (c.id, c.task) not in keys) + tuple(extra))

    def __iter__(self) -> Iterator[ModelCard]:
        return iter(self.cards)

    def __len__(self) -> int:
        return len(self.cards)

    def for_task(self, task: str) -> list[ModelCard]:
        """Every model of a task: offline ones first, then most downloaded, then most liked."""
        return list(self._ranked.get(task, ()))

    def candidates(self, task: str, can_run: Callable[[ModelCard], bool], top_k: int) -> list[ModelCard]:
        """The top-k models of a task that some configured backend can run."""
        return list(islice((c for c in self._ranked.get(task, ()) if can_run(c)), top_k))


def _read_rows(lines: Iterable[str], source: str) -> Iterator[ModelCard]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            card = ModelCard.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise CatalogError(f"{source}, line {number}: not a model record ({exc})") from exc
        if card.task in TASK_TYPES:
            yield card
