"""The error hierarchy: every problem with user input is a ``MatdiffError``."""
from __future__ import annotations


class MatdiffError(Exception):
    """Base class of every error the engine raises on bad input.

    ``pos`` is the 0-based offset in the input text where the problem is, if
    known; the message then ends with the text and a caret under that column.
    """

    def __init__(self, message: str, text: str = "", pos: int | None = None) -> None:
        self.pos = pos
        self.reason = message
        if pos is not None and text and "\n" not in text and len(text) <= 200:
            message = f"{message} (column {pos + 1})\n  {text}\n  {' ' * pos}^"
        elif pos is not None:
            message = f"{message} (column {pos + 1})"
        super().__init__(message)

    def at(self, text: str, pos: int) -> "MatdiffError":
        """The same error, located at ``pos`` in ``text`` (if not located yet)."""
        if self.pos is not None:
            return self
        return type(self)(self.reason, text, pos)


class ParseError(MatdiffError):
    """The text is not a well-formed expression; the message shows where."""


class ShapeError(MatdiffError):
    """Operands whose shapes do not fit the operator."""


class ArityError(ShapeError):
    """A function called with the wrong number (or kind) of arguments."""


class UnknownNameError(MatdiffError):
    """A function or variable name the engine does not know."""


class DomainError(MatdiffError):
    """A value outside an operation's domain (log of a negative, a singular inverse…)."""


class LimitError(MatdiffError):
    """The input or a result is larger than the engine's limits allow."""


class TimeLimitError(LimitError):
    """The work ran past the deadline set around it (a server's per-request budget)."""


class InternalError(Exception):
    """A defect of the engine, never bad input: deliberately *not* a ``MatdiffError``, so
    that a caller (or a test) catching bad-input errors does not swallow a bug."""
