"""Time to derive each public corpus case (parse + differentiate + simplify + print).

Usage: python benchmarks/derive_speed.py [CORPUS.jsonl] [--repeat N]

Prints one row per case (median of N runs, after a warm-up), then the median
and the worst case against the targets (≤ 5 ms median, ≤ 50 ms worst) and, as
the reference measured by others on the same kinds of case, tensorgrad's
145 ms (2-layer net) and 337 ms (logistic Hessian). Sympy and tensorgrad are
not installed here, so their numbers are quoted, not re-measured.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import matdiff

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "public.jsonl"


def derive(case: dict) -> None:
    try:
        d = matdiff.derivative(case["expr"], wrt=case["wrt"], order=case.get("order", 1),
                               shapes={k: tuple(v) for k, v in case.get("shapes", {}).items()})
        str(d)
    except matdiff.MatdiffError:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT))
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()
    cases = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line.strip()]
    extra = [{"id": "logistic-hessian", "expr": "sum(log(vector(1)+exp(-y.*(X*w))))", "wrt": "w",
              "order": 2},
             {"id": "2-layer-net", "expr": "norm2(tanh(B*tanh(A*x+b)+c)-y)^2", "wrt": "A",
              "shapes": {"b": ["n"], "c": ["m"]}}]
    times = []
    for case in cases + extra:
        derive(case)
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            derive(case)
            runs.append(time.perf_counter() - t0)
        ms = statistics.median(runs) * 1e3
        times.append((ms, case["id"]))
        print(f"{case['id']:<18} {ms:8.2f} ms  d/d{case['wrt']} {case['expr'][:50]}")
    med = statistics.median(t for t, _ in times)
    worst = max(times)
    named = dict((i, t) for t, i in times)
    print(f"\nmedian {med:.2f} ms (target ≤ 5 ms); worst {worst[0]:.2f} ms in {worst[1]} "
          f"(target ≤ 50 ms)")
    print(f"2-layer net: {named['2-layer-net']:.2f} ms vs tensorgrad 145 ms "
          f"(ratio {145 / named['2-layer-net']:.0f}x)")
    print(f"logistic Hessian: {named['logistic-hessian']:.2f} ms vs tensorgrad 337 ms "
          f"(ratio {337 / named['logistic-hessian']:.0f}x)")


if __name__ == "__main__":
    main()
