"""The three target libraries: NumPy, JAX and PyTorch.

Each op declares one source template (``Op.source``, see ``ops/source.py``) over
names that a backend fills in: ``{xp}`` (np, jnp, torch), ``{linalg}``, ``{like}``
(the dtype and device of the inputs), its helpers (``{sigmoid}``, ``{spd_solve}``…).
An op without a source, or whose helper a backend lacks, raises ``MatdiffError``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..errors import MatdiffError
from ..expr import Absent, Node, Op, Sizes
from ..ops import matfun as mf
from . import runtime
from .matfuns import JAX_DEFS, TORCH_DEFS


def _adjugate(xp: str, svd: str, flip: str, cat: str) -> str:
    """adj(X) = det(U) det(V) · V diag(Π_{j≠i} s_j) U' from the SVD X = U S V' (see
    linalg.adjugate); ``flip`` reverses a vector (a template with one ``{}``)."""
    ones = f"{xp}.ones_like(s[:1])"
    before = f"{xp}.cumprod({cat}([{ones}, s[:-1]]), 0)"
    after = flip.format(f"{xp}.cumprod({cat}([{ones}, {flip.format('s')}[:-1]]), 0)")
    return (f"(lambda x: (lambda u, s, vh: {xp}.linalg.det(u) * {xp}.linalg.det(vh) * "
            f"((vh.T * ({before} * {after})) @ u.T))(*{svd}))")


def _frechet(xp: str, f: str, shift: str, kron: str, on: str = "") -> str:
    """Dᵏf(X)[E1…Ek] = the top-right block of f(I⊗X + Σᵢ Nᵢ⊗Eᵢ), Nᵢ the 2ᵏ×2ᵏ matrix
    with ones at (a, a + 2ⁱ) for a without bit i (exact; Higham & Relton 2014), ``f`` the
    expression of the function. ``shift`` makes the m_×m_ matrix with ones on the s_-th
    superdiagonal; ``on`` places constants on x's device."""
    bits = f"(({xp}.arange(m_{on}) // s_) % 2 == 0)[:, None]"
    return (f"(lambda name, x, *es: (lambda m_, n_: {f}({kron}({xp}.eye(m_, dtype=x.dtype{on}), x) + sum("
            f"{kron}((lambda s_: {shift} * {bits})(2 ** i), e) for i, e in enumerate(es)))[:n_, -n_:])"
            f"(2 ** len(es), x.shape[0]))")


def _scaled_norm(xp: str) -> str:
    """‖u‖ = m·‖u/m‖, m = max|u| (m = 0 gives 0): no overflow or underflow."""
    return (f"(lambda u: (lambda m: m * {xp}.sqrt({xp}.sum((u / m) ** 2)))"
            f"({xp}.where({xp}.max({xp}.abs(u)) > 0, {xp}.max({xp}.abs(u)), 1)))")


@dataclass(frozen=True)
class Backend:
    """A target library: its imports, the names its templates use, and ops it lacks."""

    name: str
    imports: str
    names: dict[str, str]
    missing: frozenset[Op] = field(default_factory=frozenset)
    #: Functions the module defines itself (the NumPy helpers copied into it).
    helpers: frozenset[str] = field(default_factory=frozenset)
    #: The prologue's lines binding dtype_ (device_) from the inputs ``{group}``, and the
    #: line used when there are no array inputs.
    like_inputs: tuple[str, ...] = ()
    no_inputs: str = ""
    #: ``{frechet}`` written for one matrix function (by its name); None: the backend's
    #: ``frechet`` name computes every one, or it has none.
    frechet_of: Callable[[str], str] | None = None
    #: The highest order of Fréchet derivative it writes (None: any).
    frechet_orders: int | None = None
    #: Helper functions a module defines where it calls them: name -> source.
    defs: dict[str, str] = field(default_factory=dict)
    #: Makes a standalone module of a function's source (NumPy: copies in the runtime
    #: helpers it calls, ``runtime.module``); None: its imports and ``defs``.
    standalone: Callable[[str], str] | None = None

    @property
    def modules(self) -> frozenset[str]:
        """The names its imports bind (``np``, ``scipy``, ``runtime``…)."""
        out = set()
        for line in self.imports.splitlines():
            words = line.split()
            if words[:1] == ["import"]:
                out.add(words[3] if len(words) > 3 and words[2] == "as" else words[1].split(".")[0])
            elif words[:1] == ["from"]:
                out.add(words[-1])
        return frozenset(out) | self.helpers

    def prologue(self, arrays: Sequence[str]) -> list[str]:
        """Lines binding ``dtype_`` (and for torch ``device_``) from the array inputs: the
        promoted floating type of the inputs (at least float32), their device, so that
        constants made inside follow the inputs (float32 in, float32 out; on the GPU)."""
        if not arrays:
            return ["    " + self.no_inputs]
        group = f"({arrays[0]},)" if len(arrays) == 1 else f"({', '.join(arrays)})"
        return ["    " + line.format(group=group) for line in self.like_inputs]

    def render(self, node: Node, args: Sequence[str], size: Sizes) -> str:
        template = node.op.source
        if isinstance(template, Absent) or template is None or node.op in self.missing:
            what = node.op.name + (f" ({node.attr[0]})" if node.op is mf.MATFUN else "")
            why = f" ({template.why})" if isinstance(template, Absent) else ""
            raise MatdiffError(f"{what} has no {self.name} form{why}")
        if node.op is mf.MATFUN and f"{node.attr[0]}" not in self.names:
            raise MatdiffError(f"{node.attr[0]} has no {self.name} form")
        names = self.names
        if node.op is mf.MATFUN and node.attr[1] > 0:
            name, k = node.attr
            if (self.frechet_of is None and "frechet" not in names) or \
                    (self.frechet_orders is not None and k > self.frechet_orders):
                order = "" if k == 1 else f" of order {k}"
                raise MatdiffError(f"the Fréchet derivative{order} of {name} has no {self.name} form")
            if self.frechet_of is not None:
                names = {**names, "frechet": self.frechet_of(name)}
        text = template if isinstance(template, str) else template(node, args, size)
        return text.format(*args, **names) if isinstance(template, str) else text.format(**names)


NUMPY = Backend("numpy", "import numpy as np\nimport scipy.linalg\nimport scipy.special",
                {"xp": "np", "linalg": "np.linalg", "like": "dtype=dtype_", "int": "int",
                 "matrix_power": "np.linalg.matrix_power", "expm": "scipy.linalg.expm",
                 "logm": "logm", "sqrtm": "sqrtm",
                 "frechet": "frechet", "logsumexp": "scipy.special.logsumexp",
                 "softmax": "scipy.special.softmax", "sigmoid": "scipy.special.expit",
                 "softplus": "(lambda u: np.logaddexp(0.0, u))",
                 "axis": "axis", "softmax_along": "scipy.special.softmax",
                 "logsumexp_along": "scipy.special.logsumexp",
                 "relu": "(lambda u: np.maximum(u, 0.0))", "spd_inv": "spd_inv",
                 "spd_solve": "spd_solve", "adj": "adjugate", "norm2": "scipy.linalg.norm"},
                helpers=frozenset(runtime.HELPERS), standalone=runtime.module,
                like_inputs=("dtype_ = np.result_type(np.float32, *(np.asarray(v).dtype for v in {group}))",),
                no_inputs="dtype_ = np.float64")
JAX = Backend("jax", "import jax\nimport jax.numpy as jnp\nimport jax.scipy.linalg\n"
              "import jax.scipy.special",
              {"xp": "jnp", "linalg": "jnp.linalg", "like": "dtype=dtype_", "int": "int",
               "matrix_power": "jnp.linalg.matrix_power", "expm": "jax.scipy.linalg.expm",
               "logsumexp": "jax.scipy.special.logsumexp", "softmax": "jax.nn.softmax",
               "axis": "axis", "softmax_along": "jax.nn.softmax",
               "logsumexp_along": "jax.scipy.special.logsumexp",
               "sigmoid": "jax.nn.sigmoid", "relu": "jax.nn.relu", "softplus": "jax.nn.softplus",
               "spd_inv": "(lambda x: jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(x), "
                          "jnp.eye(x.shape[0])))",
               "spd_solve": "(lambda x, b: jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(x), b))",
               "adj": _adjugate("jnp", "jnp.linalg.svd(x)", "jnp.flip({})", "jnp.concatenate"),
               "norm2": _scaled_norm("jnp"),
               "sqrtm": "sqrtm", "logm": "logm"},
              frechet_orders=4,
              frechet_of=lambda f: _frechet("jnp", {"expm": "jax.scipy.linalg.expm"}.get(f, f),
                                            "jnp.eye(m_, k=s_, dtype=x.dtype)", "jnp.kron"),
              defs=JAX_DEFS, helpers=frozenset(JAX_DEFS),
              like_inputs=("dtype_ = jnp.result_type(jnp.float32, *(jnp.asarray(v).dtype for v in {group}))",),
              no_inputs="dtype_ = jnp.result_type(float)")
TORCH = Backend("torch", "import torch",
                {"xp": "torch", "linalg": "torch.linalg", "like": "dtype=dtype_, device=device_", "int": "int",
                 "matrix_power": "torch.linalg.matrix_power", "expm": "torch.linalg.matrix_exp",
                 "logsumexp": "(lambda u: torch.logsumexp(u.reshape(-1), 0))",
                 "softmax": "(lambda u: torch.softmax(u, 0))", "sigmoid": "torch.sigmoid",
                 "axis": "dim", "softmax_along": "torch.softmax", "logsumexp_along": "torch.logsumexp",
                 "relu": "torch.relu", "softplus": "torch.nn.functional.softplus",
                 "spd_inv": "(lambda x: torch.cholesky_inverse(torch.linalg.cholesky(x)))",
                 "spd_solve": "(lambda x, b: torch.cholesky_solve(b if b.dim() == 2 else b[:, None], "
                              "torch.linalg.cholesky(x)).reshape(b.shape))",
                 "adj": _adjugate("torch", "torch.linalg.svd(x)", "torch.flip({}, (0,))", "torch.cat"),
                 "norm2": _scaled_norm("torch"),
                 "sqrtm": "sqrtm", "logm": "logm"},
                frechet_orders=4,
                frechet_of=lambda f: _frechet("torch", {"expm": "torch.linalg.matrix_exp"}.get(f, f),
                                              "torch.diag(x.new_ones(m_ - s_), s_)",
                                              "(lambda a, b: torch.kron(a.contiguous(), b.contiguous()))",
                                              ", device=x.device"),
                defs=TORCH_DEFS, helpers=frozenset(TORCH_DEFS),
                like_inputs=("dtype_ = torch.float32", "for v in {group}:",
                             "    dtype_ = torch.promote_types(dtype_, torch.as_tensor(v).dtype)",
                             "device_ = next((v.device for v in {group} if isinstance(v, torch.Tensor)), None)"),
                no_inputs="dtype_, device_ = torch.get_default_dtype(), None")
BACKENDS = {b.name: b for b in (NUMPY, JAX, TORCH)}

