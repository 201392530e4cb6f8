"""The public functions, each a thin, guarded shell over the stages."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Mapping, TypeVar

import numpy as np

from .calculus.derivative import Derivative
from .errors import LimitError, MatdiffError
from .evaluate import EvalContext, as_array, bind, run
from .expr import Node
from .syntax import parse as _parse
from .syntax.parser import ShapeSpec, declared_shapes

Assumptions = Mapping[str, str]

F = TypeVar("F", bound=Callable[..., Any])


class InternalError(MatdiffError):
    """A defect of the engine, reported as a MatdiffError rather than a traceback."""


def guarded(fn: F) -> F:
    """Let only MatdiffError out: recursion or memory exhaustion become LimitError.
    (Calling with arguments the signature does not take is the caller's TypeError.)"""
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
        except Exception as e:  # noqa: BLE001 — a defect must still not escape as a bare exception
            raise InternalError(f"internal error ({type(e).__name__}: {e}); please report it") from e
    return wrapper  # type: ignore[return-value]


@guarded
def parse(text: str, shapes: ShapeSpec | None = None, assume: Assumptions | None = None) -> Node:
    """Text → typed expression; ``shapes`` fixes some variables' shapes (sizes or names);
    ``assume`` declares matrices symmetric, spd or diagonal (``{"X": "spd"}``)."""
    return _parse(text, shapes, assume)


@guarded
def derivative(expr: str | Node, wrt: str, order: int = 1, shapes: ShapeSpec | None = None,
               assume: Assumptions | None = None) -> Derivative:
    """The ``order``-th derivative of ``expr`` with respect to the variable ``wrt``.

    Its value has shape ``S_out + S_in`` (``S_out + S_in + S_in`` for order 2…). For a
    variable declared symmetric/spd (``assume`` or ``where X symmetric``) it is the
    derivative on symmetric matrices: the gradient is sym(G) = (G + G')/2, the plain G
    is ``d.unconstrained``; for a diagonal one, diag(diag(G)).
    """
    if not isinstance(wrt, str) or not wrt.isidentifier():
        raise MatdiffError(f"wrt must be a variable name, got {wrt!r}")
    node = _parse(expr, shapes, assume) if isinstance(expr, str) else _checked(expr)
    return _GuardedDerivative(node, wrt, order, declared_shapes(shapes).get(wrt))


@guarded
def evaluate(expr: str | Node, values: Mapping[str, Any]) -> np.ndarray:
    """The value of an expression; shapes are taken from the arrays."""
    if isinstance(expr, str):
        if not isinstance(values, Mapping):
            raise MatdiffError("values must be a mapping from variable names to arrays")
        expr = _parse(expr, {k: as_array(k, v).shape for k, v in values.items()
                             if isinstance(k, str) and k.isidentifier()})
    node = _checked(expr)
    sizes, arrays = bind(node.variables(), values)
    return run(node, EvalContext(sizes, arrays))


def _checked(expr: object) -> Node:
    if not isinstance(expr, Node):
        raise MatdiffError(f"expected an expression (text or Expr), got {type(expr).__name__}")
    return expr


class _GuardedDerivative(Derivative):
    """A Derivative whose evaluation lets only MatdiffError out."""

    evaluate = guarded(Derivative.evaluate)
