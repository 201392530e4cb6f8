"""``matdiff EXPR --wrt X``: print the derivative (a thin shell over the public API)."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import api
from .errors import MatdiffError

EXAMPLES = """examples:
  matdiff "norm2(X'*W)^2" --wrt W
  matdiff "x'*A*x" --wrt x --order 2
  matdiff "X*y" --wrt X --shape X=3x3 --shape y=3x2
"""


def _shape(text: str) -> tuple[str, tuple[int | str, ...]]:
    name, sep, dims = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=SHAPE such as X=3x4, got {text!r}")
    parts = [] if dims in ("", "scalar") else dims.split("x")
    return name, tuple(int(p) if p.isdigit() else p for p in parts)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="matdiff", description="Derivatives of matrix expressions.",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", help="the expression, e.g. \"x'*A*x\"")
    p.add_argument("--wrt", required=True, help="the variable to differentiate with respect to")
    p.add_argument("--order", type=int, default=1, help="derivative order (default 1)")
    p.add_argument("--shape", type=_shape, action="append", default=[], metavar="NAME=MxN",
                   help="fix a variable's shape: X=3x4, x=3, a=scalar, X=mxn")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        d = api.derivative(args.expr, wrt=args.wrt, order=args.order, shapes=dict(args.shape))
        print(d)
    except MatdiffError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
