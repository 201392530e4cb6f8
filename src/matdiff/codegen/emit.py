"""Source code for a set of expressions: one function, each shared subexpression
computed once into a named temporary, the inputs' shapes checked, the math in
the docstring. ``sigma`` sums become Python generator sums over their index."""
from __future__ import annotations

import keyword
import math
import re
from collections import Counter
from typing import Callable, Sequence

from ..dims import Dim, Shape
from ..errors import MatdiffError
from ..evaluate import EvalContext, run
from ..expr import CONST, HOLE, VAR, Node, format_number
from ..ops import series as se
from .backends import Backend


def _size_sources(inputs: Sequence[tuple[str, Shape]]) -> dict[str, str]:
    """Each dimension symbol as source: the first input axis that has it."""
    out: dict[str, str] = {}
    for name, shape in inputs:
        for axis, d in enumerate(shape.dims):
            if d.is_symbol and d.syms[0] not in out:
                out[d.syms[0]] = f"{name}.shape[{axis}]"
    return out


#: Lines finishing a function from its outputs' names and the size printer (instead of
#: returning the outputs).
Tail = Callable[[list[str], Callable[[Dim], str]], list[str]]


#: Names the generated code itself uses, besides its modules: builtins and the tensor
#: code's ``out`` and ``s``.
INTERNAL = frozenset({"int", "range", "sum", "len", "getattr", "ValueError", "out", "s", "None",
                      "True", "False", "dtype_", "device_", "v", "next", "isinstance"})
_TEMPORARY = re.compile(r"t\d+")


def hygienic(params: Sequence[str], backend: Backend, name: str) -> dict[str, str]:
    """A local name for each parameter that would collide with a name the generated code
    uses (a module such as ``np``, a temporary ``t1``, ``out``…): ``np`` → ``np_``."""
    reserved = backend.modules | INTERNAL | {name}
    taken = set(params) | reserved
    out: dict[str, str] = {}
    for p in params:
        local = p
        while local in reserved or _TEMPORARY.fullmatch(local) or (local != p and local in taken):
            local += "_"
        taken.add(local)
        out[p] = local
    return out


def emit(outputs: Sequence[Node], inputs: Sequence[tuple[str, Shape]], integers: Sequence[str],
         backend: Backend, name: str, doc: str, tail: Tail | None = None,
         holes: dict[str, str] | None = None) -> str:
    """``def name(inputs…, integers…): … return outputs`` as source text. ``holes`` names
    the parameter of each direction (``dx`` by default). A parameter whose name the code
    needs for itself (``np``, ``t1``…) is renamed inside an implementation function that
    the public one, with the user's names, calls."""
    for n, _ in inputs:
        if not n.isidentifier() or keyword.iskeyword(n):
            raise MatdiffError(f"{n!r} cannot be a parameter name")
    params = [n for n, _ in inputs] + list(integers)
    local = hygienic(params, backend, name)
    public, name = name, name if all(k == v for k, v in local.items()) else "_" + name
    while name in params:
        name = "_" + name
    inputs = [(local[n], shape) for n, shape in inputs]
    #: The source of each leaf: a variable by its name, a direction by its text ("dx").
    leaves = {**{("var", n): local[n] for n in params},
              **{("hole", h): local.get(p, p) for h, p in (holes or {}).items()}}
    sources = _size_sources(inputs)

    def size(d: Dim) -> str:
        parts = [str(d.coef)] if d.coef != 1 or not d.syms else []
        for s in d.syms:
            if s not in sources:
                raise MatdiffError(f"the size {s} is not fixed by any input")
            parts.append(sources[s])
        return " * ".join(parts)

    lines = [] if name == public else [
        f"def {public}({', '.join(params)}):", f'    """{doc}"""',
        f"    return {name}({', '.join(params)})", "", ""]
    lines += [f"def {name}({', '.join(local[p] for p in params)}):", f'    """{doc}"""']
    lines += _shape_checks(inputs, sources, {v: k for k, v in local.items()})
    body = len(lines)
    order: list[Node] = []
    seen: set[Node] = set()
    for out in outputs:
        for node in out.scope():
            if node not in seen:
                seen.add(node)
                order.append(node)
    uses = Counter(a for n in order for a in n.args)
    text: dict[Node, str] = {}
    count = 0
    for node in order:
        expr = _expression(node, text, backend, size, leaves)
        if node.op in (VAR, HOLE, CONST) or (uses[node] <= 1 and node not in outputs and len(expr) < 60):
            text[node] = expr if node.op in (VAR, HOLE, CONST) else _grouped(expr)
            continue
        count += 1
        lines.append(f"    t{count} = {expr}")
        text[node] = f"t{count}"
    if tail is not None:
        lines += tail([text[o] for o in outputs], size)
    else:
        lines.append(f"    return {', '.join(_array(o, text[o], backend) for o in outputs)}")
    if any("dtype_" in line for line in lines[body:]):
        lines[body:body] = backend.prologue([n for n, _ in inputs])
    return "\n".join(lines) + "\n"


def _grouped(expr: str) -> str:
    """``expr`` parenthesized, unless it is a name or already one parenthesized group."""
    if expr.isidentifier():
        return expr
    depth = 0
    for i, ch in enumerate(expr):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and (ch != ")" or i < len(expr) - 1):
            return f"({expr})"
    return expr


def _array(node: Node, text: str, backend: Backend) -> str:
    """An output that is a number (``2``) returned as an array of the inputs' type and
    device, as every other output is, never as a Python number."""
    if node.op is CONST or _folded(node) is not None:
        return f"{backend.names['xp']}.asarray({text}, {backend.names['like']})"
    return text


def _expression(node: Node, text: dict[Node, str], backend: Backend, size: object,
                leaves: dict[tuple[str, str], str]) -> str:
    if node.op is VAR:
        return leaves.get(("var", str(node.attr)), str(node.attr))
    if node.op is HOLE:
        name, k = node.attr
        hole = f"d{name}" + (str(k) if k > 1 else "")
        return leaves.get(("hole", hole), hole)
    if node.op is CONST:
        return format_number(node.attr)
    number = _folded(node)
    if number is not None:
        return number
    if node.op.binder is not None:
        inner: dict[Node, str] = {}
        for n in node.args[0].scope():
            inner[n] = text.get(n) or f"({_expression(n, inner, backend, size, leaves)})"
        dims = [size(d) for d in node.shape.dims]  # type: ignore[operator]
        zeros = f"{backend.names['xp']}.zeros(({', '.join(dims)}{',' if len(dims) == 1 else ''}), " \
                f"{backend.names['like']})"
        return node.op.binder.loop(node, inner[node.args[0]], zeros)
    return backend.render(node, [text[a] for a in node.args], size)  # type: ignore[arg-type]


def _shape_checks(inputs: Sequence[tuple[str, Shape]], sources: dict[str, str],
                  label: dict[str, str]) -> list[str]:
    """Checks of the inputs' shapes; messages name them as the user did (``label``)."""
    lines = []
    for name, shape in inputs:
        user = label.get(name, name)
        if shape.rank == 0:
            lines.append(f"    if getattr({name}, 'shape', ()) != ():")
            lines.append(f"        raise ValueError(\"{user} must be a scalar\")")
            continue
        lines.append(f"    if len({name}.shape) != {shape.rank}:")
        lines.append(f"        raise ValueError(\"{user} must have {shape.rank} axes\")")
        for axis, d in enumerate(shape.dims):
            here = f"{name}.shape[{axis}]"
            if d.is_const:
                lines.append(f"    if {here} != {d.coef}:")
                lines.append(f"        raise ValueError(\"{user}.shape[{axis}] must be {d.coef}\")")
            elif d.is_symbol and sources[d.syms[0]] != here:
                lines.append(f"    if {here} != {sources[d.syms[0]]}:")
                lines.append(f"        raise ValueError(\"{here} must equal {sources[d.syms[0]]} ({d})\")")
    return lines


def _folded(node: Node) -> str | None:
    """A scalar function of numbers only (``exp(1)``, ``2^3``, ``exp(exp(1)/4)``) as the number it is, so that
    no library is called on a plain Python number (``torch.exp(1)`` is a TypeError)."""
    if not node.shape.is_scalar or not node.args or se.free_integers(node) \
            or any(n.op is not CONST and not n.args for n in node.walk()):
        return None
    try:
        value = float(run(node, EvalContext({}, {})))
    except MatdiffError:
        return None
    return format_number(value) if math.isfinite(value) else None
