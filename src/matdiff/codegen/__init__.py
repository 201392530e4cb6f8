"""Code generation: a derivative (or several expressions) as NumPy, JAX or PyTorch source,
and that source compiled into a callable. Only generated text is executed: user
input reaches it as validated identifiers and numbers."""
from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Callable, Sequence

import numpy as np

from ..dims import Dim, Shape
from ..errors import DomainError, LimitError, MatdiffError
from ..expr import Node
from ..ops.series import free_integers
from .backends import BACKENDS, Backend
from .emit import emit
from .optimize import optimize_all
from .tensor import MAX_ENTRIES, TensorTerm, structured_lines, tensor_lines


def backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise MatdiffError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name]


def inputs_of(roots: Sequence[Node], first: Sequence[tuple[str, Shape]] = ()) -> list[tuple[str, Shape]]:
    """The variables of ``roots`` as parameters: ``first`` in order, then the rest sorted."""
    out = dict(first)
    for root in roots:
        for name, shape in sorted(root.variables().items()):
            out.setdefault(name, shape)
    return list(out.items())


def source(outputs: Sequence[Node], params: Sequence[tuple[str, Shape]], target: str, name: str,
           doc: str, holes: dict[str, str] | None = None) -> str:
    """The module source: the backend's imports and one function (``holes``: the parameter
    name of each direction ``dX``, where a variable is called ``dX`` already)."""
    b = backend(target)
    integers = sorted(set().union(*(free_integers(o) for o in outputs)) - {n for n, _ in params})
    fast = optimize_all(outputs)
    return _module(b, emit(fast, params, integers, b, name, doc, holes=holes))


def tensor_source(terms: Sequence[TensorTerm], out_shape: Shape, params: Sequence[tuple[str, Shape]],
                  target: str, name: str, doc: str, structured: bool = False) -> str:
    """A function building a derivative tensor from its einsum terms (see tensor.py):
    the dense array, or with ``structured`` (NumPy) a runtime.StructuredTensor."""
    b = backend(target)
    if structured and b.name != "numpy":
        raise MatdiffError("structured tensors are NumPy objects; use backend='numpy'")
    factors = list(dict.fromkeys(f for t in terms for f in t.factors))
    fast = optimize_all(factors)
    integers = sorted(set().union(*(free_integers(f) for f in factors)) - {n for n, _ in params})

    def tail(names: list[str], size: Callable[[Dim], str]) -> list[str]:
        of = dict(zip(factors, names))
        args = [[of[f] for f in t.factors] for t in terms]
        sizes = [size(d) for d in out_shape.dims]
        if structured:
            return structured_lines(terms, args, sizes)
        return tensor_lines(terms, args, sizes, b) + ["    return out"]
    body = emit(fast, params, integers, b, name, doc, tail)
    if not structured:
        body = f"#: The most entries the dense derivative may have (raise it to allow more).\n" \
               f"MAX_ENTRIES = {MAX_ENTRIES:_}\n\n\n" + body
    return _module(b, body, "from matdiff.codegen import runtime" if structured else "")


def _calls(text: str, names: dict[str, str]) -> set[str]:
    """The names of ``names`` that ``text`` calls."""
    return {n for n in names if re.search(rf"(?<![\w.]){n}\(", text)}


def _module(b: Backend, body: str, extra: str = "") -> str:
    """The module around one function: standalone where the backend copies in its helpers
    (NumPy: the imports and helpers it uses, ``runtime.module``), else its imports."""
    if b.standalone is not None:
        text = b.standalone(body)
        return extra + "\n" + text if extra else text
    called = set(_calls(body, b.defs))
    for name in list(b.defs):  # a helper the module defines may call another
        if name in called:
            called |= _calls(b.defs[name], b.defs)
    used = [d for name, d in b.defs.items() if name in called]
    return b.imports + "\n\n\n" + "".join(d + "\n\n" for d in used) + body


def compile_source(text: str, name: str) -> Callable[..., Any]:
    """Execute generated source (never user text) and return its function; called with
    keywords it ignores values it does not use, so one dict of inputs serves all."""
    namespace: dict[str, Any] = {}
    exec(compile(text, f"<matdiff:{name}>", "exec"), namespace)  # noqa: S102 - generated code only
    fn = namespace[name]
    params = set(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def call(*args: Any, **values: Any) -> Any:
        if args:
            raise TypeError(f"call {name} with keywords, e.g. {name}("
                            f"{', '.join(f'{p}=…' for p in list(params)[:3])}): its inputs are "
                            "matched by name, never by position")
        try:
            return fn(**{k: v for k, v in values.items() if k in params})
        except FloatingPointError as e:  # a helper's "no real value here"
            raise DomainError(str(e)) from None
    call.source = text  # type: ignore[attr-defined]
    return call


def tensor_from_jvp(jvp: Callable[..., Any], args: Sequence[Any], x_shape: tuple[int, ...],
                    count: int) -> Any:
    """The derivative tensor from a multilinear function of ``count`` directions,
    evaluated on every combination of basis directions (layout S_out + S_in × count),
    in the arrays' own library (so that generated JAX code still traces under jit)."""
    n = int(np.prod(x_shape))
    module = next((type(a).__module__.split(".")[0] for a in args
                   if type(a).__module__.split(".")[0] in ("jax", "jaxlib", "torch")), "numpy")
    basis: Any
    move: Any
    kind: Any
    if module == "torch":
        import torch
        xp: Any = torch
        ref = next(a for a in args if isinstance(a, torch.Tensor))
        kind = ref.dtype if ref.is_floating_point() else torch.get_default_dtype()
        basis = torch.eye(n, dtype=kind, device=ref.device).reshape((n,) + x_shape)
        move = torch.movedim
    elif module in ("jax", "jaxlib"):
        import jax.numpy as jnp
        kind = jnp.result_type(jnp.float32, *(jnp.asarray(a).dtype for a in args))
        xp, basis, move = jnp, jnp.eye(n, dtype=kind).reshape((n,) + x_shape), jnp.moveaxis
    else:
        kind = np.result_type(np.float32, *(np.asarray(a).dtype for a in args))
        xp, basis, move = np, np.eye(n, dtype=kind).reshape((n,) + x_shape), np.moveaxis
    indices = list(np.ndindex(*(n,) * count))
    first = xp.asarray(jvp(*args, *[basis[i] for i in indices[0]]))
    entries = int(np.prod(first.shape)) * len(indices)
    if entries > MAX_ENTRIES:
        raise LimitError(f"the derivative has {entries:,} entries, more than {MAX_ENTRIES:,}: "
                         "compute it along directions (directional=True)")
    out = [first] + [xp.asarray(jvp(*args, *[basis[i] for i in index])) for index in indices[1:]]
    shape = tuple(out[0].shape)
    stacked = xp.stack(out).reshape((n,) * count + shape)
    moved = move(stacked, list(range(count)), list(range(-count, 0)))
    return moved.reshape(shape + x_shape * count)
