"""Simplification rules: a named list of rewrites, each stating its identity.

Every rule maps a node (whose arguments are already simplified) to an equal
node, or None when it does not apply. Why the set terminates: each rule either
shrinks the tree, or moves a transpose strictly toward the leaves, or moves a
scalar factor strictly toward the root, or merges terms of a sum; none undoes
another, and the engine also caps the number of rewrites.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..expr import CONST, VAR, Node, apply, const, const_value
from ..ops import arithmetic as ar
from ..ops import batch as bt_ops
from ..ops import elementwise as ew
from ..ops import linalg as la
from ..intexpr import IntExpr
from ..ops import matfun as mf
from ..ops import series as se
from . import batch as bt
from . import facts as fa
from . import logistic as lg
from . import order as od
from . import quotients as qt
from . import symmetry as sy
from .terms import is_one, sum_of, terms_of


@dataclass(frozen=True)
class Rule:
    name: str
    identity: str
    apply: Callable[[Node], Node | None]


def _transpose_inward(n: Node) -> Node | None:
    if n.op is not ar.TRANSPOSE:
        return None
    a = n.args[0]
    if a.op is ar.MATMUL:
        return ar.mul(ar.transpose(a.args[1]), ar.transpose(a.args[0]))
    if a.op in (ar.HAD, ar.EDIV):
        return ar.rebuild(a, [ar.transpose(x) for x in a.args])
    if a.op is ar.ADD:  # into a sum only where transposes cancel: (x'A + b')' = A'x + b, not (x - m)'
        pushed = ar.rebuild(a, [sy.pushed(x) for x in a.args])
        if pushed is not None and _transposes(pushed) < _transposes(n):
            return pushed
    if a.op in (ar.NEG, ar.SCALE, ar.DIV):
        return ar.rebuild(a, [ar.transpose(x) for x in a.args])
    if (a.op is ew.POWC or a.op in _UNARY) and a.args[0].op is ar.TRANSPOSE:  # f(u')' = f(u)
        return apply(a.op, (a.args[0].args[0],)) if a.op in _UNARY \
            else ew.powc(a.args[0].args[0], float(a.attr))
    return None


_UNARY = frozenset(ew.UNARY.values())


def _transposes(n: Node) -> int:
    return sum(1 for m in n.walk() if m.op is ar.TRANSPOSE)


def _scalar_out(n: Node) -> Node | None:
    """Pull a scale factor, a minus sign or a scalar divisor out of a product-like node."""
    if n.op in (ar.MATMUL, ar.HAD, ar.TRANSPOSE, la.TRACE, ar.SUM, la.DIAG, la.VEC, la.KRON,
                bt_ops.EXPAND, bt_ops.SUM_DIM, bt_ops.MEAN):
        for i, a in enumerate(n.args):
            if a.op is ar.SCALE:
                args = list(n.args)
                args[i] = a.args[1]
                return ar.scale(a.args[0], ar.rebuild(n, args))
            if a.op is ar.NEG:
                args = list(n.args)
                args[i] = a.args[0]
                return ar.neg(ar.rebuild(n, args))
            if a.op is ar.DIV and not a.shape.is_scalar:
                args = list(n.args)
                args[i] = a.args[0]
                return ar.div(ar.rebuild(n, args), a.args[1])
    return None


def _merge_scales(n: Node) -> Node | None:
    if n.op is ar.SCALE:
        s, x = n.args
        a, b = const_value(s), const_value(x.args[0]) if x.op is ar.SCALE else None
        if a is not None and b is not None:
            return ar.scale(const(a * b), x.args[1])
        if x.op is ar.NEG:
            return ar.neg(ar.scale(s, x.args[0]))
        if s.op is ar.NEG:
            return ar.neg(ar.scale(s.args[0], x))
        # Numbers move outward, one level per rewrite, until they meet and multiply:
        # (c t) x = c (t x) and s (c y) = c (s y); the measure is their total depth.
        if s.op is ar.SCALE and const_value(s.args[0]) is not None:
            return ar.scale(s.args[0], ar.scale(s.args[1], x))
        if x.op is ar.SCALE and const_value(x.args[0]) is not None and const_value(s) is None:
            return ar.scale(x.args[0], ar.scale(s, x.args[1]))
    top, bottom = (const_value(n.args[0]), const_value(n.args[1])) if n.op is ar.DIV else (None, None)
    if top is not None and bottom:
        return const(top / bottom)
    if n.op is ar.NEG and n.args[0].op is ar.SCALE and n.args[0].args[0].op is CONST:
        return ar.scale(const(-float(n.args[0].args[0].attr)), n.args[0].args[1])
    if n.op is ar.DIV and n.args[0].op is ar.SCALE and n.args[0].args[0] == n.args[1]:
        return n.args[0].args[1]
    return None


def _collect(n: Node) -> Node | None:
    """a*T + b*T = (a+b)*T for constants a, b."""
    if n.op is not ar.ADD:
        return None
    terms = terms_of(n)
    merged: dict[Node, float] = {}
    for c, t in terms:
        merged[t] = merged.get(t, 0.0) + c
    if len(merged) == len(terms):
        return None
    out = ar.add_all((ar.scale(const(c), t) for t, c in merged.items()), n.shape)
    return out


def _factors(t: Node) -> list[Node]:
    """The factors of a product chain, symbolic scalar scales first: s*(A*x) is [s, A, x]
    (``chain_product`` multiplies them back)."""
    if t.op is ar.SCALE and const_value(t.args[0]) is None:
        return [t.args[0], *_factors(t.args[1])]
    return ar.chain_factors(t)


def _alike(terms: list[tuple[float, Node]]) -> bool:
    """Whether the terms have one shape (c*x + A*x stays: c and A do not add)."""
    return len({(t.shape.dims, t.shape.row) for _, t in terms}) == 1


def _factor(n: Node) -> Node | None:
    """AC + BC = (A+B)C, CA + CB = C(A+B), cA + cB = c(A+B), A/s + B/s = (A+B)/s: shorter
    to read.
    A sum whose first term is negative gives its sign to the factor: -2A + 2B = -2(A - B)."""
    if n.op is not ar.ADD:
        return None
    terms = terms_of(n, MAX_EXPANSION)
    if len(terms) < 2:
        return None
    coefs = {abs(c) for c, _ in terms}
    if len(coefs) == 1 and coefs != {1.0}:
        k = coefs.pop() * (1.0 if terms[0][0] > 0 else -1.0)
        inner = sum_of([(c / k, t) for c, t in terms])
        return ar.scale(const(k), inner)
    denominators = {t.args[1] for _, t in terms if t.op is ar.DIV}
    if len(denominators) == 1 and all(t.op is ar.DIV for _, t in terms):
        return ar.div(sum_of([(c, t.args[0]) for c, t in terms]), denominators.pop())
    for side in (-1, 0):
        chains = [_factors(t) for _, t in terms]
        common = chains[0][side]
        if all(len(f) > 1 and f[side] == common for f in chains):
            rests = [(c, _product(f[:-1] if side == -1 else f[1:])) for (c, _), f in zip(terms, chains)]
            if _alike(rests):
                rest = sum_of(rests)
                return ar.mul(rest, common) if side == -1 else ar.mul(common, rest)
    return None


def _canonical_sum(n: Node) -> Node | None:
    """A + B = B + A in the structural order, positive terms first (-A + B = B - A), and
    associated to the left."""
    if n.op is not ar.ADD:
        return None
    out = ar.add_all(od.sorted_summands(n), n.shape)
    return None if out == n else out


def _group(n: Node) -> Node | None:
    """AC + D + BC = (A+B)C + D: terms sharing a last (or first) factor are grouped, where
    at least two but not all share it (all sharing is ``factor``). Not ``A*x + B*y + c``."""
    if n.op is not ar.ADD:
        return None
    terms = terms_of(n, MAX_EXPANSION)
    for side in (-1, 0):
        chains = [_factors(t) for _, t in terms]
        buckets: dict[Node, list[int]] = {}
        for i, f in enumerate(chains):
            if len(f) > 1:
                buckets.setdefault(f[side], []).append(i)
        for common, members in buckets.items():
            rests = [(terms[i][0], _product(chains[i][:-1] if side == -1 else chains[i][1:]))
                     for i in members]
            if 2 <= len(members) < len(terms) and _alike(rests):
                rest = sum_of(rests)
                grouped = ar.mul(rest, common) if side == -1 else ar.mul(common, rest)
                out = [(1.0, grouped) if i == members[0] else t for i, t in enumerate(terms)
                       if i == members[0] or i not in members]
                return sum_of(out, n.shape)
    return None


_product = ar.chain_product


def _norm2_squared(n: Node) -> Node | None:
    if n.op is ew.POWC and float(n.attr) == 2.0 and n.args[0].op is la.NORM2:
        u = n.args[0].args[0]
        return ar.inner(u, u)
    return None


def _power(n: Node) -> tuple[Node, IntExpr]:
    """A factor as base^k (k = 1 for anything but a matrix power, k symbolic for X^k)."""
    if n.op is mf.MATPOW:
        return n.args[0], IntExpr(int(n.attr))
    if n.op is se.POWSYM:
        return n.args[0], n.attr
    return n, IntExpr(1)


def _inverse_pair(a: Node, b: Node) -> bool:
    """X·inv(X) = inv(X)·X = I, and the same for transposes."""
    if a.op is ar.TRANSPOSE and b.op is ar.TRANSPOSE:
        a, b = a.args[0], b.args[0]
    return (b.op is la.INV and b.args[0] == a) or (a.op is la.INV and a.args[0] == b)


def _adjugate_pair(a: Node, b: Node) -> Node | None:
    """det(X) where a·b is X·adj(X) = adj(X)·X = det(X) I (or the transpose of either)."""
    if a.op is ar.TRANSPOSE and b.op is ar.TRANSPOSE:
        a, b = a.args[0], b.args[0]
    for x, y in ((a, b), (b, a)):
        if y.op is la.ADJ and y.args[0] == x:
            return apply(la.DET, (x,))
    return None


def _lowered(base: Node, k: IntExpr) -> list[Node]:
    """base^(k-1) as a list of at most one factor."""
    return [] if k == IntExpr(1) else [se.powsym(base, k - IntExpr(1))]


def _cancel(a: Node, b: Node) -> tuple[list[Node], list[Node], list[Node]] | None:
    """a·b with one factor of each cancelled, X^j·inv(X)^k = X^(j-1)·inv(X)^(k-1) and
    X^j·adj(X)^k = det(X)·X^(j-1)·adj(X)^(k-1): (scalars, rest of a, rest of b)."""
    (x, j), (y, k) = _power(a), _power(b)
    if not (j.is_const and k.is_const and j.const >= 1 and k.const >= 1):
        return None
    if _inverse_pair(x, y):
        return [], _lowered(x, j), _lowered(y, k)
    det = _adjugate_pair(x, y)
    return None if det is None else ([det], _lowered(x, j), _lowered(y, k))


def _chain(n: Node) -> Node | None:
    """A product chain, left-associated: X*inv(X) = I, X*adj(X) = det(X)*I (powers of
    either too), I*A = A, X^j*X^k = X^(j+k), diag(a)*diag(b) = diag(a.*b), and a zero
    factor makes the product zero."""
    if n.op is not ar.MATMUL:
        return None
    out: list[Node] = []
    scales: list[Node] = []
    todo = ar.chain_factors(n)[::-1]
    while todo:
        f = todo.pop()
        if ar.is_zero(f):
            return ar.zero(n.shape)
        cancelled = _cancel(out[-1], f) if out else None
        if cancelled is not None:
            out.pop()
            scales += cancelled[0]
            out += cancelled[1]
            todo += cancelled[2]
        elif out and f.op is la.DIAG and out[-1].op is la.DIAG and f.shape.is_matrix \
                and out[-1].shape.is_matrix:
            both = ar.had(out.pop().args[0], f.args[0])
            if ar.is_zero(both):
                return ar.zero(n.shape)  # diag(0)*diag(b) = 0: so is the product
            out.append(la.diag(both))
        elif out and f.shape.is_matrix and _power(out[-1])[0] == _power(f)[0] \
                and out[-1].shape.is_matrix:
            base, j = _power(out.pop())
            todo.append(se.powsym(base, j + _power(f)[1]))
        elif f.op is not ar.EYE:
            out.append(f)
    result = ar.chain_product(out) if out else ar.eye(n.shape.dims[0])
    for s in scales:
        result = ar.scale(s, result)
    return None if result == n else result


def _inverse_power(n: Node) -> Node | None:
    """inv(X^k) = inv(X)^k for a numeric k, so that the chain can cancel X*inv(X)^k. Not
    ``inv(X^k)`` for a symbolic k. Measure: an inverse moves into the power."""
    if n.op is la.INV and n.args[0].op is mf.MATPOW:
        return mf.matpow(la.inv(n.args[0].args[0]), n.args[0].attr)
    return None


def _transpose_power(n: Node) -> Node | None:
    """(X^k)' = (X')^k."""
    if n.op is ar.TRANSPOSE and n.args[0].op in (mf.MATPOW, se.POWSYM):
        return se.powsym(ar.transpose(n.args[0].args[0]), _power(n.args[0])[1])
    return None


MAX_EXPANSION = sy.MAX_EXPANSION


def _expand_to_collect(n: Node) -> Node | None:
    """Distribute products (and transposes) over sums when that lets like terms merge (else
    keep the factored form, which reads better): X'(2I + X') + X'^2 = 2X' + 2X'^2,
    XX' + (XX' - A)' - A = 2XX' - A - A'."""
    if n.op is not ar.ADD or len(terms_of(n, MAX_EXPANSION)) == 1:
        return None
    terms = sy.expand(n, transposes=True)
    merged: dict[Node, float] = {}
    for c, t in terms:
        merged[t] = merged.get(t, 0.0) + c
    if len(merged) == len(terms) or len(merged) > len(terms_of(n)) or len(terms) > MAX_EXPANSION:
        return None
    return ar.add_all((ar.scale(const(c), t) for t, c in merged.items()), n.shape)


def _diag_sum(n: Node) -> Node | None:
    """a*diag(u) + b*diag(v) = diag(a*u + b*v) for vectors u, v (and constants a, b)."""
    if n.op is not ar.ADD:
        return None
    terms = terms_of(n, MAX_EXPANSION)
    diags = [(c, t) for c, t in terms if t.op is la.DIAG and t.shape.is_matrix]
    if len(diags) < 2:
        return None
    inner = sum_of([(c, t.args[0]) for c, t in diags])
    rest = [(c, t) for c, t in terms if not (t.op is la.DIAG and t.shape.is_matrix)]
    return ar.add(sum_of(rest, n.shape), la.diag(inner))


def _diag_vector(n: Node) -> Node | None:
    """diag(a)*x = a.*x and x'*diag(a) = (a.*x)' for vectors a, x, anywhere in a product
    chain (A*diag(a)*x*y' = A*(a.*x)*y')."""
    if n.op is not ar.MATMUL:
        return None
    f = ar.chain_factors(n)
    for i in range(len(f) - 1):
        a, b = f[i], f[i + 1]
        if a.op is la.DIAG and a.shape.is_matrix and b.shape.is_col:
            return ar.chain_product([*f[:i], ar.had(a.args[0], b), *f[i + 2:]])
        if b.op is la.DIAG and b.shape.is_matrix and a.shape.row:
            return ar.chain_product([*f[:i], ar.transpose(ar.had(b.args[0], ar.transpose(a))), *f[i + 2:]])
    return None


def _reciprocal(n: Node) -> Node | None:
    """a.*(1./b) = a./b."""
    if n.op is ar.HAD:
        for a, b in (n.args, reversed(n.args)):
            if b.op is ar.EDIV and b.args[0].op is ar.FILL and is_one(b.args[0]):
                return ar.ediv(a, b.args[1])
    return None


def _bilinear_sum(n: Node) -> Node | None:
    """sum((a*b').*M) = a'*M*b for column vectors a, b."""
    if n.op is ar.SUM and n.args[0].op is ar.HAD:
        for outer, m in (n.args[0].args, reversed(n.args[0].args)):
            if outer.op is ar.MATMUL and outer.args[0].shape.is_col and outer.args[1].shape.row:
                return ar.mul(ar.mul(ar.transpose(outer.args[0]), m), ar.transpose(outer.args[1]))
    return None


def _log_det(n: Node) -> Node | None:
    """log(det(X)) = logdet(X) (where det X > 0, the domain of both)."""
    if n.op is ew.UNARY["log"] and n.args[0].op is la.DET:
        return apply(la.LOGDET, n.args[0].args)
    return None


_DERIVATIVE_AT_IDENTITY = {
    "expm": lambda x: mf.matfun("expm", x),
    "logm": la.inv,
    "sqrtm": lambda x: ar.scale(const(0.5), la.inv(mf.matfun("sqrtm", x))),
}


def _frechet_identity(n: Node) -> Node | None:
    if n.op is mf.MATFUN and n.attr[1] == 1 and n.args[1].op is ar.EYE:
        return _DERIVATIVE_AT_IDENTITY[n.attr[0]](n.args[0])
    return None


def _kron_mixed_product(n: Node) -> Node | None:
    """(A⊗B)(C⊗D) = (AC)⊗(BD) when both products are defined."""
    if n.op is ar.MATMUL and all(a.op is la.KRON for a in n.args):
        (a, b), (c, d) = n.args[0].args, n.args[1].args
        if all(x.shape.is_matrix for x in (a, b, c, d)) and a.shape.cols == c.shape.rows \
                and b.shape.cols == d.shape.rows:
            return la.kron(ar.mul(a, c), ar.mul(b, d))
    return None


def _kron_identity(n: Node) -> Node | None:
    """kron_l(A, I) = tr(A)*I and kron_r(I, B) = tr(B)*I (the transposes of A⊗· and ·⊗B
    at the identity), for square A, B. Not ``kron_l(A, C)`` for another C."""
    if n.op is la.KRON_L and n.args[1].op is ar.EYE and n.args[0].shape.is_matrix \
            and n.args[0].shape.rows == n.args[0].shape.cols and n.shape.is_matrix:
        return ar.scale(la.trace(n.args[0]), ar.eye(n.shape.rows))
    if n.op is la.KRON_R and n.args[0].op is ar.EYE and n.args[1].shape.is_matrix \
            and n.args[1].shape.rows == n.args[1].shape.cols and n.shape.is_matrix:
        return ar.scale(la.trace(n.args[1]), ar.eye(n.shape.rows))
    return None


def _structured_transpose(n: Node) -> Node | None:
    """X' = X, inv(X)' = inv(X) and adj(X)' = adj(X) for a variable declared symmetric,
    spd or diagonal."""
    if n.op is ar.TRANSPOSE:
        a = n.args[0]
        base = a.args[0] if a.op in (la.INV, la.ADJ) else a
        if base.op is VAR and base.shape.structure is not None:
            return a
    return None


RULES: list[Rule] = [
    Rule("transpose-inward", "(AB)' = B'A', (A+B)' = A'+B', (sA)' = sA', (A⊙B)' = A'⊙B', "
         "f(u')' = f(u), (u'.^p)' = u.^p",
         _transpose_inward),
    Rule("scalar-out", "(sA)B = s(AB), A(sB) = s(AB), tr(sA) = s tr A, (-A)B = -(AB), "
         "sum(sX, d) = s sum(X, d), expand(sv) = s expand(v) …",
         _scalar_out),
    Rule("merge-scales", "a(bX) = (ab)X, s(-X) = -(sX), -(cX) = (-c)X, (sX)/s = X, "
         "(c t)X = c(tX), s(cX) = c(sX), c1/c2 folded",
         _merge_scales),
    Rule("collect", "aT + bT = (a+b)T", _collect),
    Rule("sigmoid-complement", "1 - σ(u) = σ(-u), σ(u) + σ(-u) = 1", lg.sigmoid_complement),
    Rule("canonical-sum", "A + B = B + A (structural order, positive terms first)", _canonical_sum),
    Rule("negated-difference", "-(A - B) = B - A, -c*(A - B) = c*(B - A)", od.negated_difference),
    Rule("negated-factor", "X*(-A - B) = -(X*(A + B))", od.negated_factor),
    Rule("canonical-factors", "a.*b = b.*a, s*t = t*s for scalars (structural order)",
         od.canonical_factors),
    Rule("group", "AC + D + BC = (A+B)C + D", _group),
    Rule("hadamard-factor", "u.*a - c*u = u.*(a - c)", lambda n: qt.hadamard_factor(n, terms_of(n))
         if n.op is ar.ADD else None),
    Rule("cancel", "u.*v./u = v, x./x = 1, u.*u = u.^2 (elementwise powers that cancel or merge)",
         qt.cancel),
    Rule("quotient", "(1/s)*X = X/s", qt.quotient),
    Rule("divisions", "(A/s)/t = A/(s*t), s*s = s^2, s^p*s = s^(p+1)", qt.divisions),
    Rule("matfun-transpose", "f(X') = f(X)' for expm, logm, sqrtm", sy.matfun_transpose),
    Rule("trace-form", "sum(B'.*A) = tr(B*A), sum(I.*A) = tr(A)", sy.trace_form),
    Rule("symmetric-transpose", "S' = S for S = X*X', X'*A*X (A symmetric), A + A', inv(S) …",
         sy.symmetric_transpose),
    Rule("scalar-transpose", "u'*A*v = v'*A'*u (structural order)", od.scalar_transpose),
    Rule("trace-rotation", "tr(X') = tr(X), tr(ABC) = tr(BCA) (structural order)", od.trace_rotation),
    Rule("factor", "AC + BC = (A+B)C, CA + CB = C(A+B), cA + cB = c(A+B), A/s + B/s = (A+B)/s", _factor),
    Rule("norm2-squared", "norm2(u)^2 = u:u", _norm2_squared),
    Rule("chain", "X inv(X) = I, X adj(X) = det(X) I, I A = A, X^j X^k = X^(j+k); products "
         "associate left", _chain),
    Rule("inverse-of-product", "A*inv(P*Q) = A*inv(Q)*inv(P), A*adj(P*Q) = A*adj(Q)*adj(P) for "
         "square P, Q, where the chain cancels",
         lambda n: sy.inverse_of_product(n, _chain)),
    Rule("transpose-power", "(X^k)' = (X')^k", _transpose_power),
    Rule("inverse-power", "inv(X^k) = inv(X)^k", _inverse_power),
    Rule("expand-to-collect", "A(B+C) + D = AB + AC + D, (A+B)' = A' + B', kept only when like "
         "terms merge",
         _expand_to_collect),
    Rule("reciprocal", "a.*(1./b) = a./b", _reciprocal),
    Rule("diag-sum", "a*diag(u) + b*diag(v) = diag(a*u + b*v)", _diag_sum),
    Rule("diag-vector", "diag(a)*x = a.*x, x'*diag(a) = (a.*x)' (in a chain)", _diag_vector),
    Rule("bilinear-sum", "sum((a*b').*M) = a'*M*b", _bilinear_sum),
    Rule("log-det", "log(det(X)) = logdet(X)", _log_det),
    Rule("sigmoid", "exp(u)./(1 + exp(u)) = σ(u), 1./(1 + exp(u)) = σ(-u)", lg.sigmoid),
    Rule("sigmoid-product", "exp(u).*σ(-u) = σ(u)", lg.sigmoid_product),
    Rule("softplus", "log(1 + exp(u)) = softplus(u)", lg.softplus),
    Rule("signs", "abs(u) = u, relu(u) = u for u ≥ 0; sign(u) = 1 for u > 0", fa.signs),
    Rule("structured-transpose", "X' = X, inv(X)' = inv(X), adj(X)' = adj(X) for symmetric X",
         _structured_transpose),
    Rule("kron-mixed-product", "(A⊗B)(C⊗D) = (AC)⊗(BD)", _kron_mixed_product),
    Rule("kron-identity", "kron_l(A, I) = tr(A)*I, kron_r(I, B) = tr(B)*I", _kron_identity),
    Rule("expand-outward", "expand(v)' = expand(v'), s*expand(v) = expand(s*v), "
         "expand(u) + expand(v) = expand(u + v), expand(u).*expand(v) = expand(u.*v), "
         "expand(v).^p = expand(v.^p)", bt.expand_outward),
    Rule("reduce-expanded", "sum(b.*M, 2) = b.*sum(M, 2) for a column b expanded along the rows",
         bt.reduce_expanded),
    Rule("log-softmax", "log(softmax(x)) = x - logsumexp(x), log(softmax(X, d)) = X - logsumexp(X, d)",
         bt.log_softmax),
    Rule("softmax", "exp(x - logsumexp(x)) = softmax(x), exp(X - logsumexp(X, d)) = softmax(X, d)",
         bt.softmax_of),
    Rule("sum-of-sums", "sum(sum(X, d)) = sum(X)", bt.sum_of_sums),
    Rule("sum-of-fill", "sum(matrix(c, m, n)) = c*m*n for numeric sizes, sum(vector(mean(u))) = sum(u)",
         bt.sum_of_fill),
    Rule("frechet-identity", "Df(X)[I] = f'(X): expm → expm(X), logm → inv(X), "
         "sqrtm → inv(sqrtm(X))/2", _frechet_identity),
]
