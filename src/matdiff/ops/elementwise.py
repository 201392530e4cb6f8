"""Elementwise functions and powers, declared as a table.

Each row gives a function's name, its NumPy implementation and its
linearization ``jvp(u, f(u), du)``; the ``Op`` objects are built from the table,
so adding a function is adding a row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy import special

from ..dims import Shape, Unifier
from ..expr import POWER, Absent, Context, Node, Op, Surface, apply, const, const_value, format_number
from .arithmetic import FILL, add, is_zero, zero, ediv, fill, had, neg, same_shape, scale, sub
from .notation import call, power, tex_call, tex_power, tex_wrap
from . import source as src


def ones(shape: Shape) -> Node:
    return fill(const(1.0), shape)


@dataclass(frozen=True)
class Elementwise:
    """A row of the table: d f(u) = jvp(u, f(u), du), defined for u in ``domain``."""

    name: str
    numpy: Callable[[np.ndarray], np.ndarray]
    jvp: Callable[[Node, Node, Node], Node]
    doc: str
    domain: str = "all real u"
    #: The tests' sampler of u (see ``Op.sample``).
    sample: str = "real"
    #: Its source in NumPy, JAX and PyTorch; None: ``{xp}.name(u)``.
    source: str | None = None
    #: The sign of f(u) for every u (``Op.sign``).
    sign: int | None = None


def _unary_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return shapes[0]


def _make(row: Elementwise) -> Op:
    def jvp(node: Node, ts: Sequence[Node]) -> Node:
        return row.jvp(node.args[0], node, ts[0])

    def lower(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
        return row.numpy(vals[0])

    return Op(row.name, _unary_shape, jvp, None, lower, call(row.name), row.doc,
              latex=LATEX.get(row.name, tex_call(rf"\operatorname{{{row.name}}}")),
              domain=row.domain, source=row.source or src.elementwise(row.name),
              surface=Surface(row.name, ("v",)), sample=row.sample, pointwise=True, sign=row.sign)


LATEX = {"sin": tex_call(r"\sin"), "cos": tex_call(r"\cos"), "tan": tex_call(r"\tan"),
         "exp": tex_call(r"\exp"), "log": tex_call(r"\log"), "tanh": tex_call(r"\tanh"),
         "sqrt": lambda n, a: (rf"\sqrt{{{a[0][0]}}}", 60), "abs": tex_wrap(r"\left|", r"\right|"),
         "sigmoid": tex_call(r"\sigma"), "arcsin": tex_call(r"\arcsin"),
         "arccos": tex_call(r"\arccos"), "arctan": tex_call(r"\arctan"),
         "log1p": lambda n, a: (rf"\log\left(1 + {a[0][0]}\right)", 60)}


def _one_minus_square(u: Node) -> Node:
    """sqrt(1 - u.^2), the derivative's denominator for arcsin and arccos."""
    return unary("sqrt", sub(ones(u.shape), powc(u, 2.0)))


TABLE: list[Elementwise] = [
    Elementwise("sin", np.sin, lambda u, f, du: had(cos(u), du), "d sin u = cos u .* du"),
    Elementwise("cos", np.cos, lambda u, f, du: had(scale(const(-1.0), sin(u)), du),
                "d cos u = -sin u .* du"),
    Elementwise("tan", np.tan, lambda u, f, du: had(add(ones(u.shape), powc(f, 2.0)), du),
                "d tan u = (1 + tan(u).^2) .* du", "u ≠ π/2 + kπ", "small"),
    Elementwise("arcsin", np.arcsin, lambda u, f, du: ediv(du, _one_minus_square(u)),
                "d arcsin u = du ./ sqrt(1 - u.^2)", "-1 ≤ u ≤ 1 (|u| < 1 for the derivative)", "small"),
    Elementwise("arccos", np.arccos, lambda u, f, du: neg(ediv(du, _one_minus_square(u))),
                "d arccos u = -du ./ sqrt(1 - u.^2)", "-1 ≤ u ≤ 1 (|u| < 1 for the derivative)", "small"),
    Elementwise("arctan", np.arctan,
                lambda u, f, du: ediv(du, add(ones(u.shape), powc(u, 2.0))),
                "d arctan u = du ./ (1 + u.^2)"),
    Elementwise("exp", np.exp, lambda u, f, du: had(f, du), "d exp u = exp u .* du", sign=1),
    Elementwise("log", np.log, lambda u, f, du: ediv(du, u), "d log u = du ./ u", "u > 0", "positive"),
    Elementwise("log1p", np.log1p, lambda u, f, du: ediv(du, add(ones(u.shape), u)),
                "log1p(u) = log(1 + u); d log1p u = du ./ (1 + u)", "u > -1", "positive"),
    Elementwise("sqrt", np.sqrt, lambda u, f, du: ediv(du, scale(const(2.0), f)),
                "d sqrt u = du ./ (2 sqrt u)", "u ≥ 0 (u > 0 for the derivative)", "positive", sign=0),
    Elementwise("tanh", np.tanh, lambda u, f, du: had(sub(ones(u.shape), powc(f, 2.0)), du),
                "d tanh u = (1 - tanh(u).^2) .* du"),
    Elementwise("abs", np.abs, lambda u, f, du: had(sign(u), du), "d |u| = sign u .* du",
                "all real u (u ≠ 0 for the derivative)", "away0", sign=0),
    Elementwise("sign", np.sign, lambda u, f, du: zero(u.shape), "d sign u = 0 (almost everywhere)", sample="away0"),
    Elementwise("relu", lambda x: np.maximum(x, 0.0), lambda u, f, du: had(relu(sign(u)), du),
                "d relu u = [u > 0] .* du, the step written relu(sign(u))",
                "all real u (u ≠ 0 for the derivative)", "away0", "{relu}({0})", sign=0),
    Elementwise("softplus", lambda x: np.logaddexp(0.0, x),
                lambda u, f, du: had(unary("sigmoid", u), du),
                "softplus(u) = log(1 + exp(u)), computed without overflow; d softplus u = σ(u) .* du",
                source="{softplus}({0})", sign=1),
    Elementwise("sigmoid", special.expit,
                lambda u, f, du: had(had(f, unary("sigmoid", neg(u))), du),
                "d σ(u) = σ(u).*σ(-u) .* du (= σ(u)(1 - σ(u)), without its cancellation)",
                source="{sigmoid}({0})", sign=1),
]
UNARY: dict[str, Op] = {row.name: _make(row) for row in TABLE}


def unary(name: str, u: Node) -> Node:
    """Apply the elementwise function ``name``."""
    return apply(UNARY[name], (u,))


def sin(u: Node) -> Node:
    return unary("sin", u)


def cos(u: Node) -> Node:
    return unary("cos", u)


def sign(u: Node) -> Node:
    return unary("sign", u)


def relu(u: Node) -> Node:
    return unary("relu", u)


def log(u: Node) -> Node:
    return unary("log", u)


# --- powers -------------------------------------------------------------------

def _powc_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    p = float(node.attr)
    exponent = (format_number(p), POWER + 1 if p >= 0 else 0)
    return power("^" if node.shape.is_scalar else ".^")(node, [args[0], exponent])


def _powc_jvp(node: Node, ts: Sequence[Node]) -> Node:
    """d(u.^p) = p*u.^(p-1) .* du for a constant p."""
    p = float(node.attr)
    return had(scale(const(p), powc(node.args[0], p - 1.0)), ts[0])


def _epow_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    return power("^" if node.shape.is_scalar else ".^")(node, args)


def _epow_jvp(node: Node, ts: Sequence[Node]) -> Node:
    """d(u.^v) = v.*u.^(v-1).*du + u.^v.*log(u).*dv."""
    u, v = node.args
    v_minus_1 = sub(v, ones(v.shape))
    first = ts[0] if is_zero(ts[0]) else had(had(v, epow(u, v_minus_1)), ts[0])
    second = ts[1] if is_zero(ts[1]) else had(had(node, log(u)), ts[1])
    return add(first, second)


POWC = Op("powc", _unary_shape, _powc_jvp, None,
          lambda n, v, c: np.power(v[0], float(n.attr)), _powc_syntax,
          "u.^p for a constant p",
          latex=lambda n, a: tex_power(n, a, format_number(n.attr), not n.shape.is_scalar),
          source=src.powc, surface=Absent("u.^p for a constant p"),
          pointwise=True)
EPOW = Op("epow", same_shape, _epow_jvp, None, lambda n, v, c: np.power(v[0], v[1]),
          _epow_syntax, "u.^v elementwise (u > 0 where v varies)",
          latex=lambda n, a: tex_power(n, a, a[1][0], not n.shape.is_scalar),
          domain="u > 0 (any u where v is a constant integer)",
          source="{0} ** {1}", surface=Absent("u.^v"), sample="positive",
          pointwise=True)


def powc(u: Node, p: float) -> Node:
    """u.^p for a constant p (u^p for a scalar u)."""
    if p == 1.0:
        return u
    if p == 0.0:
        return ones(u.shape)
    c = const_value(u)
    if c is not None and (c > 0 or float(p).is_integer()) and (c != 0 or p > 0) \
            and abs(p * np.log(abs(c) + 1e-300)) < 700:
        return const(c ** p)
    if u.op is POWC:
        q = float(u.attr)
        if float(q).is_integer() and float(p).is_integer():
            return powc(u.args[0], p * q)
    return apply(POWC, (u,), float(p))


def epow(u: Node, v: Node) -> Node:
    """u.^v; a constant exponent becomes ``powc``."""
    c = const_value(v.args[0] if v.op is FILL else v)
    if c is not None:
        return powc(u, c)
    return apply(EPOW, (u, v))


