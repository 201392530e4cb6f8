"""Helpers the generated NumPy code calls for ops with no one-line form (the JAX and
PyTorch backends use their own in ``backends``). Each is standalone — NumPy and SciPy
only — so that ``module`` copies the ones a function uses into its source, which then
runs where matdiff is not installed. ``StructuredTensor`` stays a matdiff object."""
from __future__ import annotations

import inspect
import re
from typing import Any, Callable, Sequence

import numpy as np
import scipy.linalg

from ..errors import LimitError
from ..ops.linalg import adjugate
from ..ops.matfun import real_part


def logm(x: np.ndarray) -> np.ndarray:
    """The real principal logarithm, refused where it does not exist (as evaluate does)."""
    return real_part(scipy.linalg.logm(x), "logm")


def sqrtm(x: np.ndarray) -> np.ndarray:
    """The real principal square root, refused where it does not exist."""
    return real_part(scipy.linalg.sqrtm(x), "sqrtm")


def frechet(f: str, x: np.ndarray, *directions: np.ndarray) -> np.ndarray:
    """Dᵏf(X)[E1…Ek], the top-right block of f(I⊗X + Σ Nᵢ⊗Eᵢ) (exact)."""
    n, k = x.shape[-1], len(directions)
    size = 2 ** k
    block = np.zeros((size * n, size * n), dtype=np.result_type(x, *directions, np.float32))
    for a in range(size):
        block[a * n:(a + 1) * n, a * n:(a + 1) * n] = x
        for i, e in enumerate(directions):
            if not a & (1 << i):
                b = a | (1 << i)
                block[a * n:(a + 1) * n, b * n:(b + 1) * n] = e
    fn = {"expm": scipy.linalg.expm, "logm": scipy.linalg.logm, "sqrtm": scipy.linalg.sqrtm}[f]
    return real_part(fn(block), f"the Fréchet derivative of {f}")[:n, (size - 1) * n:]


def commutation(m: int, n: int) -> np.ndarray:
    """K with K vec(A) = vec(A') for an m×n matrix A."""
    k = np.zeros((m * n, m * n))
    a, b = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    k[(b + n * a).ravel(), (a + m * b).ravel()] = 1.0
    return k


def spd_inv(x: np.ndarray) -> np.ndarray:
    """inv(X) for a symmetric positive definite X, from its Cholesky factor (LAPACK potri,
    in X's precision)."""
    potrf, potri = scipy.linalg.get_lapack_funcs(("potrf", "potri"), (x,))
    c, info = potrf(x, lower=1)
    if info == 0:
        inv, info = potri(c, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("the matrix is not positive definite")
    return np.tril(inv) + np.tril(inv, -1).T


def spd_solve(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """X \\ B for a symmetric positive definite X (a Cholesky solve)."""
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(x, lower=True), b)


def unit(k: int, n: int) -> np.ndarray:
    """The k-th unit vector of length n."""
    if not 0 <= k < n:
        raise IndexError(f"unit({k}, {n}): k must be in 0..{n - 1}")
    out = np.zeros(n)
    out[k] = 1.0
    return out


#: The helpers by the name generated code calls them, each with the helpers it calls.
HELPERS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "real_part": (real_part, ()), "logm": (logm, ("real_part",)), "sqrtm": (sqrtm, ("real_part",)),
    "frechet": (frechet, ("real_part",)), "commutation": (commutation, ()), "spd_inv": (spd_inv, ()),
    "spd_solve": (spd_solve, ()), "unit": (unit, ()), "adjugate": (adjugate, ()),
}
_IMPORTS = ("numpy as np", "scipy.linalg", "scipy.special")


def module(body: str) -> str:
    """A standalone module: the imports ``body`` uses, then the helpers it calls (with
    theirs, type hints dropped), then ``body``."""
    wanted: list[str] = []
    todo = [h for h in HELPERS if re.search(rf"(?<![\w.]){h}\(", body)]
    while todo:
        name = todo.pop(0)
        if name not in wanted:
            wanted.append(name)
            todo += list(HELPERS[name][1])
    helpers = [_plain_source(HELPERS[h][0]) for h in reversed(wanted)]
    text = "\n\n".join(helpers + [body])
    imports = [f"import {m}" for m in _IMPORTS
               if re.search(rf"\b{m.split(' as ')[-1].replace('.', '[.]')}[.]", text)]
    return "\n".join(imports) + "\n\n\n" + "".join(h + "\n\n" for h in helpers) + body


def _plain_source(fn: Callable[..., Any]) -> str:
    """A helper's source with its one-line signature written without annotations (the
    generated module imports no typing)."""
    first, rest = inspect.getsource(fn).split("\n", 1)
    params = inspect.signature(fn).parameters.values()
    plain = ", ".join(("*" if p.kind is p.VAR_POSITIONAL else "") + p.name for p in params)
    return f"def {fn.__name__}({plain}):\n{rest}"


#: The most entries StructuredTensor.dense() materializes (as evaluate() does).
MAX_DENSE = 50_000_000


class StructuredTensor:
    """A derivative tensor kept as a sum of factored terms, never as its entries.

    A term ``(c, "mnms", ("is", "in"), (V, V))`` is ``c·Σ_i V[i,s]·V[i,n]`` on the
    entries whose axes 0 and 2 are equal (a Kronecker δ between them) and 0
    elsewhere: the 4th-order Hessian of ‖T − UV'‖² with respect to U, of
    n·k·n·k entries, stored as two n×k factors. ``dense()`` (or ``np.asarray``)
    builds the array by structured fills; ``contract(dX…)`` applies the tensor
    to directions on its last axes (a Hessian-vector product) without it.
    """

    def __init__(self, shape: tuple[int, ...], terms: list[tuple[float, str, tuple[str, ...], tuple]]
                 ) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.terms = [(float(c), letters) + _contracted(letters, specs, arrays)
                      for c, letters, specs, arrays in terms]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        """Entries of the dense tensor."""
        return int(np.prod(self.shape, dtype=object))

    @property
    def nbytes(self) -> int:
        """Bytes the stored factors take."""
        return sum(a.nbytes for _, _, _, arrays in self.terms for a in arrays)

    def __repr__(self) -> str:
        return (f"StructuredTensor(shape={self.shape}, {len(self.terms)} term(s), "
                f"{self.nbytes:,} bytes stored; dense: {8 * self.size:,} bytes)")

    def dense(self) -> np.ndarray:
        """The tensor's entries: each term's einsum added into a (diagonal) view."""
        if self.size > MAX_DENSE:
            raise LimitError(f"the dense tensor has {self.size:,} entries; the limit is {MAX_DENSE:,} "
                             "(use contract() or the factors)")
        out = np.zeros(self.shape)
        for coef, letters, specs, arrays in self.terms:
            unique = "".join(dict.fromkeys(letters))
            view = np.einsum(f"{letters}->{unique}", out) if len(unique) < len(letters) else out
            view += coef * _product(specs, arrays, unique)
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.dense()
        return out if dtype is None else out.astype(dtype)

    def contract(self, *directions: Any) -> StructuredTensor | np.ndarray:
        """Σ T[…, a, b]·D[a, b]: the directions summed against the last axes, the last
        direction against the last block (a Hessian applied to dX is ``contract(dX)``).
        The result is dense when no δ is left between its axes."""
        shape, terms = self.shape, list(self.terms)
        for d in reversed(directions):
            d = np.asarray(d, dtype=float)
            k = d.ndim
            if k > len(shape) or tuple(shape[len(shape) - k:]) != d.shape:
                raise ValueError(f"a direction of shape {d.shape} does not fit the last axes of {shape}")
            shape = shape[:len(shape) - k]
            terms = [(c, letters[:len(letters) - k], specs + (letters[len(letters) - k:],), arrays + (d,))
                     for c, letters, specs, arrays in terms]
        out = StructuredTensor(shape, terms)
        if all(len(set(letters)) == len(letters) for _, letters, _, _ in terms):
            return out.dense()
        return out


def _product(specs: tuple[str, ...], arrays: tuple, unique: str) -> Any:
    """Π arrays[spec] summed to the letters of ``unique`` they carry, broadcast to all."""
    have = set("".join(specs))
    present = "".join(c for c in unique if c in have)
    value: Any = np.ones(())
    if arrays:
        value = np.einsum(",".join(specs) + "->" + present, *arrays, optimize=True)
    if present != unique:
        value = value[tuple(slice(None) if c in present else None for c in unique)]
    return value


def _contracted(letters: str, specs: Sequence[str], arrays: Sequence[Any]) -> tuple[tuple[str, ...], tuple]:
    """The factors with every summed letter contracted away: factors linked by summed
    letters become one array over their other letters (V[i,s]·V[i,n] → (V'V)[s,n]);
    the rest stay apart, so an outer product stays factored."""
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    groups = [[k] for k in range(len(specs))]
    for c in {c for spec in specs for c in spec} - set(letters):
        linked = [g for g in groups if any(c in specs[k] for k in g)]
        groups = [g for g in groups if g not in linked] + [sum(linked, [])]
    out_specs, out_arrays = [], []
    for g in groups:
        spec = "".join(dict.fromkeys(c for k in g for c in specs[k] if c in letters))
        if len(g) == 1 and len(set(specs[g[0]])) == len(specs[g[0]]) and spec == specs[g[0]]:
            out_specs.append(spec)
            out_arrays.append(arrays[g[0]])
            continue
        out_specs.append(spec)
        joined = ",".join(specs[k] for k in g) + "->" + spec
        out_arrays.append(np.einsum(joined, *(arrays[k] for k in g), optimize=True))
    return tuple(out_specs), tuple(out_arrays)
