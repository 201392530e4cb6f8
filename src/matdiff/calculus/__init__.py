"""Differentiation: linearize (forward), transpose (reverse), derivatives of any order."""
