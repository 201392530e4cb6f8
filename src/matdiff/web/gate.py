"""The server's gate, in front of every route (a plain ASGI middleware):

* the Host header must name this machine (loopback) or a host allowed with
  ``--allow-host``: a page that rebinds its own DNS name to 127.0.0.1 cannot reach the API;
* an Origin header, when a browser sends one, must name an allowed host too: another
  site's page cannot drive the API from the user's browser;
* a POST must carry ``Content-Type: application/json`` (no HTML form can send that
  without the browser asking the server first, so no cross-site request forgery);
* the body is held to a byte limit, whether its length is declared or it is chunked,
  and must arrive within a deadline.
"""
from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .models import Problem

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: The client and host names of an in-process test transport (Starlette's TestClient): no
#: socket, so no browser can send them; such a request is served as a loopback one.
IN_PROCESS = ("testclient", "testserver")
#: Extra names the Host header may carry (comma-separated), set by ``serve --allow-host``.
ALLOW_HOSTS_ENV = "MATDIFF_ALLOW_HOSTS"
#: The largest request body, in bytes, and the seconds a client has to send it.
MAX_BODY = 64 * 1024
BODY_SECONDS = 10.0


class _TooLarge(Exception):
    pass


def hostname(netloc: str) -> str | None:
    """``"127.0.0.1:8000"`` → ``"127.0.0.1"``, ``"[::1]:80"`` → ``"::1"`` (lowercase)."""
    try:
        return urlsplit("//" + netloc).hostname
    except ValueError:
        return None


class Gate:
    """Refuse, before the app sees them, requests from other hosts or sites, non-JSON
    posts and bodies too large or too slow."""

    def __init__(self, app: ASGIApp, allow_hosts: Iterable[str] = (),
                 max_body: int = MAX_BODY, body_seconds: float = BODY_SECONDS) -> None:
        self.app = app
        self.hosts = set(LOOPBACK) | {h.strip().lower() for h in allow_hosts if h.strip()}
        self.max_body = max_body
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client") or ("", 0)
        problem = self._refusal(scope["method"], headers, in_process=client[0] == IN_PROCESS[0])
        if problem is None and scope["method"] == "POST":
            try:
                with anyio.fail_after(self.body_seconds):
                    body = await self._read(receive)
            except TimeoutError:
                problem = 408, f"the request body did not arrive within {self.body_seconds:g} s"
            except _TooLarge:
                problem = 413, f"the request body is larger than {self.max_body} bytes"
            else:
                receive = _replay(body, receive)
        if problem is not None:
            status, text = problem
            kind = "LimitError" if status in (408, 413) else "Refused"
            content = Problem(error=text, kind=kind, position=None).model_dump()
            await JSONResponse(content, status_code=status)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, method: str, headers: dict[str, str],
                 in_process: bool = False) -> tuple[int, str] | None:
        host = hostname(headers.get("host", ""))
        if host not in self.hosts and not (in_process and host == IN_PROCESS[1]):
            return 403, (f"the host {host or headers.get('host', '')!r:.60} is not served; start the "
                         "server with --allow-host NAME to serve it under that name")
        origin = headers.get("origin")
        if origin is not None and hostname(urlsplit(origin).netloc if "//" in origin else "") not in self.hosts:
            return 403, f"requests from pages of {origin!r:.60} are refused"
        if method == "POST":
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return 415, "send the request as JSON, with Content-Type: application/json"
            length = headers.get("content-length")
            if length is not None and (not length.isascii() or not length.isdigit()
                                       or len(length) > 12 or int(length) > self.max_body):
                return 413, f"the request body is larger than {self.max_body} bytes"
        return None

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body read already, then the client's further messages."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return again
