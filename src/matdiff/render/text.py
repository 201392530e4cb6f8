"""Print an expression: as text in the input language (so that it parses back), or
as LaTeX.

A subexpression used more than once is printed once and named:
``(vector(1) - T1.^2).*(2*T1) where T1 = tanh(A*x + b)``; the language reads
the same ``where`` bindings back.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Mapping

from ..dims import Shape, Unifier
from ..errors import ShapeError
from ..expr import ATOM, CONST, HOLE, PRINTERS, VAR, Node, Op, Syntax, apply
from ..ops.arithmetic import EYE, FILL, TRANSPOSE, sized_text
from ..ops.notation import tex_call


#: Shared subexpressions printed in at most this many characters are not named.
SHORT = 10


def _trivial(node: Node) -> bool:
    """Leaves, their transposes and constant fills read as fast as a name."""
    if node.op in (VAR, HOLE, CONST, EYE):
        return True
    if node.op is TRANSPOSE or node.op.implicit:
        return _trivial(node.args[0])
    return False


#: The tokens a reader reads: names, numbers, operators and transposes (parentheses,
#: commas and spaces aside).
TOKEN = re.compile(r"\.\*|\./|\.\^|[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:[eE][-+]?\d+)?|[-+*/^'=]")


def _saves(text: str, uses: int) -> bool:
    """Whether naming text read ``uses`` times is shorter: each use costs one token
    instead of text's, and ``T = text`` costs two more than text."""
    return (uses - 1) * len(TOKEN.findall(text)) > uses + 2


def _bare(node: Node, printed: dict[Node, tuple[str, int]],
          bare: dict[Node, tuple[str, int]], syntax: Syntax) -> None:
    """Record how an expansion (or a scalar multiple of one) prints where it is
    implicit: as what it expands."""
    if node.op.implicit:
        bare[node] = printed[node.args[0]]
    elif node.op.scalar_multiple and any(a in bare for a in node.args):
        bare[node] = syntax(node, [bare.get(a, printed[a]) for a in node.args])


def _arguments(node: Node, printed: dict[Node, tuple[str, int]],
               bare: dict[Node, tuple[str, int]]) -> list[tuple[str, int]]:
    """The printed arguments: beside a full-shaped operand of an elementwise op, an
    expansion prints as what it expands (``X + 1``, ``W*X + b``, ``X - m'``)."""
    if node.op.elementwise and any(a not in bare and a.shape == node.shape for a in node.args):
        return [bare[a] if a in bare else printed[a] for a in node.args]
    return [printed[a] for a in node.args]


def _where(out: str, bindings: list[tuple[str, str]]) -> str:
    return f"{out} where " + ", ".join(f"{name} = {text}" for name, text in bindings)


def render(root: Node, pick: Callable[[Node], Syntax], share: bool = True,
           name: Callable[[int], str] = lambda k: f"T{k}",
           where: Callable[[str, list[tuple[str, str]]], str] = _where,
           names: Mapping[str, Node] | None = None) -> str:
    """Print bottom-up with each node's syntax from ``pick``; name the shared
    subexpressions that ``shared`` picks (the same ones, with the same numbers, in every
    notation), and every occurrence of a value the user named (``names``: ``where Z = …``)."""
    return _render(root, pick, shared(root, names) if share else set(), name, where, names)[0]


def shared(root: Node, names: Mapping[str, Node] | None = None) -> set[Node]:
    """The subexpressions worth a name: used more than once, not trivial, longer than
    SHORT characters in the input language, and shorter named than spelled out each time
    (a binding costs what it spells)."""
    return _render(root, lambda n: n.op.syntax, None, lambda k: f"T{k}", _where, names)[1]


def _render(root: Node, pick: Callable[[Node], Syntax], chosen: set[Node] | None,
            name: Callable[[int], str], where: Callable[[str, list[tuple[str, str]]], str],
            names: Mapping[str, Node] | None) -> tuple[str, set[Node]]:
    """Print ``root``, naming the nodes in ``chosen`` (None: choose by length, as
    ``shared`` does); returns the text and the nodes named."""
    order = list(root.walk())
    parents: Counter[Node] = Counter(a for n in order for a in n.args)
    own = {v: k for k, v in (names or {}).items() if not _trivial(v)}
    taken = {n.attr for n in order if n.op is VAR} | set(names or {})
    bindings: list[tuple[str, str]] = []
    printed: dict[Node, tuple[str, int]] = {}
    bare: dict[Node, tuple[str, int]] = {}
    named = chosen if chosen is not None else set()
    k = 0
    for node in order:
        syntax = pick(node)
        text = syntax(node, _arguments(node, printed, bare))
        _bare(node, printed, bare, syntax)
        if node in own and node is not root:
            bindings.append((own[node], text[0]))
            printed[node] = (own[node], ATOM)
            continue
        if node in named if chosen is not None else (
                node is not root and parents[node] > 1 and not _trivial(node)
                and not node.op.implicit and len(text[0]) > SHORT
                and _saves(text[0], parents[node])):
            k += 1
            while name(k) in taken or f"T{k}" in taken:
                k += 1
            bindings.append((name(k), text[0]))
            text = (name(k), ATOM)
            if chosen is None:
                named.add(node)
        printed[node] = text
    out = printed[root][0]
    return (where(out, bindings) if bindings else out), named


def unfixed(root: Node) -> set[Node]:
    """The fills and identities whose size the rest of ``root`` does not fix.

    Read back without its size, ``vector(c)`` takes the size of what it meets
    (``x + vector(1)``, ``eye*A``); where nothing fixes it (``sum(vector(a, 3))``) the
    size must be printed. Found as the parser finds it: every such node gets fresh
    sizes, the shape rules unify them, and those left free are the answer."""
    u = Unifier()
    fresh: dict[Node, Shape] = {}
    new: dict[Node, Node] = {}
    for n in root.walk():
        if n.op in (FILL, EYE) and not n.shape.is_scalar:
            dims = (u.fresh(),) * 2 if n.op is EYE else tuple(u.fresh() for _ in n.shape.dims)
            shape = Shape(dims, n.shape.row)
            fresh[n] = shape
            new[n] = Node(n.op, tuple(new[a] for a in n.args), shape, shape)
        elif not n.args:
            new[n] = n
        else:
            try:
                new[n] = apply(n.op, tuple(new[a] for a in n.args), n.attr, u)
            except ShapeError:
                return set(fresh) | {m for m in root.walk() if m.op in (FILL, EYE)}
    return {n for n, shape in fresh.items()
            if any("#" in sym for d in u.resolve_shape(shape).dims for sym in d.syms)}


def to_text(root: Node, share: bool = True, sized: bool | None = None,
            names: Mapping[str, Node] | None = None) -> str:
    """The expression as text, with the fewest parentheses the grammar allows.

    ``sized`` prints every constant fill and identity with its size
    (``matrix(1, m, n)``); by default only those whose size nothing else fixes
    (``unfixed``), so that the text parses back to the same shapes.
    """
    size = set() if sized is False or not any(n.op in (FILL, EYE) for n in root.walk()) \
        else None if sized else unfixed(root)

    def pick(node: Node) -> Syntax:
        if node.op in (FILL, EYE) and not node.shape.is_scalar and (size is None or node in size):
            return sized_text
        return node.op.syntax
    return render(root, pick, share, names=names)


def _latex_of(op: Op) -> Syntax:
    return op.latex or tex_call(rf"\operatorname{{{op.name}}}")


def to_latex(root: Node, share: bool = True, names: Mapping[str, Node] | None = None) -> str:
    r"""The expression as LaTeX (``X^{\top}``, ``\odot``, ``\operatorname{tr}``…), with the
    names the text form gives (``T1`` there is ``T_{1}`` here)."""
    return render(root, lambda n: _latex_of(n.op), share, name=lambda k: f"T_{{{k}}}",
                  where=lambda out, b: out + r",\quad\text{where }" +
                  r",\ ".join(f"{n} = {t}" for n, t in b), names=names)


PRINTERS["text"] = to_text
PRINTERS["latex"] = to_latex


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def describe_shape(out: Shape, wrt: Shape, order: int) -> str:
    """The layout S_out + S_in × order in words: ``(3×2)×(3×3), a 4th-order tensor``."""
    parts = ["×".join(str(d) for d in s.dims) for s in [out] + [wrt] * order if not s.is_scalar]
    rank = len(out.dims) + order * len(wrt.dims)
    kind = {0: "a scalar", 1: "a vector", 2: "a matrix"}.get(rank, f"a {_ordinal(rank)}-order tensor")
    if not parts:
        return kind
    return ("×".join(f"({p})" if "×" in p else p for p in parts) if len(parts) > 1 else parts[0]) + ", " + kind
