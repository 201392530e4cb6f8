"""Fuzzing: random well-typed expressions are differentiated correctly (first and
second order, against finite differences); random text only ever raises
MatdiffError. Inputs that once failed are kept in regressions/ and rerun."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import matdiff
from expressions import SHAPES, expression, shapes
from numeric import check, draw

REGRESSIONS = [json.loads(line) for line in
               (Path(__file__).parents[1] / "regressions" / "inputs.jsonl").read_text().splitlines()
               if line.strip()]
#: MATDIFF_FUZZ_SCALE=50 multiplies the number of examples: 100,000 expressions (a long run, randomized).
SCALE = int(os.environ.get("MATDIFF_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(deadline=None, max_examples=examples * SCALE, derandomize=SCALE == 1,
                    suppress_health_check=[HealthCheck.too_slow])


def _wrt(expr: str, data: st.DataObject) -> str:
    used = [v for v in SHAPES if v in matdiff.parse(expr, SHAPES).variables()]
    return data.draw(st.sampled_from(used)) if used else "x"


@fuzz(2000)
@given(expr=st.one_of(expression("s"), expression("v"), expression("m")), n=st.integers(1, 5),
       data=st.data())
def test_random_expressions_are_differentiated_correctly(expr: str, n: int, data: st.DataObject) -> None:
    """Never a wrong value, from evaluate() or from the generated NumPy code; a point
    outside a formula's domain may be refused (the gradient of det at a singular
    matrix uses inv, for example: DomainError from evaluate(), LinAlgError from the
    generated code, which may meet the singularity exactly where evaluate() rounds)."""
    wrt, sizes = _wrt(expr, data), shapes(n)
    note(f"derivative({expr!r}, wrt={wrt!r}, shapes={sizes})")
    try:
        check(expr, wrt, sizes, order=2, rtol=1e-4, atol=1e-6, directions=1, seed=n)
        d = matdiff.derivative(expr, wrt=wrt, shapes=sizes)
        values = draw(sizes, {}, np.random.default_rng(n))
        if not d.is_zero:
            want = d.evaluate(values)
            assert np.allclose(np.asarray(d.compile("numpy")(**values)), want, rtol=1e-7, atol=1e-9), d.code()
    except (matdiff.DomainError, np.linalg.LinAlgError):
        assume(False)


TOKENS = ["x", "A", "a", "X", "(", ")", "'", "*", "+", "-", "/", ".*", "./", "^", ".^", "2",
          "0.5", "1e3", ",", "tr(", "inv(", "sum(", "vector(", "eye", "kron(", "expm(", "diag(",
          "norm2(", " where ", "T1 = ", "@", "__", "\n", "é", "rows(", "1e400", "[", "]", "k",
          "sigma(", "unit(", " where X symmetric", "g(", "X^k", "dexpm("]


@fuzz(1200)
@given(st.lists(st.sampled_from(TOKENS), max_size=25) | st.text(max_size=40))
def test_random_text_only_raises_matdiff_errors(parts: list[str] | str) -> None:
    text = "".join(parts)
    try:
        d = matdiff.derivative(text, wrt="x")
        str(d)
        d.evaluate({"x": np.ones(3), "A": np.eye(3), "X": np.eye(3), "a": 0.5})
    except matdiff.MatdiffError:
        pass


@pytest.mark.parametrize("case", REGRESSIONS, ids=[c["expr"][:40] for c in REGRESSIONS])
def test_regressions(case: dict) -> None:
    if case.get("expect") == "domain":
        with pytest.raises(matdiff.DomainError):
            check(case["expr"], case["wrt"], SHAPES, order=2, rtol=1e-4, atol=1e-6)
    elif case["kind"] == "sound":
        check(case["expr"], case["wrt"], SHAPES, order=2, rtol=1e-4, atol=1e-6)
        for order in (1, 2):
            d = matdiff.derivative(case["expr"], wrt=case["wrt"], order=order, shapes=SHAPES)
            values = draw(SHAPES, {}, np.random.default_rng(order))
            if not d.is_zero:
                assert np.allclose(d.compile("numpy")(**values), d.evaluate(values)), d.code()
    else:
        with pytest.raises(matdiff.MatdiffError):
            matdiff.derivative(case["expr"], wrt=case["wrt"]).evaluate(
                {"x": np.ones(3), "A": np.eye(3), "X": np.eye(3), "a": 0.5})
