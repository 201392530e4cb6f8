"""Rendering expressions as text (the input language)."""
