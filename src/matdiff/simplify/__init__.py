"""Rewrite rules (as data) and the small engine that runs them."""
from .engine import simplify

__all__ = ["simplify"]
