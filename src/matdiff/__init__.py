"""matdiff: matrix calculus — derivatives of matrix expressions, exact and readable.

The public API::

    d = matdiff.derivative("norm2(X'*W)^2", wrt="W")
    str(d)                                   # "2*X*X'*W"
    d.evaluate({"X": X, "W": W})             # shape S_out + S_in
    matdiff.evaluate("x'*A*x", {"x": x, "A": A})
"""
from __future__ import annotations

from .api import Derivative, derivative, differential, evaluate, jvp, parse, value_and_grad, vjp
from .errors import (ArityError, DomainError, InternalError, LimitError, MatdiffError, ParseError,
                     ShapeError, UnknownNameError)
from .codegen.runtime import StructuredTensor
from .expr import Node as Expr

__all__ = ["derivative", "differential", "evaluate", "jvp", "parse", "value_and_grad", "vjp",
           "Derivative", "Expr", "StructuredTensor",
           "MatdiffError", "ParseError", "ShapeError", "ArityError", "InternalError", "UnknownNameError",
           "DomainError", "LimitError"]
