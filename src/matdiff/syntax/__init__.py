"""Text → typed expression: the grammar and the parser."""
from .parser import parse, MAX_DEPTH, MAX_LENGTH, MAX_NODES

__all__ = ["parse", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES"]
