"""``matdiff serve [--host 127.0.0.1] [--port 8000]``: run the page with uvicorn (loopback
by default; pass --host 0.0.0.0 deliberately to expose it)."""
from __future__ import annotations

import argparse
from typing import Sequence


def main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="matdiff serve", description="Serve the local web page.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    args = p.parse_args(list(argv))
    import uvicorn
    print(f"matdiff: http://{args.host}:{args.port}/")
    uvicorn.run("matdiff.web.app:app", host=args.host, port=args.port, log_level="warning",
                workers=args.workers, limit_concurrency=256, timeout_keep_alive=5)
    return 0
