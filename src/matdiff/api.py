"""The public functions, each a thin, guarded shell over the stages."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Mapping, TypeVar, cast

import numpy as np

from .calculus import derivative as calculus
from .calculus.derivative import LARGE, Result, derive
from .calculus.differential import Differential
from .calculus.differential import differential as _differential
from .calculus.index import IndexForm
from .calculus.kron import KronForm
from .codegen import compile_source, inputs_of, source
from .codegen import derivative as codegen
from .dims import Shape
from .errors import InternalError, LimitError, MatdiffError
from .evaluate import as_array, context, run
from .explain import Explanation
from .explain import explain as _explain
from .expr import Node, var
from .ops.arithmetic import inner, mul
from .render import result as render
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
    return Derivative(derive(node, wrt, order, declared_shapes(shapes).get(wrt), names))


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
        return Derivative(derive(mul(var(cotangent, node.shape), node), wrt, 1, names=names))
    return Derivative(derive(inner(var(cotangent, node.shape), node), wrt, 1, names=names))


@guarded
def differential(expr: str | Node, wrt: str | list[str] | None = None,
                 shapes: ShapeSpec | None = None, assume: Assumptions | None = None) -> Differential:
    """dF in matrix notation with a direction dX per variable (all of them by default):
    ``differential("X'*W")`` is ``dX'*W + X'*dW``."""
    names = None if wrt is None else _names(wrt)
    node = _parse(expr, shapes, assume) if isinstance(expr, str) else _checked(expr)
    return _differential(node, names)


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
    grads = [derive(node, name).form for name in names]  # for order 1 of a scalar: the gradient
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


class Derivative:
    """The k-th derivative of an expression (see ``matdiff.derivative``): a shell over the
    frozen ``Result`` (``.result``) that renders, explains, evaluates and compiles it
    through the stages; every method lets only MatdiffError out."""

    def __init__(self, result: Result) -> None:
        self.result = result

    expr = property(lambda self: self.result.expr, doc="The expression as parsed.")
    wrt = property(lambda self: self.result.wrt, doc="The variable, with its shape.")
    order = property(lambda self: self.result.order, doc="The order of the derivative.")
    gradient = property(lambda self: self.result.gradient, doc="G with df = G:dX (scalar f).")
    unconstrained = property(lambda self: self.result.unconstrained,
                             doc="For a structured variable, the gradient before projection.")
    form = property(lambda self: self.result.form, doc="The multilinear form in dX, dX2, …")
    matrix = property(lambda self: self.result.matrix, doc="The matrix notation, when it has one.")
    directions = property(lambda self: self.result.directions, doc="The directions dX, dX2, …")
    abstract = property(lambda self: self.result.abstract, doc="Whether it calls an unknown function.")

    @property
    def shape(self) -> Shape:
        """Symbolic shape of the result: S_out + S_in × order."""
        return self.result.shape

    @property
    def size(self) -> int:
        """Distinct nodes in the derivative's expression."""
        return self.result.size

    @property
    def is_zero(self) -> bool:
        """Whether the derivative is identically zero (its ``form`` is then ``zero(shape)``)."""
        return self.result.is_zero

    def __str__(self) -> str:
        """Matrix notation in the input language (parses back); a tensor without a matrix
        form (matrix by matrix, higher orders) is shown in index form."""
        return self.text()

    def __repr__(self) -> str:
        return f"Derivative({str(self)!r})"

    @guarded
    def text(self, share: bool = True) -> str:
        """``str()``; ``share=False`` writes shared subexpressions out instead of naming
        them ``where T1 = …`` (the user's own ``where`` names are kept)."""
        return render.text(self.result, share)

    @guarded
    def latex(self, share: bool = True) -> str:
        r"""LaTeX: ``\frac{\partial f}{\partial W} = 2 X X^{\top} W``, or the index form."""
        return render.latex(self.result, share)

    @guarded
    def mathml(self, share: bool = True) -> str:
        """MathML, converted from ``latex()``."""
        return render.mathml(self.result, share)

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def _repr_html_(self) -> str:
        return cast(str, guarded(render.html)(self.result))

    @guarded
    def index(self) -> IndexForm:
        """Index notation, e.g. ``∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]`` (``str()`` for text,
        ``.latex()`` for LaTeX; its terms are typed factors holding nodes)."""
        return calculus.index_form(self.result)

    @guarded
    def kron(self) -> KronForm | None:
        """``dvec(F)/dvec(X)`` as a matrix expression (column-major vec), or None when no
        Kronecker form is known (a matrix function of X, diag of X…)."""
        return calculus.kron_form(self.result)

    @guarded
    def explain(self, index_chain: bool | None = None) -> Explanation:
        """The derivation step by step (``str()`` for text, ``.latex()`` for LaTeX): the
        differential approach, with the user's names and cut points named; a trace of
        every node where that approach does not apply. ``index_chain`` shows (True) or
        hides (False) the index-wise chain rule, where X reaches f through one
        intermediate (default: for a matrix X)."""
        return _explain(self.result, index_chain)

    @guarded
    def evaluate(self, values: Mapping[str, Any]) -> np.ndarray:
        """The derivative at ``values`` as a float64 array of shape S_out + S_in × order;
        a point outside the expression's domain is an error."""
        return calculus.tensor(self.result, values)

    @guarded
    def code(self, backend: str = "numpy", directional: bool = False, structured: bool = False) -> str:
        """Readable source of a function computing the derivative (``backend`` is numpy,
        jax or torch): the matrix form when there is one; else the tensor built term by
        term from its index form. With ``directional``, the derivative applied to
        directions ``dX…`` (for order 2 of a scalar, the Hessian-vector product); with
        ``structured`` (NumPy), a function returning a ``StructuredTensor``."""
        return codegen.code(self.result, backend, directional, structured)

    @guarded
    def compile(self, backend: str = "numpy", directional: bool = False,
                structured: bool = False) -> Callable[..., Any]:
        """A callable taking the inputs (by name) and returning the derivative as an array of
        shape S_out + S_in × order (with ``directional``: the derivative along given dX…;
        with ``structured``: a ``StructuredTensor``)."""
        return codegen.compiled(self.result, backend, directional, structured)

    @guarded
    def to_dict(self, share: bool = True) -> dict[str, Any]:
        """Every form of the derivative, as JSON-ready data (for a derivative of more than
        LARGE parts only the text and LaTeX, the rest being too long to read); ``share``:
        name shared subexpressions (``where T1 = …``)."""
        r = self.result
        large = r.size > LARGE
        too_large = f"too large to show ({r.size:,} parts)"

        def shown(make: Callable[[], Any]) -> Any:
            try:
                return too_large if large else make()
            except LimitError as e:
                return f"too large to show: {e}"
        k = None if large else calculus.kron_form(r)
        steps = shown(lambda: _explain(r).steps)
        return {"text": render.text(r, share), "latex": render.latex(r, share),
                "mathml": render.mathml(r, share),
                "shape": describe_shape(r.expr.shape, r.wrt.shape, r.order),
                "index": shown(lambda: str(calculus.index_form(r))), "kron": None if k is None else str(k),
                "kron_layout": None if k is None else k.layout,
                "explain": _as_list(steps if isinstance(steps, str) else [s.text() for s in steps]),
                "explain_latex": _as_list(steps if isinstance(steps, str) else [s.latex() for s in steps]),
                "explain_mathml": _as_list(steps if isinstance(steps, str) else
                                           [render.step_mathml(s.latex()) for s in steps]),
                "code": None if r.is_zero else shown(lambda: codegen.code(r, "numpy"))}
