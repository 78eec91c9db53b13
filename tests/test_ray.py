"""The Ray executor on a real two-node cluster on this machine (started once for the module)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import one_model_per_task, plan_json, task
from hugginggpt.config import Settings
from hugginggpt.controller import HuggingGPT
from hugginggpt.distributed.host import HostStats
from hugginggpt.distributed.needs import ModelNeed, NeedTable
from hugginggpt.errors import ClusterError, ConfigError
from hugginggpt.experts import build_backends
from hugginggpt.llm.scripted import ScriptedModel
from ray_cluster import LocalCluster

# Small needs, so that many warm test models fit the nodes' 4 CPUs.
SMALL = {"num_cpus": 0.25, "memory_mb": 100}


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    # Both nodes have one "slot" (a model needing it can run on either); only the worker has "worker".
    local = LocalCluster(head_resources={"slot": 1, "head": 100}, worker_resources={"slot": 1, "worker": 100})
    try:
        local.connect()
        yield local
    finally:
        local.stop()


def controller(cluster: LocalCluster, plan: str, namespace: str, **settings: Any) -> HuggingGPT:
    """A controller with a scripted LLM (the plan, then an answer) and echo experts on the cluster."""
    values: dict[str, Any] = {"experts": ("echo",), "executor": "ray", "ray_address": cluster.address}
    values.update(ray_namespace=namespace, **settings)
    config = Settings(**values)
    return HuggingGPT(config, ScriptedModel([plan, "done"]), build_backends(config), catalog=one_model_per_task())


def model_actors(namespace: str) -> list[HostStats]:
    import ray

    names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["namespace"] == namespace]
    return [ray.get(ray.get_actor(name, namespace=namespace).stats.remote()) for name in names]


def test_needs_come_from_defaults_and_overrides() -> None:
    table = NeedTable({"*": {"memory_mb": 300}, "big/model": {"num_gpus": 1, "memory_mb": 9000, "worker": 1}})
    assert table.of("any/model") == ModelNeed(num_cpus=1.0, memory_mb=300.0)
    big = table.of("big/model")
    assert big.ray_options() == {"num_cpus": 1.0, "num_gpus": 1.0, "memory": 9000 * 2**20, "resources": {"worker": 1}}
    node = {"CPU": 4.0, "memory": 16e9, "worker": 1.0}
    assert table.of("any/model").fits(node, budget_mb=6000) and not big.fits(node, budget_mb=6000)
    with pytest.raises(ConfigError, match=r"ray_resources\['x'\].num_cpus must be a number"):
        NeedTable({"x": {"num_cpus": "two"}})


def test_ray_resources_from_the_environment_as_json() -> None:
    settings = Settings.load(env={"HUGGINGGPT_RAY_RESOURCES": '{"*": {"num_cpus": 2}}'})
    assert settings.ray_resources == {"*": {"num_cpus": 2}}


def test_unreachable_cluster_says_where_it_tried_and_what_to_do() -> None:
    settings = Settings(experts=("echo",), executor="ray", ray_address="127.0.0.1:1")
    with pytest.raises(ClusterError, match=r"cannot reach the Ray cluster at 127\.0\.0\.1:1 .*ray start --head"):
        build_backends(settings)


def test_the_cli_does_not_import_ray() -> None:
    code = "import sys, hugginggpt.cli, hugginggpt.experts; assert 'ray' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def image_plan() -> str:
    return plan_json(
        task(0, "image-to-text", image="photo.png"),
        task(1, "image-to-image", image="photo.png"),
        task(2, "text-to-speech", [0], text="<GENERATED>-0"),
        task(3, "text-classification", [0, 1], text="<GENERATED>-0"),
    )


async def test_tasks_needing_a_resource_run_on_its_node_with_the_same_results_as_in_process(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG not really")
    namespace = uuid.uuid4().hex
    on_ray = controller(cluster, image_plan(), namespace, ray_resources={"*": {**SMALL, "worker": 1}})
    local = HuggingGPT(
        Settings(experts=("echo",), runs_dir=tmp_path / "local"),
        ScriptedModel([image_plan(), "done"]),
        build_backends(Settings(experts=("echo",))),
        catalog=one_model_per_task(),
    )

    remote_result = await on_ray.run("describe and more", files=[photo])
    local_result = await local.run("describe and more", files=[photo])

    assert remote_result.ok and all(r.status == "done" for r in remote_result.reports)
    assert [(r.text, [Path(f).name for f in r.files]) for r in remote_result.reports] == [
        (r.text, [Path(f).name for f in r.files]) for r in local_result.reports
    ]
    for remote, here in zip(remote_result.reports, local_result.reports, strict=True):
        for a, b in zip(remote.files, here.files, strict=True):
            assert Path(a).read_bytes() == Path(b).read_bytes()  # the file came back into the run folder
            assert Path(a).parent.resolve() == remote_result.run_dir.resolve()
    worker = cluster.node_with("worker")
    actors = model_actors(namespace)
    assert len(actors) == 4 and {a.node for a in actors} == {worker}


async def test_two_runs_at_once_share_one_warm_actor(cluster: LocalCluster) -> None:
    namespace = uuid.uuid4().hex
    plan = plan_json(task(0, "text-classification", text="I like it"))
    # Two controllers, as two users' requests (or two server workers), on one cluster.
    first, second = (controller(cluster, plan, namespace, ray_resources={"*": SMALL}, echo_delay=0.5) for _ in range(2))
    results = await asyncio.gather(first.run("feeling?"), second.run("feeling?"))

    assert all(r.ok and r.reports[0].status == "done" for r in results)
    (actor,) = model_actors(namespace)  # started once, by whichever controller came first
    assert actor.name == "echo:org/text-classification-model" and actor.calls == 2


async def test_a_node_keeps_its_models_within_the_memory_budget(cluster: LocalCluster) -> None:
    namespace = uuid.uuid4().hex
    needs = {"*": {"num_cpus": 0.25, "memory_mb": 100, "worker": 1}}  # both models on the worker node
    for task_type in ("text-classification", "token-classification"):
        plan = plan_json(task(0, task_type, text="Ada lives in Paris"))
        result = await controller(cluster, plan, namespace, ray_resources=needs, memory_budget_mb=150).run("x")
        assert result.reports[0].status == "done"

    (left,) = model_actors(namespace)  # the older model was unloaded to keep 150 MB
    assert left.name == "echo:org/token-classification-model"


async def test_a_model_too_large_for_every_node_fails_its_task_naming_the_model_and_need(
    cluster: LocalCluster,
) -> None:
    plan = plan_json(task(0, "text-classification", text="x"), task(1, "summarization", text="y"))
    needs = {"*": SMALL, "org/text-classification-model": {"num_gpus": 8}}
    result = await controller(cluster, plan, uuid.uuid4().hex, ray_resources=needs).run("x")

    failed, done = result.reports
    assert failed.status == "failed" and done.status == "done"
    assert "org/text-classification-model needs 0.25 CPU, 8 GPU, 100 MB memory" in (failed.error or "")
    assert "more than any node of the Ray cluster has" in (failed.error or "")


async def test_a_task_on_a_killed_node_runs_again_on_another_and_the_run_completes(cluster: LocalCluster) -> None:
    """Runs last: it kills the worker node."""
    import ray

    namespace = uuid.uuid4().hex
    # Hold the head's slot so the slot-needing model starts on the worker; freed when the worker dies.
    blocker = ray.util.placement_group([{"slot": 1, "head": 1}])
    ray.get(blocker.ready())
    plan = plan_json(task(0, "text-classification", text="x"), task(1, "summarization", text="y"))
    needs = {"org/text-classification-model": {**SMALL, "slot": 1}, "org/summarization-model": {**SMALL, "head": 0.1}}
    run = asyncio.create_task(controller(cluster, plan, namespace, ray_resources=needs, echo_delay=3.0).run("x"))
    worker = cluster.node_with("worker")
    while not any(a.node == worker and a.active for a in model_actors(namespace)):
        await asyncio.sleep(0.2)
    ray.util.remove_placement_group(blocker)
    cluster.kill_worker()
    result = await asyncio.wait_for(run, 60)

    assert result.ok and [r.status for r in result.reports] == ["done", "done"]
    trace = json.loads(result.trace_path.read_text())
    (retry,) = [e for e in trace["events"] if e["type"] == "task_retried"]
    assert retry["task_id"] == 0 and retry["attempt"] == 1
    classifier = next(a for a in model_actors(namespace) if a.name.endswith("text-classification-model"))
    assert classifier.node == cluster.node_with("head")
