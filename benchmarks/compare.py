"""Compiled matdiff derivatives against jax.jit(jax.grad / jax.hessian) and torch.func,
measured in the same run (float64, CPU, fixed seeds, warm-up, median of repeats).

Usage: python benchmarks/compare.py [--sizes 10 100 1000] [--repeat 7]

Prints one row per case and size: milliseconds for matdiff (generated NumPy code),
JAX and PyTorch, and the speed-up ratios (competitor time / matdiff time), then
the machine's float64 matmul GFLOP/s and the rate the dense Hessians reach.
A competitor that is not installed, or a case over its time or memory budget, is
shown as "-". "structured" rows build a StructuredTensor (factors, not entries).
"""
from __future__ import annotations

import argparse
import re
import statistics
from typing import Any, Callable, cast

import numpy as np

import matdiff
from timing import data, timed

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:  # pragma: no cover - optional
    jax = None
try:
    import torch
    from torch import func as tfunc
    torch.set_default_dtype(torch.float64)
except ImportError:  # pragma: no cover - optional
    torch = None




def cases(n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    shared = data(n, rng)
    a, spd, X, y, r = (shared[k] for k in ("a", "spd", "X", "y", "r"))
    return [
        dict(name="x'Ax gradient", expr="x'*A*x", wrt="x", order=1,
             values={"x": rng.standard_normal(n), "A": a},
             jf=lambda x, A: x @ A @ x, tf=lambda x, A: x @ A @ x),
        dict(name="x'Ax Hessian", expr="x'*A*x", wrt="x", order=2,
             values={"x": rng.standard_normal(n), "A": a},
             jf=lambda x, A: x @ A @ x, tf=lambda x, A: x @ A @ x, flops=0),
        dict(name="logistic gradient", expr="sum(log(vector(1)+exp(-y.*(X*w))))", wrt="w", order=1,
             values={"w": rng.standard_normal(n) / 10, "X": X, "y": y},
             jf=lambda w, X, y: jnp.sum(jnp.log1p(jnp.exp(-y * (X @ w)))),
             tf=lambda w, X, y: torch.sum(torch.log1p(torch.exp(-y * (X @ w))))),
        dict(name="logistic Hessian", expr="sum(log(vector(1)+exp(-y.*(X*w))))", wrt="w", order=2,
             values={"w": rng.standard_normal(n) / 10, "X": X, "y": y},
             jf=lambda w, X, y: jnp.sum(jnp.log1p(jnp.exp(-y * (X @ w)))),
             tf=lambda w, X, y: torch.sum(torch.log1p(torch.exp(-y * (X @ w)))), flops=4 * n * n * n),
        dict(name="MF gradient", expr="norm2(T - U*V')^2", wrt="U", order=1,
             values={"U": rng.standard_normal((n, r)), "V": rng.standard_normal((n, r)),
                     "T": rng.standard_normal((n, n))},
             jf=lambda U, V, T: jnp.sum((T - U @ V.T) ** 2),
             tf=lambda U, V, T: torch.sum((T - U @ V.T) ** 2)),
        dict(name="MF Hessian-vector product", expr="norm2(T - U*V')^2", wrt="U", order=2, hvp=True,
             values={"U": rng.standard_normal((n, r)), "V": rng.standard_normal((n, r)),
                     "T": rng.standard_normal((n, n))},
             direction=rng.standard_normal((n, r)),
             jf=lambda U, V, T: jnp.sum((T - U @ V.T) ** 2),
             tf=lambda U, V, T: torch.sum((T - U @ V.T) ** 2)),
        dict(name="MF 4th-order Hessian", expr="norm2(T - U*V')^2", wrt="U", order=2, structured=True,
             values={"U": rng.standard_normal((n, r)), "V": rng.standard_normal((n, r)),
                     "T": rng.standard_normal((n, n))}, dense_max_n=100,
             jf=lambda U, V, T: jnp.sum((T - U @ V.T) ** 2),
             tf=lambda U, V, T: torch.sum((T - U @ V.T) ** 2)),
        dict(name="logdet 4th-order Hessian", expr="logdet(X)", wrt="X", order=2,
             values={"X": spd}, max_n=100, entries=10**8, jf=lambda X: jnp.linalg.slogdet(X)[1],
             tf=lambda X: torch.linalg.slogdet(X)[1]),
        dict(name="logdet gradient (spd)", expr="logdet(X)", wrt="X", order=1, assume={"X": "spd"},
             values={"X": spd}, jf=lambda X: jnp.linalg.slogdet(X)[1],
             tf=lambda X: torch.linalg.slogdet(X)[1]),
        dict(name="2-layer net gradient", expr="norm2(B*tanh(A*x + b) - y)^2", wrt="A", order=1,
             values={"A": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n),
                     "b": rng.standard_normal(n), "B": rng.standard_normal((n, n)) / np.sqrt(n),
                     "y": rng.standard_normal(n)},
             shapes={"b": ("n",)},
             jf=lambda A, x, b, B, y: jnp.sum((B @ jnp.tanh(A @ x + b) - y) ** 2),
             tf=lambda A, x, b, B, y: torch.sum((B @ torch.tanh(A @ x + b) - y) ** 2)),
    ]


def competitor(kind: str, case: dict[str, Any]) -> Callable[[], Any] | None:
    names = list(case["values"])
    i = names.index(case["wrt"])
    if case.get("hvp"):
        return _hvp(kind, case, i)
    if kind == "jax" and jax is not None:
        d = jax.grad if case["order"] == 1 else jax.hessian
        f = jax.jit(d(case["jf"], argnums=i))
        args = [jnp.asarray(v) for v in case["values"].values()]
        return lambda: f(*args)
    if kind == "torch" and torch is not None:
        d = tfunc.grad if case["order"] == 1 else tfunc.hessian
        f = d(case["tf"], argnums=i)
        args = [torch.from_numpy(np.asarray(v, dtype=float)) for v in case["values"].values()]
        return lambda: f(*args)
    return None


def _hvp(kind: str, case: dict[str, Any], i: int) -> Callable[[], Any] | None:
    """∇²f(x)·v as forward-over-reverse: jvp of grad."""
    values, v = list(case["values"].values()), case["direction"]
    if kind == "jax" and jax is not None:
        def hvp(*args: Any) -> Any:
            f = lambda x: case["jf"](*args[:i], x, *args[i + 1:-1])  # noqa: E731
            return jax.jvp(jax.grad(f), (args[i],), (args[-1],))[1]
        jitted = jax.jit(hvp)
        args = [jnp.asarray(a) for a in values + [v]]
        return lambda: jitted(*args)
    if kind == "torch" and torch is not None:
        targs = [torch.from_numpy(np.asarray(a, dtype=float)) for a in values + [v]]

        def thvp() -> Any:
            f = lambda x: case["tf"](*targs[:i], x, *targs[i + 1:-1])  # noqa: E731
            return tfunc.jvp(tfunc.grad(f), (targs[i],), (targs[-1],))[1]
        return thvp
    return None


def _with_limit(code: str, entries: int) -> Callable[..., Any]:
    """The generated module run with its MAX_ENTRIES raised to ``entries``."""
    namespace: dict[str, Any] = {}
    exec(re.sub(r"MAX_ENTRIES = [\d_]+", f"MAX_ENTRIES = {entries}", code), namespace)
    return cast(Callable[..., Any], namespace[re.findall(r"^def (\w+)\(", code, re.M)[0]])


def _cell(x: float, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if np.isnan(x) else f"{x:>{width}.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    a = np.random.default_rng(0).standard_normal((1000, 1000))
    gemm = timed(lambda: a @ a, args.repeat)
    peak = 2e9 / (gemm / 1e3) / 1e9
    print(f"float64 matmul 1000x1000: {gemm:.1f} ms = {peak:.1f} GFLOP/s")
    print(f"{'case':<26}{'n':>6}{'matdiff ms':>12}{'jax ms':>10}{'torch ms':>10}{'jax/ours':>10}"
          f"{'torch/ours':>11}")
    ratios: dict[str, list[float]] = {"grad": [], "hess": []}
    for n in args.sizes:
        for case in cases(n, np.random.default_rng(1)):
            if n > case.get("max_n", n):
                continue
            shapes = {k: np.shape(v) for k, v in case["values"].items()}
            shapes.update(case.get("shapes", {}))
            d = matdiff.derivative(case["expr"], wrt=case["wrt"], order=case["order"],
                                   shapes=shapes, assume=case.get("assume"))
            fn = d.compile("numpy", directional=bool(case.get("hvp")),
                           structured=bool(case.get("structured")))
            if case.get("entries"):  # a dense tensor past the default limit: raised, as its docs say
                fn = _with_limit(d.code("numpy"), case["entries"])
            values = case["values"]
            if case.get("hvp"):
                values = {**values, "d" + case["wrt"]: case["direction"]}
            ours = timed(lambda: fn(**values), args.repeat)
            want = None if n > 100 or np.prod([np.size(values[case["wrt"]])] * 2) > 10**7 else \
                (fn(**values) if case.get("hvp") else d.evaluate(values))
            if want is not None and case.get("structured"):
                assert np.allclose(np.asarray(fn(**values)), want), case["name"]
            dense = n <= case.get("dense_max_n", n)
            row = [ours]
            for kind in ("jax", "torch"):
                f = competitor(kind, case) if dense else None
                if f is None or (case["order"] == 2 and n >= 1000 and kind == "torch"):
                    row.append(float("nan"))
                    continue
                if want is not None:
                    assert np.allclose(np.asarray(f()), want, rtol=1e-6, atol=1e-8), (case["name"], kind)
                row.append(timed(f, max(1, args.repeat // 2) if n >= 1000 else args.repeat))
            jr, tr = row[1] / ours, row[2] / ours
            if n == max(args.sizes) and not np.isnan(jr):
                ratios["grad" if case["order"] == 1 else "hess"].append(jr)
            extra = ""
            if not dense:
                size = 8 * np.prod([v for name in (case["wrt"], case["wrt"]) for v in np.shape(values[name])])
                extra = f"  (structured; dense it is {size / 1e9:.0f} GB, beyond autodiff here)"
            if case.get("flops"):
                rate = case["flops"] / (ours / 1e3) / 1e9
                extra = f"  ({rate:.1f} GFLOP/s, {100 * rate / peak:.0f}% of matmul)"
            print(f"{case['name']:<26}{n:>6}{ours:>12.3f}{_cell(row[1], 10, 3)}{_cell(row[2], 10, 3)}"
                  f"{_cell(jr, 10, 1)}{_cell(tr, 11, 1)}{extra}")
    for kind, rs in ratios.items():
        if rs:
            speedup = statistics.median(rs)
            print(f"median speed-up over jax.jit at n={max(args.sizes)}, {kind}: {speedup:.1f}x")


if __name__ == "__main__":
    main()
