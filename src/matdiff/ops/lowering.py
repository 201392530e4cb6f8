"""NumPy helpers shared by the ops' lowerings.

A value is an ndarray whose trailing axes are the logical shape (0, 1 or 2
axes) and whose leading axes, if any, are batch axes: the directions of a
differential evaluated many at a time. Every lowering broadcasts over them.
"""
from __future__ import annotations

import numpy as np

from ..dims import Shape


def lift(value: np.ndarray, shape: Shape) -> np.ndarray:
    """View a value as a (batch of) 2-D matrix: column n×1, row 1×n, scalar 1×1."""
    if shape.is_matrix:
        return value
    if shape.is_scalar:
        return value[..., None, None]
    return value[..., None, :] if shape.row else value[..., :, None]


def drop(value: np.ndarray, shape: Shape) -> np.ndarray:
    """Inverse of ``lift`` for a result of the given shape."""
    if shape.is_matrix:
        return value
    if shape.is_scalar:
        return value[..., 0, 0]
    return value[..., 0, :] if shape.row else value[..., :, 0]


def trailing(value: np.ndarray, rank: int) -> np.ndarray:
    """A batch of scalars with ``rank`` unit axes added, to broadcast against tensors."""
    return value.reshape(value.shape + (1,) * rank)


def logical_axes(rank: int) -> tuple[int, ...]:
    return tuple(range(-rank, 0))
