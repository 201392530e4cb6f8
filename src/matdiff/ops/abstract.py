"""Unknown scalar functions known by their gradient: ``g(U)`` with ``∂g/∂U = G``.

``d g(U) = G:dU``, where ``G`` stands for the gradient of ``g`` at the argument;
it is a variable of ``U``'s shape whose value is given at evaluation. ``g``
itself has no value, and its second derivative (its Hessian) is not known.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..dims import SCALAR, Shape, Unifier
from ..errors import MatdiffError
from ..expr import Absent, Context, Node, Op, apply, var
from .arithmetic import inner
from .notation import call, tex_call


def _shape(shapes: Sequence[Shape], attr: Any, u: Unifier) -> Shape:
    return SCALAR


def _jvp(node: Node, ts: Sequence[Node]) -> Node:
    """d g(U) = G:dU."""
    return inner(gradient_of(node), ts[0])


def _lower(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    name, grad = node.attr
    raise MatdiffError(f"{name} is an unknown function: only its gradient {grad} is known")


def _syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    return call(node.attr[0])(node, args)


ABSTRACT = Op("abstract", _shape, _jvp, None, _lower, _syntax,
              "g(U): an unknown scalar function with gradient G",
              latex=lambda n, a: tex_call(n.attr[0])(n, a),
              source=Absent("an unknown function has no values to compute"),
              surface=Absent("declared by functions={'g': 'G'}: g(X)"))


def gradient_of(node: Node) -> Node:
    """The variable G standing for ∂g/∂U at the argument U."""
    return var(node.attr[1], node.args[0].shape)


def abstract(name: str, gradient: str, u: Node, unifier: Unifier | None = None) -> Node:
    return apply(ABSTRACT, (u,), (name, gradient), unifier)
