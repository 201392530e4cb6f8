"""What a caller declares about variables: shapes (``{"X": (3, 4)}``, ``"3x4"``), structures
(``{"X": "spd"}``), and the type a name has by its first letter."""
from __future__ import annotations

import numbers
import re
from typing import Mapping, Sequence

from ..dims import SCALAR, Dim, Shape, Structure
from ..errors import MatdiffError, ShapeError

#: The largest size of one axis a shape may declare.
MAX_SIZE = 10**9
ShapeSpec = Mapping[str, Sequence[int | str]]
_SIZE_NAME = re.compile(r"[A-Za-z_]\w*(\(\w+\))?")


def shape_from_text(text: str) -> tuple[int | str, ...]:
    """'3x4' or '3×4' → (3, 4), 'n' → ('n',), 'mxn' → ('m', 'n'), 'scalar' or '' → ()."""
    text = text.strip()
    parts = [] if text in ("", "scalar") else [p.strip() for p in text.replace("×", "x").split("x")]
    for p in parts:
        if p.isdigit() and not (p.isascii() and len(p) <= 10 and 1 <= int(p) <= MAX_SIZE):
            raise ShapeError(f"the size {p[:20]!r} is not a whole number from 1 to {MAX_SIZE:,}")
        if len(parts) > 2 or not (p.isdigit() or _SIZE_NAME.fullmatch(p)):
            raise ShapeError(f"the shape {text[:40]!r} is not a shape: write 3x4, 3, n, mxn or scalar")
    return tuple(int(p) if p.isdigit() else p for p in parts)


def declared_shapes(shapes: ShapeSpec | None) -> dict[str, Shape]:
    """Validate a ``shapes`` mapping: each value a tuple of 0–2 sizes or names."""
    out: dict[str, Shape] = {}
    if shapes is None:
        return out
    if not isinstance(shapes, Mapping):
        raise MatdiffError("shapes must be a mapping from names to shape tuples")
    for name, spec in shapes.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise MatdiffError(f"invalid variable name in shapes: {name!r}")
        if isinstance(spec, (int, str)) or not isinstance(spec, Sequence) or len(spec) > 2:
            raise ShapeError(f"the shape of {name} must be a tuple of at most 2 sizes, got {spec!r}")
        dims = []
        for d in spec:
            if isinstance(d, bool) or not isinstance(d, (numbers.Integral, str)) or \
                    (isinstance(d, numbers.Integral) and not 1 <= d <= MAX_SIZE) or \
                    (isinstance(d, str) and not _SIZE_NAME.fullmatch(d)):
                raise ShapeError(f"the shape of {name} has an invalid size {d!r}")
            dims.append(Dim.of(d if isinstance(d, str) else int(d)))
        out[name] = Shape(tuple(dims))
    return out


def declared_structures(assume: Mapping[str, str] | None) -> dict[str, Structure]:
    """Validate an ``assume`` mapping: names to 'symmetric', 'spd' or 'diagonal'."""
    if assume is None:
        return {}
    if not isinstance(assume, Mapping):
        raise MatdiffError("assume must be a mapping such as {'X': 'symmetric'}")
    out = {}
    for name, what in assume.items():
        try:
            out[str(name)] = what if isinstance(what, Structure) else Structure(str(what).lower())
        except ValueError:
            raise MatdiffError(f"unknown assumption {what!r} for {name}; "
                               "use symmetric, spd or diagonal") from None
    return out


def shape_kind(name: str) -> str:
    """'scalar', 'vector' or 'matrix': the kind a name has by its first letter."""
    return {0: "scalar", 1: "vector", 2: "matrix"}[shape_by_letter(name).rank]


def shape_by_letter(name: str) -> Shape:
    """a–g scalars, h–z vectors, A–Z matrices (by the first letter)."""
    first = name[0]
    if first.isupper():
        return Shape((Dim.of(f"rows({name})"), Dim.of(f"cols({name})")))
    if first <= "g":
        return SCALAR
    return Shape((Dim.of(f"len({name})"),))
