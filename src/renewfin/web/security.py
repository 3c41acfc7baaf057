"""The server's guards, as ASGI middleware: a request-size limit, a same-origin rule for
requests that change anything, an allow-list of ``Host`` names (against DNS rebinding)
and headers that keep the page to its own scripts and images.

A page on another site that the user happens to visit can make the browser send requests
to ``127.0.0.1``; the origin rule refuses those that would change the workspace or start
work, and the host rule refuses a page that has rebound its own name to this address.
Programs that call the API (no ``Origin`` header) are not affected.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from renewfin.web.errors import error_body

__all__ = ["MAX_BODY_BYTES", "Guard", "allowed_hosts"]

MAX_BODY_BYTES = 16 << 20
"""Largest request body [bytes]: a filled input template fits many times over; the spec
readers apply their own, smaller limits to what they parse."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
"""Added to every response: scripts, styles and images from this server only (charts are
``data:`` images), no framing, no caching of project data."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def allowed_hosts(host: str) -> frozenset[str] | None:
    """Host names the server answers to when bound to ``host``: the loopback names, and
    ``host`` itself; None (any) when bound to every interface (``0.0.0.0``, ``::``)."""
    if host in ("0.0.0.0", "::", ""):
        return None
    return frozenset({"127.0.0.1", "localhost", "::1", host.strip("[]")})


def _host_name(value: str) -> str:
    """``example:8765`` → ``example``; ``[::1]:8765`` → ``::1``."""
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(status, code, message), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The guards around the application ``app``."""

    def __init__(
        self, app: ASGIApp, hosts: Iterable[str] | None, max_body: int = MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self.hosts = None if hosts is None else frozenset(hosts)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self._problem(scope["method"], headers)
        if problem is not None:
            await _refuse(send, *problem)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await _refuse(send, 413, "too_large", self._too_large())
            return
        body = await self._body(receive)
        if body is None:
            await _refuse(send, 413, "too_large", self._too_large())
            return
        await self.app(scope, _replay(body, receive), _with_headers(send))

    def _too_large(self) -> str:
        return f"the request is larger than {self.max_body >> 20} MiB"

    def _problem(self, method: str, headers: dict[str, str]) -> tuple[int, str, str] | None:
        host = _host_name(headers.get("host", ""))
        if self.hosts is not None and host not in self.hosts:
            return 421, "wrong_host", f"this server does not answer to the host name {host!r}"
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if headers.get("sec-fetch-site") == "cross-site" or (
            origin is not None and origin.split("://", 1)[-1] != headers.get("host", "")
        ):
            return 403, "cross_origin", "requests from another site may not change anything here"
        return None

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole request body, or None once it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the buffered body once, then waits on the client."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *HEADERS]
        await send(message)

    return wrapped
