"""Explanation: the derivation of a derivative (``calculus.derivative.Result``) as steps,
the way a teacher writes it (``derivation``), or a trace of every node where that
approach does not apply (``trace``)."""
from __future__ import annotations

from ..errors import LimitError
from ..calculus.derivative import Result, index_form, kron_form
from .derivation import Shown, derivation, hessian_steps
from .trace import Explanation, trace


def explain(r: Result, index_chain: bool | None = None) -> Explanation:
    """The derivation of ``r`` step by step (``str()`` for text, ``.latex()`` for LaTeX): the
    differential approach, with the user's names and cut points named; a trace of every
    node where that approach does not apply. ``index_chain`` shows (True) or hides
    (False) the index-wise chain rule ∂f/∂X[m,n] = Σ ∂f/∂U[i,j]·∂U[i,j]/∂X[m,n],
    evaluated, where X reaches f through one intermediate U (default: for a matrix X)."""
    scalar = r.expr.shape.is_scalar
    names = dict(r.written_names)
    if r.order == 2 and scalar and r.gradient is not None:
        done = derivation(r.expr, r.wrt, r.gradient, names)
        if done is not None:
            return Explanation(*hessian_steps(done, r.wrt, r.form, r.directions[0],
                                              r.matrix, index_step(r)))
    if r.order == 1 and not r.is_zero:
        kron = index = None
        if not scalar:
            k = kron_form(r)
            kron = None if k is None else k.matrix
            index = index_step(r)
        done = derivation(r.expr, r.wrt, r.gradient, names, kron, index, index_chain)
        if done is not None:
            return Explanation(*done)
    return trace(r.expr, r.wrt)


def index_step(r: Result) -> Shown | None:
    """The index form as a step's side (text and LaTeX), or None where it is too large."""
    try:
        form = index_form(r)
        return Shown(str(form), form.latex())
    except LimitError:
        return None
