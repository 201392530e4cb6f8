"""The JSON documents of the API: queries (validated before any work is done) and answers."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from ..syntax import MAX_LENGTH


def _plain(value: Any) -> Any:
    """Text that UTF-8 can carry: a lone surrogate (``"x\\ud800"``) is refused here, as a
    bad request, rather than failing when the answer is written."""
    texts = [value] if isinstance(value, str) else \
        [t for kv in value.items() for t in kv] if isinstance(value, dict) else []
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("the text holds a lone surrogate, which is not a character") from None
    return value


class Query(BaseModel):
    """An expression and what is known about its variables."""

    expr: str = Field(max_length=MAX_LENGTH, examples=["norm2(X'*W)^2"])
    shapes: dict[str, str] = Field(default_factory=dict, max_length=50,
                                   description="NAME: '3x4', '3', 'scalar' or 'mxn'")
    assume: dict[str, str] = Field(default_factory=dict, max_length=50,
                                   description="NAME: 'symmetric', 'spd' or 'diagonal'")

    _texts = field_validator("expr", "shapes", "assume")(_plain)


class DerivativeQuery(Query):
    wrt: str = Field(max_length=100, examples=["W"])
    order: int = Field(default=1, ge=1, le=4)
    check: bool = True
    share: bool = Field(default=True, description="name common subexpressions (where T1 = …)")
    functions: dict[str, str] = Field(default_factory=dict, max_length=20,
                                      description="an unknown scalar function and the name of its "
                                                  "gradient: {'g': 'G'} for g(X^2) → G*X' + X'*G")

    _wrt = field_validator("wrt", "functions")(_plain)


class Variable(BaseModel):
    name: str
    kind: str
    shape: str
    structure: str | None = None


class DerivativeResult(BaseModel):
    text: str
    shape: str
    latex: str
    mathml: str
    index: str
    kron: str | None
    kron_layout: str | None
    explain: list[str]
    explain_latex: list[str]
    explain_mathml: list[str]
    code: str | None
    check: str | None
    variables: list[Variable]


class Problem(BaseModel):
    """A refused request: what is wrong, the error's class and the column (if known)."""

    error: str
    kind: str
    position: int | None
