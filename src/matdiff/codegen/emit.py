"""Source code for a set of expressions: one function, each shared subexpression
computed once into a named temporary, the inputs' shapes checked, the math in
the docstring. ``sigma`` sums become Python generator sums over their index."""
from __future__ import annotations

import keyword
from collections import Counter
from typing import Callable, Sequence

from ..dims import Dim, Shape
from ..errors import MatdiffError
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


def emit(outputs: Sequence[Node], inputs: Sequence[tuple[str, Shape]], integers: Sequence[str],
         backend: Backend, name: str, doc: str, tail: Tail | None = None) -> str:
    """``def name(inputs…, integers…): … return outputs`` as source text."""
    for n, _ in inputs:
        if not n.isidentifier() or keyword.iskeyword(n):
            raise MatdiffError(f"{n!r} cannot be a parameter name")
    sources = _size_sources(inputs)

    def size(d: Dim) -> str:
        parts = [str(d.coef)] if d.coef != 1 or not d.syms else []
        for s in d.syms:
            if s not in sources:
                raise MatdiffError(f"the size {s} is not fixed by any input")
            parts.append(sources[s])
        return " * ".join(parts)

    params = [n for n, _ in inputs] + list(integers)
    lines = [f"def {name}({', '.join(params)}):", f'    """{doc}"""']
    lines += _shape_checks(inputs, sources)
    order: list[Node] = []
    seen: set[Node] = set()
    for out in outputs:
        for node in out.walk(into=lambda n: n.op is not se.SIGMA):
            if node not in seen:
                seen.add(node)
                order.append(node)
    uses = Counter(a for n in order for a in n.args)
    text: dict[Node, str] = {}
    count = 0
    for node in order:
        expr = _expression(node, text, backend, size)
        if node.op in (VAR, HOLE, CONST) or (uses[node] <= 1 and node not in outputs and len(expr) < 60):
            text[node] = expr if node.op in (VAR, HOLE, CONST) else f"({expr})"
            continue
        count += 1
        lines.append(f"    t{count} = {expr}")
        text[node] = f"t{count}"
    if tail is not None:
        lines += tail([text[o] for o in outputs], size)
    else:
        lines.append(f"    return {', '.join(text[o] for o in outputs)}")
    return "\n".join(lines) + "\n"


def _expression(node: Node, text: dict[Node, str], backend: Backend, size: object) -> str:
    if node.op is VAR:
        return str(node.attr)
    if node.op is HOLE:
        name, k = node.attr
        return f"d{name}" + (str(k) if k > 1 else "")
    if node.op is CONST:
        return format_number(node.attr)
    if node.op is se.SIGMA:
        j, lo, hi = node.attr
        inner: dict[Node, str] = {}
        for n in node.args[0].walk(into=lambda m: m.op is not se.SIGMA):
            inner[n] = text.get(n) or f"({_expression(n, inner, backend, size)})"
        return f"sum({inner[node.args[0]]} for {j} in range(int({lo}), int({hi}) + 1))"
    return backend.render(node, [text[a] for a in node.args], size)  # type: ignore[arg-type]


def _shape_checks(inputs: Sequence[tuple[str, Shape]], sources: dict[str, str]) -> list[str]:
    lines = []
    for name, shape in inputs:
        if shape.rank == 0:
            lines.append(f"    if getattr({name}, 'shape', ()) != ():")
            lines.append(f"        raise ValueError(\"{name} must be a scalar\")")
            continue
        lines.append(f"    if len({name}.shape) != {shape.rank}:")
        lines.append(f"        raise ValueError(\"{name} must have {shape.rank} axes\")")
        for axis, d in enumerate(shape.dims):
            here = f"{name}.shape[{axis}]"
            if d.is_const:
                lines.append(f"    if {here} != {d.coef}:")
                lines.append(f"        raise ValueError(\"{name}.shape[{axis}] must be {d.coef}\")")
            elif d.is_symbol and sources[d.syms[0]] != here:
                lines.append(f"    if {here} != {sources[d.syms[0]]}:")
                lines.append(f"        raise ValueError(\"{here} must equal {sources[d.syms[0]]} ({d})\")")
    return lines
