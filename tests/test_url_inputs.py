"""URL inputs cannot reach inside: internal addresses refused after resolution and on every redirect,
named hosts allowed, size and time limits on every fetch (real HTTP on loopback)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hugginggpt.errors import ResourceError
from hugginggpt.url_inputs import UrlPolicy, download

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def server() -> Iterator[int]:
    """On 127.0.0.1: /cat.png, /to-localhost (a redirect to the same server under the name localhost),
    /to-file (a redirect to file:///etc/passwd), /slow (a body that trickles), /big.bin."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            port = self.server.server_address[1]
            redirects = {"/to-localhost": f"http://localhost:{port}/cat.png", "/to-file": "file:///etc/passwd"}
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.end_headers()
                return
            if self.path == "/slow":
                self.send_response(200)
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b"x" * 70_000)
                    self.wfile.flush()
                    time.sleep(0.05)
                return
            body = {"/cat.png": PNG, "/big.bin": b"x" * 2**20}.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


LOCAL = UrlPolicy(frozenset({"127.0.0.1"}))


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("http://127.0.0.1:{port}/cat.png", "loopback"),
        ("http://localhost:{port}/cat.png", "loopback"),  # refused after resolving the name
        ("http://[::1]:{port}/cat.png", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/cat.png", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # the cloud metadata address
        ("http://10.1.2.3/x.png", "private"),
        ("http://192.168.0.10/x.png", "private"),
        ("http://100.64.0.1/x.png", "private"),
        ("http://224.0.0.251/x.png", "multicast"),
        ("http://0.0.0.0:{port}/cat.png", "private or reserved"),
    ],
)
def test_internal_addresses_are_refused(server: int, tmp_path: Path, url: str, what: str) -> None:
    target = tmp_path / "x"
    with pytest.raises(ResourceError, match=f"{what}.*HUGGINGGPT_URL_ALLOW_HOSTS"):
        download(url.format(port=server), target, UrlPolicy())
    assert not target.exists()


def test_a_named_host_is_allowed(server: int, tmp_path: Path) -> None:
    target = download(f"http://127.0.0.1:{server}/cat.png", tmp_path / "cat.png", LOCAL)
    assert target.read_bytes() == PNG


def test_every_redirect_is_checked(server: int, tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="refusing to fetch from localhost"):
        download(f"http://127.0.0.1:{server}/to-localhost", tmp_path / "x", LOCAL)
    with pytest.raises(ResourceError, match=r"only http and https|is not allowed"):
        download(f"http://127.0.0.1:{server}/to-file", tmp_path / "x", LOCAL)
    allowed = UrlPolicy(frozenset({"127.0.0.1", "localhost"}))
    assert download(f"http://127.0.0.1:{server}/to-localhost", tmp_path / "x", allowed).read_bytes() == PNG


def test_size_and_time_limits(server: int, tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="larger than"):
        download(f"http://127.0.0.1:{server}/big.bin", tmp_path / "big", UrlPolicy(LOCAL.allowed_hosts, 1000))
    assert not (tmp_path / "big").exists()
    started = time.monotonic()
    with pytest.raises(ResourceError, match=r"took longer than 0\.5 s"):
        download(f"http://127.0.0.1:{server}/slow", tmp_path / "slow", UrlPolicy(LOCAL.allowed_hosts, 2**30, 0.5))
    assert time.monotonic() - started < 1.5 and not (tmp_path / "slow").exists()


def test_other_schemes_and_unknown_hosts(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="only http and https"):
        download("file:///etc/passwd", tmp_path / "x", UrlPolicy())
    with pytest.raises(ResourceError, match="does not resolve"):
        download("http://no-such-host.invalid/x.png", tmp_path / "x", UrlPolicy())
