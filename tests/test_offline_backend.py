"""The offline backend's machinery (pool, availability, limits, errors) with small stand-in experts."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline import OfflineExperts
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, card, module, program
from hugginggpt.experts.offline.pool import ModelPool, Resource


class Loader:
    """Counts loads; each load takes `seconds` and returns a fresh object."""

    def __init__(self, seconds: float = 0.0, fail: bool = False) -> None:
        self.seconds, self.fail, self.count = seconds, fail, 0

    def __call__(self) -> object:
        self.count += 1
        time.sleep(self.seconds)
        if self.fail:
            raise OSError("weights are corrupt")
        return object()


def test_pool_reuses_a_loaded_model() -> None:
    pool, loader = ModelPool(), Loader()
    model = Resource("m", loader, memory_mb=100)
    assert pool.get(model) is pool.get(model)
    assert loader.count == 1 and pool.stats["m"].hits == 1


def test_concurrent_requests_wait_for_one_load() -> None:
    pool, loader = ModelPool(), Loader(seconds=0.2)
    model = Resource("m", loader, memory_mb=100)
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(pool.get(model))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loader.count == 1 and len(got) == 8 and all(g is got[0] for g in got)


def test_budget_smaller_than_two_models_evicts_least_recently_used() -> None:
    pool = ModelPool(budget_mb=150)
    a, b = Resource("a", Loader(), 100), Resource("b", Loader(), 100)
    first_a = pool.get(a)
    pool.get(b)  # a must go
    assert pool.loaded() == ["b"] and pool.stats["a"].evictions == 1
    assert pool.get(a) is not first_a  # served again, by a new load
    assert pool.loaded() == ["a"] and pool.used_mb() == 100


def test_recently_used_model_survives() -> None:
    pool = ModelPool(budget_mb=250)
    a, b, c = (Resource(n, Loader(), 100) for n in "abc")
    pool.get(a)
    pool.get(b)
    pool.get(a)  # a is now the most recent
    pool.get(c)
    assert pool.loaded() == ["a", "c"]


def test_failed_load_is_an_expert_error_and_can_be_retried() -> None:
    pool, loader = ModelPool(), Loader(fail=True)
    model = Resource("broken", loader, 10)
    with pytest.raises(ExpertError, match="cannot load broken: weights are corrupt"):
        pool.get(model)
    loader.fail = False
    assert pool.get(model) is not None and loader.count == 2


def _echo_run(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    return ExpertOutput(text=f"ran {call.model}")


def _crash(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    raise ZeroDivisionError("division by zero")


def backend(tmp_path: Path, *experts: OfflineExpert, max_input_mb: float = 100) -> OfflineExperts:
    return OfflineExperts(Assets(tmp_path), max_input_mb=max_input_mb, only=experts)


async def test_availability_and_reasons(tmp_path: Path) -> None:
    ready = OfflineExpert(card("builtin/ok", "summarization", "d", license="MIT"), _echo_run)
    absent = OfflineExpert(
        card("builtin/needs-things", "translation", "d", license="MIT"),
        _echo_run,
        (module("no_such_module_xyz", "no-such-package"), program("no-such-program-xyz", "nsp")),
    )
    b = backend(tmp_path, ready, absent)
    assert b.can_run(ready.card) and not b.can_run(absent.card)
    assert b.unavailable("summarization") is None
    assert b.unavailable("text-to-image") == (
        "no model available offline for text-to-image; configure the Hub backend or a local model"
    )
    reason = b.unavailable("translation") or ""
    assert (
        "no-such-package is not installed" in reason and "no-such-program-xyz is not installed (Debian: nsp)" in reason
    )
    out = await b.run(ExpertCall("summarization", "builtin/ok", text="x", output_dir=tmp_path))
    assert out.text == "ran builtin/ok"
    with pytest.raises(ExpertError, match="not an installed offline model"):
        await b.run(ExpertCall("translation", "builtin/needs-things", text="x"))


async def test_crash_names_the_model_and_big_inputs_are_refused(tmp_path: Path) -> None:
    crashing = OfflineExpert(card("builtin/crash", "image-classification", "d", license="MIT"), _crash)
    b = backend(tmp_path, crashing, max_input_mb=0.001)
    small, big = tmp_path / "s.png", tmp_path / "b.png"
    small.write_bytes(b"x" * 10)
    big.write_bytes(b"x" * 5000)
    with pytest.raises(ExpertError, match=r"builtin/crash failed on image-classification: ZeroDivisionError"):
        await b.run(ExpertCall("image-classification", "builtin/crash", files={"image": small}))
    with pytest.raises(ExpertError, match=r"b.png is 0.00477 MiB, over the 0.001 MiB limit"):
        await b.run(ExpertCall("image-classification", "builtin/crash", files={"image": big}))


def test_offline_cards_rank_first() -> None:
    from hugginggpt.catalog import Catalog

    catalog = Catalog.bundled().extended([card("builtin/x", "summarization", "d", license="MIT")])
    assert catalog.for_task("summarization")[0].id == "builtin/x"
