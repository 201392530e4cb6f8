"""Expression nodes: immutable, hashable, each knowing its shape.

One node type, ``Node(op, args, attr, shape)``: ``op`` is an ``Op`` object (an
op is compared by identity, never by a string), ``args`` the child nodes,
``attr`` a hashable parameter (a variable's name, a constant's value, an
exponent…). Equal trees are equal values; the hash is computed once.
"""
from __future__ import annotations

import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterator, Protocol, Sequence

from .dims import SCALAR, Dim, Shape, Unifier
from .errors import ShapeError, TimeLimitError

if TYPE_CHECKING:
    import numpy as np

    from .indexing import IndexRule
    from .intexpr import IntExpr

#: ``shape(arg_shapes, attr, unifier) -> Shape``; raises ShapeError.
ShapeRule = Callable[[Sequence[Shape], Any, Unifier], Shape]
#: ``jvp(node, arg_tangents) -> tangent`` (a tangent that is zero is ``zero(shape)``, folded away).
JvpRule = Callable[["Node", Sequence["Node"]], "Node"]
#: ``vjp(node, i, cotangent) -> cotangent of args[i]`` for an op linear in args[i].
VjpRule = Callable[["Node", int, "Node"], "Node"]


class Context(Protocol):
    """What a lowering reads of the evaluation it is part of (``evaluate.EvalContext``)."""

    #: The values of the integer symbols (``k`` of ``X^k``, a sigma's index).
    ints: dict[str, int]

    def dims(self, shape: Shape) -> tuple[int, ...]:
        """The sizes of ``shape`` at this evaluation."""

    def leaf(self, node: "Node") -> "np.ndarray":
        """The value bound to a variable or a direction."""

    def with_int(self, name: str, value: int) -> "Context":
        """The same evaluation with one more integer symbol bound."""

    def spend(self, terms: int) -> None:
        """Count terms of a sum against the evaluation's budget."""


#: ``lower(node, arg_values, ctx) -> ndarray``; values carry leading batch axes.
Lowering = Callable[["Node", Sequence["np.ndarray"], Context], "np.ndarray"]
#: ``kron(node, arg_kron_matrices) -> K`` (see ``Op.kron``).
KronRule = Callable[["Node", Sequence["Node"]], "Node"]
#: ``syntax(node, printed_args) -> (text, precedence)``, printed_args as (text, precedence).
Syntax = Callable[["Node", Sequence[tuple[str, int]]], tuple[str, int]]
#: Prints a dimension in generated source (``X.shape[0]``, ``3``).
Sizes = Callable[[Dim], str]
#: Source in NumPy, JAX and PyTorch: ``"{xp}.trace({0})"`` (see ``ops/source.py``), or
#: ``template(node, argument_names, sizes) -> str`` with the backend's names to fill in.
Template = str | Callable[["Node", Sequence[str], Sizes], str]

#: How an op's cost is estimated when generated code is optimized: free (a view or a
#: leaf), elementwise (memory bound, per entry), matmul (multiply-adds of the product),
#: cubic (a factorization of its first argument: inv, det, expm…).
COSTS = ("free", "elementwise", "matmul", "cubic")


@dataclass(frozen=True)
class Absent:
    """A fact an op lacks on purpose, and why (the meta-test accepts it; a missing fact
    without a reason fails it)."""

    why: str


#: The kinds of a call's arguments, one letter each in a ``Surface`` form: an expression,
#: a size (``3``, ``n``, ``rows(X)``), a dimension (1: per column, 2: per row), an
#: integer expression (``k - 1``), an index name bound over the rest of the call.
ARGUMENT_KINDS = {"v": "expression", "s": "size", "d": "dimension", "i": "integer", "j": "index"}


@dataclass(frozen=True)
class Call:
    """The arguments of one call, each read as its kind in the surface's form says."""

    values: tuple["Node", ...] = ()
    sizes: tuple[Dim, ...] = ()
    dims: tuple[int, ...] = ()
    integers: tuple["IntExpr", ...] = ()
    index: str | None = None
    unifier: Unifier = field(default_factory=Unifier)


@dataclass(frozen=True)
class Surface:
    """How the input language spells a call of an op: ``name(arguments…)``.

    ``forms`` are the argument lists it takes, each a string of ``ARGUMENT_KINDS``
    letters (``"v"``: one expression; ``("vd",)``: ``sum(X, d)``; ``("", "s")``: ``eye``
    and ``eye(n)``; an empty form is also the bare name). The node is
    ``apply(op, call.values, attr(call))``, or ``build(call)`` where the call makes
    something else (a scalar's ``sum`` is itself; ``vector(c)`` takes its size from
    the context). ``shown`` is how the function reference writes it; ``doc``, ``rule`` and
    ``domain``, where given, its line there."""

    name: str
    forms: tuple[str, ...]
    attr: Callable[[Call], Any] | None = None
    build: Callable[[Call], "Node"] | None = None
    shown: str = ""
    #: Where one op has calls of different meanings (``expm`` and ``dexpm`` of the matrix
    #: functions), each call's own line in the reference: meaning, derivative, domain.
    doc: str = ""
    rule: str = ""
    domain: str = ""

    def __post_init__(self) -> None:
        if any(set(form) - set(ARGUMENT_KINDS) or form.count("j") > 1 for form in self.forms):
            raise AssertionError(f"{self.name}: a form is a string of {''.join(ARGUMENT_KINDS)}")
        if len({len(form) for form in self.forms}) != len(self.forms):
            raise AssertionError(f"{self.name}: its forms must differ in length")

    def form(self, count: int) -> str | None:
        """The form of a call with ``count`` arguments (None: it takes no such call)."""
        return next((f for f in self.forms if len(f) == count), None)


def surfaces(op: "Op") -> tuple[Surface, ...]:
    """The calls that spell ``op`` (none for an operator or an internal op)."""
    s = op.surface
    return s if isinstance(s, tuple) else (s,) if isinstance(s, Surface) else ()


@dataclass(frozen=True)
class Binder:
    """The facts of an op that binds an integer index over its body (``sigma(j, lo, hi,
    body)`` = Σ_{j=lo}^{hi} body), read by every walker instead of a test of which op it
    is: a walk does not enter the body (``Node.scope``), whose value depends on the index.

    A binder is linear in its body, so reverse mode and the Kronecker form go inside it
    and wrap the result again (``rebuild``)."""

    #: ``evaluate(node, ctx, run) -> ndarray``: ``run(body, ctx_with_index)`` per index value.
    evaluate: Callable[["Node", Any, Callable[..., Any]], Any]
    #: ``rebuild(node, body) -> Node``: the same binding over another body.
    rebuild: Callable[["Node", "Node"], "Node"]
    #: ``loop(node, body_source, zeros_source) -> str``: the generated code (a Python sum
    #: over the index, starting from the zeros of the node's shape).
    loop: Callable[["Node", str, str], str]


@dataclass(frozen=True, eq=False)
class Op:
    """Everything about one operation, declared once, side by side."""

    name: str
    shape: ShapeRule
    jvp: JvpRule | None
    vjp: VjpRule | None
    lower: Lowering
    syntax: Syntax
    doc: str = field(default="")
    #: LaTeX printing; None prints ``\operatorname{name}(args)``.
    latex: Syntax | None = field(default=None)
    #: Index (Einstein) form of an entry; None keeps the node whole, as a named tensor.
    index: IndexRule | None = field(default=None)
    #: For an op linear in a direction dX: K with vec(node) = K vec(dX), given the
    #: arguments' K (None where an argument has no dX); None when no such form is known.
    kron: KronRule | None = field(default=None)
    #: Where the op is defined, in words (the function reference prints it).
    domain: str = field(default="all real inputs")
    #: Elementwise binary ops (+, .*, ./) expand a scalar or vector operand implicitly.
    elementwise: bool = field(default=False)
    #: An expansion (a fill, a vector repeated along a matrix): beside a full-shaped
    #: operand of an elementwise op it prints as its argument, as MATLAB writes it.
    implicit: bool = field(default=False)
    #: A scalar multiple (-u, s*u, u/s): of an expansion, it prints as the multiple of
    #: what is expanded (``X - 2*b``).
    scalar_multiple: bool = field(default=False)
    #: Its source in NumPy, JAX and PyTorch (one template over the backends' names).
    source: Template | Absent | None = field(default=None)
    #: How the language calls it (the parser and the reference read it): one Surface or
    #: several (``rows``, ``cols``, ``len``); operators are Absent with their spelling.
    surface: Surface | tuple[Surface, ...] | Absent | None = field(default=None)
    #: Its cost kind (one of COSTS), for the optimizer of generated code.
    cost: str = field(default="elementwise")
    #: The input domain the tests sample its arguments from (``tests/numeric.sample``):
    #: "real", "positive", "nonsingular", "spd", "away0" (no entry near 0), "small" (|u| < 1).
    sample: str = field(default="real")
    #: It acts entry by entry (a derivation reads a run of such ops as one elementwise
    #: function, named only where the run ends).
    pointwise: bool = field(default=False)
    #: The sign of every entry of its value at every input: 1 positive, 0 nonnegative,
    #: None not known (``simplify.facts`` reads it: abs(exp(x)) = exp(x)).
    sign: int | None = field(default=None)
    #: The Frobenius rearrangement that moves it off a direction in G:op(…): one identity
    #: for every argument, or one per argument (``A:B*C = A*C':B``, ``A:B*C = B'*A:C``).
    frobenius: tuple[str, ...] = field(default=())
    #: For an op that binds an integer index over its body (sigma), how it is evaluated,
    #: transposed and generated; None for every other op.
    binder: Binder | None = field(default=None)
    #: The facts left None on purpose, with the reason: ``(("kron", "…"),)``.
    lacks: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.cost not in COSTS:
            raise AssertionError(f"{self.name}: cost must be one of {COSTS}")
        OPS.append(self)

    def __repr__(self) -> str:
        return self.name


#: Every op declared, in the order of declaration (the meta-test and the reference
#: iterate it).
OPS: list[Op] = []


def declared(name: str) -> Op:
    """The op of that name, for a rule of an earlier module that builds an op declared in
    a later one (arithmetic's Kronecker rules build vec, kron and diag of linalg) without
    an import cycle."""
    for op in OPS:
        if op.name == name:
            return op
    raise AssertionError(f"no op named {name!r} is declared")


class Node:
    """An immutable expression node; structural equality, cached hash."""

    __slots__ = ("op", "args", "attr", "shape", "_hash")

    _hash: int
    op: Op
    args: tuple[Node, ...]
    attr: Any
    shape: Shape

    def __init__(self, op: Op, args: tuple[Node, ...], attr: Any, shape: Shape) -> None:
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "attr", attr)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "_hash", hash((id(op), args, attr, shape)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Node is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Node) or self._hash != other._hash:
            return False
        return (self.op is other.op and self.attr == other.attr
                and self.shape == other.shape and self.args == other.args)

    def __str__(self) -> str:
        """The node in the input language (it parses back)."""
        printer = PRINTERS.get("text")
        return printer(self) if printer is not None else f"<{self.op.name}>"

    def __repr__(self) -> str:
        return f"Node({str(self)!r})"

    def walk(self, into: Callable[[Node], bool] | None = None) -> Iterator[Node]:
        """Every distinct node of the DAG, children before parents (iterative); where
        ``into(node)`` is false the node's arguments are not visited."""
        seen: set[Node] = set()
        stack: list[tuple[Node, bool]] = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                check_time()
                yield node
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            if into is None or into(node):
                stack.extend((a, False) for a in reversed(node.args) if a not in seen)

    def scope(self) -> Iterator[Node]:
        """``walk`` that does not enter a binder's body (``Op.binder``): the nodes whose
        value is one array here, a sigma's body being one array per index value."""
        return self.walk(into=lambda n: n.op.binder is None)

    def variables(self) -> dict[str, Shape]:
        """The free variables and their shapes."""
        return {n.attr: n.shape for n in self.walk() if n.op is VAR}


#: How nodes print ("text": the input language, "latex"): the renderer, a later stage,
#: registers itself here, so that no earlier stage imports it.
PRINTERS: dict[str, Callable[..., str]] = {}


def to_text(node: Node, **options: Any) -> str:
    """``node`` in the input language, by the registered renderer (``render/text.py``:
    ``share``, ``sized``, ``names``)."""
    return PRINTERS["text"](node, **options)


def to_latex(node: Node, **options: Any) -> str:
    """``node`` in LaTeX, by the registered renderer (``share``, ``names``)."""
    return PRINTERS["latex"](node, **options)


#: A monotonic-clock deadline for the work of the current request (None: no limit).
DEADLINE: ContextVar[float | None] = ContextVar("matdiff_deadline", default=None)


def check_time() -> None:
    """Stop work past the current deadline (set by a server around each request)."""
    deadline = DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TimeLimitError("the computation ran out of its time budget")


def dependents(root: Node, x: Node) -> set[Node]:
    """The nodes of ``root`` whose value depends on ``x`` (``x`` included, if it occurs)."""
    out: set[Node] = set()
    for node in root.walk():
        if node == x or any(a in out for a in node.args):
            out.add(node)
    return out


def apply(op: Op, args: Sequence[Node], attr: Hashable = None, unifier: Unifier | None = None) -> Node:
    """Build ``op(args)``, its shape given by the op's shape rule."""
    check_time()
    shape = op.shape([a.shape for a in args], attr, unifier or Unifier())
    if shape.structure is not None:  # only a declared variable carries its structure
        shape = Shape(shape.dims, shape.row)
    return Node(op, tuple(args), attr, shape)


def _leaf_shape(shapes: Sequence[Shape], attr: Any, u: Unifier) -> Shape:
    raise AssertionError("leaves are built directly")


def _no_lower(node: Node, vals: Sequence[Any], ctx: Context) -> Any:
    return ctx.leaf(node)


def _name_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    return str(node.attr), ATOM


def _hole_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    name, k = node.attr
    return f"d{name}" + (str(k) if k > 1 else ""), ATOM


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _const_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    v = float(node.attr)
    return format_number(v), (ATOM if v >= 0 else NEG)


# Precedence levels of printed text, loosest first. NEG is a product that starts
# with a minus sign; MUL a ``*`` chain, which is associative.
SUM, NEG, PROD, MUL, POWER, POSTFIX, ATOM = 10, 15, 20, 21, 40, 50, 60

def latex_name(name: str) -> str:
    r"""x, U1 → U_{1}, G_X → G_{X}, alpha → \mathit{alpha}, ∂f/∂X → \frac{\partial f}{\partial X}."""
    partial = re.fullmatch(r"∂(\w+)/∂(\w+)", name)
    if partial:
        return rf"\frac{{\partial {latex_name(partial.group(1))}}}{{\partial {latex_name(partial.group(2))}}}"
    m = re.fullmatch(r"([A-Za-z])_?([A-Za-z0-9]+)", name)
    if len(name) == 1:
        return name
    if m and (m.group(2).isdigit() or "_" in name):
        return f"{m.group(1)}_{{{m.group(2)}}}"
    return r"\mathit{" + name.replace("_", r"\_") + "}"


def _name_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    return latex_name(str(node.attr)), ATOM


def _hole_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    name, k = node.attr
    return r"\mathrm{d}" + (f"_{{{k}}}" if k > 1 else "") + latex_name(name), ATOM


_LEAF = Absent("a leaf is spelled by its name or value")
VAR = Op("var", _leaf_shape, None, None, _no_lower, _name_syntax, "a named input",
         latex=_name_latex, source=Absent("a parameter of the generated function"), surface=_LEAF,
         cost="free")
HOLE = Op("hole", _leaf_shape, None, None, _no_lower, _hole_syntax,
          "the direction dX of a differential (order k for the k-th)", latex=_hole_latex,
          source=Absent("a direction parameter of the generated function"), surface=_LEAF, cost="free")
CONST = Op("const", _leaf_shape, None, None, _no_lower, _const_syntax, "a scalar number",
           latex=_const_syntax, source=Absent("written as a number"), surface=_LEAF, cost="free")


def var(name: str, shape: Shape) -> Node:
    return Node(VAR, (), name, shape)


def hole(name: str, shape: Shape, k: int = 1) -> Node:
    return Node(HOLE, (), (name, k), shape)


def const(value: float) -> Node:
    return Node(CONST, (), float(value), SCALAR)


def const_value(node: Node | None) -> float | None:
    """The number a scalar constant node stands for, else None."""
    if node is not None and node.op is CONST:
        return float(node.attr)
    return None


def square(shape: Shape, what: str, u: Unifier) -> Dim:
    """Check that ``shape`` is a square matrix; the common size."""
    if not shape.is_matrix:
        raise ShapeError(f"{what} expects a square matrix, got a {shape}")
    try:
        return u.unify(shape.dims[0], shape.dims[1])
    except ShapeError:
        raise ShapeError(f"{what} expects a square matrix, got a {shape}") from None
