"""Integer expressions for symbolic exponents and summation bounds: ``k``, ``k - 1 - j``.

An ``IntExpr`` is an affine form ``c + Σ aᵢ·sᵢ`` over integer symbols; its symbols
are bound at evaluation (``values={"k": 3}``) or by an enclosing ``sigma``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import MatdiffError


@dataclass(frozen=True)
class IntExpr:
    const: int = 0
    terms: tuple[tuple[str, int], ...] = ()

    @staticmethod
    def of(value: int | str) -> IntExpr:
        return IntExpr(value) if isinstance(value, int) else IntExpr(0, ((value, 1),))

    @property
    def is_const(self) -> bool:
        return not self.terms

    @property
    def symbols(self) -> set[str]:
        return {s for s, _ in self.terms}

    def __add__(self, other: IntExpr | int) -> IntExpr:
        other = other if isinstance(other, IntExpr) else IntExpr(other)
        coefs = dict(self.terms)
        for s, a in other.terms:
            coefs[s] = coefs.get(s, 0) + a
        return IntExpr(self.const + other.const, tuple(sorted((s, a) for s, a in coefs.items() if a)))

    def __neg__(self) -> IntExpr:
        return IntExpr(-self.const, tuple((s, -a) for s, a in self.terms))

    def __sub__(self, other: IntExpr | int) -> IntExpr:
        return self + (-(other if isinstance(other, IntExpr) else IntExpr(other)))

    def value(self, env: Mapping[str, int]) -> int:
        missing = [s for s in self.symbols if s not in env]
        if missing:
            raise MatdiffError(f"no value given for the integer {', '.join(sorted(missing))}")
        return self.const + sum(a * env[s] for s, a in self.terms)

    def __str__(self) -> str:
        """``k - j - 1``: positive terms first, then negative ones, then the constant."""
        terms = sorted(self.terms, key=lambda t: (t[1] < 0, t[0]))
        out = ""
        for s, a in terms:
            body = s if abs(a) == 1 else f"{abs(a)}*{s}"
            out += (f" {'-' if a < 0 else '+'} " if out else ("-" if a < 0 else "")) + body
        if self.const or not out:
            out += (f" {'-' if self.const < 0 else '+'} {abs(self.const)}" if out else str(self.const))
        return out

    @property
    def atomic(self) -> bool:
        """Prints without parentheses (a single symbol or a non-negative number)."""
        if self.is_const:
            return self.const >= 0
        return self.const == 0 and len(self.terms) == 1 and self.terms[0][1] == 1
