"""The JSON API behind the page (FastAPI; its OpenAPI schema is at /openapi.json).

POST /api/derivative  → every form of the derivative, the steps and a numeric check
POST /api/variables   → the variables of an expression with their types and shapes
GET  /                → the page
Errors on bad input are 422 responses carrying the message and the column.
"""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import anyio

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from .. import api
from ..check import check
from ..errors import MatdiffError, ShapeError, TimeLimitError
from ..expr import DEADLINE
from ..syntax import MAX_LENGTH
from ..syntax.parser import ARITY, shape_from_text, shape_by_letter

T = TypeVar("T")
STATIC = Path(__file__).parent / "static"
#: Per-request limits: the body's size and the time a derivation may take.
MAX_BODY = 64 * 1024
REQUEST_SECONDS = 5.0
#: A request still unanswered this long after it was received gets a 503 (it waits for a
#: worker thread first; the engine's own deadline starts when the work does).
WAIT_SECONDS = 60.0
#: Two lanes per server process, so that heavy requests never hold up light ones: every
#: request first runs in the fast lane (RUNNING at once) with FAST_SECONDS to finish;
#: one that needs longer starts again in the slow lane (SLOW_RUNNING at once) with
#: REQUEST_SECONDS. The rest wait their turn, so each deadline measures its own work.
RUNNING = 2
FAST_SECONDS = 0.3
SLOW_RUNNING = 1
#: Requests the slow lane lets wait; past that, long work is turned away at once with a
#: 429 and Retry-After (the server is saturated), rather than queued past WAIT_SECONDS.
SLOW_WAITING = 8
RETRY_AFTER = 10
_LANES: dict[str, anyio.CapacityLimiter] = {}


class Busy(Exception):
    """The slow lane is full: try again later."""
#: Answers kept per process, by request: derivation is a pure function of the query, so a
#: repeated query (the page asks again as one edits, popular expressions) costs a lookup.
CACHED = 1024


class Query(BaseModel):
    """An expression and what is known about its variables."""

    expr: str = Field(max_length=MAX_LENGTH, examples=["norm2(X'*W)^2"])
    shapes: dict[str, str] = Field(default_factory=dict, max_length=50,
                                   description="NAME: '3x4', '3', 'scalar' or 'mxn'")
    assume: dict[str, str] = Field(default_factory=dict, max_length=50,
                                   description="NAME: 'symmetric', 'spd' or 'diagonal'")


class DerivativeQuery(Query):
    wrt: str = Field(max_length=100, examples=["W"])
    order: int = Field(default=1, ge=1, le=4)
    check: bool = True


class Variable(BaseModel):
    name: str
    kind: str
    shape: str
    structure: str | None = None


class DerivativeResult(BaseModel):
    text: str
    latex: str
    mathml: str
    index: str
    kron: str | None
    kron_layout: str | None
    explain: list[str]
    code: str | None
    check: str | None
    variables: list[Variable]


class Problem(BaseModel):
    error: str
    kind: str
    position: int | None


def _shapes(q: Query) -> dict[str, tuple[int | str, ...]]:
    return {name: shape_from_text(text) for name, text in q.shapes.items() if text.strip()}


def _kind(shape: Any) -> str:
    return "scalar" if shape.is_scalar else "vector" if shape.is_vector else "matrix"


def _variables(node: Any) -> list[Variable]:
    out = []
    for name, shape in sorted(node.variables().items()):
        kind = _kind(shape)
        out.append(Variable(name=name, kind=kind, shape="x".join(str(d) for d in shape.dims),
                            structure=shape.structure.value if shape.structure else None))
    return out


async def limited(work: Callable[[], T]) -> T:
    """Run ``work`` in a worker thread under a deadline the engine checks as it builds and
    walks expressions (so the thread itself stops: a LimitError, 422): in the fast lane
    first, then, if it needs more time, in the slow lane. Should no answer come within
    WAIT_SECONDS, the client gets a 503 anyway."""
    def bounded(seconds: float) -> Callable[[], T]:
        def run() -> T:
            DEADLINE.set(time.monotonic() + seconds)
            return work()
        return run
    if not _LANES:
        _LANES.update(fast=anyio.CapacityLimiter(RUNNING), slow=anyio.CapacityLimiter(SLOW_RUNNING))
    with anyio.fail_after(WAIT_SECONDS):
        try:
            return await anyio.to_thread.run_sync(bounded(FAST_SECONDS), abandon_on_cancel=True,
                                                  limiter=_LANES["fast"])
        except TimeLimitError:
            if _LANES["slow"].statistics().tasks_waiting >= SLOW_WAITING:
                raise Busy from None
            return await anyio.to_thread.run_sync(bounded(REQUEST_SECONDS), abandon_on_cancel=True,
                                                  limiter=_LANES["slow"])


def create_app() -> FastAPI:
    answers: dict[str, DerivativeResult] = {}
    lock = threading.Lock()
    app = FastAPI(title="matdiff", version="0.1.0",
                  description="Derivatives of matrix expressions: matrix notation, index and "
                              "Kronecker forms, steps and numeric checks.")

    @app.exception_handler(MatdiffError)
    async def bad_input(request: Request, e: MatdiffError) -> JSONResponse:
        body = Problem(error=str(e).splitlines()[0], kind=type(e).__name__, position=e.pos)
        return JSONResponse(status_code=422, content=body.model_dump())

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            body = Problem(error=f"the request body is larger than {MAX_BODY} bytes",
                           kind="LimitError", position=None)
            return JSONResponse(status_code=413, content=body.model_dump())
        return await call_next(request)

    @app.exception_handler(TimeoutError)
    async def too_slow(request: Request, e: TimeoutError) -> JSONResponse:
        body = Problem(error=f"no answer within {WAIT_SECONDS:g} s: the server is busy",
                       kind="LimitError", position=None)
        return JSONResponse(status_code=503, content=body.model_dump())

    @app.exception_handler(Busy)
    async def busy(request: Request, e: Busy) -> JSONResponse:
        body = Problem(error=f"the server is busy with long derivations; try again in {RETRY_AFTER} s",
                       kind="Busy", position=None)
        return JSONResponse(status_code=429, content=body.model_dump(),
                            headers={"Retry-After": str(RETRY_AFTER)})

    @app.exception_handler(Exception)
    async def defect(request: Request, e: Exception) -> JSONResponse:
        body = Problem(error="internal error", kind=type(e).__name__, position=None)
        return JSONResponse(status_code=500, content=body.model_dump())

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.post("/api/variables", response_model=list[Variable],
              responses={422: {"model": Problem}, 413: {"model": Problem}, 503: {"model": Problem}})
    async def variables(q: Query) -> list[Variable]:
        return await limited(lambda: _variables_of(q))

    def _variables_of(q: Query) -> list[Variable]:
        """The variables with their inferred types; when the shapes do not fit yet, the
        names with their default types, so that the user can fix them in the table."""
        try:
            return _variables(api.parse(q.expr, _shapes(q), q.assume))
        except ShapeError:
            names = sorted(set(re.findall(r"\b([A-Za-z]\w*)\b(?!\s*\()", q.expr)) - set(ARITY) - {"eye"})
            return [Variable(name=n, kind=_kind(shape_by_letter(n)), shape="") for n in names]

    @app.post("/api/derivative", response_model=DerivativeResult,
              responses={422: {"model": Problem}, 413: {"model": Problem}, 429: {"model": Problem},
                         503: {"model": Problem}})
    async def derivative(q: DerivativeQuery) -> DerivativeResult:
        key = q.model_dump_json()
        kept = answers.get(key)
        return kept if kept is not None else await limited(lambda: _remember(key, q))

    def _remember(key: str, q: DerivativeQuery) -> DerivativeResult:
        """The answer, kept unless it failed (a time limit depends on the load); the
        oldest kept answer makes room. (Kept meanwhile by a request ahead in line?)"""
        kept = answers.get(key)
        if kept is not None:
            return kept
        answer = _derive(q)
        with lock:
            if len(answers) >= CACHED:
                answers.pop(next(iter(answers)))
            answers[key] = answer
        return answer

    def _derive(q: DerivativeQuery) -> DerivativeResult:
        d = api.derivative(q.expr, wrt=q.wrt, order=q.order, shapes=_shapes(q), assume=q.assume)
        report = None
        if q.check and not d.abstract:
            try:
                report = str(check(d))
            except MatdiffError as e:
                report = f"not checked: {e}"
        return DerivativeResult(**d.to_dict(), check=report, variables=_variables(d.expr))

    return app


app = create_app()
