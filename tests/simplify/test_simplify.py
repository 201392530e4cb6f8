"""Every rewrite rule is an identity: both sides are equal on random inputs.
The engine is idempotent and keeps values."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from matdiff.dims import Dim, Shape
from matdiff.ops import arithmetic as ar
from matdiff.ops import batch as bt
from matdiff.ops import elementwise as ew
from matdiff.calculus.derivative import gradient
from matdiff.simplify import simplify
from matdiff.simplify.rules import RULES, Rule
from matdiff.simplify.search import SEARCHES, Search
from numeric import draw
from expressions import SHAPES as EXPRESSION_SHAPES
from expressions import expression
from hypothesis import given, settings
from hypothesis import strategies as st
from cases import CASES

SQ = {"A": (3, 3), "B": (3, 3), "X": (3, 3), "x": (3,), "y": (3,), "a": (), "M": (3, 3)}

# rule name -> expressions (over SQ) with a node the rule rewrites
EXAMPLES: dict[str, list[str]] = {
    "transpose-inward": ["(A*B)'", "(x'*A + y')'", "(a*A)'", "(A.*B)'", "(-A)'", "(x./y)'", "(A/a)'",
                         "(x'/a - a*x'*A')'", "(x'.^2)'", "exp(x')'"],
    "scalar-out": ["(a*A)*B", "A*(a*B)", "tr(a*A)", "(-A)*B", "sum(a*x)", "(a*x).*y", "diag(-x)"],
    "merge-scales": ["2*(3*A)", "a*(-A)", "(-a)*A", "-(2*A)", "(a*A)/a", "(2*a)*A", "a*(2*A)",
                     "(1/2)*A"],
    "collect": ["A + A", "2*A + 3*A", "A - A + B", "x'*y + 2*(x'*y)"],
    "scalar-transpose": ["y'*x", "y'*x + x'*y", "y'*A'*x", "x'*A*y - y'*A'*x"],
    "trace-rotation": ["tr(B*A)", "tr(A')", "tr(X*B*A)"],
    "factor": ["A*x + B*x", "x'*A + x'*B", "2*x - 2*y", "A*B*X - A*X", "-3*A + 3*B", "A*x/a + B*y/a"],
    "norm2-squared": ["norm2(A*x)^2", "norm2(A)^2"],
    "chain": ["A*inv(A)*B", "inv(A)*A", "A'*inv(A)'*B", "A*A", "A^2*A*B", "(A*B)*(A*B)",
              "A*diag(x)*diag(y)*B", "A*matrix(0)*B", "A*diag(vector(0))*diag(y)*B", "B*A*adj(A)",
              "adj(A)'*A'*B", "A^2*adj(A)", "inv(A)^2*A^3"],
    "transpose-power": ["(A^3)'"],
    "inverse-power": ["inv(A^2)", "inv(X^3)'"],
    "expand-to-collect": ["A*(B + X) + A*B", "(A + B)*x - B*x", "A*(2*eye + A) + A*A",
                          "A*A' + (A*A' - B)' - B"],
    "diag-sum": ["diag(x) + diag(y)", "2*diag(x) - diag(y) + A"],
    "diag-vector": ["diag(x)*y", "y'*diag(x)", "A*diag(x)*y*y'", "x'*A*y*y'*diag(x)"],
    "reciprocal": ["x.*(vector(1)./y)", "(matrix(1)./A).*B"],
    "bilinear-sum": ["sum((x*y').*A)", "sum(A.*(x*y'))"],
    "log-det": ["log(det(X))"],
    "sigmoid": ["exp(x)./(vector(1) + exp(x))", "exp(a)/(1 + exp(a))", "vector(1)./(exp(x) + vector(1))",
                "1/(1 + exp(a))"],
    "sigmoid-product": ["exp(x).*sigmoid(-x)", "sigmoid(-x).*exp(x)", "exp(-a)*sigmoid(a)"],
    "softplus": ["log(vector(1) + exp(x))", "log(exp(a) + 1)", "log1p(exp(A))"],
    "signs": ["abs(exp(x))", "sign(sigmoid(A) + 2*exp(B))", "relu(x.^2)", "abs(x'*x)",
              "abs(det(X)) where X spd", "abs(x'*X*x) where X spd", "sign(softmax(x)./exp(y))"],
    "sigmoid-complement": ["vector(1) - sigmoid(x)", "1 - sigmoid(a)", "sigmoid(x) + sigmoid(-x)",
                           "(vector(1) - y).*sigmoid(x) - y.*sigmoid(-x)", "2*sigmoid(A) + 2*sigmoid(-A) - B"],
    "structured-transpose": ["X' where X symmetric", "inv(X)' where X spd", "M*X' where X spd",
                             "adj(X)' where X symmetric"],
    "kron-mixed-product": ["kron(A, B)*kron(X, M)", "kron(A', eye(3))*kron(eye(3), B)"],
    "frechet-identity": ["dexpm(X, eye)", "dlogm(X, eye)", "dsqrtm(X, eye)"],
    "kron-identity": ["∇X tr(kron(A, X))", "∇X tr(kron(X, B))"],
    "expand-outward": ["expand(x)'", "expand(x) + expand(y)", "expand(x').*expand(y')", "expand(x).^2"],
    "reduce-expanded": ["sum(x.*A, 2)", "sum(A.*y', 1)"],
    "log-softmax": ["log(softmax(x))", "log(softmax(A, 1))", "log(softmax(A, 2))"],
    "sum-of-sums": ["sum(sum(A, 1))", "sum(sum(A, 2))"],
    "sum-of-fill": ["sum(vector(2, 3))", "sum(matrix(a, 2, 3))", "sum(matrix(mean(A), 3, 3))",
                    "sum(vector(mean(x), 3))"],
    "negated-difference": ["-(A - B)", "-2*(x - y)", "-(a - x'*y)"],
    "negated-factor": ["X*(-A - B)*M", "a*(-x - 2*y)", "(-A - B).*X", "(-x - y)/a"],
    "inverse-of-product": ["A*inv(X*A)", "inv(A*X)*A", "A*X*inv(X'*A*X)", "X'*inv(X*A)'",
                           "A*X*adj(X'*A*X)", "A'*adj(A*X*B)'*B'", "adj(A^2)*A", "A'*adj(A^3)'"],
    "softmax": ["exp(x - logsumexp(x))", "exp(A - logsumexp(A, 1)')", "exp(A - logsumexp(A, 2))"],
    "group": ["A*x + y + B*x", "x'*A + y' + x'*B - x'"],
    "cancel": ["x.*y./x", "(x./y).*(-x./(x./y)./y)", "x./x", "2*x.*(y./(3*x))", "(-1)./x",
               "x'*x/(x'*x)", "x'*x/norm2(x)*x", "a*(x'*y)/(x'*y)", "2*(x/(2*a))", "x.*x",
               "1./y./y", "x.^3./x", "a^(-2)/a*x", "a^(-2)*x", "sign(x)./abs(x)", "adj(A)/det(A)",
               "adj(A)'/det(A)^2"],
    "quotient": ["(1/a)*x", "(2/a)*A"],
    "hadamard-factor": ["x.*y - (x'*y)*x", "A.*B + A", "x.*y + y.*x - 2*x"],
    "divisions": ["x/a/a", "x/a^2/a", "A/a/(2*a)", "(-x)/a", "(3*A)/4", "x/(x'*x)/norm2(x)",
                  "(3*A)/a", "det(A)*det(A)", "tr(A)*(tr(A)*B)", "a^2*(a*x)"],
    "matfun-transpose": ["expm(a*A')", "expm(-A')", "sqrtm(X')"],
    "trace-form": ["sum(A'.*B)", "sum(B.*(A*X)')", "sum(eye.*A)", "sum((A*B).*eye)"],
    "symmetric-transpose": ["(A*A')'", "inv(A'*A)'", "(A + A')'", "(A'*X*A)' where X symmetric",
                            "expm(A*A')'"],
    "canonical-sum": ["-A + B", "-x - y + 2*x'*y*x", "-(A*B) + A", "A + B*A", "y + x"],
    "canonical-factors": ["y.*x", "B.*A", "(y'*x)*a"],
}
SHAPE3 = Shape((Dim.of(3), Dim.of(3)))
DOMAINS = {"X": "spd", "y": "positive", "A": "nonsingular"}


#: rule name -> expressions it must leave alone (its guard's negative examples)
NEGATIVE: dict[str, list[str]] = {
    "sigmoid": ["exp(x)./(2*vector(1) + exp(x))", "exp(x)./(vector(1) + exp(y))", "x./(vector(1) + exp(x))"],
    "sigmoid-product": ["exp(x).*sigmoid(x)", "exp(x).*sigmoid(-y)"],
    "softplus": ["log(2*vector(1) + exp(x))", "log(vector(1) + exp(x) + y)", "log1p(x)"],
    "signs": ["abs(x)", "sign(x'*x)", "abs(log(x))", "sign(exp(x) - y)", "abs(x'*A*x)", "abs(x./y)"],
    "sigmoid-complement": ["2 - sigmoid(a)", "sigmoid(x) + sigmoid(y)", "x.*sigmoid(y) + sigmoid(-y)",
                           "sigmoid(x) - sigmoid(-x)"],
    "expand-outward": ["expand(x) + expand(y')"],
    "sum-of-fill": ["sum(vector(1))", "sum(vector(mean(x)))"],
    "negated-difference": ["-(A + B)", "-2*(A + B - X)"],
    "negated-factor": ["X*(A - B)", "-A - B", "a*(x - y)"],
    "inverse-of-product": ["B*inv(X*A)", "inv(X*A)", "B*adj(X*A)", "adj(A)*adj(X*A)"],
    "chain": ["A*adj(B)", "adj(A)'*A", "A^2*B"],
    "inverse-power": ["inv(A)^2", "inv(A*A')"],
    "transpose-inward": ["(A + B)'", "(x - y)'", "exp(x)'", "(x.^2)'"],
    "reduce-expanded": ["sum(x.*A, 1)", "sum(A.*y', 2)"],
    "log-softmax": ["log(2*softmax(x))", "log(softmax(A, 1) + A)"],
    "canonical-sum": ["A - B", "-A - B", "x + y"],
    "scalar-transpose": ["x'*A*x", "x'*y"],
    "trace-rotation": ["tr(A*B)", "tr(A*x*y')"],
    "canonical-factors": ["x.*y", "A*B"],
    "group": ["A*x + B*y + x", "A*x + B*x"],
    "cancel": ["x.*y./(x + y)", "x.*y", "x./y", "2*(x/(3*a))", "x.^2.*y", "adj(A)/det(B)",
               "sign(x)./abs(y)", "a^2*x"],
    "factor": ["A*x/a + B*y/(2*a)", "A*x + B*y"],
    "quotient": ["(a/b)*x", "a*x"],
    "hadamard-factor": ["x.*y + A*x", "x + y", "A.*B + X.*M"],
    "divisions": ["x/a", "(x/a)*2", "det(A)*det(B)", "tr(A)*(tr(B)*A)"],
    "symmetric-transpose": ["(A*B)'", "(A'*B*A)'", "inv(A)'"],
    "matfun-transpose": ["expm(A*B')", "expm(A)"],
    "trace-form": ["sum(A.*B)", "sum(x'.*y')", "sum(matrix(1).*A)"],
    "softmax": ["exp(x - logsumexp(y))", "exp(A - logsumexp(A, 2)')", "exp(A - logsumexp(B, 1)')"],
}


def _parse(expr: str) -> matdiff.Expr:
    """An example; ``expand(v)`` (not in the language, which expands implicitly) is
    the 3x3 matrix repeating the column v (or the row v'; ``expand(v).^2`` its square); ``∇X f`` is the gradient of f
    by X as the transpose pass returns it (internal ops such as kron_l included)."""
    if expr.startswith("∇"):
        name, text = expr[1:].split(" ", 1)
        f = matdiff.parse(text, SQ)
        return gradient(f, f.variables() and matdiff.parse(name, SQ))
    if expr.startswith("expand(") and expr.endswith(".^2"):
        return ew.powc(_parse(expr[:-3]), 2.0)
    if expr.startswith("expand("):
        parts = [p.strip() for p in expr.replace(".*", "+").split("+")]
        nodes = [bt.expand(matdiff.parse(p[len("expand("):p.rindex(")")], SQ), SHAPE3) for p in parts]
        if len(nodes) == 1:
            return ar.transpose(nodes[0]) if expr.endswith("'") else nodes[0]
        return (ar.had if ".*" in expr else ar.add)(*nodes)
    return matdiff.parse(expr, SQ)


def _values(seed: int = 0) -> dict[str, np.ndarray]:
    return draw(SQ, DOMAINS, np.random.default_rng(seed))


#: search name -> (expression, what it becomes) and expressions it leaves alone
SEARCH_EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "distribute": [("diag(x)*(eye - vector(1)*y')", "diag(x) - x*y'"),
                   ("(eye + A*inv(X))*X", "A + X"),
                   ("x*y'/a - y*(x'/a - a*y')", "(x*y' - y*x')/a + a*y*y'")],
    "split": [("sum(matrix(mean(A), 3, 3) - A)", "0"), ("tr(A*B - B*A)", "0")],
}
SEARCH_NEGATIVE: dict[str, list[str]] = {"distribute": ["A*(B + X)", "(A + B)*x", "diag(x)*(A + B)",
                                                        "A*(B + X) + B"],
                                         "split": ["sum(x - y)", "tr(A + B)"]}


@pytest.mark.parametrize("search, expr, want",
                         [(s, e, w) for s in SEARCHES for e, w in SEARCH_EXAMPLES[s.name]],
                         ids=lambda v: v.name if isinstance(v, Search) else v)
def test_search_finds_the_smaller_form(search: Search, expr: str, want: str) -> None:
    before = _parse(expr)
    after = search.apply(before, simplify)
    assert after is not None and str(after) == want
    values = _values()
    assert np.allclose(matdiff.evaluate(after, values), matdiff.evaluate(before, values))


@pytest.mark.parametrize("search, expr", [(s, e) for s in SEARCHES for e in SEARCH_NEGATIVE[s.name]],
                         ids=lambda v: v.name if isinstance(v, Search) else v)
def test_search_keeps_what_it_cannot_shorten(search: Search, expr: str) -> None:
    assert search.apply(_parse(expr), simplify) is None


def test_every_rule_has_examples() -> None:
    assert {r.name for r in RULES} == set(EXAMPLES)


def _firings(rule: Rule, expr: str) -> list[tuple[matdiff.Expr, matdiff.Expr]]:
    node = _parse(expr)
    return [(n, out) for n in node.walk() if (out := rule.apply(n)) is not None]


@pytest.mark.parametrize("rule, expr", [(r, e) for r in RULES for e in EXAMPLES[r.name]],
                         ids=lambda v: v.name if isinstance(v, Rule) else v)
def test_rule_is_an_identity(rule: Rule, expr: str) -> None:
    firings = _firings(rule, expr)
    assert firings, f"{rule.name} does not apply to {expr}"
    values = _values()
    for before, after in firings:
        assert (after.shape.dims, after.shape.row) == (before.shape.dims, before.shape.row)
        assert np.allclose(matdiff.evaluate(after, values), matdiff.evaluate(before, values),
                           rtol=1e-9, atol=1e-12), (rule.name, expr)


@pytest.mark.parametrize("name, expr", [(n, e) for n, es in NEGATIVE.items() for e in es])
def test_rule_leaves_its_negative_examples_alone(name: str, expr: str) -> None:
    rule = next(r for r in RULES if r.name == name)
    assert not _firings(rule, expr)


def test_the_logistic_loss_reads_as_the_textbook_and_is_stable() -> None:
    """Gradient -X'(y.*σ(-m)) and Hessian X' diag(σ(m)σ(-m)) X (y² = 1): finite at
    margins ±1000, where exp(-m)./(1 + exp(-m)) is inf/inf."""
    loss = "sum(log(vector(1)+exp(-y.*(X*w))))"
    g = matdiff.derivative(loss, wrt="w")
    h = matdiff.derivative(loss, wrt="w", order=2)
    assert str(g) == "-X'*(y.*sigmoid(-y.*(X*w)))"
    assert "exp" not in str(h) and str(h).count("sigmoid") == 2
    X, y, w = np.ones((3, 2)), np.array([1.0, -1.0, 1.0]), np.array([500.0, 500.0])
    assert np.allclose(g.compile()(X=X, y=y, w=w), [1.0, 1.0])
    assert np.allclose(h.compile()(X=X, y=y, w=w), 0.0)


EXPRS = [(e, s, d) for e, s, d in CASES]


@pytest.mark.parametrize("expr, shapes, domains", EXPRS, ids=[e for e, _, _ in EXPRS])
def test_simplify_keeps_values_and_is_idempotent(expr: str, shapes: dict, domains: dict) -> None:
    node = matdiff.parse(expr, shapes)
    values = draw(shapes, domains, np.random.default_rng(3))
    once = simplify(node)
    assert simplify(once) == once
    assert np.allclose(matdiff.evaluate(once, values), matdiff.evaluate(node, values), rtol=1e-9)
    wrt = next(iter(shapes))
    grad = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    if not grad.is_zero:
        assert simplify(grad.form) == grad.form


def test_simplify_is_independent_of_term_order() -> None:
    a = simplify(matdiff.parse("A*x + 2*B*x + A*x", SQ))
    b = simplify(matdiff.parse("2*B*x + A*x + A*x", SQ))
    values = _values()
    assert np.allclose(matdiff.evaluate(a, values), matdiff.evaluate(b, values))
    assert len(str(a)) == len(str(b))


def test_zero_diagonal_in_a_chain_makes_the_product_zero() -> None:
    """diag(0)*diag(b) is zero (a fuzz run found the chain rule keeping a None there)."""
    from matdiff.expr import const
    from matdiff.ops import arithmetic as ar
    from matdiff.ops import linalg as la
    from matdiff.simplify import simplify
    x, a = matdiff.parse("x"), matdiff.parse("A")
    n = ar.mul(ar.mul(la.diag(ar.fill(const(0.0), x.shape)), la.diag(x)), a)
    assert simplify(n) == ar.fill(const(0.0), n.shape)


@pytest.mark.parametrize("expr, wrt, want", [
    ("(x'*x)^2", "x", "4*x'*x*x"), ("tr(X'*X)^2", "X", "4*tr(X'*X)*X"),
    ("(1/2)*(a*norm2(X)^2)", "X", "a*X"), ("det(X)", "X", "adj(X)'"),
])
def test_numbers_meet_and_multiply(expr: str, wrt: str, want: str) -> None:
    """Constant factors move outward and fold: 2*2*… is 4*…, (1/2)*2 is 1."""
    assert str(matdiff.derivative(expr, wrt=wrt)) == want


SQUARE = {"X": (3, 3), "A": (3, 3), "B": (3, 3), "S": (3, 3), "x": (3,), "m": (3,), "w": (3,), "y": (3,)}


@pytest.mark.parametrize("expr, wrt, assume, want", [
    # Matrix Cookbook §2.1.1 (determinants) on square matrices, in the adjugate form that holds at
    # singular X too: det(X) inv(X)' = adj(X)'.
    ("det(X'*A*X)", "X", None, "2*det(A)*det(X)*adj(X)'"),
    ("det(A*X*B)", "X", None, "det(B)*det(A)*adj(X)'"),
    ("det(X^3)", "X", None, "3*det(X)^2*adj(X)'"),
    ("det(inv(X))", "X", None, "-det(inv(X))*inv(X)'"),
    # Cookbook §2.1.1: a quotient by det(X) reads with the inverse
    ("1/det(X)", "X", None, "-inv(X)'/det(X)"),
    ("log(abs(det(X)))", "X", None, "inv(X)'"),
    # Cookbook §2.2 (traces of powers) with k = -2: ∂tr(X^-2)/∂X = -2 (X^-3)'.
    ("tr(inv(X^2))", "X", None, "-2*inv(X)'^3"),
    # A symmetric gradient is its own symmetric part: no (G + G')/2 around it.
    ("logdet(S) + (x - m)'*inv(S)*(x - m)", "S", {"S": "spd"}, "inv(S)*(eye - (x - m)*(x - m)'*inv(S))"),
    ("tr(inv(S)*A)", "S", {"S": "spd"}, "-0.5*inv(S)*(A + A')*inv(S)"),
    # terms sharing a last factor group under a symbolic scalar
    ("x'*x/(x'*A*x)", "x", None, "2*x/(x'*A*x) - x'*x/(x'*A*x)^2*(A + A')*x"),
    # the cross-entropy of a logistic model: σ(u) + σ(-u) = 1 leaves the textbook gradient
    ("-y'*log(sigmoid(X*w)) - (vector(1) - y)'*log(vector(1) - sigmoid(X*w))", "w", None,
     "X'*(sigmoid(X*w) - y)"),
])
def test_square_and_symmetric_forms(expr: str, wrt: str, assume: dict | None, want: str) -> None:
    names = {k: v for k, v in SQUARE.items() if k in expr}
    d = matdiff.derivative(expr, wrt=wrt, shapes=names, assume=assume)
    assert str(d) == want
    values = draw(names, {"S": "spd", "X": "nonsingular", "A": "spd"}, np.random.default_rng(3))
    assert np.allclose(matdiff.evaluate(str(d), values), d.evaluate(values))


def test_the_result_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits count rewrites and rule attempts, never seconds: with a clock that jumps an
    hour per reading, a derivative prints the same."""
    import time
    expr = "norm2(tanh(B*tanh(A*x+b)+c)-y)^2"
    want = str(matdiff.derivative(expr, wrt="A"))
    clock = iter(range(0, 10**9, 3600))
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(clock)))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    assert str(matdiff.derivative(expr, wrt="A")) == want


@settings(max_examples=200, derandomize=True, deadline=None)
@given(a=expression("m", 2), b=expression("m", 2), op=st.sampled_from(["+", ".*"]))
def test_simplify_does_not_depend_on_the_order_of_commuting_operands(a: str, b: str, op: str) -> None:
    """simplify(a + b) == simplify(b + a) and likewise for .*: the structural canonical
    order (never printed text) makes the normal form independent of how it was written."""
    shapes = dict(EXPRESSION_SHAPES)
    assert simplify(matdiff.parse(f"({a}){op}({b})", shapes)) == \
        simplify(matdiff.parse(f"({b}){op}({a})", shapes))


TERMINATION = EXPRS + [("norm2(W*X + b - T)^2", {"b": (3,), "W": (3, 4), "X": (4, 5), "T": (3, 5)}, {}),
                       ("-sum(Y.*log(softmax(W*X + b, 1)))", {"b": (3,), "W": (3, 4), "X": (4, 5), "Y": (3, 5)}, {})]


@pytest.mark.parametrize("expr, shapes, domains", TERMINATION, ids=[e for e, _, _ in TERMINATION])
def test_rules_terminate_well_inside_the_limits(expr: str, shapes: dict, domains: dict) -> None:
    """No pair of rules undoes the other: simplifying an expression and its raw
    differential uses a small part of the rewrite budget (a cycle would use it all)."""
    from matdiff.calculus.linearize import linearize
    from matdiff.expr import hole
    from matdiff.simplify.engine import MAX_REWRITES, simplify_counted
    node = matdiff.parse(expr, shapes)
    f, used = simplify_counted(node)
    assert used < MAX_REWRITES // 10, (expr, used)
    for v in [n for n in f.walk() if n.op.name == "var"][:2]:
        raws = [linearize(f, v, hole(str(v.attr), v.shape))]
        if f.shape.is_scalar:
            raws.append(gradient(f, v))
        for raw in raws:
            _, used = simplify_counted(raw)
            assert used < MAX_REWRITES // 10, (expr, str(v.attr), used)
