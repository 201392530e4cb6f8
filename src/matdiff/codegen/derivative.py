"""A derivative (``calculus.derivative.Result``) as source and as a compiled callable:
its matrix form when it has one; else the tensor built term by term from its index
form; with ``directional``, the derivative applied to directions."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

import numpy as np

from ..calculus.derivative import LARGE, Result, index_form
from ..errors import LimitError, MatdiffError
from ..expr import to_text
from ..ops.series import free_integers
from ..render.result import text
from . import compile_source, inputs_of, source, tensor_from_jvp, tensor_source
from .runtime import HELPERS
from .tensor import TensorTerm, tensor_terms


def code(r: Result, backend: str = "numpy", directional: bool = False, structured: bool = False) -> str:
    """Readable source of a function computing the derivative (``backend`` is numpy, jax
    or torch): the matrix form when there is one; else the tensor built term by term from
    its index form (δs as diagonal fills, never identity tensors). With ``directional``,
    the derivative applied to directions ``dX…`` (for order 2 of a scalar, the
    Hessian-vector product, never forming the Hessian); with ``structured`` (NumPy), a
    function returning a ``StructuredTensor``: the factors of each term, not the entries."""
    return _source(r, backend, directional, structured)[0]


def _source(r: Result, backend: str, directional: bool, structured: bool) -> tuple[str, bool]:
    """The source, and whether it computes only directional derivatives."""
    x = str(r.wrt.attr)
    what = f"{'∂' if r.order == 1 else f'∂^{r.order}'} of {to_text(r.expr)} with respect to {x}"
    name = f"d{r.order}_d{x}"
    if r.is_zero:
        if directional:
            raise MatdiffError("the derivative is zero: it has no directional code; "
                               "compile() without directional=True returns its zeros")
        params = inputs_of([r.expr], [(x, r.wrt.shape)])
        return tensor_source([], r.shape, params, backend, name,
                             f"{what}: identically zero.".replace('"', "'")), False
    if r.size > LARGE:
        raise LimitError(f"the derivative has {r.size:,} parts; code is generated for at most "
                         f"{LARGE:,} (a lower order, or a smaller power, stays below it)")
    shown = r.matrix if r.matrix is not None and not directional else r.form
    params = inputs_of([r.expr, shown], [(x, r.wrt.shape)])
    terms = None if directional or (r.matrix is not None and not structured) else tensor_terms_of(r)
    if structured and terms is None:
        raise MatdiffError("this derivative has no factored (structured) form: one of its factors "
                           "is not a plain matrix expression (a Fréchet derivative, vec…)")
    if terms is not None:
        doc = f"{what}, layout S_out + S_in: {str(index_form(r))}."
        return tensor_source(terms, r.shape, params, backend, name, doc.replace('"', "'"),
                             structured), False
    if r.matrix is not None and not directional:
        doc = f"{what}: {text(r)}. Layout S_out + S_in."
        return source([r.matrix], params, backend, name, doc.replace('"', "'")), False
    taken = {n for n, _ in params}
    holes: dict[str, str] = {}
    for k in range(len(r.directions)):
        hole = f"d{x}" if k == 0 else f"d{x}{k + 1}"
        holes[hole] = hole
        while holes[hole] in taken:  # a variable named dX: the direction is dX_
            holes[hole] += "_"
        taken.add(holes[hole])
    extra = [(holes[h], d.shape) for h, d in zip(holes, r.directions)]
    doc = f"{what}, applied to directions {', '.join(holes.values())}."
    return source([r.form], params + extra, backend, f"jvp_{x}", doc.replace('"', "'"),
                  holes), True


def tensor_terms_of(r: Result) -> list[TensorTerm] | None:
    """The terms of the dense tensor from the index form, or None where that is too large."""
    try:
        form = index_form(r)
    except LimitError:
        return None
    return tensor_terms(form.terms, form.axes)


def compiled(r: Result, backend: str = "numpy", directional: bool = False,
            structured: bool = False) -> Callable[..., Any]:
    """A callable taking the inputs (by name) and returning the derivative as an array of
    shape S_out + S_in × order (with ``directional``: the derivative along given dX…;
    with ``structured``: a ``StructuredTensor``)."""
    source_text, along = _source(r, backend, directional, structured)
    name = next(line[4:].split("(", 1)[0] for line in source_text.splitlines()
                if line.startswith("def ") and line[4:].split("(", 1)[0] not in HELPERS)
    fn = compile_source(source_text, name)
    if directional or not along or r.is_zero:
        return fn
    x = str(r.wrt.attr)
    names = [n for n, _ in inputs_of([r.expr, r.form], [(x, r.wrt.shape)])]
    integers = sorted(free_integers(r.form) - set(names))
    count = len(r.directions)

    def tensor(**values: Any) -> Any:
        args = [values[n] for n in names]
        shape = tuple(np.shape(values[x]))
        jvp = functools.partial(inspect.unwrap(fn), **{k: values[k] for k in integers})
        return tensor_from_jvp(jvp, args, shape, count)
    return tensor
