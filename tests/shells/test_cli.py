"""The command line, through a subprocess."""
from __future__ import annotations

import json
import re
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
    ("mathml", "<math"), ("text", "(A + A')*x"), ("numpy", "def d1_dx(x, A):"),
    ("torch", "import torch"), ("json", '"index"'),
])
def test_formats(fmt: str, text: str) -> None:
    out = run("x'*A*x", "--wrt", "x", "--format", fmt)
    assert out.returncode == 0 and text in out.stdout


def test_order_shapes_and_explain() -> None:
    out = run("X*y", "--wrt", "X", "--shape", "X=3x3", "--shape", "y=3x2", "--explain")
    assert out.stdout.startswith("∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]")
    assert "dF = dX*y" in out.stdout
    assert run("x'*A*x", "--wrt", "x", "--order", "2").stdout.strip() == "A + A'"


def test_errors_exit_non_zero_with_a_caret() -> None:
    out = run("A*x", "--wrt", "x", "--shape", "A=3x4", "--shape", "x=3")
    assert out.returncode == 2
    assert "^" in out.stderr and "3x4 matrix" in out.stderr and "Traceback" not in out.stderr


def test_an_expression_may_start_with_a_minus() -> None:
    out = run("-exp(-x'*x)", "--wrt", "x")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2*exp(-x'*x)*x"
    assert run("--wrt", "x", "-x'*x", "--order", "2").stdout.strip() == "-2*eye(len(x))"


@pytest.mark.parametrize("flags", [["--check"], ["--explain"], ["--check", "--explain"]])
def test_json_is_one_document(flags: list[str]) -> None:
    out = run("x'*A*x", "--wrt", "x", "--format", "json", *flags)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["text"] == "(A + A')*x" and data["wrt"] == "x"
    assert ("check" in data) == ("--check" in flags) and ("explain" in data) == ("--explain" in flags)
    if "--check" in flags:
        assert data["check"]["ok"] is True


def test_several_wrt_give_each_derivative() -> None:
    out = run("x'*A*x", "--wrt", "x", "--wrt", "A")
    assert out.returncode == 0
    assert out.stdout.split("\n")[:4] == ["with respect to x:", "(A + A')*x", "with respect to A:", "x*x'"]
    data = json.loads(run("x'*A*x", "--wrt", "x", "--wrt", "A", "--format", "json").stdout)
    assert [d["wrt"] for d in data] == ["x", "A"]


def test_version_and_usage() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("matdiff ")
    usage = run("--help").stdout
    assert "matdiff check EXPR" in usage and "matdiff serve" in usage


def test_check_passes_a_right_derivative_beside_a_large_constant() -> None:
    out = run("check", "x'*x + 1e8", "--wrt", "x")
    assert out.returncode == 0 and "agrees" in out.stdout, out.stdout


def test_check_refuses_a_huge_shape_without_a_traceback() -> None:
    out = run("check", "tr(X)", "--wrt", "X", "--shape", "X=100000x100000")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "entries" in out.stderr


def test_a_terminal_gets_no_hard_wrapped_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich writes long results and carets without inserting line breaks."""
    import io

    from matdiff import cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("COLUMNS", "30")
    text = "error: " + "x" * 80 + "\n  " + "y" * 70 + "\n  " + " " * 60 + "^"
    cli._say(text, "red", err=True)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue()).rstrip("\n").split("\n")
    assert lines == text.split("\n")
