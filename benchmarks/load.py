"""Load test of `matdiff serve` on loopback: concurrent clients sending a mix of valid
and hostile requests; bounded in count and time.

Usage: python benchmarks/load.py [--clients 200] [--requests 4000] [--seconds 300] [--distinct]

Starts the server in a subprocess on a free 127.0.0.1 port, runs the clients, then
checks that the server still answers. Prints the count of each status, the p50 and
p99 latency, and exits non-zero on any server error (5xx) or if the server died.
The server keeps answers to repeated queries; ``--distinct`` makes every request
new (variables renamed X → X17…), so that each one is derived from scratch.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import socket
import subprocess
import sys
import time
from collections import Counter

import httpx

VALID = [
    {"expr": "norm2(X'*W)^2", "wrt": "W"},
    {"expr": "x'*A*x", "wrt": "x", "order": 2},
    {"expr": "sum(log(vector(1)+exp(-y.*(X*w))))", "wrt": "w"},
    {"expr": "tr(A*X'*B*X*C)", "wrt": "X"},
    {"expr": "logdet(X)", "wrt": "X", "assume": {"X": "spd"}},
    {"expr": "X*y", "wrt": "X", "shapes": {"y": "3x2"}},
    {"expr": "tr(expm(X))", "wrt": "X"},
]
HOSTILE = [
    {"expr": "(x'*A*x", "wrt": "x"},
    {"expr": "__import__('os').system('id')", "wrt": "x"},
    {"expr": "-" * 5000 + "x", "wrt": "x"},
    {"expr": "x" * 9000, "wrt": "x"},
    {"expr": "sin(" * 199 + "x" + ")" * 199, "wrt": "x"},
    {"expr": "tr(X^64)", "wrt": "X", "order": 4},
    {"expr": "A*x", "wrt": "x", "shapes": {"A": "3x4", "x": "3"}},
    {"expr": "a^a^a^a^a^a^a^a^a^a^a^a^a^a", "wrt": "a", "order": 3},
    {"wrt": "x"},
    {"expr": 17, "wrt": []},
]


def distinct(body: dict, k: int) -> dict:
    """The same query with every one-letter variable renamed (X → X<k>)."""
    rename = lambda text: re.sub(r"\b([A-Za-z])\b(?!\s*\()", rf"\g<1>{k}", text)  # noqa: E731
    out = dict(body)
    for field in ("expr", "wrt"):
        if isinstance(out.get(field), str):
            out[field] = rename(out[field])
    for field in ("shapes", "assume"):
        if isinstance(out.get(field), dict):
            out[field] = {rename(name): v for name, v in out[field].items()}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def client(url: str, jobs: asyncio.Queue, results: list, deadline: float) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        while time.monotonic() < deadline:
            try:
                kind, body = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            try:
                r = await http.post(url + "/api/derivative", json=body)
                results.append((r.status_code, time.perf_counter() - t0, kind))
            except httpx.HTTPError as e:
                results.append((type(e).__name__, time.perf_counter() - t0, kind))


async def run(url: str, clients: int, requests: int, seconds: float, unique: bool) -> list:
    rng = random.Random(0)
    jobs: asyncio.Queue = asyncio.Queue()
    for k in range(requests):
        kind = "valid" if rng.random() < 0.6 else "hostile"
        body = rng.choice(VALID if kind == "valid" else HOSTILE)
        jobs.put_nowait((kind, distinct(body, k) if unique else body))
    results: list = []
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(url, jobs, results, deadline) for _ in range(clients)))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    ap.add_argument("--distinct", action="store_true", help="no two requests alike")
    args = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "matdiff", "serve", "--port", str(port),
                               "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        t0 = time.perf_counter()
        results = asyncio.run(run(url, args.clients, args.requests, args.seconds, args.distinct))
        wall = time.perf_counter() - t0
        alive = httpx.post(url + "/api/derivative", json=VALID[0], timeout=10).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    statuses = Counter(s for s, _, _ in results)
    errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    print(f"{len(results)} requests from {args.clients} clients in {wall:.1f} s "
          f"({len(results) / wall:.0f}/s){', all distinct' if args.distinct else ''}")
    print("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str)))
    for kind in ("all", "valid", "hostile"):
        times = sorted(t for _, t, k in results if kind in ("all", k))
        if times:
            p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1e3  # noqa: E731
            print(f"latency ({kind}, {len(times)}): p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, "
                  f"max {times[-1] * 1e3:.0f} ms")
    print(f"server errors (5xx): {errors}; "
          f"answering afterwards: {'yes' if alive else 'NO'}")
    return 0 if errors == 0 and alive and not any(isinstance(s, str) for s in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
