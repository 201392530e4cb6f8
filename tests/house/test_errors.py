"""Bad input of every kind gives a MatdiffError with a clear message and position."""
from __future__ import annotations

import pytest

import matdiff
from matdiff.syntax import MAX_DEPTH, MAX_LENGTH

# (text, shapes, error class, words the message must contain, column (1-based) or None)
BAD = [
    ("A*x", {"A": (3, 4), "x": (3,)}, matdiff.ShapeError, "3x4 matrix", 2),
    ("tr(A)", {"A": (2, 3)}, matdiff.ShapeError, "square", 1),
    ("foo(x)", None, matdiff.UnknownNameError, "unknown function 'foo'", 1),
    ("sim(x)", None, matdiff.UnknownNameError, "did you mean", 1),
    ("(x'*A*x", None, matdiff.ParseError, "ends too early", 8),
    ("", None, matdiff.ParseError, "empty", None),
    ("   ", None, matdiff.ParseError, "empty", None),
    ("x*y", None, matdiff.ShapeError, "'.*'", 2),
    ("__import__('os').system('echo hi')", None, matdiff.ParseError, "unexpected character", 1),
    ("x + ", None, matdiff.ParseError, "ends too early", None),
    ("2x", None, matdiff.ParseError, "unexpected 'x'", 2),
    ("A**B", None, matdiff.ParseError, "unexpected '*'", 3),
    ("x^2", None, matdiff.ShapeError, ".^", 2),
    ("X^0.5", None, matdiff.ShapeError, "integer", 2),
    ("X^(a*b)", None, matdiff.ParseError, "integer expression", 4),
    ("x + X", {"x": (2,), "X": (3, 4)}, matdiff.ShapeError, "as many rows", 3),
    ("x + y'", {"x": (2,), "y": (3,)}, matdiff.ShapeError, "row vector of length 3", 3),
    ("sum(X, 3)", None, matdiff.ShapeError, "d = 1", 1),
    ("softmax(X, x)", None, matdiff.ShapeError, "d = 1", 1),
    ("len(X)", None, matdiff.ShapeError, "does not apply", 1),
    ("X/Y", None, matdiff.ShapeError, "'./'", 2),
    ("tr", None, matdiff.UnknownNameError, "is a function", 1),
    ("tr(A, B)", None, matdiff.ShapeError, "takes 1 argument", 1),
    ("kron(A)", None, matdiff.ShapeError, "takes 2 arguments", 1),
    ("vector(x)", None, matdiff.ShapeError, "scalar c", 1),
    ("softmax(X)", None, matdiff.ShapeError, "vector", 1),
    ("expm(x)", None, matdiff.ShapeError, "square", 1),
    ("norm2(a)", None, matdiff.ShapeError, "scalar", 1),
    ("x + y'", None, matdiff.ShapeError, "row vector", 3),
    ("X^100000", None, matdiff.LimitError, "limited", 2),
    ("1e999*x", None, matdiff.ParseError, "too large", 1),
    ("é", None, matdiff.ParseError, "unexpected character", 1),
    ("x + y where", None, matdiff.ParseError, "ends too early", None),
    ("vector(1, 0)", None, matdiff.ParseError, "size", 11),
    ("A*B*C", {"A": (2, 3), "B": (3, 4), "C": (5, 2)}, matdiff.ShapeError, "4 and 5", 4),
]


@pytest.mark.parametrize("text, shapes, cls, words, column", BAD, ids=[b[0] for b in BAD])
def test_bad_input(text: str, shapes: dict | None, cls: type, words: str, column: int | None) -> None:
    with pytest.raises(cls) as info:
        matdiff.derivative(text, wrt="x", shapes=shapes)
    assert words in str(info.value)
    if column is not None:
        assert info.value.pos == column - 1
        assert f"(column {column})" in str(info.value)


def test_caret_points_at_the_problem() -> None:
    with pytest.raises(matdiff.ParseError) as info:
        matdiff.parse("x + y)")
    lines = str(info.value).splitlines()
    assert lines[1].strip() == "x + y)"
    assert lines[2].index("^") == lines[1].index(")")


@pytest.mark.parametrize("text", [
    "-" * 5000 + "x",
    "x" + "'" * 5000,
    "+".join(["x"] * 4000),
    "a^" * 400 + "a",
    "x" * (MAX_LENGTH + 1),
    "sin(" * 1000 + "x" + ")" * 1000,
])
def test_huge_or_deep_input_is_refused(text: str) -> None:
    with pytest.raises(matdiff.LimitError):
        matdiff.derivative(text, wrt="x")


def test_redundant_parentheses_do_not_count_as_depth() -> None:
    d = matdiff.derivative("(" * (MAX_DEPTH + 5) + "x'*x" + ")" * (MAX_DEPTH + 5), wrt="x")
    assert str(d) == "2*x"


def test_deep_but_legal_input_works() -> None:
    d = matdiff.derivative("sin(" * 150 + "x" + ")" * 150, wrt="x", shapes={"x": (2,)})
    assert d.evaluate({"x": [0.1, 0.2]}).shape == (2, 2)


@pytest.mark.parametrize("kwargs", [
    {"wrt": 3}, {"wrt": "x y"}, {"wrt": "x", "shapes": {"x": (0,)}},
    {"wrt": "x", "shapes": {"x": (2, 2, 2)}}, {"wrt": "x", "shapes": {"x": "3"}},
    {"wrt": "x", "shapes": {"x": (1.5,)}}, {"wrt": "x", "shapes": {"x": (True,)}},
    {"wrt": "x", "shapes": [("x", (3,))]},
])
def test_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(matdiff.MatdiffError):
        matdiff.derivative("x'*x", **kwargs)


def test_non_string_expression() -> None:
    with pytest.raises(matdiff.MatdiffError):
        matdiff.derivative(42, wrt="x")  # type: ignore[arg-type]
    with pytest.raises(matdiff.MatdiffError):
        matdiff.evaluate("x", [1, 2])  # type: ignore[arg-type]


def test_numpy_integer_sizes_are_accepted() -> None:
    import numpy as np
    d = matdiff.derivative("x'*x", wrt="x", shapes={"x": (np.int64(3),)})
    assert d.evaluate({"x": np.ones(3)}).tolist() == [2.0, 2.0, 2.0]


def test_a_defect_is_not_reported_as_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception inside the engine (here an injected ZeroDivisionError) comes out as
    InternalError, which is not a MatdiffError: a test that only bad-input errors escape
    can fail."""
    import matdiff.api

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("injected")
    monkeypatch.setattr(matdiff.api, "_parse_named", broken)
    with pytest.raises(matdiff.InternalError) as e:
        matdiff.derivative("x'*x", wrt="x")
    assert not isinstance(e.value, matdiff.MatdiffError)
    assert isinstance(e.value.__cause__, ZeroDivisionError)
