"""The derivation as steps, the way a textbook derives a gradient:

1. name the intermediate values ``U1 = X'*W``, ``U2 = …``;
2. their differentials, each from its arguments' (``dU1 = X'*dW``);
3. the Frobenius rearrangements, from the output back: ``G2 = ∂f/∂U2``,
   ``G1 = ∂f/∂U1``… so that ``df = Gk : dUk`` wherever Uk carries all of X's
   influence on f, and for a
   matrix intermediate the index-wise chain rule
   ``∂f/∂X[m,n] = Σ_rs ∂f/∂U[r,s] · ∂U[r,s]/∂X[m,n]`` with the factors' shapes;
4. the gradient ``∂f/∂X``, then simplified.

Every step is an equation between expressions in named quantities; ``meaning``
says what each name stands for, so each step can be checked numerically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ..expr import Node, const, hole, latex_name, to_latex, to_text, var
from ..ops import arithmetic as ar
from ..simplify import simplify
from .derivation import Link, is_cut
from ..calculus.jacobian import substitute
from ..calculus.linearize import differentials
from ..calculus.transpose import transpose


@dataclass
class Step:
    """``lhs = rhs`` (or only a note); ``why`` says which rule gives it."""

    why: str
    lhs: Node | None = None
    rhs: Node | None = None
    note: str = ""
    note_latex: str = ""

    def text(self) -> str:
        eq = f"{to_text(self.lhs, share=False)} = {to_text(self.rhs, share=False)}" \
            if self.lhs is not None and self.rhs is not None else ""
        return "   ".join(p for p in (eq, f"({self.why})" if self.why else "", self.note) if p)

    def latex(self) -> str:
        """One aligned line: ``lhs &= rhs`` (a note is set in its own line)."""
        if self.lhs is None or self.rhs is None:
            return rf"&\quad {self.note_latex}"
        return f"{to_latex(self.lhs, share=False)} &= {to_latex(self.rhs, share=False)}"


@dataclass(repr=False)
class Explanation:
    """The steps of a derivation: ``str()`` numbers them as text, ``latex()`` aligns them,
    and a notebook shows them as math."""

    steps: Sequence[Step | Link]
    #: What each name (U1, dU1, G1, df…) stands for, in terms of the inputs and dX.
    meaning: dict[Node, Node] = field(default_factory=dict)

    def __str__(self) -> str:
        return "\n".join(f"{i}. {s.text()}" for i, s in enumerate(self.steps, 1))

    def latex(self) -> str:
        return r"\begin{aligned}" + r" \\ ".join(s.latex() for s in self.steps) + r"\end{aligned}"

    def __repr__(self) -> str:
        return f"Explanation of {len(self.steps)} steps:\n{self}"

    def _repr_latex_(self) -> str:
        """A notebook cell shows the steps as math."""
        return f"$${self.latex()}$$"


def _shape_text(node: Node) -> str:
    return "x".join(str(d) for d in node.shape.dims) or "1x1"


def trace(expr: Node, x: Node) -> Explanation:
    """The derivation of df and, for a scalar f, of ∂f/∂X."""
    f = simplify(expr)
    dx = hole(x.attr, x.shape)
    tangent = differentials(f, x, dx)
    order = [n for n in f.walk() if n.args and not ar.is_zero(tangent[n])]
    names = {n: var(f"U{k}", n.shape) for k, n in enumerate(order, 1)}
    names[f] = var("f" if f.shape.is_scalar else "F", f.shape)
    diffs = {n: hole(str(names[n].attr), n.shape) for n in order}
    meaning: dict[Node, Node] = {}
    steps: list[Step] = [] if f == expr else [Step("rewrite", expr, f)]

    def shown(n: Node) -> Node:
        return names.get(n, n)

    for n in order:
        local = ar.with_args(n, [shown(a) for a in n.args])
        tangents = [dx if a == x else diffs.get(a, ar.zero(a.shape)) for a in n.args]
        d_local = n.op.jvp(local, tangents) if n.op.jvp else ar.zero(n.shape)
        d_local = substitute(d_local, local, names[n])
        meaning[names[n]] = n
        meaning[diffs[n]] = tangent[n]
        steps.append(Step("definition", names[n], local))
        steps.append(Step(f"d of {n.op.name}", diffs[n], simplify(d_local)))
    if not f.shape.is_scalar or not order:
        return Explanation(steps, meaning)
    steps += _reverse(f, x, dx, tangent[f], order, names, diffs, meaning)
    return Explanation(steps, meaning)


def _local_vjp(n: Node, i: int, direction: Node, cotangent: Node) -> Node:
    """The cotangent of n's i-th argument: transpose d n = J_i[d a_i] at the cotangent."""
    if n.op.jvp is None:
        return ar.zero(direction.shape)
    lin = n.op.jvp(n, [direction if j == i else ar.zero(a.shape) for j, a in enumerate(n.args)])
    return transpose(lin, direction, cotangent)


def _reverse(f: Node, x: Node, dx: Node, df_value: Node, order: list[Node],
             names: dict[Node, Node], diffs: dict[Node, Node], meaning: dict[Node, Node]) -> list[Step]:
    """Cotangents from f back to X: Gk = ∂f/∂Uk, each collected from its users (df_value
    is df itself, in dX)."""
    steps: list[Step] = []
    df = hole("f", f.shape)
    meaning[df] = df_value
    grads = {n: var(f"G{k}", n.shape) for k, n in enumerate(order, 1)}
    grads[f] = const(1.0)
    actual: dict[Node, Node] = {f: const(1.0)}
    shown: dict[Node, Node] = {f: const(1.0)}
    for n in reversed(order):
        if n not in actual:
            continue
        if n is not f:
            meaning[grads[n]] = simplify(actual[n])
            steps.append(Step(f"∂f/∂{names[n].attr}, collected from its users", grads[n],
                              simplify(shown[n])))
            if is_cut(f, x, n):
                steps.append(Step("Frobenius form", df, ar.inner(grads[n], diffs[n])))
            if n.shape.is_matrix:
                u, g, v = names[n].attr, grads[n].attr, x.attr
                lu, lg, lv = latex_name(u), latex_name(g), latex_name(v)
                steps.append(Step("index-wise chain rule", note=(
                    f"∂f/∂{v}[m,n] = Σ_r,s ∂f/∂{u}[r,s]·∂{u}[r,s]/∂{v}[m,n] with "
                    f"∂f/∂{u} = {g} ({_shape_text(n)}) and ∂{u}/∂{v} "
                    f"({_shape_text(n)}x{_shape_text(x)})"), note_latex=(
                    rf"\frac{{\partial f}}{{\partial [{lv}]_{{mn}}}} = \sum_{{r,s}} "
                    rf"\frac{{\partial f}}{{\partial [{lu}]_{{rs}}}}"
                    rf"\frac{{\partial [{lu}]_{{rs}}}}{{\partial [{lv}]_{{mn}}}},\ "
                    rf"\frac{{\partial f}}{{\partial {lu}}} = {lg}")))
        local = ar.with_args(n, [names.get(a, a) for a in n.args])
        for i, a in enumerate(n.args):
            if a != x and a not in diffs:
                continue
            h = diffs.get(a, dx)
            piece = _local_vjp(local, i, h, grads[n])
            piece = substitute(piece, local, names[n]) if n is not f else piece
            shown[a] = ar.add(shown.get(a, ar.zero(a.shape)), piece)
            actual[a] = ar.add(actual.get(a, ar.zero(a.shape)), _local_vjp(n, i, h, actual[n]))
    g = actual.get(x)
    if g is not None:
        gx = var(f"G_{x.attr}", x.shape)
        meaning[gx] = simplify(g)
        steps.append(Step("gradient", gx, simplify(shown[x])))
        steps.append(Step("simplified", gx, simplify(g)))
    return steps
