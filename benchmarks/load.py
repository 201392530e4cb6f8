"""Load test of `matdiff serve` on loopback: concurrent clients sending four classes of
requests; bounded in count and time.

Usage: python benchmarks/load.py [--clients 200] [--requests 2000] [--seconds 300] [--workers 2]

Starts the server in a subprocess on a free 127.0.0.1 port and runs two phases at the
same concurrency: light requests alone, then the mix of every class:
* light cached — the same few valid queries again and again (answered from memory);
* light distinct — valid queries with their variables renamed (derived from scratch);
* heavy — valid queries that need seconds (high orders, large matrices), each new;
* hostile — malformed, oversized, deeply nested or out-of-range requests.
Prints, per class, the count of each status and the p50/p99 latency, the light
classes' p99 in the mix against the light-only phase, and the server's memory (RSS of
the server and its worker processes) before and after. Exits non-zero on any server
error (5xx), a failed connection, or a server not answering afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
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
HEAVY = [
    {"expr": "tr(expm(X))", "wrt": "X", "order": 3, "shapes": {"X": "15x15"}},
    {"expr": "tr(X^64)", "wrt": "X", "order": 4},
    {"expr": "logdet(X)", "wrt": "X", "order": 3, "shapes": {"X": "10x10"}, "assume": {"X": "spd"}},
    {"expr": "sin(" * 199 + "x" + ")" * 199, "wrt": "x", "order": 3},
    {"expr": "a^a^a^a^a^a^a^a^a^a^a^a^a^a", "wrt": "a", "order": 3},
]
HOSTILE: list = [
    {"expr": "(x'*A*x", "wrt": "x"},
    {"expr": "__import__('os').system('id')", "wrt": "x"},
    {"expr": "-" * 5000 + "x", "wrt": "x"},
    {"expr": "x" * 9000, "wrt": "x"},
    {"expr": "A*x", "wrt": "x", "shapes": {"A": "3x4", "x": "3"}},
    {"expr": "x'*x", "wrt": "x", "shapes": {"x": "1000000000"}},
    {"expr": "x'*x", "wrt": "x", "shapes": {"x": "9" * 5000}},
    {"expr": "x'*x", "wrt": "x", "shapes": {"x": "\u00b2"}},
    {"wrt": "x"},
    {"expr": 17, "wrt": []},
    b'{"expr": "x", "wrt": "x", "order": NaN}',
    b'{"expr": "x\\ud800", "wrt": "x"}',
    b"{" + b" " * 70000 + b"}",
]
CLASSES = ("light cached", "light distinct", "heavy", "hostile")


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


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


async def client(url: str, jobs: asyncio.Queue, results: list, deadline: float) -> None:
    async with httpx.AsyncClient(timeout=120) as http:
        while time.monotonic() < deadline:
            try:
                kind, body = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            try:
                if isinstance(body, bytes):
                    r = await http.post(url + "/api/derivative", content=body,
                                        headers={"content-type": "application/json"})
                else:
                    r = await http.post(url + "/api/derivative", json=body)
                results.append((r.status_code, time.perf_counter() - t0, kind))
            except httpx.HTTPError as e:
                results.append((type(e).__name__, time.perf_counter() - t0, kind))


def plan(requests: int, mix: bool, seed: int) -> list[tuple[str, object]]:
    """The requests of one phase: light only, or the mix (40% light cached, 30% light
    distinct, 10% heavy, 20% hostile)."""
    rng = random.Random(seed)
    weights = (0.4, 0.3, 0.1, 0.2) if mix else (0.5, 0.5, 0, 0)
    out = []
    for k in range(requests):
        kind = rng.choices(CLASSES, weights)[0]
        pool = {"heavy": HEAVY, "hostile": HOSTILE}.get(kind, VALID)
        body = rng.choice(pool)
        if kind in ("light distinct", "heavy"):
            body = distinct(body, seed * 1_000_000 + k)
        out.append((kind, body))
    return out


async def run(url: str, clients: int, jobs_list: list, seconds: float) -> list:
    jobs: asyncio.Queue = asyncio.Queue()
    for job in jobs_list:
        jobs.put_nowait(job)
    results: list = []
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(url, jobs, results, deadline) for _ in range(clients)))
    return results


def percentile(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(q * len(times)))] * 1e3 if times else float("nan")


def report(name: str, results: list, wall: float) -> None:
    print(f"\n{name}: {len(results)} requests in {wall:.1f} s ({len(results) / wall:.0f}/s)")
    for kind in CLASSES:
        rows = [(s, t) for s, t, k in results if k == kind]
        if rows:
            statuses = Counter(s for s, _ in rows)
            times = [t for _, t in rows]
            print(f"  {kind:15s} {len(rows):5d}  p50 {percentile(times, 0.5):6.0f} ms  "
                  f"p99 {percentile(times, 0.99):6.0f} ms  "
                  + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--requests", type=int, default=2000, help="per phase")
    ap.add_argument("--seconds", type=float, default=300, help="per phase")
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    args = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "matdiff", "serve", "--port", str(port),
                               "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                httpx.post(url + "/api/derivative", json=VALID[0], timeout=30)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        for body in VALID:  # every worker warm
            httpx.post(url + "/api/derivative", json=body, timeout=30)
        before = rss_mb(server.pid)
        phases = {}
        for name, mix in (("light only", False), ("mix", True)):
            t0 = time.perf_counter()
            phases[name] = asyncio.run(run(url, args.clients, plan(args.requests, mix, len(phases) + 1),
                                           args.seconds))
            report(name, phases[name], time.perf_counter() - t0)
        after = rss_mb(server.pid)
        alive = httpx.post(url + "/api/derivative", json=VALID[0], timeout=10).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    everything = [r for rs in phases.values() for r in rs]
    errors = sum(1 for s, _, _ in everything if not isinstance(s, int) or s >= 500)
    print()
    for kind in CLASSES[:2]:
        alone = percentile([t for _, t, k in phases["light only"] if k == kind], 0.99)
        mixed = percentile([t for _, t, k in phases["mix"] if k == kind], 0.99)
        print(f"{kind} p99: {mixed:.0f} ms in the mix, {alone:.0f} ms alone ({mixed / alone:.2f}x)")
    print(f"server RSS: {before:.0f} MB before, {after:.0f} MB after ({after - before:+.0f} MB)")
    print(f"server errors (5xx or failed connections): {errors}; "
          f"answering afterwards: {'yes' if alive else 'NO'}")
    print(json.dumps({"errors": errors, "alive": alive, "rss_growth_mb": round(after - before)}))
    return 0 if errors == 0 and alive else 1


if __name__ == "__main__":
    sys.exit(main())
