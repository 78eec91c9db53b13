"""Fetching an http(s) input that a request or a plan names, without letting it reach inside.

A server fetches URLs for its users, so a URL must not be a way into the machine or its network: every
address a host name resolves to is checked before connecting (loopback, link-local such as the cloud
metadata address 169.254.169.254, private, multicast, reserved and other non-global addresses are
refused), the connection goes to the address that was checked (a second lookup could answer otherwise),
and each redirect is a new request checked the same way. Hosts named in `allowed_hosts`
(`HUGGINGGPT_URL_ALLOW_HOSTS`) may be internal. Every fetch has a size limit and a limit on its whole
time, not only on each read. Proxies from the environment are not used: the check must see the real
destination.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugginggpt.errors import ResourceError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class UrlPolicy:
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)  # may resolve to internal addresses
    max_bytes: int = 100 * 2**20
    timeout_s: float = 30.0  # the whole download, connection and redirects included

    @classmethod
    def from_settings(cls, settings: Any) -> UrlPolicy:
        return cls(
            frozenset(h.lower() for h in settings.url_allow_hosts),
            int(settings.max_input_mb * 2**20),
            float(settings.url_timeout),
        )

    def check(self, host: str, address: str) -> None:
        """Raise ResourceError unless `host`, resolved to `address`, may be fetched."""
        if host.lower().strip("[]") in self.allowed_hosts:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_multicast or not ip.is_global:
            what = (
                "loopback"
                if ip.is_loopback
                else "link-local"
                if ip.is_link_local
                else "multicast"
                if ip.is_multicast
                else "private or reserved"
            )
            raise ResourceError(
                f"refusing to fetch from {host}: it is a {what} address ({ip}), inside this machine or its network; "
                f"to allow it, name the host in HUGGINGGPT_URL_ALLOW_HOSTS"
            )


def download(url: str, target: Path, policy: UrlPolicy) -> Path:
    """Fetch `url` into `target` under `policy`; a refused, failed, too large or too slow fetch is a
    ResourceError and leaves no file behind."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ResourceError(f"only http and https URLs can be fetched, not {url!r}")
    deadline = time.monotonic() + policy.timeout_s
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _GuardedHTTP(policy, deadline),
        _GuardedHTTPS(policy, deadline),
        _Redirects(),
    )
    try:
        with opener.open(url, timeout=max(0.1, deadline - time.monotonic())) as response, target.open("wb") as out:
            received = 0
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > policy.max_bytes:
                    raise ResourceError(f"{url} is larger than {policy.max_bytes / 2**20:g} MiB")
                if time.monotonic() > deadline:
                    raise ResourceError(f"{url} took longer than {policy.timeout_s:g} s to download")
                out.write(chunk)
    except BaseException as exc:
        target.unlink(missing_ok=True)  # never leave half a file for a later task to read
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, ResourceError):
            raise reason from None
        if isinstance(exc, (OSError, http.client.HTTPException)):
            raise ResourceError(f"cannot download {url}: {exc}") from exc
        raise
    return target


def _connect(
    policy: UrlPolicy,
    deadline: float,
    address: tuple[str, int],
    timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]  # http.client's default
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """socket.create_connection, to an address of the host that the policy allows."""
    host, port = address
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ResourceError(f"cannot download from {host}: the name does not resolve ({exc.strerror})") from exc
    for *_, sockaddr in found:
        policy.check(host, str(sockaddr[0]))  # every address: a host with one internal address is refused
    remaining = max(0.1, deadline - time.monotonic())
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in found:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(remaining if timeout is socket._GLOBAL_DEFAULT_TIMEOUT else min(timeout, remaining))  # type: ignore[attr-defined]
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"no address for {host}")


class _GuardedHTTP(urllib.request.HTTPHandler):
    def __init__(self, policy: UrlPolicy, deadline: float) -> None:
        super().__init__()
        self.connect = functools.partial(_connect, policy, deadline)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_connection_class(http.client.HTTPConnection, self.connect), req)


class _GuardedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, policy: UrlPolicy, deadline: float) -> None:
        super().__init__()
        self.connect = functools.partial(_connect, policy, deadline)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_connection_class(http.client.HTTPSConnection, self.connect), req)


def _connection_class(base: type[http.client.HTTPConnection], connect: Any) -> Any:
    """`base` whose socket comes from `connect`; HTTPS still verifies the certificate of the host named."""

    class Guarded(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    return Guarded


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Redirects only to http(s); each is opened through the guarded handlers, so its host is checked too."""

    max_redirections = 5

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise ResourceError(f"{req.full_url} redirects to {newurl!r}: only http and https can be fetched")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
