"""The public functions, each a thin, guarded shell over the stages."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Mapping, TypeVar, cast

import numpy as np

from .calculus.derivative import LARGE, step_mathml
from .calculus.derivative import Derivative as _Derivative
from .calculus.differential import Differential
from .codegen import compile_source, inputs_of, source, tensor_from_jvp, tensor_source
from .codegen.runtime import HELPERS
from .codegen.tensor import TensorTerm, tensor_terms
from .errors import InternalError, LimitError, MatdiffError
from .evaluate import as_array, context, run
from .expr import Node, const, var
from .ops.arithmetic import fill, inner, mul
from .ops.series import free_integers
from .render.text import describe_shape, to_text
from .simplify import simplify
from .syntax import parse as _parse
from .syntax import parse_named as _parse_named
from .syntax.declarations import ShapeSpec, declared_shapes

Assumptions = Mapping[str, str]

F = TypeVar("F", bound=Callable[..., Any])


def guarded(fn: F) -> F:
    """Let only MatdiffError out for bad input: recursion or memory exhaustion become
    LimitError; any other exception is a defect and comes out as ``InternalError`` (not a
    MatdiffError). Calling with arguments the signature does not take is the caller's
    TypeError."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        signature.bind(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except MatdiffError:
            raise
        except RecursionError:
            raise LimitError("the expression is too deeply nested") from None
        except MemoryError:
            raise LimitError("the computation needs more memory than is available") from None
        except Exception as e:  # noqa: BLE001 — a defect, named as one
            raise InternalError(f"a defect of matdiff ({type(e).__name__}: {e}); please report it") from e
    return wrapper  # type: ignore[return-value]


@guarded
def parse(text: str, shapes: ShapeSpec | None = None, assume: Assumptions | None = None) -> Node:
    """Text → typed expression; ``shapes`` fixes some variables' shapes (sizes or names);
    ``assume`` declares matrices symmetric, spd or diagonal (``{"X": "spd"}``)."""
    return _parse(text, shapes, assume)


@guarded
def derivative(expr: str | Node, wrt: str, order: int = 1, shapes: ShapeSpec | None = None,
               assume: Assumptions | None = None,
               functions: Mapping[str, str] | None = None) -> Derivative:
    """The ``order``-th derivative of ``expr`` with respect to the variable ``wrt``.

    Its value has shape ``S_out + S_in`` (``S_out + S_in + S_in`` for order 2…). For a
    variable declared symmetric/spd (``assume`` or ``where X symmetric``) it is the
    derivative on symmetric matrices: the gradient is sym(G) = (G + G')/2, the plain G
    is ``d.unconstrained``; for a diagonal one, diag(diag(G)).

    ``functions={"g": "G"}`` declares ``g`` an unknown scalar function whose gradient
    at its argument is called ``G``: ``derivative("g(X^2)", wrt="X", functions=…)``
    is ``G*X' + X'*G``, evaluated with a value for ``G``.
    """
    _name(wrt, "wrt")
    node, names = _parse_named(expr, shapes, assume, functions) if isinstance(expr, str) \
        else (_checked(expr), {})
    return Derivative(node, wrt, order, declared_shapes(shapes).get(wrt), names)


@guarded
def vjp(expr: str | Node, wrt: str, cotangent: str = "G", shapes: ShapeSpec | None = None,
        assume: Assumptions | None = None) -> Derivative:
    """The backprop rule of F: the gradient of ⟨C, F(X)⟩ = sum(C.*F) with respect to X,
    for an upstream gradient named ``cotangent`` (of F's shape):
    ``vjp("X'*W", wrt="W", cotangent="G")`` is ``X*G``."""
    _name(wrt, "wrt")
    _name(cotangent, "the cotangent")
    node, names = _parse_named(expr, shapes, assume) if isinstance(expr, str) else (_checked(expr), {})
    if cotangent in node.variables():
        raise MatdiffError(f"the cotangent needs a name not used in the expression, got {cotangent!r}")
    if node.shape.is_scalar:
        return Derivative(mul(var(cotangent, node.shape), node), wrt, 1, names=names)  # type: ignore[arg-type]
    return Derivative(inner(var(cotangent, node.shape), node), wrt, 1, names=names)  # type: ignore[arg-type]


@guarded
def differential(expr: str | Node, wrt: str | list[str] | None = None,
                 shapes: ShapeSpec | None = None, assume: Assumptions | None = None) -> Differential:
    """dF in matrix notation with a direction dX per variable (all of them by default):
    ``differential("X'*W")`` is ``dX'*W + X'*dW``."""
    names = None if wrt is None else _names(wrt)
    node = _parse(expr, shapes, assume) if isinstance(expr, str) else _checked(expr)
    return Differential(node, names)


@guarded
def jvp(expr: str | Node, wrt: str, shapes: ShapeSpec | None = None,
        assume: Assumptions | None = None) -> Differential:
    """The directional derivative of F along dX (the forward rule): dF for X alone."""
    return differential(expr, [wrt], shapes, assume)


@guarded
def value_and_grad(expr: str | Node, wrt: str | list[str], backend: str = "numpy",
                   shapes: ShapeSpec | None = None, assume: Assumptions | None = None
                   ) -> Callable[..., Any]:
    """One compiled function returning ``(value, ∂f/∂X1, ∂f/∂X2, …)`` for a scalar f,
    the subexpressions the value and the gradients share computed once."""
    names = _names(wrt)
    node = _parse(expr, shapes, assume) if isinstance(expr, str) else _checked(expr)
    if not node.shape.is_scalar:
        raise MatdiffError("value_and_grad needs a scalar expression")
    grads = []
    for name in names:
        d = _Derivative(node, name)
        shape = node.variables().get(name)
        grads.append(d.gradient if d.gradient is not None else
                     const(0.0) if shape is None else cast(Node, fill(const(0.0), shape)))
    params = inputs_of([node, *grads], [(n, node.variables()[n]) for n in names if n in node.variables()])
    text = source([simplify(node), *grads], params, backend, "value_and_grad",
                  f"The value of {to_text(node)} and its gradients with respect to {', '.join(names)}.")
    return compile_source(text, "value_and_grad")


@guarded
def evaluate(expr: str | Node, values: Mapping[str, Any]) -> np.ndarray:
    """The value of an expression; shapes are taken from the arrays."""
    if isinstance(expr, str):
        if not isinstance(values, Mapping):
            raise MatdiffError("values must be a mapping from variable names to arrays")
        expr = _parse(expr, {k: as_array(k, v).shape for k, v in values.items()
                             if isinstance(k, str) and k.isidentifier()})
    node = _checked(expr)
    return run(node, context([node], values))


def _as_list(steps: list[str] | str) -> list[str]:
    return steps if isinstance(steps, list) else [steps]


def _name(value: object, what: str) -> str:
    """``value`` if it is a variable name; else a MatdiffError naming the argument."""
    if not isinstance(value, str) or not value.isidentifier():
        raise MatdiffError(f"{what} must be a variable name, got {value!r:.60}")
    return value


def _names(wrt: object) -> list[str]:
    """One variable name or a list of them, as a list."""
    if isinstance(wrt, (list, tuple)) and wrt:
        return [_name(w, "each name in wrt") for w in wrt]
    return [_name(wrt, "wrt (a name or a list of names)")]


def _checked(expr: object) -> Node:
    if not isinstance(expr, Node):
        raise MatdiffError(f"expected an expression (text or Expr), got {type(expr).__name__}")
    return expr


class Derivative(_Derivative):
    """The k-th derivative of an expression (see ``matdiff.derivative``), with its
    generated code; every method lets only MatdiffError out."""

    def code(self, backend: str = "numpy", directional: bool = False, structured: bool = False) -> str:
        """Readable source of a function computing the derivative (``backend`` is numpy,
        jax or torch): the matrix form when there is one; else the tensor built term by
        term from its index form (δs as diagonal fills, never identity tensors). With
        ``directional``, the derivative applied to directions ``dX…`` (for order 2 of a
        scalar, the Hessian-vector product, never forming the Hessian); with
        ``structured`` (NumPy), a function returning a ``StructuredTensor``: the
        factors of each term, not the entries."""
        return self._source(backend, directional, structured)[0]

    def _source(self, backend: str, directional: bool, structured: bool) -> tuple[str, bool]:
        """The source, and whether it computes only directional derivatives."""
        x = str(self.wrt.attr)
        what = f"{'∂' if self.order == 1 else f'∂^{self.order}'} of {to_text(self.expr)} with respect to {x}"
        name = f"d{self.order}_d{x}"
        if self.form is None:
            if directional:
                raise MatdiffError("the derivative is zero: it has no directional code; "
                                   "compile() without directional=True returns its zeros")
            params = inputs_of([self.expr], [(x, self.wrt.shape)])
            return tensor_source([], self.shape, params, backend, name,
                                 f"{what}: identically zero.".replace('"', "'")), False
        if self.size > LARGE:
            raise LimitError(f"the derivative has {self.size:,} parts; code is generated for at most "
                             f"{LARGE:,} (a lower order, or a smaller power, stays below it)")
        shown = self.matrix if self.matrix is not None and not directional else self.form
        params = inputs_of([self.expr, shown], [(x, self.wrt.shape)])
        terms = None if directional or (self.matrix is not None and not structured) else self._terms()
        if structured and terms is None:
            raise MatdiffError("this derivative has no factored (structured) form: one of its factors "
                               "is not a plain matrix expression (a Fréchet derivative, vec…)")
        if terms is not None:
            doc = f"{what}, layout S_out + S_in: {str(self.index())}."
            return tensor_source(terms, self.shape, params, backend, name, doc.replace('"', "'"),
                                 structured), False
        if self.matrix is not None and not directional:
            doc = f"{what}: {self}. Layout S_out + S_in."
            return source([self.matrix], params, backend, name, doc.replace('"', "'")), False
        taken = {n for n, _ in params}
        holes: dict[str, str] = {}
        for k in range(len(self.directions)):
            hole = f"d{x}" if k == 0 else f"d{x}{k + 1}"
            holes[hole] = hole
            while holes[hole] in taken:  # a variable named dX: the direction is dX_
                holes[hole] += "_"
            taken.add(holes[hole])
        extra = [(holes[h], d.shape) for h, d in zip(holes, self.directions)]
        doc = f"{what}, applied to directions {', '.join(holes.values())}."
        return source([self.form], params + extra, backend, f"jvp_{x}", doc.replace('"', "'"),
                      holes), True

    def _terms(self) -> list[TensorTerm] | None:
        try:
            form = self.index()
        except LimitError:
            return None
        return tensor_terms(form.terms, form.axes)

    def compile(self, backend: str = "numpy", directional: bool = False,
                structured: bool = False) -> Callable[..., Any]:
        """A callable taking the inputs (by name) and returning the derivative as an array of
        shape S_out + S_in × order (with ``directional``: the derivative along given dX…;
        with ``structured``: a ``StructuredTensor``)."""
        text, along = self._source(backend, directional, structured)
        name = next(line[4:].split("(", 1)[0] for line in text.splitlines()
                    if line.startswith("def ") and line[4:].split("(", 1)[0] not in HELPERS)
        fn = compile_source(text, name)
        if directional or not along:
            return fn
        x = str(self.wrt.attr)
        names = [n for n, _ in inputs_of([self.expr, self.form], [(x, self.wrt.shape)])]  # type: ignore[list-item]
        integers = sorted(free_integers(self.form) - set(names))  # type: ignore[arg-type]

        def tensor(**values: Any) -> Any:
            args = [values[n] for n in names]
            shape = tuple(np.shape(values[x]))
            jvp = functools.partial(inspect.unwrap(fn), **{k: values[k] for k in integers})
            return tensor_from_jvp(jvp, args, shape, len(self.directions))
        return tensor

    def to_dict(self, share: bool = True) -> dict[str, Any]:
        """Every form of the derivative, as JSON-ready data (for a derivative of more than
        LARGE parts only the text and LaTeX, the rest being too long to read); ``share``:
        name shared subexpressions (``where T1 = …``)."""
        large = self.size > LARGE
        too_large = f"too large to show ({self.size:,} parts)"

        def shown(make: Callable[[], Any]) -> Any:
            try:
                return too_large if large else make()
            except LimitError as e:
                return f"too large to show: {e}"
        k = None if large else self.kron()
        steps = shown(lambda: self.explain().steps)
        return {"text": self.text(share), "latex": self.latex(share), "mathml": self.mathml(share),
                "shape": describe_shape(self.expr.shape, self.wrt.shape, self.order),
                "index": shown(lambda: str(self.index())), "kron": None if k is None else str(k),
                "kron_layout": None if k is None else k.layout,
                "explain": _as_list(steps if isinstance(steps, str) else [s.text() for s in steps]),
                "explain_latex": _as_list(steps if isinstance(steps, str) else [s.latex() for s in steps]),
                "explain_mathml": _as_list(steps if isinstance(steps, str) else
                                           [step_mathml(s.latex()) for s in steps]),
                "code": shown(lambda: self.code("numpy")) if self.form is not None else None}

    evaluate = guarded(_Derivative.evaluate)
    index = guarded(_Derivative.index)
    kron = guarded(_Derivative.kron)
    explain = guarded(_Derivative.explain)
    latex = guarded(_Derivative.latex)
    text = guarded(_Derivative.text)
    mathml = guarded(_Derivative.mathml)
