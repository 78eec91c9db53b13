from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import build, plan_json, task
from hugginggpt.artifacts import Resources, RunFolder, display_path
from hugginggpt.errors import ResourceError
from hugginggpt.url_inputs import UrlPolicy

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def file_server() -> Iterator[str]:
    """Serves /cat.png (a small body) and /big.bin (1 MiB) on 127.0.0.1."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = {"/cat.png": PNG, "/big.bin": b"x" * 2**20}.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_a_url_in_a_plan_is_downloaded_into_the_run_folder(file_server: str) -> None:
    url = f"{file_server}/cat.png"
    plan = plan_json(task(0, "object-detection", image=url))
    controller, _, experts, _ = build([plan, "ok"], selection="top", url_allow_hosts=("127.0.0.1",))
    result = await controller.run(f"find the objects in {url}")
    assert result.ok and result.reports[0].status == "done"
    fetched = experts.calls[0].files["image"]  # type: ignore[attr-defined]
    assert fetched == result.run_dir / "inputs" / "cat.png" and fetched.read_bytes() == PNG


async def test_a_url_inside_the_machine_is_refused_with_what_to_do(file_server: str) -> None:
    url = f"{file_server}/cat.png"
    controller, _, experts, _ = build([plan_json(task(0, "object-detection", image=url)), "ok"], selection="top")
    result = await controller.run(f"find the objects in {url}")
    assert result.reports[0].status != "done" and experts.calls == []
    assert "HUGGINGGPT_URL_ALLOW_HOSTS" in str(result.reports[0].error)


def test_url_errors_are_resource_errors(file_server: str) -> None:
    folder = RunFolder(Path("runs"), "r1")
    local = UrlPolicy(frozenset({"127.0.0.1"}))
    with pytest.raises(ResourceError, match="cannot download"):
        folder.fetch_url(f"{file_server}/missing.png", local)
    with pytest.raises(ResourceError, match="larger than"):
        folder.fetch_url(f"{file_server}/big.bin", UrlPolicy(local.allowed_hosts, max_bytes=1000))
    assert not (folder.inputs / "big.bin").exists()  # no half file left behind
    with pytest.raises(ResourceError, match="only http and https"):
        folder.fetch_url("file:///etc/passwd")


def test_inputs_are_copied_under_a_safe_name() -> None:
    source = Path("my photo (1).jpg")
    source.write_bytes(b"jpeg")
    copied = RunFolder(Path("runs"), "r2").add_input(source)
    assert copied == Path("runs/r2/inputs/my_photo_1_.jpg") and copied.read_bytes() == b"jpeg"


def test_resources_keep_both_files_when_names_collide(tmp_path: Path) -> None:
    resources = Resources()
    first = resources.add(Path("a/e1.jpg"))
    second = resources.add(Path("b/e1.jpg"))
    assert (first, second) == ("e1.jpg", "b/e1.jpg")
    assert resources.resolve("b/e1.jpg") == Path("b/e1.jpg")
    assert resources.describe() == "e1.jpg (image), b/e1.jpg (image)"
    assert display_path(tmp_path / "x.png") == "x.png"  # tests run inside tmp_path
