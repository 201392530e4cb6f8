"""How ops print in the input language: small factories an op declaration uses.

Every factory returns a ``Syntax``: ``(node, printed_args) -> (text, level)``,
where each printed arg is ``(text, level)`` and levels are the precedences of
``matdiff.expr``. Parentheses are added exactly where the grammar needs them,
so printed text parses back to an equal expression.
"""
from __future__ import annotations

from typing import Sequence

from ..expr import ATOM, MUL, NEG, POSTFIX, POWER, PROD, SUM, Node, Syntax

Printed = Sequence[tuple[str, int]]


def paren(arg: tuple[str, int], min_level: int) -> str:
    text, level = arg
    return text if level >= min_level else f"({text})"


def call(name: str) -> Syntax:
    """``name(a, b)``."""
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        return f"{name}({', '.join(t for t, _ in args)})", ATOM
    return syntax


def product(token: str) -> Syntax:
    """A left-associative product operator: ``a*b``, ``a.*b``, ``a./b``, ``a/b``.

    Only ``*`` chains are associative, so only they drop parentheses on the right; a
    division by a scalar on the right of ``*`` or ``.*`` needs none either, nor any
    elementwise product on the right of a scalar: ``a*(b/s) = a*b/s``,
    ``2*(x.*y) = 2*x.*y``.
    """
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        left = paren(args[0], NEG)
        right_text, right_level = args[1]
        right = node.args[1]
        reciprocal = right.op.name == "div" and right.args[0].op.name == "const"  # a*(1/s)
        scalar = (node.op.name == "scale" or right.op.name == "div") and not reciprocal
        ok = right_level > PROD and not (right_level == MUL and token != "*") \
            or (token in ("*", ".*") and scalar and right_level >= PROD)
        right_text = right_text if ok else f"({right_text})"
        level = MUL if token == "*" else PROD
        if left.startswith("-"):
            level = NEG
        return f"{left}{token}{right_text}", level
    return syntax


def plus(node: Node, args: Printed) -> tuple[str, int]:
    """``a + b``, written ``a - c`` when b is printed as ``-c``."""
    left = args[0][0]
    text, level = args[1]
    if level == NEG:
        return f"{left} - {text[1:]}", SUM
    return f"{left} + {paren(args[1], NEG)}", SUM


def minus(node: Node, args: Printed) -> tuple[str, int]:
    """Unary minus: ``-a``; a product keeps no parentheses (``-A*B``)."""
    text, level = args[0]
    if level == NEG:
        return f"-({text})", NEG
    return f"-{paren(args[0], PROD)}", NEG


def power(token: str) -> Syntax:
    """``a^b`` / ``a.^b``: the base is an atom or a transpose."""
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        return f"{paren(args[0], POSTFIX)}{token}{paren(args[1], POWER)}", POWER
    return syntax


def postfix(token: str) -> Syntax:
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        return f"{paren(args[0], POSTFIX)}{token}", POSTFIX
    return syntax


# --- LaTeX -----------------------------------------------------------------------

def tex_call(name: str) -> Syntax:
    r"""``\operatorname{tr}\left(A\right)``."""
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        return rf"{name}\left({', '.join(t for t, _ in args)}\right)", ATOM
    return syntax


def tex_wrap(left: str, right: str) -> Syntax:
    r"""``\lVert x \rVert_2``, ``\left|x\right|``: delimiters that need no parentheses."""
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        return f"{left}{args[0][0]}{right}", ATOM
    return syntax


def tex_product(sep: str) -> Syntax:
    r"""Products: juxtaposition (``sep=" "``), ``\odot``, ``\oslash``, ``\otimes``."""
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        left = paren_tex(args[0], NEG)
        ok = args[1][1] > PROD and not (args[1][1] == MUL and sep != " ")
        right = args[1][0] if ok else rf"\left({args[1][0]}\right)"
        return f"{left}{sep}{right}", (MUL if sep == " " else PROD)
    return syntax


def tex_frac(node: Node, args: Printed) -> tuple[str, int]:
    return rf"\frac{{{args[0][0]}}}{{{args[1][0]}}}", ATOM


def tex_power(node: Node, args: Printed, exponent: str, hadamard: bool) -> tuple[str, int]:
    circ = r"\circ " if hadamard else ""
    return f"{{{paren_tex(args[0], POSTFIX)}}}^{{{circ}{exponent}}}", POWER


def tex_postfix(token: str) -> Syntax:
    def syntax(node: Node, args: Printed) -> tuple[str, int]:
        return f"{{{paren_tex(args[0], POSTFIX)}}}{token}", POSTFIX
    return syntax


def paren_tex(arg: tuple[str, int], min_level: int) -> str:
    text, level = arg
    return text if level >= min_level else rf"\left({text}\right)"
