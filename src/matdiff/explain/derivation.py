"""The derivation a teacher writes, by the differential approach.

For a scalar f of X: name the intermediates only at cut points (the user's own
``where`` names first; else the argument of the outermost nonlinear function and
the outputs of the nonlinear functions below it, each carrying all of X's
influence), write each cut's differential from the one below, then one Frobenius
chain per level from the output down,

    df = G:dU = G:X'*dW = X*G:dW          (A:BC = B'A:C)

and ``∂f/∂X``, simplified. With one matrix (or vector) cut and a matrix variable
the index-wise chain rule is shown with the factors' shapes and evaluated. For a
non-scalar F: dF, its vec (Kronecker) form and the index form.

Every step is a chain ``a = b = c`` of expressions in the language, the Frobenius
product ``A:B`` = sum(A.*B) included; each side holds numerically.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..dims import Shape
from ..expr import VAR, Node, const, dependents, hole, latex_name, to_latex, to_text, var
from ..ops import abstract as ab
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import linalg as la
from ..simplify import simplify
from ..calculus.jacobian import substitute
from ..calculus.linearize import linearize
from ..calculus.transpose import transpose

@dataclass(frozen=True)
class Shown:
    """A side of a chain that is notation, not an expression (``dvec(F)/dvec(X)``, an
    index form): its text and its LaTeX."""

    text: str
    latex: str


#: A side of a chain: an expression, a sum of Frobenius products G:D, or notation.
Side = Node | tuple[tuple[Node, Node], ...] | Shown


@dataclass(frozen=True)
class Link:
    """One step: ``sides[0] = sides[1] = …``, by ``why``."""

    sides: tuple[Side, ...]
    why: str = ""
    #: A remark after the math (the shapes of an index rule's factors).
    remark: str = ""

    def __post_init__(self) -> None:
        sides = [s for k, s in enumerate(self.sides) if k == 0 or _text(s) != _text(self.sides[k - 1])]
        object.__setattr__(self, "sides", tuple(sides))

    def math(self) -> str:
        return " = ".join(_text(s) for s in self.sides)

    def text(self) -> str:
        tail = f"   # {self.remark}" if self.remark else ""
        return self.math() + tail + (f"   ({self.why})" if self.why else "")

    def latex(self) -> str:
        first, *rest = (_latex(s) for s in self.sides)
        line = first + " &= " + " = ".join(rest) if rest else "&" + first
        return line + (rf" \quad \text{{{_tex_text(self.remark)}}}" if self.remark else "")


def _text(s: Side) -> str:
    if isinstance(s, Shown):
        return s.text
    if isinstance(s, Node):
        return to_text(s, share=False, sized=True)
    return " + ".join(f"{_operand(g)}:{_operand(d)}" for g, d in s).replace("+ -", "- ")


def _tex_text(s: str) -> str:
    return s.replace("\\", "").replace("_", r"\_").replace("{", "").replace("}", "")


def _operand(n: Node) -> str:
    text = to_text(n, share=False, sized=True)
    return f"({text})" if n.op is ar.ADD else text


def _latex(s: Side) -> str:
    if isinstance(s, Shown):
        return s.latex
    if isinstance(s, Node):
        return to_latex(s, share=False)
    return " + ".join(rf"{_operand_latex(g)} : {_operand_latex(d)}" for g, d in s)


def _operand_latex(n: Node) -> str:
    tex = to_latex(n, share=False)
    return rf"\left({tex}\right)" if n.op is ar.ADD else tex


def is_cut(f: Node, x: Node, through: Node) -> bool:
    """Every path from X to f passes through ``through``."""
    reach = {x}
    for n in f.walk():
        if n != through and any(a in reach for a in n.args):
            reach.add(n)
    return f not in reach


def _nonlinear(n: Node, dep: set[Node]) -> bool:
    """Whether n is nonlinear in X's influence: a nonlinear op, or a product of two
    factors that both carry X."""
    return n.op.vjp is None or sum(a in dep for a in n.args) > 1


#: (outer, inner) functions read as one: log(softmax(Z)) is log-softmax, whose gradient
#: in Z is short; the intermediate softmax(Z) is not named.
FUSED = {(ew.UNARY["log"], la.SOFTMAX), (ew.UNARY["log"], bt.SOFTMAX_DIM)}


def cuts(f: Node, x: Node, named: Sequence[Node]) -> list[Node]:
    """The intermediates to name, lowest first."""
    dep = dependents(f, x) | {x}
    outside = set(f.scope())  # never inside a sum's body
    chain = [n for n in f.walk() if n in dep and n in outside and n not in (f, x) and is_cut(f, x, n)]
    chain = [n for n in chain if n != ar.transpose(x)]
    chosen = [n for n in chain if n in named]
    above = {f}
    outermost: Node | None = None
    nonlinear_above = False
    fused: set[Node] = set()
    for n in reversed(chain):  # from the root down
        parent = next((p for p in above if n in p.args), None)
        above.add(n)
        nonlinear_above = nonlinear_above or (parent is not None and _nonlinear(parent, dep))
        if parent is not None and ((parent.op, n.op) in FUSED or
                                   (n.op.pointwise and parent.op.pointwise
                                    and sum(a in dep for a in parent.args) == 1)):
            fused.add(n)  # inside one function: log∘softmax, or a run of elementwise ops
            continue
        if outermost is None and nonlinear_above and not n.shape.is_scalar:
            outermost = n
    if outermost is None:
        return sorted(set(chosen), key=chain.index)
    low = chain[:chain.index(outermost) + 1]
    picked = {outermost} | {n for n in low if _nonlinear(n, dep) and n not in fused}
    picked = {n for n in picked if not n.shape.is_scalar} | set(chosen)
    return sorted(picked, key=chain.index)


def _rearrangements(n: Node, h: Node) -> list[str]:
    """The op's Frobenius identities for the arguments that hold h (``Op.frobenius``),
    the last argument's first."""
    rules = n.op.frobenius
    if len(rules) <= 1:
        return list(rules)
    return [r for r, a in reversed(list(zip(rules, n.args))) if h in a.walk()]


def rules_used(lin: Node, h: Node) -> str:
    """The rearrangements that move everything off the direction h in G:lin."""
    dep = dependents(lin, h)
    found = [r for n in lin.walk() if n in dep and n != h for r in _rearrangements(n, h)]
    return ", ".join(dict.fromkeys(found)) or "the Frobenius product"


#: Math tokens (names, numbers, operators) of one step before a chain is split.
MAX_TOKENS = 40
TOKEN = re.compile(r"\.\*|\./|\.\^|[Σδ∂·⊗⊙:=+\-*/^']|[^\W\d]\w*|\d+(?:\.\d+)?")
#: The gradient in the inputs alone is shown only this short (else the names carry it).
SHORT_ENOUGH = 48
#: A cotangent printed longer than this is named before the next level's chain.
LONG = 12
#: The same for the cotangent of the topmost cut (a short one reads better in place).
LONG_TOP = 40


def _free_name(shape: Shape, taken: set[str], cotangent: bool = False) -> str:
    if cotangent:
        pool = [f"{'E' if shape.is_matrix else 'e'}{k}" for k in range(1, 10)]
    else:
        pool = ["U", "V", "Y", "Z", "R", "S", "W", "M"] if shape.is_matrix else \
            ["r", "u", "v", "h", "z", "q", "w", "e"] if shape.is_vector else ["s", "a", "b", "c"]
    for name in pool:
        if name not in taken and not any(name.startswith(t) for t in taken if len(t) < len(name)):
            return name
    k = 1
    while f"T{k}" in taken:
        k += 1
    return f"T{k}"


Meaning = dict[Node, Node]


def derivation(expr: Node, x: Node, gradient: Node | None, names: Mapping[str, Node],
               kron: Node | None = None, index: Shown | None = None, chain: bool | None = None
               ) -> tuple[list[Link], Meaning] | None:
    """The steps and what each name and differential in them stands for (in the inputs
    and dX), or None where this approach does not apply (the caller falls back).
    ``chain``: show the index-wise chain rule (None: for a matrix X; it is shown only
    where it holds, X reaching f through one intermediate)."""
    if expr.shape.is_scalar:
        return None if gradient is None else _Scalar(expr, x, names).steps(gradient, chain)
    return _tensor(simplify(expr), x, kron, index)


def _tensor(f: Node, x: Node, kron: Node | None, index: Shown | None) -> tuple[list[Link], Meaning] | None:
    dx = hole(str(x.attr), x.shape)
    df = linearize(f, x, dx)
    if ar.is_zero(df) or (kron is None and index is None):
        return None
    out = var("F", f.shape)
    steps = [Link((hole("F", f.shape), simplify(df)), "differential")]
    if kron is not None:
        vec_dx = _vec(_text(dx), to_latex(dx), x.shape)
        vec_df = _vec("dF", r"\mathrm{d}F", f.shape)
        times = Shown(f"{_operand(kron)}*{vec_dx.text}", rf"\left({to_latex(kron)}\right) {vec_dx.latex}")
        steps.append(Link((vec_df, times), "vec(A*B*C) = kron(C', A)*vec(B)"))
        steps.append(Link((Shown(f"dvec({out.attr})/dvec({x.attr})",
                                 rf"\frac{{\partial \operatorname{{vec}} {out.attr}}}"
                                 rf"{{\partial \operatorname{{vec}} {latex_name(str(x.attr))}}}"), kron),
                          "the Kronecker form"))
    if index is not None:
        steps.append(Link((index,), "index form"))
    return steps, {hole("F", f.shape): df}


class _Scalar:
    """The derivation of a scalar f: cuts, differentials, Frobenius chains, gradient."""

    def __init__(self, f: Node, x: Node, names: Mapping[str, Node]) -> None:
        self.f, self.x = f, x
        user = {v: k for k, v in names.items()}
        self.picked = cuts(f, x, list(user))
        self.taken = {str(n.attr) for n in f.walk() if n.op is VAR} | set(names) | {"f", f"d{x.attr}"}
        self.label: dict[Node, Node] = {}
        for c in self.picked:
            name = user.get(c) or _free_name(c.shape, self.taken)
            self.taken.add(name)
            self.label[c] = var(name, c.shape)
        self.defs = {c: self.named(c, skip=c) for c in self.picked}
        self.dx = hole(str(x.attr), x.shape)
        self.meaning: Meaning = {}

    def named(self, n: Node, skip: Node | None = None) -> Node:
        """n with every cut below it written by its name."""
        out = n
        for c in reversed(self.picked):
            if c is not skip and c in set(out.walk()):
                out = substitute(out, c, self.label[c])
        return out

    def short(self, n: Node) -> Node:
        """Simplified, each cut's value written by its name."""
        out = simplify(n)
        for c in reversed(self.picked):
            for value in {self.defs[c], simplify(self.defs[c])}:
                out = substitute(out, value, self.label[c])
        return out

    def inputs(self, n: Node) -> Node:
        """n in the inputs alone (every name replaced by its value)."""
        for name, value in reversed(list(self.meaning.items())):
            if name.op is VAR:
                n = substitute(n, name, value)
        return n

    def steps(self, gradient: Node, chain: bool | None = None) -> tuple[list[Link], Meaning] | None:
        f, x, picked, label = self.f, self.x, self.picked, self.label
        steps = [Link((label[c], self.defs[c]), "definition") for c in picked]
        for c in picked:
            self.meaning[label[c]] = c
        outer = self.named(f)
        if picked:
            steps.append(Link((var("f", f.shape), outer), "the output in the names"))
            self.meaning[var("f", f.shape)] = f
        holes = [self.dx] + [hole(str(label[c].attr), c.shape) for c in picked]
        below = [x] + [label[c] for c in picked]
        diffs = []
        for k, c in enumerate(picked):
            d = linearize(self.defs[c], below[k], holes[k])
            if ar.is_zero(d):
                return None
            diffs.append(self.short(d))
            self.meaning[holes[k + 1]] = linearize(c, x, self.dx)
            steps.append(Link((holes[k + 1], diffs[-1]), "differential"))
        top = linearize(simplify(outer), below[-1], holes[-1])
        g = transpose(top, holes[-1], const(1.0))
        if ar.is_zero(top) or ar.is_zero(g):
            return None
        g = self.short(g)
        df = hole("f", f.shape)
        self.meaning[df] = linearize(f, x, self.dx)
        if not picked:
            steps.append(Link((df, self.short(top), ((g, holes[0]),)),
                              "Frobenius form: " + rules_used(top, holes[0])))
        for k in reversed(range(len(picked))):
            if len(_text(g)) > (LONG if k < len(picked) - 1 else LONG_TOP):
                name = var(_free_name(g.shape, self.taken, cotangent=True), g.shape)
                self.taken.add(str(name.attr))
                self.meaning[name] = self.inputs(g)
                steps.append(Link((name, g), f"∂f/∂{label[picked[k]].attr}, named"))
                g = name
            lower = transpose(diffs[k], holes[k], g)
            if ar.is_zero(lower):
                return None
            lower = self.short(lower)
            why = rules_used(diffs[k], holes[k])
            link = Link((df, ((g, holes[k + 1]),), ((g, diffs[k]),), ((lower, holes[k]),)), why)
            if len(TOKEN.findall(link.math())) > MAX_TOKENS:  # a long chain reads better in two
                steps += [Link(link.sides[:-1], "substituting the differential"),
                          Link((df, link.sides[-1]), why)]
            else:
                steps.append(link)
            g = lower
        steps.append(self.gradient_step(g, gradient))
        wanted = x.shape.is_matrix if chain is None else chain and not x.shape.is_scalar
        if wanted and len(picked) == 1 and not picked[0].shape.is_scalar and \
                x.shape.structure is None and not any(n.op is ab.ABSTRACT or n.op.binder is not None for n in f.walk()):
            steps.append(_index_chain(picked[0], label[picked[0]], x, g))
        return steps, self.meaning

    def gradient_step(self, g: Node, gradient: Node) -> Link:
        """∂f/∂X = G_X (in the names) = G_X (in the inputs, where that is short); for a
        structured X, the projection of G_X onto its structure."""
        final = var(f"∂f/∂{self.x.attr}", self.x.shape)
        self.meaning[final] = gradient
        structure = self.x.shape.structure
        if structure is not None:
            return Link((final, gradient), f"G = {_text(g)} projected onto {structure.value} matrices")
        sides: tuple[Side, ...] = (final, g)
        if g != gradient and len(_text(gradient)) <= SHORT_ENOUGH:
            sides += (gradient,)
        return Link(sides, "the gradient")


def _vec(text: str, latex: str, shape: Shape) -> Shown:
    """vec of a differential (a vector's is itself)."""
    return Shown(f"vec({text})", rf"\operatorname{{vec}}({latex})") if shape.is_matrix else Shown(text, latex)


def hessian_steps(done: tuple[list[Link], Meaning], x: Node, form: Node, direction: Node,
                  matrix: Node | None, index: Shown | None) -> tuple[list[Link], Meaning]:
    """The gradient's derivation, then its differential d(∂f/∂X) = H[dX] and the Hessian
    (a matrix for a vector X, else the index form)."""
    steps, meaning = done
    xs, xt = str(x.attr), latex_name(str(x.attr))
    grad = Shown(f"d(∂f/∂{xs})", rf"\mathrm{{d}}\left({latex_name(f'∂f/∂{xs}')}\right)")
    steps = steps + [Link((grad, form), "the differential of the gradient: H[dX]")]
    if matrix is not None:
        steps.append(Link((Shown(f"∂²f/∂{xs}²", rf"\frac{{\partial^{{2}} f}}{{\partial {xt}^{{2}}}}"), matrix),
                          "the Hessian"))
    elif index is not None:
        steps.append(Link((index,), "the Hessian in index form"))
    meaning = dict(meaning)
    meaning[direction] = direction
    return steps, meaning


def _index_chain(cut: Node, name: Node, x: Node, g: Node) -> Link:
    """∂f/∂X[m,n] = Σ_i,j ∂f/∂U[i,j]*∂U[i,j]/∂X[m,n] = G_X[m,n]."""
    inner = ("i", "j")[:cut.shape.rank]
    u, xs = str(name.attr), str(x.attr)
    ij, mn = ",".join(inner), ",".join(("m", "n")[:x.shape.rank])
    closed = _text(g) if g.op is VAR else f"({_text(g)})"
    text = (f"∂f/∂{xs}[{mn}] = Σ_{ij} ∂f/∂{u}[{ij}]*∂{u}[{ij}]/∂{xs}[{mn}] = {closed}[{mn}]")
    ut, xt = latex_name(u), latex_name(xs)
    sub_ij, sub_mn = "".join(inner), "".join(("m", "n")[:x.shape.rank])
    tex_g = to_latex(g) if g.op is VAR else rf"\left({to_latex(g)}\right)"
    latex = (rf"\frac{{\partial f}}{{\partial {xt}_{{{sub_mn}}}}} = \sum_{{{ij}}} "
             rf"\frac{{\partial f}}{{\partial {ut}_{{{sub_ij}}}}} \frac{{\partial {ut}_{{{sub_ij}}}}}"
             rf"{{\partial {xt}_{{{sub_mn}}}}} = {tex_g}_{{{sub_mn}}}")
    shape = "x".join(str(d) for d in cut.shape.dims)
    remark = f"∂f/∂{u} ({shape}) and ∂{u}/∂{xs} ({shape}x{'x'.join(str(d) for d in x.shape.dims)})"
    return Link((Shown(text, latex),), "the index-wise chain rule", remark)


