"""The command line, a thin shell over the public API:

    matdiff EXPR --wrt X [--order 2] [--shape X=3x4] [--assume X=symmetric]
                 [--format text|latex|mathml|index|kron|json] [--explain] [--check]
    matdiff check EXPR --wrt X        verify numerically, exit 1 on disagreement
    matdiff serve [--host 127.0.0.1] [--port 8000]     the local web page
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from . import api
from .api import Derivative
from .check import check
from .errors import MatdiffError
from .syntax.parser import shape_from_text

EXAMPLES = """examples:
  matdiff "norm2(X'*W)^2" --wrt W
  matdiff "x'*A*x" --wrt x --order 2
  matdiff "X*y" --wrt X --shape X=3x3 --shape y=3x2 --format kron
  matdiff "tr(A*X*B)" --wrt X --format latex --explain
  matdiff "logdet(X)" --wrt X --assume X=spd --check
  matdiff check "sum(log(vector(1)+exp(-y.*(X*w))))" --wrt w --order 2
  matdiff serve --port 8000
"""
FORMATS = ("text", "latex", "mathml", "index", "kron", "numpy", "jax", "torch", "json")


def _shape(text: str) -> tuple[str, tuple[int | str, ...]]:
    name, sep, dims = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=SHAPE such as X=3x4, got {text!r}")
    return name, shape_from_text(dims)


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE such as X=symmetric, got {text!r}")
    return name, value


def build_parser(check_only: bool = False) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="matdiff check" if check_only else "matdiff",
                                description="Derivatives of matrix expressions.",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", help="the expression, e.g. \"x'*A*x\"")
    p.add_argument("--wrt", required=True, help="the variable to differentiate with respect to")
    p.add_argument("--order", type=int, default=1, help="derivative order (default 1)")
    p.add_argument("--shape", type=_shape, action="append", default=[], metavar="NAME=MxN",
                   help="fix a variable's shape: X=3x4, x=3, a=scalar, X=mxn")
    p.add_argument("--assume", type=_pair, action="append", default=[], metavar="NAME=STRUCTURE",
                   help="declare a matrix symmetric, spd or diagonal: X=symmetric")
    p.add_argument("--function", type=_pair, action="append", default=[], metavar="g=G",
                   help="an unknown scalar function g whose gradient is called G")
    if not check_only:
        p.add_argument("--format", choices=FORMATS, default="text",
                       help="text (matrix notation), latex, mathml, index (Einstein), "
                            "kron (dvec/dvec), numpy/jax/torch (generated code), json (all)")
        p.add_argument("--explain", action="store_true", help="also print the derivation")
        p.add_argument("--check", action="store_true",
                       help="also compare with finite differences at random inputs")
    return p


def render(d: Derivative, fmt: str) -> str:
    """The derivative in one of the FORMATS."""
    if fmt == "json":
        return json.dumps(d.to_dict(), ensure_ascii=False, indent=2)
    if fmt in ("numpy", "jax", "torch"):
        return d.code(fmt)
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


def _say(text: str, style: str = "", err: bool = False) -> None:
    """Print, in color when writing to a terminal (rich), plain when piped."""
    stream = sys.stderr if err else sys.stdout
    if style and stream.isatty():
        from rich.console import Console
        Console(file=stream, highlight=False).print(text, style=style, markup=False)
    else:
        print(text, file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        from .web.server import main as serve
        return serve(argv[1:])
    check_only = argv[:1] == ["check"]
    args = build_parser(check_only).parse_args(argv[1:] if check_only else argv)
    try:
        d = api.derivative(args.expr, wrt=args.wrt, order=args.order, shapes=dict(args.shape),
                           assume=dict(args.assume), functions=dict(args.function))
        if check_only:
            report = check(d)
            _say(str(report), "green" if report.ok else "bold red")
            return 0 if report.ok else 1
        _say(render(d, args.format), "bold cyan")
        if args.explain:
            steps = d.explain()
            _say("")
            _say(steps.latex() if args.format == "latex" else str(steps))
        if args.check:
            report = check(d)
            _say(str(report), "green" if report.ok else "bold red")
            return 0 if report.ok else 1
    except MatdiffError as e:
        _say(f"error: {e}", "red", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
