"""``matdiff serve [--host 127.0.0.1] [--port 8000] [--allow-host NAME]``: run the page with
uvicorn (loopback by default; pass --host 0.0.0.0 deliberately to expose it, with
--allow-host for each name the page is reached by)."""
from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any, Sequence

from uvicorn.protocols.http.h11_impl import H11Protocol

from .gate import ALLOW_HOSTS_ENV

#: Seconds a client has, from connecting (or from its previous answer), to send a whole
#: request: a client that trickles its headers in (slowloris) is disconnected.
READ_SECONDS = 10.0


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for reading each request, head and
    body; once a request is read, the app's own limits take over."""

    _read_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
        self._read_timer = self.loop.call_later(READ_SECONDS, self._too_slow)

    def _too_slow(self) -> None:
        cycle = self.cycle
        reading = cycle is None or cycle.response_complete or cycle.more_body
        if reading and not self.transport.is_closing():
            self.transport.close()


def main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="matdiff serve", description="Serve the local web page.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a name besides localhost the page may be reached by (repeatable)")
    args = p.parse_args(list(argv))
    import uvicorn
    named = [] if args.host in ("0.0.0.0", "::") else [args.host]
    os.environ[ALLOW_HOSTS_ENV] = ",".join(args.allow_host + named)
    print(f"matdiff: http://{args.host}:{args.port}/")
    uvicorn.run("matdiff.web.app:app", host=args.host, port=args.port, log_level="warning",
                workers=args.workers, limit_concurrency=256, timeout_keep_alive=5,
                http=DeadlineH11Protocol)
    return 0
