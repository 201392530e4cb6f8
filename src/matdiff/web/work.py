"""What a worker process computes for a request: plain functions of the validated query,
returning JSON-ready dictionaries (they cross a process boundary)."""
from __future__ import annotations

import re
from typing import Any

from .. import api
from ..check import check
from ..errors import MatdiffError, ShapeError
from ..syntax.declarations import shape_by_letter, shape_from_text
from ..syntax.parser import ARITY
from .models import DerivativeQuery, DerivativeResult, Query, Variable

#: The most entries the numeric check of a request may sample, all variables together.
CHECK_ENTRIES = 100_000


def _shapes(q: Query) -> dict[str, tuple[int | str, ...]]:
    return {name: shape_from_text(text) for name, text in q.shapes.items() if text.strip()}


def _kind(shape: Any) -> str:
    return "scalar" if shape.is_scalar else "vector" if shape.is_vector else "matrix"


def _variables(node: Any) -> list[Variable]:
    return [Variable(name=name, kind=_kind(shape), shape="x".join(str(d) for d in shape.dims),
                     structure=shape.structure.value if shape.structure else None)
            for name, shape in sorted(node.variables().items())]


def variables(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The variables with their inferred types; when the shapes do not fit yet, the names
    with their default types, so that the user can fix them in the table."""
    q = Query(**query)
    try:
        found = _variables(api.parse(q.expr, _shapes(q), q.assume))
    except ShapeError:
        names = sorted(set(re.findall(r"\b([A-Za-z]\w*)\b(?!\s*\()", q.expr)) - set(ARITY) - {"eye"})
        found = [Variable(name=n, kind=_kind(shape_by_letter(n)), shape="") for n in names]
    return [v.model_dump() for v in found]


def derivative(query: dict[str, Any]) -> dict[str, Any]:
    """Every form of the derivative, and the numeric check's verdict (or why there is none)."""
    q = DerivativeQuery(**query)
    d = api.derivative(q.expr, wrt=q.wrt, order=q.order, shapes=_shapes(q), assume=q.assume,
                       functions=q.functions or None)
    report = None
    if q.check and not d.abstract:
        try:
            report = str(check(d, max_entries=CHECK_ENTRIES))
        except MatdiffError as e:
            report = f"not checked: {e}"
    return DerivativeResult(**d.to_dict(q.share), check=report, variables=_variables(d.expr)).model_dump()


TASKS = {"variables": variables, "derivative": derivative}
