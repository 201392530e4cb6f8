"""Rendering: expressions as text (the input language) and LaTeX, index forms, the
function reference. Importing the package registers the printers (``expr.PRINTERS``,
``calculus.index.FORMATS``) that earlier stages print through."""
from . import index, text  # noqa: F401
