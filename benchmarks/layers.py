"""Generated gradients of batch layers against jax.jit(jax.value_and_grad), measured in
the same run, in float32 and float64 (CPU unless JAX sees an accelerator).

Usage: python benchmarks/layers.py [--batch 256] [--width 128] [--repeat 20]

Cases: a 2-layer MLP with softmax cross-entropy over a batch (gradients with respect to
W1, b1, W2, b2) and an attention block sum(G.*(softmax(Q*K'/c, 2)*V)) (gradients with
respect to Q, K, V). matdiff's code is its generated JAX module under jax.jit, and its
NumPy module as is; the ratio is JAX's time over matdiff's (above 1: matdiff is faster).
Values are checked to agree before anything is timed.
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import matdiff
from timing import timed

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:  # pragma: no cover - optional
    jax = None




def _mlp_loss(W1, b1, W2, b2, X, Y):  # type: ignore[no-untyped-def]
    Z = W2 @ jnp.tanh(W1 @ X + b1[:, None]) + b2[:, None]
    return -jnp.sum(Y * jax.nn.log_softmax(Z, axis=0))


def _attention_loss(Q, K, V, G, c):  # type: ignore[no-untyped-def]
    return jnp.sum(G * (jax.nn.softmax(Q @ K.T / c, axis=1) @ V))


def cases(batch: int, width: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    classes, inputs = 10, width
    Y = np.eye(classes)[rng.integers(0, classes, batch)].T
    mlp = dict(name=f"MLP + softmax CE (batch {batch}, width {width})",
               expr="-sum(Y.*log(softmax(W2*tanh(W1*X + b1) + b2, 1)))",
               wrt=["W1", "b1", "W2", "b2"], jax=_mlp_loss,
               values={"W1": rng.standard_normal((width, inputs)) / np.sqrt(inputs),
                       "b1": rng.standard_normal(width) / 10,
                       "W2": rng.standard_normal((classes, width)) / np.sqrt(width),
                       "b2": rng.standard_normal(classes) / 10,
                       "X": rng.standard_normal((inputs, batch)), "Y": Y})
    n, d = batch, max(8, width // 4)
    attention = dict(name=f"attention (sequence {n}, head {d})", expr="sum(G.*(softmax(Q*K'/c, 2)*V))",
                     wrt=["Q", "K", "V"], jax=_attention_loss,
                     values={"Q": rng.standard_normal((n, d)), "K": rng.standard_normal((n, d)),
                             "V": rng.standard_normal((n, d)), "G": rng.standard_normal((n, d)),
                             "c": np.asarray(np.sqrt(d))})
    return [mlp, attention]


def run(case: dict[str, Any], dtype: Any, repeat: int) -> str:
    values = {k: np.asarray(v, dtype=dtype) for k, v in case["values"].items()}
    shapes = {k: v.shape for k, v in values.items()}
    names = list(values)
    ours_np = matdiff.value_and_grad(case["expr"], wrt=case["wrt"], shapes=shapes)
    ours_jax = jax.jit(matdiff.value_and_grad(case["expr"], wrt=case["wrt"], backend="jax", shapes=shapes))
    grad = jax.value_and_grad(case["jax"], argnums=tuple(names.index(w) for w in case["wrt"]))
    theirs = jax.jit(lambda **kw: grad(*(kw[k] for k in names)))  # called like ours, by keyword
    jvals = {k: jnp.asarray(v) for k, v in values.items()}
    ref = theirs(**jvals)
    got = ours_jax(**jvals)
    tol = 1e-3 if dtype == np.float32 else 1e-9
    for a, b in zip(got[1:], ref[1]):
        assert np.allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol), case["name"]
    t_np = timed(lambda: ours_np(**values), repeat)
    t_jax = timed(lambda: ours_jax(**jvals), repeat)
    t_ref = timed(lambda: theirs(**jvals), repeat)
    return (f"| {case['name']} | {np.dtype(dtype).name} | {t_np:.3f} | {t_jax:.3f} | {t_ref:.3f} "
            f"| {t_ref / t_jax:.2f}x | {t_ref / t_np:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if jax is None:
        raise SystemExit("this benchmark needs jax")
    print(f"devices: {jax.devices()}")
    print("| case | dtype | matdiff NumPy ms | matdiff JAX (jit) ms | jax.jit(value_and_grad) ms "
          "| ratio (JAX) | ratio (NumPy) |")
    print("|---|---|---|---|---|---|---|")
    for dtype in (np.float32, np.float64):
        for case in cases(args.batch, args.width, np.random.default_rng(0)):
            print(run(case, dtype, args.repeat), flush=True)


if __name__ == "__main__":
    main()
