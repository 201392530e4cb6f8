"""Signs read from the structure of an expression: each op's declared sign (``Op.sign``:
exp, σ, softplus, softmax positive; abs, relu, sqrt, norms nonnegative), det(S) positive
for a variable declared spd, even powers and u'*u nonnegative; sums, products and
quotients keep the sign of their parts. The rules use them: abs(u) = u and relu(u) = u for a
nonnegative u, sign(u) = 1 for a positive u.

Termination: each rewrite removes an abs, relu or sign node.
"""
from __future__ import annotations

from functools import lru_cache

from ..dims import Structure
from ..expr import CONST, VAR, Node, const, const_value
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import linalg as la

_KEEPING = frozenset({ar.ADD, ar.HAD, ar.SCALE, ar.DIV, ar.EDIV, ar.FILL, ar.SUM, bt.SUM_DIM})


def _spd(n: Node) -> bool:
    return n.op is VAR and n.shape.structure is Structure.SPD


@lru_cache(maxsize=4096)
def sign_of(n: Node, depth: int = 0) -> int:
    """1 where every entry of n is positive for every value of its variables, 0 where
    they are nonnegative, -1 where nothing is known (a sufficient test)."""
    if depth > 20:
        return -1
    c = const_value(n) if n.op is CONST else None
    if c is not None:
        return 1 if c > 0 else 0 if c == 0 else -1
    if n.op.sign is not None:
        return n.op.sign
    if n.op is la.DET and _spd(n.args[0]):
        return 1
    if n.op is ew.POWC and float(n.attr) % 2 == 0:
        return 0
    if n.op is ew.POWC:
        return sign_of(n.args[0], depth + 1)
    if n.op is ar.MATMUL and n.shape.is_scalar:
        f = ar.chain_factors(n)
        mirrored = len(f) in (2, 3) and f[0] == ar.transpose(f[-1])
        return 0 if mirrored and (len(f) == 2 or _spd(f[1])) else -1
    if n.op in _KEEPING:
        signs = [sign_of(a, depth + 1) for a in n.args]
        if n.op in (ar.DIV, ar.EDIV) and signs[1] != 1:
            return -1
        return min(signs)
    return -1


def signs(n: Node) -> Node | None:
    """abs(u) = u and relu(u) = u for u ≥ 0, sign(u) = 1 for u > 0: abs(exp(x)) = exp(x),
    sign(x'*x + 1) = 1. Not ``abs(x)``, not ``sign(x'*x)`` (zero at x = 0)."""
    if n.op not in (ew.UNARY["abs"], ew.UNARY["relu"], ew.UNARY["sign"]):
        return None
    s = sign_of(n.args[0])
    if n.op is ew.UNARY["sign"]:
        return (const(1.0) if n.shape.is_scalar else ar.fill(const(1.0), n.shape)) if s == 1 else None
    return n.args[0] if s >= 0 else None
