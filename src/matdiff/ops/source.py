"""Source templates: how an op is written in NumPy, JAX and PyTorch source.

One template serves the three backends: ``"{xp}.trace({0})"`` takes the arguments'
names for ``{0}, {1}…`` and the backend's names for ``{xp}``, ``{linalg}``, ``{like}``
(dtype and device of the inputs)…; a callable template receives the node, the
arguments' names and a function printing sizes, for ops whose source depends on
shapes or attributes. Each op's declaration names its template (``Op.source``).
"""
from __future__ import annotations

from typing import Sequence

from ..expr import Node, Sizes, Template, format_number


def lift(node: Node, src: str) -> str:
    """A vector as a one-column (or one-row) matrix."""
    if node.shape.is_matrix:
        return src
    return f"{src}[None, :]" if node.shape.row else f"{src}[:, None]"


def matmul(n: Node, a: Sequence[str], size: Sizes) -> str:
    x, y = n.args
    if x.shape.is_col and y.shape.row:
        return f"{{xp}}.outer({a[0]}, {a[1]})"
    return f"{a[0]} @ {a[1]}"


def total(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.sum({a[0]})"


def fill(n: Node, a: Sequence[str], size: Sizes) -> str:
    dims = ", ".join(size(d) for d in n.shape.dims)
    return f"{a[0]} * {{xp}}.ones(({dims},), {{like}})"


def kron(n: Node, a: Sequence[str], size: Sizes) -> str:
    out = f"{{xp}}.kron({lift(n.args[0], a[0])}, {lift(n.args[1], a[1])})"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def kron_l(n: Node, a: Sequence[str], size: Sizes) -> str:
    x, c = n.args
    r = [size(d) for d in (x.shape.rows, n.shape.rows, x.shape.cols, n.shape.cols)]
    out = f"{{xp}}.einsum('ij,ikjl->kl', {lift(x, a[0])}, {a[1]}.reshape({', '.join(r)}))"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def kron_r(n: Node, a: Sequence[str], size: Sizes) -> str:
    c, y = n.args
    r = [size(d) for d in (n.shape.rows, y.shape.rows, n.shape.cols, y.shape.cols)]
    out = f"{{xp}}.einsum('ikjl,kl->ij', {a[0]}.reshape({', '.join(r)}), {lift(y, a[1])})"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def unvec(n: Node, a: Sequence[str], size: Sizes) -> str:
    out = f"{a[0]}.reshape({size(n.shape.cols)}, {size(n.shape.rows)}).T"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def powc(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]} ** {format_number(n.attr)}"


def elementwise(name: str) -> Template:
    return "{xp}." + name + "({0})"


def eye(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.eye({size(n.shape.dims[0])}, {{like}})"


def vec(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]}.T.reshape(-1)" if n.args[0].shape.is_matrix else a[0]


def transpose(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]}.T" if n.shape.is_matrix else a[0]


def scale(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]} * {a[1]}"


def commutation(n: Node, a: Sequence[str], size: Sizes) -> str:
    """K(m, n): K vec(X) = vec(X'), the rows of the identity permuted."""
    m, k = (size(d) for d in n.attr)
    return f"{{xp}}.eye({m} * {k}, {{like}})[{{xp}}.arange({m} * {k}).reshape({k}, {m}).T.reshape(-1)]"


def unit(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.eye({size(n.shape.dims[0])}, {{like}})[{{int}}({n.attr[0]})]"


def matfun(n: Node, a: Sequence[str], size: Sizes) -> str:
    name, k = n.attr
    if k == 0:
        return "{" + name + "}(" + a[0] + ")"
    return f"{{frechet}}({name!r}, {', '.join(a)})"


def expand(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.broadcast_to({lift(n.args[0], a[0])}, ({size(n.shape.rows)}, {size(n.shape.cols)}))"


def along(call: str) -> Template:
    """A reduction or softmax along MATLAB's dimension d: axis d - 1."""
    def template(n: Node, a: Sequence[str], size: Sizes) -> str:
        return f"{call}({a[0]}, {{axis}}={n.attr - 1})"
    return template


def mean(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.mean({a[0]})" if n.attr == 0 else f"{{xp}}.mean({a[0]}, {{axis}}={n.attr - 1})"


def count(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{size(n.args[0].shape.dims[n.attr])}"
