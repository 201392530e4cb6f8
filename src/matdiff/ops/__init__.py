"""Op declarations: one module per family; importing this package declares them all."""
from . import abstract, arithmetic, elementwise, linalg, matfun  # noqa: F401
