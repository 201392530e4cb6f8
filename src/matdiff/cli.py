"""``matdiff EXPR --wrt X``: print the derivative (a thin shell over the public API)."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import api
from .calculus.derivative import Derivative
from .errors import MatdiffError

EXAMPLES = """examples:
  matdiff "norm2(X'*W)^2" --wrt W
  matdiff "x'*A*x" --wrt x --order 2
  matdiff "X*y" --wrt X --shape X=3x3 --shape y=3x2 --format kron
  matdiff "tr(A*X*B)" --wrt X --format latex --explain
"""
FORMATS = ("text", "latex", "mathml", "index", "kron")


def _shape(text: str) -> tuple[str, tuple[int | str, ...]]:
    name, sep, dims = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=SHAPE such as X=3x4, got {text!r}")
    parts = [] if dims in ("", "scalar") else dims.split("x")
    return name, tuple(int(p) if p.isdigit() else p for p in parts)


def _bad_assume(text: str) -> tuple[str, str]:
    raise argparse.ArgumentTypeError(f"expected NAME=STRUCTURE such as X=symmetric, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="matdiff", description="Derivatives of matrix expressions.",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", help="the expression, e.g. \"x'*A*x\"")
    p.add_argument("--wrt", required=True, help="the variable to differentiate with respect to")
    p.add_argument("--order", type=int, default=1, help="derivative order (default 1)")
    p.add_argument("--shape", type=_shape, action="append", default=[], metavar="NAME=MxN",
                   help="fix a variable's shape: X=3x4, x=3, a=scalar, X=mxn")
    p.add_argument("--assume", action="append", default=[], metavar="NAME=STRUCTURE",
                   type=lambda t: tuple(t.split("=", 1)) if "=" in t else _bad_assume(t),
                   help="declare a matrix symmetric, spd or diagonal: X=symmetric")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (matrix notation), latex, mathml, index (Einstein), kron (dvec/dvec)")
    p.add_argument("--explain", action="store_true", help="also print the derivation step by step")
    return p


def render(d: Derivative, fmt: str) -> str:
    """The derivative in one of the FORMATS."""
    if fmt == "latex":
        return d.latex()
    if fmt == "mathml":
        return d.mathml()
    if fmt == "index":
        return str(d.index())
    if fmt == "kron":
        k = d.kron()
        if k is None:
            return "no Kronecker form is known for this derivative; its index form:\n" + str(d.index())
        return f"{k}\n({k.layout})"
    return str(d)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        d = api.derivative(args.expr, wrt=args.wrt, order=args.order, shapes=dict(args.shape),
                           assume=dict(args.assume))
        print(render(d, args.format))
        if args.explain:
            steps = d.explain()
            print()
            print(steps.latex() if args.format == "latex" else steps)
    except MatdiffError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
