"""Generated code on each backend, in float32 and float64, against the autodiff a user
would otherwise reach for, measured in the same run (CPU, fixed seeds, warm-up, median
of repeats).

Usage: python benchmarks/backends.py [--sizes 100 1000] [--repeat 7] [--no-torch]

For each case, size and dtype: milliseconds for matdiff's NumPy code, matdiff's JAX
code under ``jax.jit``, ``jax.jit(jax.grad)`` (``jax.hessian`` for a Hessian) and
``torch.compile(torch.func.grad)``; then the ratios (competitor time / matdiff time):
``jit/jax`` compares the two JAX programs, ``jit/np`` and ``tc/np`` the NumPy code with
jax.jit and torch.compile. The last lines give, per dtype, the median ratios and the
smallest ``jit/jax``. float64 in JAX runs under ``with jax.enable_x64(True):`` (the
generated code never changes JAX's configuration). Every result is checked against
``evaluate`` (float64) before it is timed.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
from typing import Any, Callable, Iterator

import numpy as np

import matdiff
from timing import data, timed

import jax
import jax.numpy as jnp

try:
    import torch
    from torch import func as tfunc
except ImportError:  # pragma: no cover - optional
    torch = None


def cases(n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Realistic losses: (name, expr, wrt, order, values, the same loss in JAX and torch)."""
    shared = data(n, rng)
    a, spd, X, y, r = (shared[k] for k in ("a", "spd", "X", "y", "r"))
    mf = {"U": rng.standard_normal((n, r)), "V": rng.standard_normal((n, r)), "T": rng.standard_normal((n, n))}
    net = {"A": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n),
           "b": rng.standard_normal(n), "B": rng.standard_normal((n, n)) / np.sqrt(n),
           "y": rng.standard_normal(n)}
    t = np.zeros(n)
    t[0] = 1.0
    return [
        dict(name="x'Ax gradient", expr="x'*A*x", wrt="x", order=1,
             values={"x": rng.standard_normal(n), "A": a}, f=lambda xp, x, A: x @ A @ x),
        dict(name="least squares gradient", expr="norm2(X*w - y)^2", wrt="w", order=1,
             values={"w": rng.standard_normal(n), "X": X, "y": y},
             f=lambda xp, w, X, y: xp.sum((X @ w - y) ** 2)),
        dict(name="logistic gradient", expr="sum(log(vector(1)+exp(-y.*(X*w))))", wrt="w", order=1,
             values={"w": rng.standard_normal(n) / 10, "X": X, "y": y},
             f=lambda xp, w, X, y: xp.sum(xp.log1p(xp.exp(-y * (X @ w))))),
        dict(name="logistic Hessian", expr="sum(log(vector(1)+exp(-y.*(X*w))))", wrt="w", order=2,
             values={"w": rng.standard_normal(n) / 10, "X": X, "y": y}, max_n=1000,
             f=lambda xp, w, X, y: xp.sum(xp.log1p(xp.exp(-y * (X @ w))))),
        dict(name="softmax cross-entropy", expr="-t'*log(softmax(W*x))", wrt="W", order=1,
             values={"W": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n), "t": t},
             f=lambda xp, W, x, t: -t @ _log_softmax(xp, W @ x)),
        dict(name="MF gradient", expr="norm2(T - U*V')^2", wrt="U", order=1, values=mf,
             f=lambda xp, U, V, T: xp.sum((T - U @ V.T) ** 2)),
        dict(name="logdet gradient (spd)", expr="logdet(X)", wrt="X", order=1, assume={"X": "spd"},
             values={"X": spd}, f=lambda xp, X: xp.linalg.slogdet(X)[1]),
        dict(name="2-layer net gradient", expr="norm2(B*tanh(A*x + b) - y)^2", wrt="A", order=1,
             values=net, shapes={"b": ("n",)},
             f=lambda xp, A, x, b, B, y: xp.sum((B @ xp.tanh(A @ x + b) - y) ** 2)),
    ]


def _log_softmax(xp: Any, u: Any) -> Any:
    return jax.nn.log_softmax(u) if xp is jnp else torch.log_softmax(u, 0)


@contextlib.contextmanager
def precision(dtype: str) -> Iterator[None]:
    """JAX computes in float64 only inside ``jax.enable_x64``."""
    with jax.enable_x64(dtype == "float64"):
        yield


def _jax_autodiff(case: dict[str, Any], args: list[Any]) -> Callable[[], Any]:
    i = list(case["values"]).index(case["wrt"])
    d = jax.grad if case["order"] == 1 else jax.hessian
    f = jax.jit(d(lambda *a: case["f"](jnp, *a), argnums=i))
    return lambda: f(*args)


def _torch_compiled(case: dict[str, Any], values: dict[str, np.ndarray], dtype: str) -> Callable[[], Any]:
    i = list(case["values"]).index(case["wrt"])
    d = tfunc.grad if case["order"] == 1 else tfunc.hessian
    torch._dynamo.reset()  # each case compiles afresh (no recompile limit across cases)
    f = torch.compile(d(lambda *a: case["f"](torch, *a), argnums=i), dynamic=False)
    args = [torch.as_tensor(v, dtype=getattr(torch, dtype)) for v in values.values()]
    return lambda: f(*args)


def _check(name: str, got: Any, want: np.ndarray, dtype: str) -> None:
    tol = 2e-3 if dtype == "float32" else 1e-7
    got = np.asarray(got, dtype=float)
    assert np.allclose(got, want, rtol=tol, atol=tol * max(1.0, float(np.abs(want).max()))), name


def _cell(x: float, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if np.isnan(x) else f"{x:>{width}.{digits}f}"


def run(case: dict[str, Any], n: int, dtype: str, repeat: int, with_torch: bool) -> list[float]:
    """[numpy ms, jax ms, jax.jit(grad) ms, torch.compile ms]."""
    values = {k: np.asarray(v, dtype=dtype) for k, v in case["values"].items()}
    shapes = {k: np.shape(v) for k, v in values.items()}
    shapes.update(case.get("shapes", {}))
    d = matdiff.derivative(case["expr"], wrt=case["wrt"], order=case["order"], shapes=shapes,
                           assume=case.get("assume"))
    want = d.evaluate({k: np.asarray(v, dtype=float) for k, v in values.items()})
    reps = max(1, repeat // 2) if n >= 1000 else repeat
    ours = d.compile("numpy")
    _check(case["name"] + " numpy", ours(**values), want, dtype)
    row = [timed(lambda: ours(**values), reps)]
    with precision(dtype):
        jvalues = {k: jnp.asarray(v) for k, v in values.items()}
        ours_jax = jax.jit(d.compile("jax"))
        theirs = _jax_autodiff(case, list(jvalues.values()))
        _check(case["name"] + " jax", ours_jax(**jvalues), want, dtype)
        _check(case["name"] + " jax.grad", theirs(), want, dtype)
        row += [timed(lambda: ours_jax(**jvalues), reps), timed(theirs, reps)]
    row.append(float("nan"))
    if with_torch and torch is not None:
        try:
            compiled = _torch_compiled(case, values, dtype)
            _check(case["name"] + " torch.compile", compiled(), want, dtype)
            row[-1] = timed(compiled, reps)
        except Exception as e:  # noqa: BLE001 - a competitor that cannot compile the case is "-"
            print(f"  torch.compile failed on {case['name']}: {type(e).__name__}", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-torch", action="store_true", help="skip torch.compile (slow to compile)")
    args = ap.parse_args()
    print(f"{'case':<25}{'n':>5}{'dtype':>8}{'numpy':>9}{'jax':>9}{'jit(grad)':>10}{'t.compile':>10}"
          f"{'jit/jax':>8}{'jit/np':>8}{'tc/np':>8}   (ms; ratios: competitor / matdiff)")
    ratios: dict[str, dict[str, list[float]]] = {}
    for n in args.sizes:
        for dtype in ("float32", "float64"):
            for case in cases(n, np.random.default_rng(1)):
                if n > case.get("max_n", n):
                    continue
                numpy_ms, jax_ms, jit_ms, tc_ms = run(case, n, dtype, args.repeat, not args.no_torch)
                r = [jit_ms / jax_ms, jit_ms / numpy_ms, tc_ms / numpy_ms]
                for key, value in zip(("jit/jax", "jit/np", "tc/np"), r):
                    ratios.setdefault(dtype, {}).setdefault(key, []).append(value)
                print(f"{case['name']:<25}{n:>5}{dtype:>8}{numpy_ms:>9.3f}{jax_ms:>9.3f}{jit_ms:>10.3f}"
                      f"{_cell(tc_ms, 10, 3)}{r[0]:>8.2f}{r[1]:>8.2f}{_cell(r[2], 8, 2)}", flush=True)
    for dtype, by in ratios.items():
        medians = ", ".join(f"{k} {statistics.median(v):.2f}x" for k, v in by.items()
                            if not all(np.isnan(v)))
        print(f"{dtype}: median {medians}; smallest jit/jax {min(by['jit/jax']):.2f}x")


if __name__ == "__main__":
    main()
