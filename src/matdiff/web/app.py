"""The JSON API behind the page (FastAPI; its OpenAPI schema is at /openapi.json, its
reference at /docs, both served from this machine).

POST /api/derivative  → every form of the derivative, the steps and a numeric check
POST /api/variables   → the variables of an expression with their types and shapes
GET  /                → the page
Bad input is a 4xx response carrying the message and the column; the work of every
request runs in a worker process held to a memory cap and killed at its deadline
(``workers.py``), behind a gate that serves only this machine's pages (``gate.py``).
"""
from __future__ import annotations

import asyncio
import html
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable

import anyio

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from ..errors import MatdiffError, TimeLimitError
from .gate import ALLOW_HOSTS_ENV, Gate
from .models import DerivativeQuery, DerivativeResult, Problem, Query, Variable
from .workers import Pool, Refused

STATIC = Path(__file__).parent / "static"
#: Seconds a derivation may take (in the slow lane; see below).
REQUEST_SECONDS = 5.0
#: A request still unanswered this long after it was received gets a 503 (it waits for a
#: worker first; the deadline of its work starts when the work does).
WAIT_SECONDS = 60.0
#: Two lanes of worker processes, so that heavy requests never hold up light ones: every
#: request first runs in the fast lane (RUNNING workers) with FAST_SECONDS to finish;
#: one that needs longer starts again in the slow lane (SLOW_RUNNING workers) with
#: REQUEST_SECONDS. The rest wait their turn, so each deadline measures its own work.
RUNNING = 2
FAST_SECONDS = 0.3
SLOW_RUNNING = 1
#: Requests the slow lane lets wait; past that, long work is turned away at once with a
#: 429 and Retry-After (the server is saturated), rather than queued past WAIT_SECONDS.
SLOW_WAITING = 8
RETRY_AFTER = 10
#: Bytes of answers kept per server process (as JSON): derivation is a pure function of
#: the query, so a repeated query (the page asks again as one edits) costs a lookup.
CACHE_BYTES = 16 << 20

_LANES: dict[str, anyio.CapacityLimiter] = {}
_POOLS: dict[str, Pool] = {}
_POOLS_LOCK = threading.Lock()


class Busy(Exception):
    """The slow lane is full: try again later."""


def _pools() -> dict[str, Pool]:
    """This process's workers, started on the first request."""
    with _POOLS_LOCK:
        if not _POOLS:
            _POOLS.update(fast=Pool(RUNNING), slow=Pool(SLOW_RUNNING))
    if not _LANES:
        _LANES.update(fast=anyio.CapacityLimiter(RUNNING), slow=anyio.CapacityLimiter(SLOW_RUNNING))
    return _POOLS


async def limited(task: str, query: dict[str, Any]) -> Any:
    """Run ``task`` in a worker: in the fast lane first, then, if it needs more time, in
    the slow lane. Should no answer come within WAIT_SECONDS, the client gets a 503."""
    pools = _pools()
    with anyio.fail_after(WAIT_SECONDS):
        try:
            return await anyio.to_thread.run_sync(pools["fast"].call, task, query, FAST_SECONDS,
                                                  abandon_on_cancel=True, limiter=_LANES["fast"])
        except Refused as e:
            if e.kind != "TimeLimitError":
                raise
        except TimeLimitError:
            pass
        if _LANES["slow"].statistics().tasks_waiting >= SLOW_WAITING:
            raise Busy
        return await anyio.to_thread.run_sync(pools["slow"].call, task, query, REQUEST_SECONDS,
                                              abandon_on_cancel=True, limiter=_LANES["slow"])


class Answers:
    """Answers by query, as JSON bytes, at most ``limit`` bytes of them, the least recently
    used making room; an answer larger than a tenth of that is not kept."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.kept: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            if key not in self.kept:
                return None
            self.kept.move_to_end(key)
            return self.kept[key]

    def put(self, key: str, answer: bytes) -> None:
        cost = len(key) + len(answer)
        if cost > self.limit // 10:
            return
        with self.lock:
            if key in self.kept:
                return
            self.kept[key] = answer
            self.size += cost
            while self.size > self.limit:
                old, dropped = self.kept.popitem(last=False)
                self.size -= len(old) + len(dropped)


def _problem(status: int, text: str, kind: str, pos: int | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    text = text.encode("utf-8", "replace").decode("utf-8")
    return JSONResponse(status_code=status, headers=headers,
                        content=Problem(error=text, kind=kind, position=pos).model_dump())


def _reference(schema: dict[str, Any]) -> str:
    """The API reference as one HTML page with no script, from the OpenAPI schema."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(schema['info']['title'])}"
             " API</title></head><body>", f"<h1>{html.escape(schema['info']['title'])} API</h1>",
             f"<p>{html.escape(schema['info'].get('description', ''))}</p>",
             "<p>The machine-readable schema: <a href='/openapi.json'>/openapi.json</a>.</p>"]
    models = schema.get("components", {}).get("schemas", {})
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            parts.append(f"<h2>{method.upper()} {html.escape(path)}</h2>"
                         f"<p>{html.escape(op.get('description', op.get('summary', '')))}</p>")
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}) \
                .get("schema", {}).get("$ref", "")
            fields = models.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            if fields:
                parts.append("<table><tr><th>field</th><th>type</th><th>about</th></tr>" + "".join(
                    f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v.get('type', '')))}</td>"
                    f"<td>{html.escape(str(v.get('description', v.get('default', ''))))}</td></tr>"
                    for k, v in fields.items()) + "</table>")
            codes = ", ".join(f"{c} {html.escape(r.get('description', ''))}" for c, r in op["responses"].items())
            parts.append(f"<p>Responses: {codes}.</p>")
    return "\n".join(parts + ["</body></html>"])


def create_app(allow_hosts: Iterable[str] | None = None) -> Gate:
    """The app behind its gate; ``allow_hosts`` adds to loopback the names the Host header
    may carry (by default from the MATDIFF_ALLOW_HOSTS environment variable)."""
    if allow_hosts is None:
        allow_hosts = os.environ.get(ALLOW_HOSTS_ENV, "").split(",")
    answers = Answers(CACHE_BYTES)
    pending: dict[str, asyncio.Future[bytes]] = {}
    app = FastAPI(title="matdiff", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Derivatives of matrix expressions: matrix notation, index and "
                              "Kronecker forms, steps and numeric checks.")
    problems: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 413, 415, 422, 503)}

    @app.exception_handler(MatdiffError)
    async def bad_input(request: Request, e: MatdiffError) -> JSONResponse:
        return _problem(422, str(e).splitlines()[0], type(e).__name__, e.pos)

    @app.exception_handler(Refused)
    async def refused(request: Request, e: Refused) -> JSONResponse:
        return _problem(422, e.message, e.kind, e.pos)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        return _problem(422, f"{where}: {first['msg']}" if where else first["msg"], "InvalidRequest")

    @app.exception_handler(TimeoutError)
    async def too_slow(request: Request, e: TimeoutError) -> JSONResponse:
        return _problem(503, f"no answer within {WAIT_SECONDS:g} s: the server is busy", "LimitError")

    @app.exception_handler(Busy)
    async def busy(request: Request, e: Busy) -> JSONResponse:
        return _problem(429, f"the server is busy with long derivations; try again in {RETRY_AFTER} s",
                        "Busy", headers={"Retry-After": str(RETRY_AFTER)})

    @app.exception_handler(Exception)
    async def defect(request: Request, e: Exception) -> JSONResponse:
        return _problem(500, "internal error", type(e).__name__)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def reference() -> HTMLResponse:
        return HTMLResponse(_reference(app.openapi()))

    @app.post("/api/variables", response_model=list[Variable], responses=problems)
    async def variables(q: Query) -> Any:
        """The variables of the expression, with the types and shapes inferred for them."""
        return await limited("variables", q.model_dump())

    @app.post("/api/derivative", response_model=DerivativeResult, responses={**problems, 429: {"model": Problem}})
    async def derivative(q: DerivativeQuery) -> Any:
        """The derivative in every form (text, LaTeX, MathML, index, Kronecker), its steps,
        NumPy code and the verdict of a numeric check."""
        key = q.model_dump_json()
        kept = answers.get(key)
        if kept is None:
            if key not in pending:  # the same query asked while it is derived waits for it
                pending[key] = asyncio.ensure_future(_derive(key, q))
                pending[key].add_done_callback(lambda _: pending.pop(key, None))
            kept = await asyncio.shield(pending[key])
        return Response(kept, media_type="application/json")

    async def _derive(key: str, q: DerivativeQuery) -> bytes:
        answer = json.dumps(await limited("derivative", q.model_dump()), ensure_ascii=False).encode()
        answers.put(key, answer)
        return answer

    return Gate(app, allow_hosts)


app = create_app()
