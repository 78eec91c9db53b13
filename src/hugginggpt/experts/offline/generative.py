"""Offline experts: generative (filled in by its own change)."""

from __future__ import annotations

from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert


def experts(assets: Assets) -> list[OfflineExpert]:
    return []
