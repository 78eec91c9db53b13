"""A fresh catalog from the Hub API: the most downloaded models of each task type, as JSON lines in the
bundled snapshot's format. Nothing is written unless every task type was listed (offline, the shipped
snapshot stays in use)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hugginggpt.errors import CatalogError
from hugginggpt.tasks import TASK_TYPES

# The Hub files conversational models under text-generation now; the tag still marks them.
_HUB_QUERY: dict[str, dict[str, str]] = {
    "conversational": {"pipeline_tag": "text-generation", "filter": "conversational"}
}


def hub_rows(task: str, per_task: int, list_models: Callable[..., Iterable[Any]]) -> list[dict[str, Any]]:
    query = _HUB_QUERY.get(task, {"pipeline_tag": task})
    rows = []
    # cardData comes with the listing (no request per model): language and licence are read from it.
    for info in list_models(**query, sort="downloads", limit=per_task, cardData=True):
        card = info.card_data.to_dict() if getattr(info, "card_data", None) else {}
        tags = [t for t in (info.tags or []) if ":" not in t and t != info.pipeline_tag]
        rows.append({
            "id": info.id,
            "task": task,
            "pipeline_tag": info.pipeline_tag,
            "downloads": info.downloads or 0,
            "likes": info.likes or 0,
            "language": card.get("language") or [],
            "tags": tags[:10],
            "license": card.get("license"),
        })  # fmt: skip
    return rows


def refresh_catalog(target: Path, per_task: int = 30, list_models: Callable[..., Iterable[Any]] | None = None) -> int:
    """Write the catalog to `target` (atomically); the number of models written."""
    if list_models is None:
        from huggingface_hub import list_models as hub_list_models

        list_models = hub_list_models
    rows: list[dict[str, Any]] = []
    for task in TASK_TYPES:
        try:
            rows.extend(hub_rows(task, per_task, list_models))
        except Exception as exc:  # the HTTP stack's own errors (no network, DNS, TLS, HTTP status) all land here
            raise CatalogError(
                f"cannot list {task} models on the Hub ({exc}); the catalog in use is unchanged"
            ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=target.parent, suffix=".jsonl")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    os.replace(scratch, target)
    return len(rows)
