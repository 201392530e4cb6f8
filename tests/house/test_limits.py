"""Every public function is bounded in time and memory, and refuses what it cannot
compute right with a clear MatdiffError (README "Limits")."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import matdiff
from matdiff.errors import DomainError, LimitError, MatdiffError


@pytest.mark.parametrize("value, words", [
    (np.array([1j, 2j]), "complex"),
    (None, "not an array of real numbers"),
    ([1.0, None], "not an array of real numbers"),
    ("3", "not a number"),
    (10**400, "beyond the float64 range"),
    ([np.nan, 1.0], "not finite"),
    ([np.inf, 1.0], "not finite"),
])
def test_values_that_are_not_real_numbers_are_refused(value: object, words: str) -> None:
    with pytest.raises(MatdiffError, match=words):
        matdiff.evaluate("x'*x", {"x": value})


@pytest.mark.parametrize("k", [-1, 3, 10**6])
def test_unit_refuses_an_index_out_of_range(k: int) -> None:
    with pytest.raises(DomainError, match="unit"):
        matdiff.evaluate("unit(k, 3)'*x", {"x": np.ones(3), "k": k})


@pytest.mark.parametrize("value, error, words", [
    (10**30, LimitError, "beyond the limit"),
    ("3", MatdiffError, "not a number"),
    (2.5, MatdiffError, "must be an integer"),
    (True, MatdiffError, "must be an integer"),
])
def test_integer_symbols_take_bounded_integers(value: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        matdiff.evaluate("sum(sigma(k, 0, K, x))", {"x": np.ones(2), "K": value})


def test_an_integral_float_is_an_integer() -> None:
    assert matdiff.evaluate("sum(sigma(k, 0, K, x))", {"x": np.ones(2), "K": 3.0}) == 8.0


@pytest.mark.parametrize("text, values", [
    ("sum(sigma(k, 0, K, x))", {"x": np.ones(2), "K": 10**9}),
    ("sum(sigma(j, 0, K, sigma(k, 0, K, x)))", {"x": np.ones(2), "K": 1_000}),
])
def test_sums_are_refused_before_they_run_long(text: str, values: dict) -> None:
    t0 = time.process_time()
    with pytest.raises(LimitError, match="terms"):
        matdiff.evaluate(text, values)
    assert time.process_time() - t0 < 30


def test_a_symbolic_power_at_a_large_exponent_is_bounded() -> None:
    d = matdiff.derivative("tr(X^K)", wrt="X")
    with pytest.raises(LimitError, match="terms"):
        d.evaluate({"X": np.eye(2) / 2, "K": 10**6})


@pytest.mark.parametrize("call", [
    lambda: matdiff.vjp("x'*x", wrt="x", cotangent=5),  # type: ignore[arg-type]
    lambda: matdiff.vjp("x'*x", wrt=None, cotangent="G"),  # type: ignore[arg-type]
    lambda: matdiff.differential("x'*x", wrt=[1, 2]),  # type: ignore[list-item]
    lambda: matdiff.value_and_grad("x'*x", wrt=[]),
    lambda: matdiff.derivative("x'*x", wrt=3),  # type: ignore[arg-type]
])
def test_arguments_of_the_wrong_kind_are_bad_input(call) -> None:
    with pytest.raises(MatdiffError, match="name"):
        call()


def test_a_tensor_too_large_to_print_is_said_so_quickly() -> None:
    d = matdiff.derivative("sin(" * 199 + "x" + ")" * 199, wrt="x", order=3)
    t0 = time.process_time()
    assert "too large to print" in str(d)
    assert time.process_time() - t0 < 20


def test_code_for_a_derivative_too_large_is_refused() -> None:
    d = matdiff.derivative("tr(X^64)", wrt="X", order=4)
    with pytest.raises(LimitError, match="code is generated for at most"):
        d.code()


def test_evaluating_a_derivative_never_allocates_the_identity_basis() -> None:
    """X*X' by X at a 1x12000 X: the value has 12,000 entries; its 12,000² basis (1.2 GB)
    was allocated before any check. Run under a 600 MB address-space cap."""
    script = textwrap.dedent("""
        import resource
        import numpy as np
        import matdiff
        d = matdiff.derivative("X*X'", wrt="X")
        x = np.linspace(-1, 1, 12000).reshape(1, 12000)
        with open("/proc/self/status") as f:
            size = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (size + 600 * 2**20,) * 2)
        value = d.evaluate({"X": x})
        assert value.shape == (1, 1, 1, 12000) and np.allclose(value.ravel(), 2 * x.ravel())
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "ok", run.stderr[-2000:]


def test_a_chunked_evaluation_equals_the_whole() -> None:
    from matdiff.calculus import derivative as stage
    d = matdiff.derivative("X*A*X", wrt="X", order=1)
    values = {"X": np.arange(6.0).reshape(3, 2) / 7, "A": np.arange(6.0).reshape(2, 3) / 5}
    whole = d.evaluate(values)
    try:
        stage.CHUNK, before = 7, stage.CHUNK
        assert np.allclose(d.evaluate(values), whole)
    finally:
        stage.CHUNK = before


@pytest.mark.parametrize("shape", ["²", "9" * 5000, "0", "1000000001"])
def test_shape_text_out_of_range_is_a_shape_error(shape: str) -> None:
    from matdiff.syntax.declarations import shape_from_text
    with pytest.raises(MatdiffError, match="whole number"):
        shape_from_text(shape)


def test_a_numeric_check_is_refused_before_sampling_huge_inputs() -> None:
    from matdiff.check import check
    d = matdiff.derivative("x'*x", wrt="x", shapes={"x": (40_000_000,)})
    with pytest.raises(LimitError, match="samples at most 1,000"):
        check(d, max_entries=1_000)


def test_the_cli_check_of_a_huge_shape_is_an_error_line(capsys) -> None:
    from matdiff.cli import main
    assert main(["check", "tr(X)", "--wrt", "X", "--shape", "X=100000x100000"]) != 0
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
