"""The differential ``dF`` in matrix notation, with a direction ``dX`` per variable:
``d(X'*W) = dX'*W + X'*dW``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import MatdiffError
from ..evaluate import as_array, context, run
from ..expr import Node, hole, to_latex, to_text, var
from ..ops.arithmetic import add_all, is_zero
from ..simplify import simplify
from .linearize import linearize


def differential(expr: Node, wrt: Sequence[str] | None = None) -> Differential:
    """dF with a direction dX for each variable named in ``wrt`` (all by default)."""
    variables = expr.variables()
    names = list(variables) if wrt is None else list(wrt)
    unknown = [n for n in names if n not in variables]
    if unknown:
        raise MatdiffError(f"{', '.join(unknown)} does not occur in the expression")
    directions = {n: hole(n, variables[n]) for n in names}
    total = add_all((linearize(expr, var(n, variables[n]), directions[n]) for n in names), expr.shape)
    return Differential(expr, directions, simplify(total))


@dataclass(frozen=True, eq=False)
class Differential:
    """``dF = L[dX, dY, …]``, linear in the directions of the chosen variables."""

    expr: Node
    #: Each variable's direction dX (a hole of its shape).
    directions: Mapping[str, Node]
    #: The differential, an expression in the variables and their directions dX.
    form: Node

    def __str__(self) -> str:
        return "0" if is_zero(self.form) else to_text(self.form)

    def __repr__(self) -> str:
        return f"Differential({str(self)!r})"

    def latex(self) -> str:
        return r"\mathrm{d}F = " + ("0" if is_zero(self.form) else to_latex(self.form))

    def evaluate(self, values: Mapping[str, Any]) -> np.ndarray:
        """dF at ``values``, which give each variable and each direction (key ``"dX"``)."""
        plain = {k: v for k, v in values.items() if not (k.startswith("d") and k[1:] in self.directions)}
        ctx = context([self.form, self.expr], plain)
        for name, h in self.directions.items():
            key = "d" + name
            if key not in values:
                raise MatdiffError(f"no value given for the direction {key}")
            ctx.leaves[h] = as_array(key, values[key])
        return run(self.form, ctx, self.expr)

