"""A real two-node Ray cluster on this machine for tests and benchmarks: a head and a worker node,
each a `ray start --block` process in its own process group, stopped by those groups' ids."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RAY = str(Path(sys.executable).with_name("ray"))  # the same environment as the tests: workers import hugginggpt
# Ray declares a node dead after these (default: tens of seconds); a killed node is noticed in about 2 s.
FAST_FAILURE = {
    "RAY_health_check_period_ms": "500",
    "RAY_health_check_timeout_ms": "500",
    "RAY_health_check_failure_threshold": "3",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalCluster:
    def __init__(self, head_resources: dict[str, float], worker_resources: dict[str, float], cpus: int = 4) -> None:
        self.temp = Path(tempfile.mkdtemp(prefix="hgr", dir="/tmp"))  # Ray's socket paths must stay short
        self.address = f"127.0.0.1:{_free_port()}"
        self.env = {**os.environ, **FAST_FAILURE}
        common = ["--block", "--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus), "--disable-usage-stats"]
        common += ["--object-store-memory", str(100 * 2**20)]
        head = ["--head", "--port", self.address.rpartition(":")[2], "--include-dashboard=false", "--temp-dir"]
        head += [str(self.temp)]
        self.head = self._start("head", [*head, "--resources", json.dumps(head_resources), *common])
        self.worker = self._start(
            "worker", ["--address", self.address, "--resources", json.dumps(worker_resources), *common]
        )

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.temp / f"{name}.log").open("wb")
        return subprocess.Popen([RAY, "start", *args], env=self.env, stdout=log, stderr=log, start_new_session=True)

    def connect(self, timeout: float = 90.0) -> None:
        """Connect this process as the driver, once both nodes are up."""
        import ray

        deadline = time.monotonic() + timeout
        host, _, port = self.address.rpartition(":")
        while True:  # ray.init would wait for minutes on a head that is not listening yet
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.head.poll() is not None:
                    raise RuntimeError(f"the head node did not start; see {self.temp}/head.log") from None
                time.sleep(0.3)
        ray.init(address=self.address, logging_level="WARNING", log_to_driver=False)
        while len(self.alive_nodes()) < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the worker node did not join; see {self.temp}/worker.log")
            time.sleep(0.3)

    @staticmethod
    def alive_nodes() -> list[dict[str, Any]]:
        import ray

        return [n for n in ray.nodes() if n["Alive"]]

    def node_with(self, resource: str) -> str:
        return next(n["NodeID"] for n in self.alive_nodes() if resource in n["Resources"])

    def kill_worker(self) -> None:
        """The worker node dies at once (raylet, its workers and actors), as when a machine is lost."""
        _kill_group(self.worker)

    def stop(self) -> None:
        import ray

        ray.shutdown()
        for process in (self.worker, self.head):
            _kill_group(process)
        shutil.rmtree(self.temp, ignore_errors=True)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group started for this node: its raylet and workers
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
