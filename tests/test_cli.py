"""The command line, through a subprocess."""
from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "matdiff", *args], capture_output=True, text=True,
                          timeout=60)


def test_prints_the_gradient() -> None:
    out = run("norm2(X'*W)^2", "--wrt", "W")
    assert out.returncode == 0
    assert out.stdout.strip() == "2*X*X'*W"


@pytest.mark.parametrize("fmt, text", [
    ("latex", r"\frac{\partial f}{\partial x}"), ("index", "∂f/∂x[m]"), ("kron", "dvec(f)/dvec(x)"),
    ("mathml", "<math"), ("text", "(A' + A)*x"), ("numpy", "def d1_dx(x, A):"),
    ("torch", "import torch"), ("json", '"index"'),
])
def test_formats(fmt: str, text: str) -> None:
    out = run("x'*A*x", "--wrt", "x", "--format", fmt)
    assert out.returncode == 0 and text in out.stdout


def test_order_shapes_and_explain() -> None:
    out = run("X*y", "--wrt", "X", "--shape", "X=3x3", "--shape", "y=3x2", "--explain")
    assert out.stdout.startswith("∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]")
    assert "dF = dX*y" in out.stdout
    assert run("x'*A*x", "--wrt", "x", "--order", "2").stdout.strip() == "A' + A"


def test_errors_exit_non_zero_with_a_caret() -> None:
    out = run("A*x", "--wrt", "x", "--shape", "A=3x4", "--shape", "x=3")
    assert out.returncode == 2
    assert "^" in out.stderr and "3x4 matrix" in out.stderr and "Traceback" not in out.stderr
