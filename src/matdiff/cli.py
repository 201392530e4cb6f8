"""The command line, a thin shell over the public API:

    matdiff EXPR --wrt X [--wrt Y] [--order 2] [--shape X=3x4] [--assume X=symmetric]
                 [--format text|latex|mathml|index|kron|numpy|jax|torch|json] [--explain] [--check]
    matdiff check EXPR --wrt X        verify numerically, exit 1 on disagreement
    matdiff serve [--host 127.0.0.1] [--port 8000]     the local web page

An expression may start with '-' (``matdiff "-exp(-x'*x)" --wrt x``). With
``--format json`` the output is one JSON document, the derivation and the check
included.
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Sequence

from . import api
from .api import Derivative
from .check import check
from .errors import MatdiffError
from .syntax.declarations import shape_from_text

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
USAGE = """matdiff EXPR --wrt X [options]
       matdiff check EXPR --wrt X [options]
       matdiff serve [--host HOST] [--port PORT] [--workers N] [--allow-host NAME]"""
#: Options followed by a value (which may itself start with '-').
VALUE_OPTIONS = ("--wrt", "--order", "--shape", "--assume", "--function", "--format")


def _version() -> str:
    try:
        return version("matdiff")
    except PackageNotFoundError:
        return "unknown"


def _protect(argv: Sequence[str]) -> list[str]:
    """Move an expression that starts with '-' (``-exp(-x'*x)``) after ``--``, where
    argparse reads it as the positional EXPR rather than as an option."""
    rest: list[str] = []
    exprs: list[str] = []
    for i, a in enumerate(argv):
        after_option = i > 0 and argv[i - 1] in VALUE_OPTIONS
        if a.startswith("-") and not a.startswith("--") and a != "-h" and not after_option:
            exprs.append(a)
        else:
            rest.append(a)
    return rest + ["--", *exprs] if exprs else rest


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
    p = argparse.ArgumentParser(prog="matdiff check" if check_only else "matdiff", usage=USAGE,
                                description="Derivatives of matrix expressions.",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"matdiff {_version()}")
    p.add_argument("expr", help="the expression, e.g. \"x'*A*x\" (it may start with '-')")
    p.add_argument("--wrt", required=True, action="append", metavar="X",
                   help="the variable to differentiate with respect to (repeat for several)")
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
    """Print, in color when writing to a terminal (rich, never re-wrapping lines, so a
    caret stays under its column), plain when piped."""
    stream = sys.stderr if err else sys.stdout
    if style and stream.isatty():
        from rich.console import Console
        Console(file=stream, highlight=False, soft_wrap=True).print(text, style=style, markup=False)
    else:
        print(text, file=stream)


def _json(d: Derivative, explain: bool, checked: bool) -> tuple[dict[str, Any], bool]:
    """One derivative as JSON data (with the check's verdict when asked); whether it passed."""
    data: dict[str, Any] = {"wrt": str(d.wrt.attr), "order": d.order, **d.to_dict()}
    if not explain:
        data.pop("explain", None)
        data.pop("explain_latex", None)
        data.pop("explain_mathml", None)
    ok = True
    if checked:
        report = check(d)
        ok = report.ok
        data["check"] = {"ok": report.ok, "error": report.error, "domain": report.domain,
                         "sizes": report.sizes, "text": str(report)}
    return data, ok


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        from .web.server import main as serve
        return serve(argv[1:])
    check_only = argv[:1] == ["check"]
    args = build_parser(check_only).parse_args(_protect(argv[1:] if check_only else argv))
    ok = True
    try:
        ds = [api.derivative(args.expr, wrt=w, order=args.order, shapes=dict(args.shape),
                             assume=dict(args.assume), functions=dict(args.function))
              for w in dict.fromkeys(args.wrt)]
        if not check_only and args.format == "json":
            docs = [_json(d, args.explain, args.check) for d in ds]
            ok = all(passed for _, passed in docs)
            out = docs[0][0] if len(docs) == 1 else [data for data, _ in docs]
            print(json.dumps(out, ensure_ascii=False, indent=2))
            return 0 if ok else 1
        for d in ds:
            if len(ds) > 1:
                _say(f"with respect to {d.wrt.attr}:")
            if not check_only:
                _say(render(d, args.format), "bold cyan")
                if args.explain:
                    steps = d.explain()
                    _say("")
                    _say(steps.latex() if args.format == "latex" else str(steps))
            if check_only or args.check:
                report = check(d)
                _say(str(report), "green" if report.ok else "bold red")
                ok = ok and report.ok
    except MatdiffError as e:
        _say(f"error: {e}", "red", err=True)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
