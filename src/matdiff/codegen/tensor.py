"""Derivative tensors without a matrix form, written from their index form.

Each term ``c·δ[m,r]·V[i,s]·V[i,n]`` (summed over i) becomes one einsum over
its dense factors, added into the output through a *view*: a Kronecker delta
between two output axes is never an identity tensor multiplied in, it selects
the diagonal of those axes (``np.einsum('mnms->mns', out)`` is a writeable
view of the entries with r = m), so a term costs what its nonzero entries cost.
The same terms also make a ``StructuredTensor`` (runtime.py) that stores only
the factors: a 10¹⁰-entry Hessian held in kilobytes.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Sequence

from ..expr import HOLE, Node, format_number
from ..indexing import DELTA, TENSOR, Terms
from .backends import Backend

LETTERS = string.ascii_letters


@dataclass(frozen=True)
class TensorTerm:
    """``coef · Π factors[spec]`` on the output axes ``letters`` (equal letters: a δ)."""

    coef: float
    letters: str
    specs: tuple[str, ...]
    factors: tuple[Node, ...]

    @property
    def unique(self) -> str:
        """The distinct output letters, in order of first occurrence: the view's axes."""
        return "".join(dict.fromkeys(self.letters))

    @property
    def present(self) -> str:
        """The view's letters the factors carry (the others are broadcast)."""
        have = set("".join(self.specs))
        return "".join(c for c in self.unique if c in have)


def tensor_terms(terms: Terms, axes: Sequence[str]) -> list[TensorTerm] | None:
    """The index form as einsum terms; None when a factor is not a plain subexpression
    (an Iverson bracket, a Fréchet-derivative tensor…) or indices run out."""
    out: list[TensorTerm] = []
    for term in terms:
        parent = {a: a for a in axes}

        def find(a: str) -> str:
            while parent[a] != a:
                a = parent[a]
            return a
        dense = []
        for f in term.factors:
            if f.kind == DELTA:
                if not all(i in parent for i in f.indices):
                    return None
                parent[find(f.indices[1])] = find(f.indices[0])
            elif f.kind == TENSOR and f.node is not None and not any(n.op is HOLE for n in f.node.walk()):
                dense.append(f)
            else:
                return None
        names = [find(a) for a in axes] + sorted(term.summed)
        used = {i for f in dense for i in f.indices}
        if any(s not in used for s in term.summed) or len(set(names)) > len(LETTERS):
            return None
        letter: dict[str, str] = {}
        free = iter(c for c in LETTERS if c not in names)
        for name in names:
            if name not in letter:
                letter[name] = name if len(name) == 1 and name in LETTERS else next(free)
        for a in axes:
            letter[a] = letter[find(a)]
        out.append(TensorTerm(term.coef, "".join(letter[a] for a in axes),
                              tuple("".join(letter[i] for i in f.indices) for f in dense),
                              tuple(f.node for f in dense if f.node is not None)))
    return out


def _value(term: TensorTerm, args: Sequence[str], xp: str) -> str:
    """``c * einsum(specs -> present)``, broadcast to the view's axes by ``None``s."""
    scalars = [a for a, s in zip(args, term.specs) if not s]
    arrays = [(a, s) for a, s in zip(args, term.specs) if s]
    parts = [format_number(term.coef)] if term.coef not in (1.0, -1.0) else []
    parts += scalars
    letters = "".join(s for _, s in arrays)
    if arrays and len(set(letters)) == len(letters) and set(letters) <= set(term.unique):
        parts += [_broadcast(a, s, term.unique) for a, s in arrays]
    elif arrays:
        spec = ",".join(s for _, s in arrays) + "->" + term.present
        product = f"{xp}.einsum('{spec}', {', '.join(a for a, _ in arrays)}" + \
            (", optimize=True)" if len(arrays) > 1 and xp == "np" else ")")
        parts.append(_broadcast(product, term.present, term.unique))
    product = " * ".join(parts) or "1.0"
    return "-" + product if term.coef == -1.0 else product


def _broadcast(array: str, spec: str, unique: str) -> str:
    """``array`` (axes ``spec``, all on the view's letters, at most 2) laid on the view's
    axes: transposed into their order, ``None`` where it has none (an outer product
    is then a broadcast multiply, written in the output's order)."""
    if [unique.index(c) for c in spec] != sorted(unique.index(c) for c in spec):
        array, spec = f"{array}.T", spec[::-1]
    if spec == unique:
        return array
    return array + "[" + ", ".join(":" if c in spec else "None" for c in unique) + "]"


#: The most entries a generated dense derivative may have (256 MiB in float64); the
#: generated module states it as MAX_ENTRIES, for its reader to raise.
MAX_ENTRIES = 2 ** 25


def size_check(sizes: Sequence[str]) -> list[str]:
    """Lines refusing, with a clear message, a dense tensor larger than MAX_ENTRIES."""
    product = " * ".join(f"int({s})" for s in sizes) or "1"
    return [f"    entries_ = {product}",
            "    if entries_ > MAX_ENTRIES:",
            "        raise ValueError(f\"the derivative has {entries_:,} entries, more than MAX_ENTRIES = "
            "{MAX_ENTRIES:,}: compute it along directions (directional=True) or raise MAX_ENTRIES\")"]


def tensor_lines(terms: Sequence[TensorTerm], args: Sequence[Sequence[str]], sizes: Sequence[str],
                 backend: Backend) -> list[str]:
    """Source lines building ``out`` (of the given axis sizes) term by term, after a check
    that it is no larger than the module's MAX_ENTRIES (before anything is allocated)."""
    xp = backend.names["xp"]
    shape = "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"
    lines = size_check(sizes) + [f"    out = {xp}.zeros({shape}, {backend.names['like']})"]
    first = terms[0] if terms else None
    if first is not None and first.present == first.letters and \
            (first.coef != 1.0 or len(first.factors) > 1):
        value = _value(first, args[0], xp)  # as the backend's array, whatever the inputs are
        lines = size_check(sizes) + [f"    out = {value}" if xp == "np" else
                                     f"    out = {xp}.asarray({value}, {backend.names['like']})"]
        terms, args = terms[1:], args[1:]
    for term, a in zip(terms, args):
        value = _value(term, a, xp)
        size = {c: sizes[term.letters.index(c)] for c in term.unique}
        if len(term.unique) == len(term.letters):
            lines.append(f"    out = out + {value}" if xp == "jnp" else f"    out += {value}")
            continue
        lines.append(f"    # a δ ties axes {_tied(term.letters)}: only entries with equal indices there")
        if xp == "np":
            lines.append(f"    {xp}.einsum('{term.letters}->{term.unique}', out)[...] += {value}")
        elif xp == "torch":
            strides = ", ".join(" + ".join(f"s[{k}]" for k, c in enumerate(term.letters) if c == u)
                                for u in term.unique)
            lines.append("    s = out.stride()")
            lines.append(f"    out.as_strided(({', '.join(size[c] for c in term.unique)},), ({strides},))"
                         f".add_({value})")
        else:
            rank = len(term.unique)
            index = ", ".join(
                f"jnp.arange({size[c]}).reshape("
                + ", ".join("-1" if u == c else "1" for u in term.unique) + (",)" if rank == 1 else ")")
                for c in term.letters)
            lines.append(f"    out = out.at[{index}].add({value})")
    return lines


def _tied(letters: str) -> str:
    """``(0, 2)`` for letters "mnms": the axes a δ ties, group by group."""
    groups = [tuple(k for k, x in enumerate(letters) if x == c) for c in dict.fromkeys(letters)]
    return " and ".join(str(g) for g in groups if len(g) > 1)


def structured_lines(terms: Sequence[TensorTerm], args: Sequence[Sequence[str]],
                     sizes: Sequence[str]) -> list[str]:
    """Source lines returning a runtime.StructuredTensor (NumPy): factors, not entries."""
    shape = "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"
    lines = [f"    return runtime.StructuredTensor({shape}, ["]
    for term, a in zip(terms, args):
        specs = "".join(f"'{s}', " for s in term.specs)
        arrays = "".join(x + ", " for x in a)
        lines.append(f"        ({format_number(term.coef)}, '{term.letters}', ({specs}), ({arrays})),")
    lines.append("    ])")
    return lines

