"""Text → typed expression: the grammar and the parser."""
from .parser import parse, parse_named, MAX_DEPTH, MAX_LENGTH, MAX_NODES

__all__ = ["parse", "parse_named", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES"]
